import type { Signal } from '../detect/types.ts';
import type { NormalisedEvent } from '../normalise/types.ts';
import type { BaselineStage } from '../pipeline/detect.ts';
import { observe } from './observe.ts';
import { type BaselinePolicy, DEFAULT_BASELINE_POLICY } from './policy.ts';
import { principalOf } from './profile.ts';
import type { BaselineStore } from './store.ts';

export interface BaselineStageDeps {
  store: BaselineStore;
  policy?: BaselinePolicy;
}

export interface BaselineStageRunner extends BaselineStage {
  /** Profile item writes since the stage was built: the cost figure (goal ≤ 0.02 per event). */
  readonly writes: number;
  /** Events this stage has been given (profiled or not), the denominator of that figure. */
  readonly events: number;
}

/**
 * The baseline stage of detection: load the batch's profiles (one batched read), decide (pure),
 * write what is new (at most one write per principal per batch), return the signals.
 * Signals are returned only after the write succeeded; if the write fails the batch is retried,
 * and a retry after a successful write re-emits the same signals (see observe.ts).
 */
export function baselineStage({
  store,
  policy = DEFAULT_BASELINE_POLICY,
}: BaselineStageDeps): BaselineStageRunner {
  let writes = 0;
  let events = 0;
  return {
    get writes() {
      return writes;
    },
    get events() {
      return events;
    },
    async observe(batch: readonly NormalisedEvent[]): Promise<Signal[]> {
      events += batch.length;
      const principals = new Set<string>();
      for (const ev of batch) {
        const p = principalOf(ev);
        if (p !== undefined) principals.add(p);
      }
      if (principals.size === 0) return [];
      const profiles = await store.load([...principals]);
      const { updates, signals } = observe(batch, profiles, policy);
      if (updates.length > 0) writes += await store.apply(updates);
      return signals;
    },
  };
}
