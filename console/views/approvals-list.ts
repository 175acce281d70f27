import { utc } from '../../shared/respond/approval-email.ts';
import type { ApprovalRequest } from '../../shared/respond/ports.ts';
import type { Analyst } from '../auth.ts';
import { h } from './html.ts';
import { page } from './layout.ts';

export interface ListedApproval {
  request: ApprovalRequest;
  /** The console path of its approval page (a signed link). */
  href: string;
}

export function approvalsListPage(items: readonly ListedApproval[], analyst: Analyst) {
  const body = h`<h1>Pending approvals</h1>
${
  items.length === 0
    ? h`<p>Nothing is waiting for approval.</p>`
    : h`<table><thead><tr><th>Incident</th><th>Actions</th><th>Approvals</th><th>Expires</th></tr></thead><tbody>
${items.map(
  ({ request: r, href }) =>
    h`<tr><td><a href="${href}">${r.incident_title || 'untitled incident'}</a></td><td>${r.plan.actions
      .map((a) => a.action)
      .join(', ')}</td><td>${r.approvers.length} of ${r.required}</td><td>${utc(r.expires_at)}</td></tr>
`,
)}</tbody></table>`
}`;
  return page({ title: 'Pending approvals', analyst, body });
}
