import type { DetectionEngine } from '../detect/engine.ts';
import { assertPrototypeIntact } from '../detect/prototype-guard.ts';
import type { DetectionContext, Signal } from '../detect/types.ts';
import type { NormalisedEvent } from '../normalise/types.ts';

/** Behavioural baselines: learn each principal's habits from a batch and flag what is new. */
export interface BaselineStage {
  observe(events: readonly NormalisedEvent[]): Promise<Signal[]>;
}

export interface DetectDeps {
  engine: DetectionEngine;
  context: DetectionContext;
  baselines?: BaselineStage;
}

/** Runs detections (in event order: burst windows depend on it) and baselines over a batch. */
export async function detectBatch(events: readonly NormalisedEvent[], deps: DetectDeps): Promise<Signal[]> {
  assertPrototypeIntact();
  const signals: Signal[] = [];
  for (const ev of events) for (const s of deps.engine.run(ev, deps.context)) signals.push(s);
  if (deps.baselines) for (const s of await deps.baselines.observe(events)) signals.push(s);
  return signals;
}
