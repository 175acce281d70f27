/**
 * The approval email: one RFC 5322 message (text and HTML alternatives) that tells the approvers
 * what a plan would do and where to decide. Everything that came from the incident — its title,
 * target ids, blocked reasons — is hostile text: defanged in both parts (mail clients auto-link
 * addresses) and HTML-escaped in the HTML part. The only link in the message is the one Vigil
 * built from its own console URL and the signed approval link.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { ValidationError } from '../errors.ts';
import { defang } from '../narrate/defang.ts';
import { escapeHtml } from '../narrate/escape.ts';
import type { ApprovalRequest } from './ports.ts';
import type { ActionTarget } from './types.ts';

/** Sends one composed message. AWS: SES (shared/store/ses-mailer.ts); locally an outbox directory. */
export interface Mailer {
  /** `raw` is the whole message, headers included; `meta` repeats what the headers say, for the transport. */
  send(raw: Buffer, meta: { to: string[]; subject: string }): Promise<void>;
}

export interface ApprovalEmailInput {
  request: ApprovalRequest;
  /** The signed link (`<id>.<expiry>.<signature>`), not the URL. */
  link: string;
  consoleUrl: string;
  /** Email addresses of the approvers. */
  approvers: readonly string[];
  from: string;
  /** The message's Date header. */
  date: Date;
}

export interface ApprovalEmail {
  raw: Buffer;
  subject: string;
  to: string[];
}

const SOURCE = 'respond.approval-email';
const TITLE_MAX = 120;
const TARGET_MAX = 300;
const REASON_MAX = 300;
// Deliberately plain: one @, no whitespace, quotes, angle brackets, commas or semicolons, so an
// address can never smuggle a second recipient or a header.
const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;
const FROM = /^(?:[A-Za-z0-9 ._-]{1,64} )?<?([^<>\s,;"]+)>?$/;

/** `2026-11-23 10:00:00 UTC`. */
export const utc = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** The console address of a signed link. */
export function approvalUrl(consoleUrl: string, link: string): string {
  let url: URL;
  try {
    url = new URL(consoleUrl);
  } catch {
    throw new ValidationError('the console URL is not a URL', SOURCE);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ValidationError('the console URL must be http(s)', SOURCE);
  return `${consoleUrl.replace(/\/+$/, '')}/approvals/${encodeURIComponent(link)}`;
}

/** The subject line: one line, defanged, bounded. */
export function approvalSubject(incidentTitle: string): string {
  const title = defang(incidentTitle, TITLE_MAX)
    .replace(/[\r\n]+/g, ' ')
    .trim();
  return `[Vigil] Approval needed: ${title || 'untitled incident'}`;
}

export function checkAddress(address: string): string {
  if (!ADDRESS.test(address)) throw new ValidationError('not a plain email address', SOURCE);
  return address;
}

const describeTarget = (t: ActionTarget): string =>
  [
    `${t.type} ${defang(t.id, TARGET_MAX)}`,
    t.account ? `account ${defang(t.account, 20)}` : '',
    t.region ? `region ${defang(t.region, 30)}` : '',
  ]
    .filter(Boolean)
    .join(', ');

export async function composeApprovalEmail(input: ApprovalEmailInput): Promise<ApprovalEmail> {
  const { request, approvers } = input;
  if (approvers.length === 0) throw new ValidationError('no approvers to mail', SOURCE);
  const to = approvers.map(checkAddress);
  const fromAddress = FROM.exec(input.from)?.[1];
  if (!fromAddress || !ADDRESS.test(fromAddress))
    throw new ValidationError('the From address is not a plain email address', SOURCE);

  const url = approvalUrl(input.consoleUrl, input.link);
  const subject = approvalSubject(request.incident_title);
  const title = defang(request.incident_title, TITLE_MAX) || 'untitled incident';
  const expires = utc(request.expires_at);
  const { actions, blocked } = request.plan;
  const required = request.required;
  const changesNothing =
    'Opening the link changes nothing: approving needs signing in to the console and pressing Approve.';

  const text = [
    'Vigil asks for approval before it responds to an incident.',
    '',
    `Incident: ${title}`,
    `Incident id: ${defang(request.incident_id, TARGET_MAX)}`,
    '',
    'Planned actions:',
    ...actions.map(
      (a) =>
        `  - ${a.action} on ${describeTarget(a.target)} (mode ${a.mode}, destructive: ${a.destructive ? 'yes' : 'no'})`,
    ),
    ...(blocked.length > 0
      ? [
          '',
          'Blocked (will not run):',
          ...blocked.map(
            (b) =>
              `  - ${b.action} on ${describeTarget(b.target)}: ${b.reasons.map((r) => defang(r, REASON_MAX)).join('; ')}`,
          ),
        ]
      : []),
    '',
    `Approvals required: ${required} (from ${to.join(', ')})`,
    `The request expires at ${expires}; with no decision by then nothing runs.`,
    '',
    'Review and decide:',
    url,
    '',
    changesNothing,
    '',
  ].join('\n');

  const e = (s: string) => escapeHtml(s);
  const htmlBody = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    '<p>Vigil asks for approval before it responds to an incident.</p>',
    `<p><strong>Incident:</strong> ${e(title)}<br><strong>Incident id:</strong> ${e(defang(request.incident_id, TARGET_MAX))}</p>`,
    '<p><strong>Planned actions:</strong></p><ul>',
    ...actions.map(
      (a) =>
        `<li>${e(a.action)} on ${e(describeTarget(a.target))} (mode ${e(a.mode)}, destructive: ${a.destructive ? 'yes' : 'no'})</li>`,
    ),
    '</ul>',
    ...(blocked.length > 0
      ? [
          '<p><strong>Blocked (will not run):</strong></p><ul>',
          ...blocked.map(
            (b) =>
              `<li>${e(b.action)} on ${e(describeTarget(b.target))}: ${e(b.reasons.map((r) => defang(r, REASON_MAX)).join('; '))}</li>`,
          ),
          '</ul>',
        ]
      : []),
    `<p><strong>Approvals required:</strong> ${required} (from ${e(to.join(', '))})<br>`,
    `<strong>Expires:</strong> ${e(expires)}; with no decision by then nothing runs.</p>`,
    `<p><a href="${e(url)}">Review and decide</a><br>${e(url)}</p>`,
    `<p>${e(changesNothing)}</p>`,
    '</body></html>',
  ].join('\n');

  const composer = new MailComposer({
    from: input.from,
    to,
    subject,
    date: input.date,
    text,
    html: htmlBody,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    xMailer: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const raw = await composer.compile().build();
  return { raw, subject, to };
}
