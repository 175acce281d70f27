/**
 * The outcome email notify sends after an execution: what ran, what was only dry-run, what was
 * blocked and why, and whether each change verified. Plain text only: it carries no link and
 * nothing to click, and incident-derived strings are defanged.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { defang } from '../narrate/defang.ts';
import { approvalSubject, checkAddress } from './approval-email.ts';
import type { ResponseSummary } from './steps.ts';
import type { ResponsePlan } from './types.ts';

const CONCLUSION: Record<ResponseSummary['conclusion'], string> = {
  completed: 'Response finished',
  rejected: 'Response rejected: nothing ran',
  timed_out: 'Approval expired: nothing ran',
  no_action: 'No response action allowed',
  approval_failed: 'Approval could not be requested: nothing ran',
};

export async function composeOutcomeEmail(input: {
  plan: ResponsePlan & { incident_title?: string };
  summary: Pick<ResponseSummary, 'conclusion' | 'results'>;
  to: readonly string[];
  from: string;
  date: Date;
}): Promise<{ raw: Buffer; subject: string; to: string[] }> {
  const to = input.to.map(checkAddress);
  const title = input.plan.incident_title ?? input.plan.incident_id;
  const subject =
    `${CONCLUSION[input.summary.conclusion]} — ${approvalSubject(title).replace(/^\[Vigil\] /, '')}`.slice(
      0,
      200,
    );
  const lines = [
    `${CONCLUSION[input.summary.conclusion]} for incident ${defang(input.plan.incident_id, 80)}.`,
    '',
    ...input.summary.results.map(
      (r) =>
        `- ${r.action} on ${defang(r.target, 200)}: ${r.status}${r.verified === undefined ? '' : r.verified ? ', verified' : ', NOT verified'}` +
        `${r.calls.length ? ` (${r.calls.map((c) => c.operation).join(', ')})` : ''}${r.reasons ? ` — ${r.reasons.map((x) => defang(x, 200)).join('; ')}` : ''}`,
    ),
    ...input.plan.blocked.map(
      (b) =>
        `- ${b.action} on ${defang(b.target.id, 200)}: blocked — ${b.reasons.map((x) => defang(x, 200)).join('; ')}`,
    ),
    '',
    'The audit trail in the console has every step; undo records are kept for every change.',
  ];
  const raw = await new MailComposer({
    from: input.from,
    to,
    subject: `[Vigil] ${subject}`,
    date: input.date,
    text: lines.join('\n'),
  })
    .compile()
    .build();
  return { raw, subject: `[Vigil] ${subject}`, to };
}
