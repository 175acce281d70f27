/**
 * The response domain (issue #5): what Vigil proposes to do about an incident, what the guard
 * lets through, and what each action records so it can be undone.
 */
import type { PlaybookId } from '../narrate/playbooks.ts';

export type { PlaybookId };

/** How a playbook may run. A new install never runs `auto` (config refuses it as a default). */
export const MODES = ['off', 'dry_run', 'approve', 'auto'] as const;
export type Mode = (typeof MODES)[number];

/** What an action acts on: the incident's entity id, plus the facts the action needs to find it. */
export interface ActionTarget {
  /** `access_key` (AKIA…), `principal` (user / assumed-role ARN), `resource` (instance id or bucket ARN), `ip`. */
  type: 'access_key' | 'principal' | 'resource' | 'ip';
  id: string;
  /** Account that owns the target, when the incident knows it (12 digits). */
  account?: string;
  region?: string;
}

/** One planned step: a catalogue action on one target. */
export interface PlannedAction {
  /** Stable id within the plan: `<action>:<target id>`; keys undo records, budget reservations and audit. */
  key: string;
  action: PlaybookId;
  target: ActionTarget;
  mode: Mode;
  /** Destructive actions (they can interrupt a workload) need the configured number of approvers. */
  destructive: boolean;
}

/** An action the guard refused, with every reason (a human reads them). */
export interface BlockedAction {
  key: string;
  action: PlaybookId;
  target: ActionTarget;
  reasons: string[];
}

/** The response to one incident: the contract `vigil replay --json` prints as `response`. */
export interface ResponsePlan {
  /** Deterministic: `<incident id>#<revision>`; one plan per incident revision, so a redelivered start is the same plan. */
  id: string;
  incident_id: string;
  /** The first playbook in containment order: what the analyst is asked about first. */
  playbook: PlaybookId | null;
  /** The gate the whole plan passes: the strictest mode among its allowed actions. */
  mode: Mode;
  actions: PlannedAction[];
  blocked: BlockedAction[];
  /** Approvers needed before any action runs (0 for dry-run and auto). */
  approvals_required: number;
  created_at: number;
}

/** One AWS API call, exactly as an SDK v3 command would receive it. Dry-run returns these. */
export interface ApiCall {
  /** SDK client family. */
  service: 'iam' | 'ec2' | 'autoscaling' | 's3' | 'wafv2';
  /** Command name without the `Command` suffix, e.g. `UpdateAccessKey`. */
  operation: string;
  input: Record<string, unknown>;
  /** Read calls never need undo; everything else mutates. */
  mutating: boolean;
}

/**
 * What an action saw before it changed anything, and the calls that restore it. Written (once,
 * conditionally) before the first mutating call, so a re-run after a failure keeps the original
 * state rather than the half-changed one.
 */
export interface UndoRecord {
  plan_id: string;
  key: string;
  action: PlaybookId;
  target: ActionTarget;
  /** The state the action observed, as the action's own JSON. */
  before: Record<string, unknown>;
  /** Calls that restore `before`, in order. */
  rollback: ApiCall[];
  /** Parts no API call can restore (e.g. a deleted console password), said plainly. */
  manual: string[];
  recorded_at: number;
}

export type ActionOutcome =
  | { status: 'dry_run'; calls: ApiCall[]; inspected: boolean; note?: string }
  | { status: 'applied'; calls: ApiCall[] }
  | { status: 'already_converged'; calls: [] }
  | { status: 'failed'; error: string; calls: ApiCall[] };
