/**
 * Asks people before a plan runs: called by the state machine's approval task
 * (`waitForTaskToken`), it stores the request with the task token sealed, signs the link and mails
 * it to the approvers. The task waits until the console answers it (decide.ts) or its TimeoutSeconds
 * — the same number as the request's expiry — runs out.
 *
 * Redelivery is normal (Lambda retries, Step Functions retries): the approval id is derived from
 * (plan, task token), so a second invocation finds the first request and mails nothing. The one
 * exception is a first invocation that stored the request but died before the mail went out (no
 * `approval_requested` in the audit trail, which is written after the mail): then the redelivery
 * mails it, the same link — at least once rather than never.
 *
 * The task token and the link are credentials: neither is logged nor written to the audit trail.
 */
import { ValidationError } from '../errors.ts';
import { defang } from '../narrate/defang.ts';
import { approvalUrl, checkAddress, composeApprovalEmail, type Mailer } from './approval-email.ts';
import { approvalIdFor, signLink } from './approval-link.ts';
import type { ApprovalRequest, ApprovalStore, AuditLog } from './ports.ts';
import type { TokenSealer } from './token-sealer.ts';
import type { ResponsePlan } from './types.ts';

export interface RequestApprovalInput {
  plan: ResponsePlan;
  /** Short incident summary; defanged before it is stored. */
  incidentTitle: string;
  /** The Step Functions task token of the waiting approval task. */
  taskToken: string;
}

export interface RequestApprovalDeps {
  store: ApprovalStore;
  audit: AuditLog;
  sealer: TokenSealer;
  mailer: Mailer;
  linkSecret: Uint8Array;
  consoleUrl: string;
  /** Email addresses the request is mailed to. */
  approvers: string[];
  from: string;
  /** The approval task's TimeoutSeconds: the request expires when the task does. */
  timeoutSeconds: number;
  now: () => number;
}

export interface RequestApprovalResult {
  approvalId: string;
  /** The signed link (a credential: hand it to the mailer or the demo's console, never to a log). */
  link: string;
  /** False when this (plan, token) already had a request: a redelivered invocation. */
  created: boolean;
}

const SOURCE = 'respond.request-approval';
const TITLE_MAX = 200;
/** Step Functions task tokens are at most 1024 characters. */
const TOKEN_MAX = 1024;

export async function requestApproval(
  input: RequestApprovalInput,
  deps: RequestApprovalDeps,
): Promise<RequestApprovalResult> {
  const { plan, taskToken } = input;
  if (typeof taskToken !== 'string' || taskToken.length === 0 || taskToken.length > TOKEN_MAX)
    throw new ValidationError('the task token is missing or too long', SOURCE, { planId: plan.id });
  if (!Number.isInteger(deps.timeoutSeconds) || deps.timeoutSeconds < 1)
    throw new ValidationError('the approval timeout must be a positive whole number of seconds', SOURCE);
  if (!(plan.approvals_required >= 1))
    throw new ValidationError('the plan needs no approval', SOURCE, {
      planId: plan.id,
      required: plan.approvals_required,
    });
  if (deps.approvers.length < plan.approvals_required)
    throw new ValidationError('fewer approvers are configured than the plan needs', SOURCE, {
      planId: plan.id,
      required: plan.approvals_required,
      approvers: deps.approvers.length,
    });
  deps.approvers.forEach(checkAddress);
  // Fail on a bad console URL before anything is stored.
  approvalUrl(deps.consoleUrl, 'x');

  const id = approvalIdFor(deps.linkSecret, plan.id, taskToken);
  const now = deps.now();
  const sealed = await deps.sealer.seal(taskToken, id);
  const request: ApprovalRequest = {
    id,
    plan_id: plan.id,
    incident_id: plan.incident_id,
    plan,
    // The port keeps it defanged: every page and message that shows it starts from safe text.
    incident_title: defang(input.incidentTitle, TITLE_MAX),
    sealed_token: sealed,
    required: plan.approvals_required,
    approvers: [],
    status: 'pending',
    created_at: now,
    expires_at: now + deps.timeoutSeconds * 1000,
  };
  const stored = await deps.store.create(request);
  // The store keeps the first request for an id and the port does not say whether it created one.
  // Sealing is randomised (AES-GCM IV, KMS), so our ciphertext (and our clock reading) being the
  // stored ones means this call created the request.
  const created = stored.sealed_token === sealed && stored.created_at === now;
  // The link carries the stored expiry, so a redelivery signs exactly the link that was mailed.
  const link = signLink(deps.linkSecret, id, stored.expires_at);

  if (created || (await unannounced(stored, deps, now))) {
    const email = await composeApprovalEmail({
      request: stored,
      link,
      consoleUrl: deps.consoleUrl,
      approvers: deps.approvers,
      from: deps.from,
      date: new Date(now),
    });
    await deps.mailer.send(email.raw, { to: email.to, subject: email.subject });
    await deps.audit.append({
      incident_id: stored.incident_id,
      plan_id: stored.plan_id,
      event: 'approval_requested',
      actor: 'vigil',
      ref: id,
      at: now,
      details: {
        approval_id: id,
        required: stored.required,
        approvers: email.to,
        expires_at: stored.expires_at,
        actions: stored.plan.actions.map((a) => a.key),
      },
    });
  }
  return { approvalId: id, link, created };
}

/** A stored, still-pending request whose announcement never made it to the audit trail. */
async function unannounced(
  stored: ApprovalRequest,
  deps: RequestApprovalDeps,
  now: number,
): Promise<boolean> {
  if (stored.status !== 'pending' || stored.expires_at <= now) return false;
  const trail = await deps.audit.list(stored.incident_id);
  return !trail.some(
    (e) =>
      e.event === 'approval_requested' &&
      e.plan_id === stored.plan_id &&
      e.details['approval_id'] === stored.id,
  );
}
