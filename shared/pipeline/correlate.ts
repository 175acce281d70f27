import { type CorrelationPlan, planCorrelation } from '../correlate/correlate.ts';
import type { ScoringPolicy } from '../correlate/policy.ts';
import { loadCorrelationStates } from '../correlate/states.ts';
import type { ApplyResult, CorrelationStore } from '../correlate/store.ts';
import type { Signal } from '../detect/types.ts';

export interface CorrelateDeps {
  store: CorrelationStore;
  policy: ScoringPolicy;
  now: () => number;
}

export interface CorrelateResult extends ApplyResult {
  stats: CorrelationPlan['stats'];
}

/** Load what the batch touches, plan (pure), apply with idempotent writes. */
export async function correlateBatch(
  signals: readonly Signal[],
  deps: CorrelateDeps,
): Promise<CorrelateResult> {
  if (signals.length === 0) {
    return {
      writes: 0,
      changed: [],
      stats: { signals: 0, duplicates: 0, suppressed: 0, opened: 0, joined: 0 },
    };
  }
  const now = deps.now();
  const [suppressions, states] = await Promise.all([
    deps.store.loadSuppressions(now),
    loadCorrelationStates(signals, (keys) => deps.store.loadEntities(keys)),
  ]);
  const plan = planCorrelation({ signals: [...signals], states, suppressions, policy: deps.policy, now });
  const applied = await deps.store.apply(plan, deps.policy, now);
  return { ...applied, stats: plan.stats };
}
