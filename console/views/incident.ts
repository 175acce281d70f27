/**
 * The incident page, and the two pages of the false-positive → suppression loop (the proposal,
 * the confirmation).
 *
 * Nearly everything here comes from logs or from a narrator: titles, entity ids, evidence facts,
 * narrative text, audit details. All of it is escaped text. Links are built only from ids: the
 * incident and signal ids through encodeURIComponent, evidence anchors only from evidence ids that
 * match EVIDENCE_ID (others are shown as text and never linked or used as an element id). No URL,
 * markdown or markup in narrative text becomes a link.
 */
import type { Suppression } from '../../shared/correlate/types.ts';
import type { IncidentView } from '../../shared/correlate/view.ts';
import { TACTICS, type Tactic } from '../../shared/detect/types.ts';
import type { BacktestResult } from '../../shared/feedback/backtest.ts';
import type { Verdict, VerdictKind } from '../../shared/feedback/types.ts';
import { utc } from '../../shared/respond/approval-email.ts';
import type { AuditEntry } from '../../shared/respond/ports.ts';
import type { Analyst } from '../auth.ts';
import { CSRF_FIELD } from '../csrf.ts';
import { duration } from './duration.ts';
import { type Html, h } from './html.ts';
import { incidentPath, severityBadge, tacticName, when } from './incidents.ts';
import { page } from './layout.ts';
import { stepChart } from './svg.ts';

type Signal = IncidentView['signals'][number];
type Evidence = IncidentView['evidence'][number];

/** The only evidence ids that become links and element ids. */
export const EVIDENCE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The element id of an evidence item: `ev-<id>` (ids minted by Vigil already start with `ev-`). */
export function evidenceAnchor(id: string): string | undefined {
  if (!EVIDENCE_ID.test(id)) return undefined;
  return id.startsWith('ev-') ? id : `ev-${id}`;
}

export const signalPath = (incidentId: string, signalId: string, action: 'verdict' | 'suppression') =>
  `${incidentPath(incidentId)}/signals/${encodeURIComponent(signalId)}/${action}`;

export const VERDICT_LABEL: Record<VerdictKind, string> = {
  true_positive: 'true positive',
  false_positive: 'false positive',
  benign: 'benign',
};

/** The suppression durations the confirm form offers, in days; 30 is suppressionFromVerdict's default. */
export const SUPPRESSION_DAYS = [7, 30, 90] as const;
export const DEFAULT_SUPPRESSION_DAYS = 30;

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** Evidence items by id, numbered in page order (`E1`, `E2`, …): the labels citations show. */
type Shown = ReadonlyMap<string, number>;

/** Citations of a narrative statement: links to the evidence items the page shows, text otherwise. */
function citations(ids: readonly string[], shown: Shown): Html {
  return h`<span class="cites">${ids.map((id) => {
    const anchor = evidenceAnchor(id);
    const n = shown.get(id);
    return anchor && n !== undefined
      ? h` <a href="#${anchor}" title="${id}">[E${n}]</a>`
      : h` <span title="not an evidence item of this incident">[${clip(id, 64)}?]</span>`;
  })}</span>`;
}

function evidenceLink(id: string | undefined, shown: Shown): Html {
  if (id === undefined) return h``;
  const anchor = evidenceAnchor(id);
  const n = shown.get(id);
  return anchor && n !== undefined ? h`<a href="#${anchor}" title="${id}">E${n}</a>` : h`${clip(id, 64)}`;
}

const factValue = (v: unknown): string => clip(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''), 500);

function evidenceRow(e: Evidence, shown: Shown): Html {
  const anchor = evidenceAnchor(e.id);
  const n = shown.get(e.id);
  const facts = Object.entries(e.facts);
  return h`<tr${anchor ? h` id="${anchor}"` : ''}><td>${n !== undefined ? h`<strong>E${n}</strong><br>` : ''}<code>${clip(e.id, 64)}</code>${
    anchor ? '' : h`<br>(not a valid evidence id: not linked)`
  }</td><td>${when(e.time)}</td><td>${e.source}</td><td style="overflow-wrap:anywhere">${
    facts.length === 0
      ? 'no facts'
      : h`<ul>${facts.map(([k, v]) => h`<li><strong>${k}</strong>: ${factValue(v)}</li>`)}</ul>`
  }<small>event <code>${e.event_uid}</code></small></td></tr>
`;
}

function narrativeSection(i: IncidentView, shown: Shown): Html {
  const n = i.narrative;
  return h`<h2>What happened</h2>
<p>${n.summary}</p>
<p><small>Narrative by ${n.generated_by === 'bedrock' ? 'a model (advisory)' : 'the deterministic narrator'}; its severity ${
    n.severity
  }, confidence ${n.confidence}.</small></p>
<h3>Claims</h3>
<ol>${n.claims.map((c) => h`<li>${c.text}${citations(c.evidence, shown)}</li>`)}</ol>
${
  n.hypotheses.length > 0
    ? h`<h3>Hypotheses</h3><ul>${n.hypotheses.map((c) => h`<li>${c.text}${citations(c.evidence, shown)}</li>`)}</ul>`
    : ''
}
${
  n.open_questions.length > 0
    ? h`<h3>Open questions</h3><ul>${n.open_questions.map((q) => h`<li>${q}</li>`)}</ul>`
    : ''
}`;
}

function timeline(signals: readonly Signal[], shown: Shown): Html {
  const ordered = [...signals].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return h`<h2>Timeline</h2>
<ol>${ordered.map(
    (s) =>
      h`<li>${when(s.time)} — ${s.title} (<code>${s.rule_id}</code>, ${tacticName(s.tactic)}) ${evidenceLink(
        s.evidence[0],
        shown,
      )}</li>`,
  )}</ol>`;
}

function riskChart(i: IncidentView): Html {
  const ordered = [...i.signals]
    .map((s) => ({ s, t: Date.parse(s.time) }))
    .filter(({ t }) => Number.isFinite(t))
    .sort((a, b) => a.t - b.t);
  let total = 0;
  const points = ordered.map(({ s, t }) => {
    total += s.risk;
    return { t, total, label: `${utc(t)}: ${s.title} +${s.risk} (running total ${total})` };
  });
  return h`<h2>Risk over time</h2>
${stepChart({
  id: 'risk-history',
  title: `Cumulative signal risk of ${i.title}`,
  description: `Each step is a signal at its event time, adding its risk points: ${total} in all. The incident's risk, ${i.risk}, is scored from the same signals with per-rule caps and a bonus per extra tactic.`,
  points,
  reference: { value: i.risk, label: `incident risk ${i.risk}` },
  timeLabel: utc,
})}
<p><small>Steps: signal risk added at each signal's event time (total ${total}); dashed: the incident's scored risk.</small></p>`;
}

function attackMapping(signals: readonly Signal[]): Html {
  const byTactic = new Map<string, Map<string, number>>();
  for (const s of signals) {
    const techniques = byTactic.get(s.tactic) ?? new Map<string, number>();
    byTactic.set(s.tactic, techniques);
    for (const t of s.attack) techniques.set(t, (techniques.get(t) ?? 0) + 1);
  }
  const order = Object.keys(TACTICS);
  const tactics = [...byTactic.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  if (tactics.length === 0) return h`<h2>ATT&amp;CK mapping</h2><p>No signals.</p>`;
  return h`<h2>ATT&amp;CK mapping</h2>
<table><thead><tr><th>Tactic</th><th>Techniques (signals)</th></tr></thead><tbody>
${tactics.map(
  (t) =>
    h`<tr><td>${Object.hasOwn(TACTICS, t) ? h`${t} ${TACTICS[t as Tactic]}` : t}</td><td>${[
      ...(byTactic.get(t) ?? new Map<string, number>()),
    ].map(([technique, count], k) => h`${k > 0 ? ', ' : ''}<code>${technique}</code> (${count})`)}</td></tr>
`,
)}</tbody></table>`;
}

function entitiesSection(i: IncidentView): Html {
  return h`<h2>Entities</h2>
<table><thead><tr><th>Type</th><th>Id</th></tr></thead><tbody>
${i.entities.map(
  (e) => h`<tr><td>${e.type}</td><td><code>${e.id}</code></td></tr>
`,
)}</tbody></table>`;
}

function verdictList(verdicts: readonly Verdict[]): Html {
  if (verdicts.length === 0) return h``;
  return h`<ul>${verdicts.map(
    (v) =>
      h`<li>${VERDICT_LABEL[v.verdict] ?? v.verdict} — ${v.analyst}, ${utc(v.at)}${v.reason ? h`: ${v.reason}` : ''}</li>`,
  )}</ul>`;
}

/** The layout's buttons are sized for a page's one form; these sit in a table cell per signal. */
const SMALL = 'padding:.1rem .4rem;margin:0 .25rem .25rem 0;font-size:.85em';

function verdictForm(i: IncidentView, s: Signal, mine: Verdict | undefined, csrf: string): Html {
  const action = signalPath(i.id, s.id, 'verdict');
  if (mine?.verdict === 'false_positive')
    return h`<form method="post" action="${action}"><input type="hidden" name="${CSRF_FIELD}" value="${csrf}"><button type="submit" name="verdict" value="false_positive" style="${SMALL}">Propose suppression</button></form>`;
  if (mine) return h``;
  return h`<form method="post" action="${action}">
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
<input name="reason" maxlength="500" placeholder="reason (optional)" aria-label="Reason for the verdict" style="width:100%;box-sizing:border-box;margin-bottom:.25rem">
<button type="submit" name="verdict" value="true_positive" style="${SMALL}">True positive</button><button type="submit" name="verdict" value="false_positive" style="${SMALL}">False positive</button><button type="submit" name="verdict" value="benign" style="${SMALL}">Benign</button>
</form>`;
}

function signalsSection(
  i: IncidentView,
  verdicts: readonly Verdict[],
  analyst: Analyst,
  csrf: (signalId: string) => string,
  shown: Shown,
): Html {
  return h`<h2>Signals</h2>
<table><thead><tr><th>Time</th><th>Rule</th><th>Title</th><th>Severity</th><th>Risk</th><th>ATT&amp;CK</th><th>Evidence</th><th>Verdicts</th></tr></thead><tbody>
${i.signals.map((s) => {
  const on = verdicts.filter((v) => v.signal_id === s.id);
  const mine = on.find((v) => v.analyst === analyst.id);
  return h`<tr><td>${when(s.time)}</td><td><code>${s.rule_id}</code></td><td>${s.title}</td><td>${severityBadge(
    s.severity,
  )}</td><td>${s.risk}</td><td>${s.attack.map((t, k) => h`${k > 0 ? ', ' : ''}<code>${t}</code>`)}</td><td>${evidenceLink(
    s.evidence[0],
    shown,
  )}</td><td>${verdictList(on)}${verdictForm(i, s, mine, csrf(s.id))}</td></tr>
`;
})}</tbody></table>`;
}

/** Where the response stands, from the audit trail (the preview alone says nothing about what ran). */
export function responseStatus(audit: readonly AuditEntry[]): string | undefined {
  const last = (events: string[]) => [...audit].reverse().find((e) => events.includes(e.event));
  const ended = last(['timed_out', 'rejected']);
  if (ended) return ended.event === 'timed_out' ? 'approval expired: nothing ran' : 'rejected: nothing ran';
  // Outcomes of an execution carry its name (`ref`); the guard's refusals at planning time do not.
  const ran = audit.filter(
    (e) =>
      ['applied', 'already_converged', 'dry_run', 'failed', 'blocked'].includes(e.event) &&
      e.action_key !== undefined &&
      e.ref !== undefined,
  );
  if (ran.length > 0) {
    const counts = new Map<string, number>();
    for (const e of ran) counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
    return `ran: ${[...counts].map(([event, n]) => `${n} ${event.replace('_', ' ')}`).join(', ')}`;
  }
  if (last(['approved'])) return 'approved: actions running';
  if (last(['approval_requested'])) return 'waiting for approval';
  return undefined;
}

function responseSection(i: IncidentView, audit: readonly AuditEntry[]): Html {
  const r = i.response;
  const status = responseStatus(audit);
  if (!r)
    return h`<h2>Response</h2><p>No response preview: the response settings are not available here.</p>`;
  return h`<h2>Response</h2>
<p>${status ? h`<strong>Status:</strong> ${status}<br>` : ''}<strong>Playbook:</strong> ${r.playbook ?? 'none'}<br>
<strong>Mode:</strong> ${r.mode}${r.approvals_required > 0 ? h` (${r.approvals_required} approval${r.approvals_required === 1 ? '' : 's'} required)` : ''}${
    r.local_dry_run
      ? h`<br><small>The plan as the guard sees it now. Local mode: every action runs as a dry-run.</small>`
      : ''
  }</p>
<h3>Planned actions</h3>
${
  r.actions.length === 0
    ? h`<p>No actions.</p>`
    : h`<table><thead><tr><th>Action</th><th>Target</th><th>Mode</th><th>Destructive</th></tr></thead><tbody>
${r.actions.map(
  (a) =>
    h`<tr><td><code>${a.action}</code></td><td>${a.target_type} <code>${a.target}</code></td><td>${a.mode}</td><td>${
      a.destructive ? 'yes' : 'no'
    }</td></tr>
`,
)}</tbody></table>`
}
${
  r.blocked.length === 0
    ? ''
    : h`<h3>Blocked actions (will not run)</h3>
<table><thead><tr><th>Action</th><th>Target</th><th>Reasons</th></tr></thead><tbody>
${r.blocked.map(
  (b) =>
    h`<tr><td><code>${b.action}</code></td><td><code>${b.target}</code></td><td><ul>${b.reasons.map(
      (reason) => h`<li>${reason}</li>`,
    )}</ul></td></tr>
`,
)}</tbody></table>`
}`;
}

/** `key: value; …` of an audit entry's details, each value shortened. */
export function detailsSummary(details: Record<string, unknown>): string {
  const entries = Object.entries(details);
  const shown = entries
    .slice(0, 6)
    .map(([k, v]) => `${clip(k, 40)}: ${clip(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''), 120)}`);
  return `${shown.join('; ')}${entries.length > 6 ? `; … (${entries.length - 6} more)` : ''}`;
}

const CLOSING = new Set(['approved', 'rejected', 'timed_out']);

/** Plans whose approval was requested and not yet approved, rejected or timed out. */
export function pendingApprovals(audit: readonly AuditEntry[]): string[] {
  const pending = new Set<string>();
  for (const e of [...audit].sort((a, b) => a.at - b.at)) {
    if (e.event === 'approval_requested') pending.add(e.plan_id);
    else if (CLOSING.has(e.event)) pending.delete(e.plan_id);
  }
  return [...pending];
}

function auditSection(audit: readonly AuditEntry[]): Html {
  const pending = new Set(pendingApprovals(audit));
  return h`<h2>Audit trail</h2>
${
  pending.size > 0
    ? h`<p class="banner">An approval is pending for this incident: <a href="/approvals">open the pending approvals</a>.</p>`
    : ''
}
${
  audit.length === 0
    ? h`<p>Nothing recorded yet.</p>`
    : h`<table><thead><tr><th>Time</th><th>Event</th><th>Actor</th><th>Action</th><th>Details</th></tr></thead><tbody>
${audit.map(
  (e) =>
    h`<tr><td>${utc(e.at)}</td><td>${e.event}${
      e.event === 'approval_requested' && pending.has(e.plan_id) ? h` (<a href="/approvals">pending</a>)` : ''
    }</td><td>${e.actor}</td><td>${e.action_key ? h`<code>${e.action_key}</code>` : ''}</td><td>${detailsSummary(
      e.details,
    )}</td></tr>
`,
)}</tbody></table>`
}`;
}

export interface IncidentPageInput {
  incident: IncidentView;
  audit: readonly AuditEntry[];
  verdicts: readonly Verdict[];
  analyst: Analyst;
  /** The CSRF token of the verdict form of one signal. */
  csrf: (signalId: string) => string;
}

export function incidentPage(input: IncidentPageInput): Html {
  const { incident: i, audit, verdicts, analyst, csrf } = input;
  const shown: Shown = new Map(
    i.evidence.filter((e) => evidenceAnchor(e.id) !== undefined).map((e, k) => [e.id, k + 1]),
  );
  const incidentVerdicts = verdicts.filter((v) => v.signal_id === undefined);
  const body = h`<p><a href="/incidents">← Incidents</a></p>
<h1>${i.title || 'untitled incident'}</h1>
<p>${severityBadge(i.severity)} <strong>Risk</strong> ${i.risk} · <strong>Status</strong> ${i.status} · <strong>Opened</strong> ${when(
    i.opened_at,
  )} · <strong>First event</strong> ${when(i.first_event_at)} · <strong>MTTD</strong> ${duration(i.mttd_seconds)}<br>
<small>Incident <code>${i.id}</code> · tactics: ${i.tactics.map((t, k) => h`${k > 0 ? ', ' : ''}${tacticName(t)}`)}</small></p>
${incidentVerdicts.length > 0 ? h`<h2>Verdicts on the incident</h2>${verdictList(incidentVerdicts)}` : ''}
${narrativeSection(i, shown)}
${timeline(i.signals, shown)}
${riskChart(i)}
${attackMapping(i.signals)}
${entitiesSection(i)}
${signalsSection(i, verdicts, analyst, csrf, shown)}
<h2>Evidence</h2>
<table><thead><tr><th>Id</th><th>Time</th><th>Source</th><th>Facts</th></tr></thead><tbody>
${i.evidence.map((e) => evidenceRow(e, shown))}</tbody></table>
${responseSection(i, audit)}
${auditSection(audit)}`;
  return page({ title: i.title || 'Incident', analyst, body });
}

// ── the false-positive loop ─────────────────────────────────────────────────────────────────────

function signalSummary(i: IncidentView, s: Signal): Html {
  return h`<p><strong>Incident:</strong> <a href="${incidentPath(i.id)}">${i.title || 'untitled incident'}</a><br>
<strong>Signal:</strong> ${s.title} (<code>${s.rule_id}</code>) at ${when(s.time)}</p>`;
}

function suppressionTable(s: Suppression): Html {
  return h`<table><tbody>
<tr><th>Rule</th><td><code>${s.rule_id}</code></td></tr>
<tr><th>Entity pattern</th><td><code>${s.entity_pattern}</code></td></tr>
<tr><th>Expires</th><td>${utc(s.expires_at)}</td></tr>
<tr><th>Reason</th><td>${s.reason || '(none given)'}</td></tr>
<tr><th>Created by</th><td>${s.created_by}</td></tr>
</tbody></table>`;
}

export function backtestSentence(b: BacktestResult): Html {
  const signals = `${b.signals} past signal${b.signals === 1 ? '' : 's'}`;
  const incidents = `${b.incidents} incident${b.incidents === 1 ? '' : 's'}`;
  return b.exact
    ? h`<p><strong>Backtest:</strong> would have silenced ${signals} in ${incidents} (of ${b.considered} stored signals).</p>`
    : h`<p><strong>Backtest:</strong> would have silenced at most ${signals} in ${incidents} (of ${b.considered} stored signals).
<small>An upper bound: the incident view does not list each signal's own entities, so a signal of this rule is counted when the pattern matches any entity of its incident.</small></p>`;
}

export interface ProposalPageInput {
  incident: IncidentView;
  signal: Signal;
  verdict: Verdict;
  /** The proposal, or why there is none. */
  proposal:
    | { suppression: Suppression; scopedFrom: 'signal' | 'incident'; backtest: BacktestResult }
    | { why: string };
  incidentsById: ReadonlyMap<string, { title: string }>;
  csrf: string;
  analyst: Analyst;
}

export function proposalPage(input: ProposalPageInput): Html {
  const { incident: i, signal: s, verdict, proposal, analyst } = input;
  const recorded = h`<p class="banner good">Recorded: ${VERDICT_LABEL[verdict.verdict]} by ${verdict.analyst} at ${utc(
    verdict.at,
  )}.</p>`;
  if ('why' in proposal) {
    const body = h`<h1>False positive recorded</h1>${recorded}${signalSummary(i, s)}
<p class="banner bad">No suppression is proposed: ${proposal.why}.</p>
<p><a href="${incidentPath(i.id)}">Back to the incident</a></p>`;
    return page({ title: 'False positive recorded', analyst, body });
  }
  const { suppression, scopedFrom, backtest } = proposal;
  const listed = backtest.incidentIds.slice(0, 20);
  const body = h`<h1>Suppress this false positive?</h1>${recorded}${signalSummary(i, s)}
<h2>Proposed suppression</h2>
<p>Signals of this rule naming this entity would be kept but not counted: they open no incident and add no risk.</p>
${suppressionTable(suppression)}
${
  scopedFrom === 'incident'
    ? h`<p><small>Scoped from the incident's only ${suppression.entity_pattern.slice(0, suppression.entity_pattern.indexOf(':'))} entity: the incident view does not list the signal's own entities.</small></p>`
    : ''
}
${backtestSentence(backtest)}
${
  listed.length > 0
    ? h`<ul>${listed.map((id) => h`<li><a href="${incidentPath(id)}">${input.incidentsById.get(id)?.title || id}</a></li>`)}</ul>${
        backtest.incidentIds.length > listed.length
          ? h`<p>… and ${backtest.incidentIds.length - listed.length} more.</p>`
          : ''
      }`
    : ''
}
<form method="post" action="${signalPath(i.id, s.id, 'suppression')}">
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}">
<p><label for="days">Lasts</label> <select id="days" name="days">${SUPPRESSION_DAYS.map(
    (d) => h`<option value="${d}"${d === DEFAULT_SUPPRESSION_DAYS ? h` selected` : ''}>${d} days</option>`,
  )}</select> (the expiry above is for ${DEFAULT_SUPPRESSION_DAYS} days)</p>
<p><button type="submit">Create suppression</button> <a href="${incidentPath(i.id)}">Not now</a></p>
</form>`;
  return page({ title: 'Suppress this false positive?', analyst, body });
}

export function suppressionCreatedPage(input: {
  incident: IncidentView;
  signal: Signal;
  suppression: Suppression;
  analyst: Analyst;
}): Html {
  const { incident: i, signal: s, suppression, analyst } = input;
  const body = h`<h1>Suppression created</h1>
<p class="banner good">Suppression <code>${suppression.id}</code> is stored. It applies to new signals from now on, until ${utc(
    suppression.expires_at,
  )}; signals already stored and open incidents are not changed.</p>
${signalSummary(i, s)}
${suppressionTable(suppression)}
<p><a href="${incidentPath(i.id)}">Back to the incident</a></p>`;
  return page({ title: 'Suppression created', analyst, body });
}
