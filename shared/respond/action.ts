/**
 * The contract every response action keeps. An action never calls AWS directly from its logic:
 * it inspects (read-only calls), then pure functions decide the mutating calls that converge the
 * target to its contained state and the calls that would undo them. The runner (run-action.ts)
 * does the I/O in one place: undo record first, then the calls, in order.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import type { ActionTarget, ApiCall, PlaybookId } from './types.ts';

/** SDK v3 clients an action may use. Tests wrap them with aws-sdk-client-mock. */
export interface ResponseClients {
  iam: IAMClient;
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  s3: S3Client;
  wafv2: WAFV2Client;
}

/** Deployment settings actions need (from infra config; defaults in settings.ts). */
export interface ActionSettings {
  /** WAF IP sets `block_ip` adds /32 (or /128) addresses to. */
  wafIpSets: { name: string; id: string; scope: 'REGIONAL' | 'CLOUDFRONT' }[];
  /** Network ACLs `block_ip` adds a deny entry to. */
  networkAclIds: string[];
  /** NACL rule numbers `block_ip` may use (inclusive), below the VPC's own allow rules. */
  networkAclRuleRange: [number, number];
  /** Name of the no-ingress, no-egress security group `isolate_ec2_instance` ensures per VPC. */
  quarantineSecurityGroupName: string;
}

/** Facts about one run of one action. Time is passed in: the runner's clock, never Date.now() inside. */
export interface ActionContext {
  plan_id: string;
  incident_id: string;
  /** `<action>:<target id>` — tags and policy names derived from it stay stable across re-runs. */
  key: string;
  /** Epoch ms when the plan was made; used e.g. as the revoke-sessions cut-off, so re-runs agree. */
  planned_at: number;
  settings: ActionSettings;
}

/**
 * A call whose input needs a value produced by an earlier call in the same run (e.g. the id of a
 * security group created a step before). Dry-run shows it as written; the runner substitutes.
 */
export interface FromEarlierCall {
  $from: string;
  /** Dot path into that call's output, e.g. `GroupId`. */
  $path: string;
  /** For an array at `$path`: the array minus these values (remove one address from a live list). */
  $without?: unknown[];
  /** For an array at `$path`: the array plus these values not already in it (blind previews). */
  $with?: unknown[];
}

/** What the undo record keeps, before any change. */
export interface UndoPlan {
  before: Record<string, unknown>;
  rollback: ApiCall[];
  manual: string[];
}

/** SDK command constructors an action is allowed to send, keyed `service:Operation`. */
// biome-ignore lint/suspicious/noExplicitAny: SDK command constructors differ in input types; calls are checked by tests.
export type CommandRegistry = Record<string, new (input: any) => any>;

export interface ResponseAction<State = Record<string, unknown>> {
  id: PlaybookId;
  /** Can interrupt a workload or lock a person out: needs the configured number of approvers. */
  destructive: boolean;
  /** Every SDK command this action may send (read and write). The runner refuses anything else. */
  commands: CommandRegistry;
  /**
   * Read-only: the target's current state. Throws `ValidationError` when the target does not exist
   * or is not what the plan says (never act on a guess), `TransientError` on throttling.
   */
  inspect(target: ActionTarget, clients: ResponseClients, ctx: ActionContext): Promise<State>;
  /** Pure: mutating calls that take `state` to contained, in order; `[]` when already contained. */
  converge(target: ActionTarget, state: State, ctx: ActionContext): ApiCall[];
  /** Pure: how to put `state` back. Called before the first mutating call. */
  undo(target: ActionTarget, state: State, ctx: ActionContext): UndoPlan;
  /** Pure: whether `state` is the contained state (verify step). */
  contained(target: ActionTarget, state: State, ctx: ActionContext): boolean;
  /**
   * Pure: the calls a run would make on a target never inspected (local mode, no AWS account):
   * the worst case, everything still to do. Placeholders stand for what inspection would find.
   */
  blind(target: ActionTarget, ctx: ActionContext): ApiCall[];
  /**
   * Errors of this action's writes that mean "inspect again and retry" (e.g. a WAF lock token that
   * went stale). The runner raises them as TransientError, so the state's Retry re-runs the action.
   */
  retryable?(error: unknown): boolean;
}
