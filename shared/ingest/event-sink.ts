import type { NormalisedEvent } from '../normalise/types.ts';

/** Where ingest hands normalised events on. Must be idempotent on `ocsf.metadata.uid`: delivery is at least once. */
export interface NormalisedEventSink {
  accept(events: readonly NormalisedEvent[]): Promise<void>;
}

/**
 * Counts and discards. The detection stage that will consume normalised events lands in a later
 * issue; until then production wiring uses this, and the handler reports the counts it returns.
 */
export function countingSink(): NormalisedEventSink & { readonly accepted: number } {
  let accepted = 0;
  return {
    get accepted() {
      return accepted;
    },
    async accept(events) {
      accepted += events.length;
    },
  };
}
