/**
 * The steps of a response execution, one per Lambda-backed state of the state machine
 * (infra/constructs/response.ts). Each is a small function over ports, so the Lambda handlers
 * and the local runtime run the same code. Order: plan → guard → (approval) → action × N
 * (run, then verify) → record → notify.
 */
import { describeError, isVigilError } from '../errors.ts';
import type { PlaybookRecommendation } from '../narrate/schema.ts';
import type { ActionContext, ActionSettings, ResponseAction } from './action.ts';
import type { FactsReader } from './facts.ts';
import { blockEverything, guardPlan, type KillSwitchState } from './guard.ts';
import { planResponse } from './plan.ts';
import type { AuditLog, BudgetStore, KillSwitch } from './ports.ts';
import type { OwnFootprint } from './protected.ts';
import { apply, dryRun, type RunDeps, verify } from './run-action.ts';
import type { ResponseSettings } from './settings.ts';
import type { ApiCall, PlannedAction, ResponsePlan } from './types.ts';

/** The incident as the planner needs it. */
export interface IncidentForResponse {
  id: string;
  title: string;
  narrative: { playbooks: readonly PlaybookRecommendation[]; model_id?: string } | null;
}

export interface PlanStepDeps {
  incident(id: string): Promise<IncidentForResponse | undefined>;
  settings: ResponseSettings;
  audit: AuditLog;
  now: () => number;
}

/** Plan: the incident's recommended playbooks as actions. A missing incident plans nothing. */
export async function planStep(
  input: { incident_id: string },
  deps: PlanStepDeps,
): Promise<ResponsePlan & { incident_title: string }> {
  const incident = await deps.incident(input.incident_id);
  const plan = planResponse(
    incident ?? { id: input.incident_id, narrative: null },
    deps.settings,
    deps.now(),
  );
  await deps.audit.append({
    incident_id: plan.incident_id,
    plan_id: plan.id,
    event: 'planned',
    actor: 'vigil',
    at: plan.created_at,
    details: {
      // Each action with the evidence the recommendation cited: why Vigil proposed it.
      actions: plan.actions.map((a) => ({
        action: a.action,
        target: a.target.id,
        evidence:
          incident?.narrative?.playbooks.find((p) => p.id === a.action && p.target.id === a.target.id)
            ?.evidence ?? [],
      })),
      ...(incident ? {} : { note: 'incident not found' }),
    },
    ...(incident?.narrative?.model_id ? { model_id: incident.narrative.model_id } : {}),
  });
  return { ...plan, incident_title: incident?.title ?? input.incident_id };
}

export interface GuardStepDeps {
  facts: FactsReader;
  killSwitch: KillSwitch;
  settings: ResponseSettings;
  own: OwnFootprint;
  blockIpConfigured: boolean;
  local: boolean;
  audit: AuditLog;
  now: () => number;
}

/** Guard: facts, kill switch, the pure guard; every refusal audited. Any error blocks everything. */
export async function guardStep<P extends ResponsePlan>(plan: P, deps: GuardStepDeps): Promise<P> {
  let guarded: ResponsePlan;
  try {
    let killSwitch: KillSwitchState;
    try {
      killSwitch = (await deps.killSwitch.engaged()) ? 'engaged' : 'off';
    } catch {
      killSwitch = 'unknown';
    }
    const facts = await deps.facts.read(plan.actions);
    guarded = guardPlan(plan, {
      settings: deps.settings,
      own: deps.own,
      killSwitch,
      facts,
      blockIpConfigured: deps.blockIpConfigured,
      local: deps.local,
    });
  } catch (e) {
    guarded = blockEverything(plan, `the guard failed, so nothing runs: ${describeError(e)}`);
  }
  for (const b of guarded.blocked)
    await deps.audit.append({
      incident_id: plan.incident_id,
      plan_id: plan.id,
      event: 'blocked',
      actor: 'vigil',
      at: deps.now(),
      action_key: b.key,
      details: { action: b.action, target: b.target.id, reasons: b.reasons },
    });
  return { ...plan, ...guarded };
}

/** What one action did, as the Map state collects it. */
export interface ActionResult {
  key: string;
  action: PlannedAction['action'];
  target: string;
  status: 'dry_run' | 'applied' | 'already_converged' | 'failed' | 'blocked';
  calls: ApiCall[];
  note?: string;
  reasons?: string[];
  verified?: boolean;
}

export interface ActionStepInput {
  plan_id: string;
  incident_id: string;
  planned_at: number;
  action: PlannedAction;
}

export interface ActionStepDeps {
  action: ResponseAction;
  run: RunDeps;
  budgets: BudgetStore;
  killSwitch: KillSwitch;
  settings: ResponseSettings;
  actionSettings: ActionSettings;
  now: () => number;
}

const contextOf = (input: ActionStepInput, settings: ActionSettings): ActionContext => ({
  plan_id: input.plan_id,
  incident_id: input.incident_id,
  key: input.action.key,
  planned_at: input.planned_at,
  settings,
});

/**
 * Runs one action. Checked again right before any change: the kill switch (it may have been
 * engaged while the approval waited) and the budget (an atomic reservation, idempotent per plan
 * and action, so Step Functions retries do not count twice). A transient failure is thrown for
 * the state's Retry; a permanent one becomes a `failed` result so the other actions still run.
 */
export async function actionStep(input: ActionStepInput, deps: ActionStepDeps): Promise<ActionResult> {
  const { action: planned } = input;
  const base = { key: planned.key, action: planned.action, target: planned.target.id };
  if (planned.action !== deps.action.id)
    return {
      ...base,
      status: 'failed',
      calls: [],
      note: `this function runs ${deps.action.id}, not ${planned.action}`,
    };
  const ctx = contextOf(input, deps.actionSettings);
  if (planned.mode === 'dry_run' || !deps.run.clients) {
    const outcome = await dryRun(deps.action, planned.target, ctx, deps.run);
    return {
      ...base,
      status: 'dry_run',
      calls: outcome.calls,
      ...(outcome.status === 'dry_run' && outcome.note ? { note: outcome.note } : {}),
    };
  }
  let engaged: boolean;
  try {
    engaged = await deps.killSwitch.engaged();
  } catch {
    engaged = true;
  }
  if (engaged)
    return {
      ...base,
      status: 'blocked',
      calls: [],
      reasons: ['the response kill switch is engaged (or unreadable)'],
    };
  const budget = await deps.budgets.reserve({
    plan_id: input.plan_id,
    key: planned.key,
    incident_id: input.incident_id,
    now: deps.now(),
    maxPerIncident: deps.settings.budgets.perIncident,
    maxPerHour: deps.settings.budgets.perHour,
  });
  if (!budget.ok) return { ...base, status: 'blocked', calls: [], reasons: [budget.reason] };
  try {
    const outcome = await apply(deps.action, planned.target, ctx, deps.run);
    return {
      ...base,
      status: outcome.status === 'applied' ? 'applied' : 'already_converged',
      calls: outcome.calls,
    };
  } catch (e) {
    if (isVigilError(e) && e.kind === 'transient') throw e;
    return { ...base, status: 'failed', calls: [], note: describeError(e) };
  }
}

/** Verify: re-inspects an applied action's target. Dry-runs and blocked actions are not verified. */
export async function verifyStep(
  input: ActionStepInput & { result: ActionResult },
  deps: ActionStepDeps,
): Promise<ActionResult> {
  if (input.result.status !== 'applied' && input.result.status !== 'already_converged') return input.result;
  const ok = await verify(deps.action, input.action.target, contextOf(input, deps.actionSettings), deps.run);
  return { ...input.result, verified: ok };
}

export type Conclusion = 'completed' | 'rejected' | 'timed_out' | 'no_action' | 'approval_failed';

export interface RecordInput {
  conclusion: Conclusion;
  plan: ResponsePlan;
  results?: ActionResult[];
  /** Step Functions error name/cause when the approval task ended without approval. */
  error?: { Error?: string; Cause?: string };
  /** The execution's name: a re-run of the same plan is audited as its own occurrence. */
  execution?: string;
}

export interface ResponseSummary {
  plan_id: string;
  incident_id: string;
  conclusion: Conclusion;
  counts: Record<ActionResult['status'], number>;
  results: ActionResult[];
}

const EVENT_OF = {
  dry_run: 'dry_run',
  applied: 'applied',
  already_converged: 'already_converged',
  failed: 'failed',
  blocked: 'blocked',
} as const;

/** Record: the outcome into the append-only audit trail, one entry per action and one for the conclusion. */
export async function recordStep(
  input: RecordInput,
  deps: { audit: AuditLog; now: () => number },
): Promise<ResponseSummary> {
  const results = input.results ?? [];
  const at = deps.now();
  for (const r of results) {
    await deps.audit.append({
      incident_id: input.plan.incident_id,
      plan_id: input.plan.id,
      event: EVENT_OF[r.status],
      actor: 'vigil',
      at,
      action_key: r.key,
      ...(input.execution ? { ref: input.execution } : {}),
      details: {
        action: r.action,
        target: r.target,
        calls: r.calls.map((c) => `${c.service}:${c.operation}`),
        ...(r.note ? { note: r.note } : {}),
        ...(r.reasons ? { reasons: r.reasons } : {}),
      },
    });
    if (r.verified !== undefined)
      await deps.audit.append({
        incident_id: input.plan.incident_id,
        plan_id: input.plan.id,
        event: r.verified ? 'verified' : 'not_verified',
        actor: 'vigil',
        at,
        action_key: r.key,
        ...(input.execution ? { ref: input.execution } : {}),
        details: { action: r.action, target: r.target },
      });
  }
  if (input.conclusion === 'timed_out' || input.conclusion === 'rejected')
    await deps.audit.append({
      incident_id: input.plan.incident_id,
      plan_id: input.plan.id,
      event: input.conclusion,
      actor: 'vigil',
      at,
      ...(input.execution ? { ref: input.execution } : {}),
      details: {
        note:
          input.conclusion === 'timed_out'
            ? 'no decision before the approval expired; nothing ran'
            : 'rejected; nothing ran',
      },
    });
  const counts = { dry_run: 0, applied: 0, already_converged: 0, failed: 0, blocked: 0 };
  for (const r of results) counts[r.status]++;
  return {
    plan_id: input.plan.id,
    incident_id: input.plan.incident_id,
    conclusion: input.conclusion,
    counts,
    results,
  };
}
