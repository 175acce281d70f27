/**
 * Storage ports of the response stage. The DynamoDB adapters live in shared/store/; tests of the
 * state machine use those adapters on DynamoDB Local, never an in-memory stand-in.
 */
import type { ResponsePlan } from './types.ts';

/** Action budgets. Counters are atomic and conditional: two executions racing cannot both take the last slot. */
export interface BudgetStore {
  /**
   * Takes one action slot for `(plan_id, key)` from the incident's and the hour's budget, in one
   * transaction. Idempotent: a second call for the same `(plan_id, key)` succeeds without counting
   * again (Step Functions retries, redelivery).
   */
  reserve(r: {
    plan_id: string;
    key: string;
    incident_id: string;
    /** Epoch ms; the hour bucket is derived from it (UTC). */
    now: number;
    maxPerIncident: number;
    maxPerHour: number;
  }): Promise<{ ok: true } | { ok: false; reason: string }>;
}

/** The global kill switch: when engaged, nothing but dry-runs runs. */
export interface KillSwitch {
  /** Read strongly consistent. A failed read throws: the guard treats that as engaged (fail closed). */
  engaged(): Promise<boolean>;
  set(engaged: boolean, by: string, reason: string, now: number): Promise<void>;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export interface Approver {
  who: string;
  at: number;
}

/** A request for approval: one per plan, one link, single use per approver. */
export interface ApprovalRequest {
  /** Random, 128 bits or more, base64url: the id the emailed link names. */
  id: string;
  plan_id: string;
  incident_id: string;
  /** What the analyst approves: shown on the page exactly as the actions will run. */
  plan: ResponsePlan;
  /** Short summary of the incident for the page and the email (already defanged text). */
  incident_title: string;
  /** The Step Functions task token, sealed (encrypted) — never stored or logged in the clear. */
  sealed_token: string;
  required: number;
  approvers: Approver[];
  status: ApprovalStatus;
  created_at: number;
  expires_at: number;
  decided_at?: number;
  rejected_by?: string;
  reason?: string;
}

export type DecisionRefusal = 'not_found' | 'decided' | 'expired' | 'same_approver';

export type DecisionResult =
  | { outcome: 'recorded'; request: ApprovalRequest }
  | { outcome: 'approved'; request: ApprovalRequest }
  | { outcome: 'rejected'; request: ApprovalRequest }
  | { outcome: 'refused'; reason: DecisionRefusal; request?: ApprovalRequest };

export interface ApprovalStore {
  /** Idempotent: creating the same id again (a redelivered notify) keeps the first request. */
  create(request: ApprovalRequest): Promise<ApprovalRequest>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Pending requests, newest first (the console's approvals page). */
  listPending(now: number): Promise<ApprovalRequest[]>;
  /**
   * One conditional update: adds `who` if the request is pending, unexpired and `who` has not
   * approved yet; the approval that reaches `required` flips the status to `approved`.
   */
  approve(id: string, who: string, now: number): Promise<DecisionResult>;
  /** One conditional update: pending and unexpired → rejected. */
  reject(id: string, who: string, reason: string, now: number): Promise<DecisionResult>;
}

export type AuditEvent =
  | 'planned'
  | 'blocked'
  | 'approval_requested'
  | 'approval_recorded'
  | 'approved'
  | 'rejected'
  | 'timed_out'
  | 'dry_run'
  | 'applied'
  | 'already_converged'
  | 'failed'
  | 'verified'
  | 'not_verified'
  | 'kill_switch'
  | 'notified';

/** One line of the append-only audit trail. */
export interface AuditEntry {
  incident_id: string;
  plan_id: string;
  event: AuditEvent;
  /** `vigil` for the machine, the analyst's identity otherwise. */
  actor: string;
  at: number;
  /** The planned action's key, when the entry is about one action. */
  action_key?: string;
  /** Facts safe to keep: reasons, calls made, evidence ids — never a task token or a whole event. */
  details: Record<string, unknown>;
  /** The narrative model behind the recommendation, if any. */
  model_id?: string;
  /**
   * Which occurrence this is, when the same event can really happen again for the same plan: the
   * approval id for approval events (a second approval round), the execution name for outcomes (a
   * re-run). Part of the entry's identity, so a retry is still written once.
   */
  ref?: string;
}

export interface AuditLog {
  /**
   * Append-only and idempotent: an entry's identity is (plan_id, event, action_key, actor, ref);
   * writing it again (a retried state) is a no-op, never an overwrite.
   */
  append(entry: AuditEntry): Promise<void>;
  /** Entries of one incident in time order. */
  list(incidentId: string): Promise<AuditEntry[]>;
}
