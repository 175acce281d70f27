/**
 * The approval page: what the plan would do, exactly as it would run, who has approved, and — for
 * a signed-in analyst while the request is open — the Approve / Reject form.
 */
import { utc } from '../../shared/respond/approval-email.ts';
import type { Decision } from '../../shared/respond/decide.ts';
import type { ApprovalRequest } from '../../shared/respond/ports.ts';
import type { ActionTarget } from '../../shared/respond/types.ts';
import type { Analyst } from '../auth.ts';
import { CSRF_FIELD } from '../csrf.ts';
import { type Html, h } from './html.ts';
import { page } from './layout.ts';

export interface ApprovalPageInput {
  request: ApprovalRequest;
  /** The signed link this page was opened with (already verified). */
  link: string;
  now: number;
  analyst?: Analyst | undefined;
  /** The CSRF token for this analyst and request; the form is shown only with one. */
  csrf?: string | undefined;
  signInUrl: string;
  /** The outcome of the decision just posted, if this page answers a POST. */
  decision?: Decision | undefined;
}

export const decisionPath = (link: string) => `/approvals/${encodeURIComponent(link)}/decision`;

const target = (t: ActionTarget) =>
  h`${t.type} <code>${t.id}</code>${t.account ? h`<br>account <code>${t.account}</code>` : ''}${
    t.region ? h`<br>region <code>${t.region}</code>` : ''
  }`;

/** What just happened, in words; `good`/`bad` colour the banner. */
export function decisionBanner(d: Decision, analyst?: Analyst): Html {
  const needed = d.needed ?? 0;
  const more = h`${needed} more approval${needed === 1 ? '' : 's'} needed.`;
  switch (d.kind) {
    case 'recorded':
      return h`<p class="banner good">Your approval is recorded. ${more}</p>`;
    case 'approved':
      return d.task === 'answered'
        ? h`<p class="banner good">Approved. The response continues.</p>`
        : h`<p class="banner bad">Approved and recorded, but the response had ${
            d.task === 'gone' ? 'already timed out or been stopped' : 'not heard the answer'
          }: nothing ran.</p>`;
    case 'rejected':
      return d.task === 'answered'
        ? h`<p class="banner">Rejected. Nothing will run.</p>`
        : h`<p class="banner bad">Rejected and recorded; the response had ${
            d.task === 'gone' ? 'already timed out or been stopped' : 'not heard the answer'
          }. Nothing ran.</p>`;
    case 'same_approver':
      return h`<p class="banner bad">You already approved this request${
        analyst ? h` as ${analyst.id}` : ''
      }: another approver is needed. ${more}</p>`;
    case 'already_decided':
      return h`<p class="banner bad">This request was already decided; your answer changed nothing.</p>`;
    case 'expired':
      return h`<p class="banner bad">This request has expired; nothing was recorded.</p>`;
    case 'not_found':
      return h`<p class="banner bad">There is no such approval request.</p>`;
    case 'invalid_link':
      return h`<p class="banner bad">This approval link is not valid.</p>`;
  }
}

function statusLine(r: ApprovalRequest, now: number): Html {
  if (r.status === 'approved')
    return h`<span class="status">approved</span>${r.decided_at ? h` at ${utc(r.decided_at)}` : ''}`;
  if (r.status === 'rejected')
    return h`<span class="status">rejected</span>${r.rejected_by ? h` by ${r.rejected_by}` : ''}${
      r.decided_at ? h` at ${utc(r.decided_at)}` : ''
    }${r.reason ? h`: ${r.reason}` : ''}`;
  if (r.expires_at <= now) return h`<span class="status">expired</span> (nothing ran)`;
  return h`<span class="status">pending</span>`;
}

function decisionForm(input: ApprovalPageInput): Html {
  const { request: r, analyst, csrf, link, now } = input;
  const open = r.status === 'pending' && r.expires_at > now;
  if (!open) return h``;
  if (!analyst || !csrf)
    return h`<p><a href="${input.signInUrl}">Sign in to approve or reject</a>. Opening this page changes nothing.</p>`;
  const mine = r.approvers.find((a) => a.who === analyst.id);
  return h`<form method="post" action="${decisionPath(link)}">
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
${mine ? h`<p>You approved at ${utc(mine.at)}; another approver is needed. You can still reject.</p>` : ''}
<p><label for="reason">Reason (optional, recorded in the audit trail)</label><br>
<textarea id="reason" name="reason" rows="3" maxlength="500"></textarea></p>
<p>${mine ? '' : h`<button type="submit" name="decision" value="approve">Approve</button>`}<button type="submit" name="decision" value="reject">Reject</button></p>
</form>`;
}

export function approvalPage(input: ApprovalPageInput): Html {
  const { request: r, now, analyst, decision } = input;
  const needed = Math.max(0, r.required - r.approvers.length);
  const { actions, blocked } = r.plan;
  const body = h`
<h1>Approval request</h1>
${decision ? decisionBanner(decision, analyst) : ''}
<p><strong>Incident:</strong> ${r.incident_title}<br>
<strong>Incident id:</strong> <code>${r.incident_id}</code><br>
<strong>Status:</strong> ${statusLine(r, now)}<br>
<strong>Expires:</strong> ${utc(r.expires_at)}</p>

<h2>Planned actions</h2>
${
  actions.length === 0
    ? h`<p>No actions.</p>`
    : h`<table><thead><tr><th>Action</th><th>Target</th><th>Mode</th><th>Destructive</th></tr></thead><tbody>
${actions.map(
  (a) => h`<tr><td><code>${a.action}</code></td><td>${target(a.target)}</td><td>${a.mode}</td><td>${
    a.destructive ? 'yes' : 'no'
  }</td></tr>
`,
)}</tbody></table>`
}
${
  blocked.length === 0
    ? ''
    : h`<h2>Blocked actions (will not run)</h2>
<table><thead><tr><th>Action</th><th>Target</th><th>Reasons</th></tr></thead><tbody>
${blocked.map(
  (b) => h`<tr><td><code>${b.action}</code></td><td>${target(b.target)}</td><td><ul>${b.reasons.map(
    (reason) => h`<li>${reason}</li>`,
  )}</ul></td></tr>
`,
)}</tbody></table>`
}
<h2>Approvals</h2>
<p>${r.approvers.length} of ${r.required} required${
    r.status === 'pending' && needed > 0 ? h`; ${needed} still needed` : ''
  }.</p>
${
  r.approvers.length === 0
    ? h`<p>No approvals yet.</p>`
    : h`<ul>${r.approvers.map((a) => h`<li>${a.who} at ${utc(a.at)}</li>`)}</ul>`
}
${decisionForm(input)}`;
  return page({ title: 'Approval request', analyst, body });
}
