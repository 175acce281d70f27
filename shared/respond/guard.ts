/**
 * The guard: the one place that says no. Pure and fail closed — an action runs only when every
 * check passes, an unknown counts as a no, and an error inside the guard blocks the whole plan.
 * Budgets are the exception to purity (atomic counters in the store); the guard handler applies
 * them after this function, to the actions it let through.
 */
import { describeError } from '../errors.ts';
import { type OwnFootprint, protectedReasons, type TargetFacts } from './protected.ts';
import type { ResponseSettings } from './settings.ts';
import type { BlockedAction, Mode, PlannedAction, ResponsePlan } from './types.ts';

export type KillSwitchState = 'off' | 'engaged' | 'unknown';

export interface GuardContext {
  settings: ResponseSettings;
  own: OwnFootprint;
  /** `unknown` when it could not be read: treated as engaged. */
  killSwitch: KillSwitchState;
  /** Facts per action key; a missing entry means nothing is known about the target. */
  facts: Readonly<Record<string, TargetFacts>>;
  /** Whether block_ip has a WAF IP set or network ACL to write to. */
  blockIpConfigured: boolean;
  /** Local mode: no account, every action runs as a dry-run and says so. */
  local: boolean;
}

const NOT_INSPECTED: TargetFacts = { inspected: false, tags: {} };

/** Every reason one action may not run; empty means it may. */
function reasonsAgainst(action: PlannedAction, ctx: GuardContext): string[] {
  const mode = ctx.settings.modes[action.action];
  if (mode === 'off') return [`the ${action.action} playbook is switched off`];
  const facts = ctx.facts[action.key] ?? NOT_INSPECTED;
  const reasons = protectedReasons(action.target, facts, ctx.settings, ctx.own);
  const changes = mode !== 'dry_run' && !ctx.local;
  if (changes && !facts.inspected)
    reasons.push(
      `the target could not be inspected, so its protection tags are unknown${facts.error ? ` (${facts.error})` : ''}`,
    );
  if (changes && ctx.killSwitch === 'engaged') reasons.push('the response kill switch is engaged');
  if (changes && ctx.killSwitch === 'unknown') reasons.push('the kill switch could not be read');
  if (action.action === 'block_ip' && !ctx.blockIpConfigured)
    reasons.push('no WAF IP set or network ACL is configured for block_ip');
  return reasons;
}

/** The gate the plan passes as a whole: approval if any action needs it, else auto, else dry-run. */
function gateOf(modes: Mode[]): Mode {
  for (const m of ['approve', 'auto', 'dry_run'] as const) if (modes.includes(m)) return m;
  return 'off';
}

export function guardPlan(plan: ResponsePlan, ctx: GuardContext): ResponsePlan {
  try {
    const allowed: PlannedAction[] = [];
    const blocked: BlockedAction[] = [...plan.blocked];
    for (const action of plan.actions) {
      const reasons = reasonsAgainst(action, ctx);
      const mode = ctx.settings.modes[action.action];
      if (reasons.length > 0)
        blocked.push({ key: action.key, action: action.action, target: action.target, reasons });
      else allowed.push({ ...action, mode });
    }
    const mode = gateOf(allowed.map((a) => a.mode));
    const approvals_required =
      mode === 'approve'
        ? Math.max(
            ...allowed.map((a) =>
              a.destructive ? ctx.settings.approvers.destructive : ctx.settings.approvers.standard,
            ),
          )
        : 0;
    return {
      ...plan,
      playbook: allowed[0]?.action ?? plan.playbook,
      mode,
      actions: allowed,
      blocked,
      approvals_required,
    };
  } catch (e) {
    return blockEverything(plan, `the guard failed, so nothing runs: ${describeError(e)}`);
  }
}

/** Fail closed: every action of the plan blocked with one reason. */
export function blockEverything(plan: ResponsePlan, reason: string): ResponsePlan {
  return {
    ...plan,
    mode: 'off',
    approvals_required: 0,
    actions: [],
    blocked: [
      ...plan.blocked,
      ...plan.actions.map((a) => ({ key: a.key, action: a.action, target: a.target, reasons: [reason] })),
    ],
  };
}
