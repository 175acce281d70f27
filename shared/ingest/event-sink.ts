import type { NormalisedEvent } from '../normalise/types.ts';

/**
 * Where ingest hands normalised events on (in production, the detection sink in
 * shared/pipeline/detection-sink.ts). Must be idempotent on `ocsf.metadata.uid`: delivery is at
 * least once.
 */
export interface NormalisedEventSink {
  accept(events: readonly NormalisedEvent[]): Promise<void>;
}
