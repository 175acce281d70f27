/**
 * What the guard needs to know about a target that its id does not say: its tags and the IAM
 * identity behind it (with the real path). The AWS reader is an adapter
 * (shared/store/aws-facts-reader.ts); any failure there leaves the target uninspected, which the
 * guard treats as "protected until proven otherwise".
 */
import type { TargetFacts } from './protected.ts';
import type { PlannedAction } from './types.ts';

export interface FactsReader {
  read(actions: readonly PlannedAction[]): Promise<Record<string, TargetFacts>>;
}

/** Local mode: nothing can be read; every action will run as a dry-run. */
export const localFactsReader: FactsReader = {
  async read(actions) {
    return Object.fromEntries(actions.map((a) => [a.key, { inspected: false, tags: {} }]));
  },
};
