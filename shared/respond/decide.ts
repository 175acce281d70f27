/**
 * An analyst's decision on an approval request. The link is checked before anything is read; the
 * decision is one conditional update in the store (so two analysts pressing at once, or a replayed
 * form, cannot both win); only the call whose update flips the status opens the sealed task token
 * and answers the waiting Step Functions task.
 *
 * The flip and the answer are two systems: if the answer fails (the task timed out meanwhile, or
 * its execution was stopped), the decision stays recorded, the result says `task: 'gone'` and the
 * audit trail says so — nothing ran.
 */
import { ValidationError } from '../errors.ts';
import { verifyLink } from './approval-link.ts';
import type { ApprovalRequest, ApprovalStore, AuditLog, DecisionResult } from './ports.ts';
import { APPROVAL_REJECTED, type TaskTokens } from './task-tokens.ts';
import type { TokenSealer } from './token-sealer.ts';

export type DecisionKind =
  | 'invalid_link'
  | 'expired'
  | 'not_found'
  | 'already_decided'
  | 'same_approver'
  | 'recorded'
  | 'approved'
  | 'rejected';

export interface DecideInput {
  link: string;
  /** The signed-in analyst's identity (email). */
  who: string;
  decision: 'approve' | 'reject';
  reason?: string;
}

export interface DecideDeps {
  store: ApprovalStore;
  audit: AuditLog;
  sealer: TokenSealer;
  tasks: TaskTokens;
  linkSecret: Uint8Array;
  now: () => number;
}

export interface Decision {
  kind: DecisionKind;
  request?: ApprovalRequest;
  /** Approvals still needed (recorded, same_approver). */
  needed?: number;
  /**
   * On the flip only: whether the waiting task heard the answer. `gone`: the task no longer exists
   * (timed out, execution stopped); `unanswered`: answering failed otherwise. Either way nothing ran.
   */
  task?: 'answered' | 'gone' | 'unanswered';
}

const SOURCE = 'respond.decide';
export const REASON_MAX = 500;
const WHO_MAX = 254;

/** Errors Step Functions returns for a token whose task is over: answering again cannot help. */
const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

function errorName(e: unknown): string {
  if (typeof e !== 'object' || e === null) return 'unknown';
  const err = e as { name?: unknown; context?: { awsError?: unknown }; cause?: unknown };
  if (typeof err.context?.awsError === 'string') return err.context.awsError;
  if (typeof err.name === 'string' && GONE.has(err.name)) return err.name;
  const cause = err.cause as { name?: unknown } | undefined;
  if (typeof cause?.name === 'string' && GONE.has(cause.name)) return cause.name;
  return typeof err.name === 'string' ? err.name : 'unknown';
}

/** Plain one-line text of bounded length: the reason ends up in the audit trail and the task's cause. */
export function cleanReason(reason: string | undefined): string {
  return (reason ?? '')
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, REASON_MAX);
}

const neededOf = (r: ApprovalRequest) => Math.max(0, r.required - r.approvers.length);

export async function decide(input: DecideInput, deps: DecideDeps): Promise<Decision> {
  const now = deps.now();
  const check = verifyLink(deps.linkSecret, input.link, now);
  if (!check.ok) return { kind: check.reason === 'expired' ? 'expired' : 'invalid_link' };
  const who = input.who.trim();
  if (who.length === 0 || who.length > WHO_MAX)
    throw new ValidationError('the deciding analyst has no usable identity', SOURCE);
  const id = check.approvalId;
  const reason = cleanReason(input.reason);

  const result: DecisionResult =
    input.decision === 'approve'
      ? await deps.store.approve(id, who, now)
      : await deps.store.reject(id, who, reason, now);

  switch (result.outcome) {
    case 'refused': {
      const request = result.request;
      const base = request ? { request } : {};
      switch (result.reason) {
        case 'not_found':
          return { kind: 'not_found' };
        case 'expired':
          return { kind: 'expired', ...base };
        case 'decided':
          return { kind: 'already_decided', ...base };
        case 'same_approver':
          return { kind: 'same_approver', ...base, ...(request ? { needed: neededOf(request) } : {}) };
      }
      break;
    }
    case 'recorded': {
      await recordApproval(result.request, who, now, deps);
      return { kind: 'recorded', request: result.request, needed: neededOf(result.request) };
    }
    case 'approved': {
      const request = result.request;
      await recordApproval(request, who, now, deps);
      const approvedBy = request.approvers.map((a) => a.who);
      const task = await answer(request, deps, (token) =>
        deps.tasks.succeed(token, { approved_by: approvedBy, approval_id: request.id }),
      );
      await deps.audit.append({
        incident_id: request.incident_id,
        plan_id: request.plan_id,
        event: 'approved',
        ref: request.id,
        actor: who,
        at: now,
        details: { approval_id: request.id, approved_by: approvedBy, ...task.details },
      });
      return { kind: 'approved', request, needed: 0, task: task.state };
    }
    case 'rejected': {
      const request = result.request;
      const cause = `rejected by ${who}${reason ? `: ${reason}` : ''}`;
      const task = await answer(request, deps, (token) => deps.tasks.fail(token, APPROVAL_REJECTED, cause));
      await deps.audit.append({
        incident_id: request.incident_id,
        plan_id: request.plan_id,
        event: 'rejected',
        ref: request.id,
        actor: who,
        at: now,
        details: { approval_id: request.id, reason, ...task.details },
      });
      return { kind: 'rejected', request, task: task.state };
    }
  }
  // Unreachable with a store that keeps the port's contract.
  throw new ValidationError('the approval store returned an unknown outcome', SOURCE);
}

function recordApproval(request: ApprovalRequest, who: string, now: number, deps: DecideDeps) {
  return deps.audit.append({
    incident_id: request.incident_id,
    plan_id: request.plan_id,
    event: 'approval_recorded',
    ref: request.id,
    actor: who,
    at: now,
    details: {
      approval_id: request.id,
      approvals: request.approvers.length,
      required: request.required,
    },
  });
}

/** Opens the token and answers the task; never throws once the decision is in the store. */
async function answer(
  request: ApprovalRequest,
  deps: DecideDeps,
  call: (token: string) => Promise<void>,
): Promise<{ state: 'answered' | 'gone' | 'unanswered'; details: Record<string, unknown> }> {
  try {
    const token = await deps.sealer.open(request.sealed_token, request.id);
    await call(token);
    return { state: 'answered', details: { task: 'answered' } };
  } catch (e) {
    const name = errorName(e);
    const state = GONE.has(name) ? 'gone' : 'unanswered';
    // The error's name only: an SDK message can quote the token.
    return { state, details: { task: state, task_error: name } };
  }
}
