/**
 * The approval ports in memory, for unit tests of request-approval, decide and the console
 * (the DynamoDB adapters are exercised by test/integration/approval-flow.test.ts). Each keeps the
 * port's contract and records every call, so tests can say "no store access".
 */
import type { Mailer } from '../../shared/respond/approval-email.ts';
import type {
  ApprovalRequest,
  ApprovalStore,
  AuditEntry,
  AuditLog,
  DecisionResult,
} from '../../shared/respond/ports.ts';
import type { TaskTokens } from '../../shared/respond/task-tokens.ts';
import type { ActionTarget, ResponsePlan } from '../../shared/respond/types.ts';

export function memoryApprovalStore(): ApprovalStore & {
  calls: string[];
  requests: Map<string, ApprovalRequest>;
} {
  const requests = new Map<string, ApprovalRequest>();
  const calls: string[] = [];
  const copy = (r: ApprovalRequest) => structuredClone(r);
  const refuse = (reason: 'not_found' | 'decided' | 'expired' | 'same_approver', r?: ApprovalRequest) =>
    ({ outcome: 'refused', reason, ...(r ? { request: copy(r) } : {}) }) as DecisionResult;
  return {
    calls,
    requests,
    async create(request) {
      calls.push('create');
      const existing = requests.get(request.id);
      if (existing) return copy(existing);
      requests.set(request.id, copy(request));
      return copy(request);
    },
    async get(id) {
      calls.push('get');
      const r = requests.get(id);
      return r ? copy(r) : undefined;
    },
    async listPending(now) {
      calls.push('listPending');
      return [...requests.values()]
        .filter((r) => r.status === 'pending' && r.expires_at > now)
        .sort((a, b) => b.created_at - a.created_at)
        .map(copy);
    },
    async approve(id, who, now) {
      calls.push('approve');
      const r = requests.get(id);
      if (!r) return refuse('not_found');
      if (r.status !== 'pending') return refuse('decided', r);
      if (r.expires_at <= now) return refuse('expired', r);
      if (r.approvers.some((a) => a.who === who)) return refuse('same_approver', r);
      r.approvers.push({ who, at: now });
      if (r.approvers.length >= r.required) {
        r.status = 'approved';
        r.decided_at = now;
        return { outcome: 'approved', request: copy(r) };
      }
      return { outcome: 'recorded', request: copy(r) };
    },
    async reject(id, who, reason, now) {
      calls.push('reject');
      const r = requests.get(id);
      if (!r) return refuse('not_found');
      if (r.status !== 'pending') return refuse('decided', r);
      if (r.expires_at <= now) return refuse('expired', r);
      r.status = 'rejected';
      r.rejected_by = who;
      r.reason = reason;
      r.decided_at = now;
      return { outcome: 'rejected', request: copy(r) };
    },
  };
}

export function memoryAuditLog(): AuditLog & { entries: AuditEntry[]; calls: string[] } {
  const entries: AuditEntry[] = [];
  const calls: string[] = [];
  const identity = (e: AuditEntry) => `${e.plan_id}|${e.event}|${e.action_key ?? ''}|${e.actor}`;
  return {
    entries,
    calls,
    async append(entry) {
      calls.push('append');
      if (entries.some((e) => identity(e) === identity(entry))) return;
      entries.push(structuredClone(entry));
    },
    async list(incidentId) {
      calls.push('list');
      return entries.filter((e) => e.incident_id === incidentId).sort((a, b) => a.at - b.at);
    },
  };
}

export interface TaskCall {
  kind: 'succeed' | 'fail';
  token: string;
  output?: Record<string, unknown>;
  error?: string;
  cause?: string;
}

/** The port boundary to Step Functions: records answers; `fault` makes a call throw. */
export function recordingTasks(fault?: () => Error | undefined): TaskTokens & { calls: TaskCall[] } {
  const calls: TaskCall[] = [];
  return {
    calls,
    async succeed(token, output) {
      calls.push({ kind: 'succeed', token, output });
      const e = fault?.();
      if (e) throw e;
    },
    async fail(token, error, cause) {
      calls.push({ kind: 'fail', token, error, cause });
      const e = fault?.();
      if (e) throw e;
    },
  };
}

export function recordingMailer(): Mailer & { sent: { raw: Buffer; to: string[]; subject: string }[] } {
  const sent: { raw: Buffer; to: string[]; subject: string }[] = [];
  return {
    sent,
    async send(raw, meta) {
      sent.push({ raw, ...meta });
    },
  };
}

/** An error shaped like the SDK's Step Functions exceptions. */
export function sfnError(name: string): Error {
  const e = new Error(`${name}: task is no longer waiting`);
  e.name = name;
  return e;
}

const key = (action: string, t: ActionTarget) => `${action}:${t.id}`;

/** A plan as the guard leaves it: allowed actions, one blocked action, `required` approvers. */
export function planFor(incidentId: string, required: number, now: number, revision = 1): ResponsePlan {
  const keyTarget: ActionTarget = { type: 'access_key', id: 'AKIAEXAMPLEKEY000001', account: '111122223333' };
  const user: ActionTarget = {
    type: 'principal',
    id: 'arn:aws:iam::111122223333:user/ci-deploy',
    account: '111122223333',
  };
  const ip: ActionTarget = { type: 'ip', id: '203.0.113.7' };
  return {
    id: `${incidentId}#${revision}`,
    incident_id: incidentId,
    playbook: 'deactivate_access_key',
    mode: 'approve',
    actions: [
      {
        key: key('deactivate_access_key', keyTarget),
        action: 'deactivate_access_key',
        target: keyTarget,
        mode: 'approve',
        destructive: false,
      },
      {
        key: key('quarantine_iam_user', user),
        action: 'quarantine_iam_user',
        target: user,
        mode: 'approve',
        destructive: true,
      },
    ],
    blocked: [
      {
        key: key('block_ip', ip),
        action: 'block_ip',
        target: ip,
        reasons: ['no WAF IP set or network ACL is configured for block_ip'],
      },
    ],
    approvals_required: required,
    created_at: now,
  };
}
