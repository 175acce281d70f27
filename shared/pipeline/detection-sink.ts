/**
 * Detection as the normaliser's sink: each batch of normalised events runs through the detection
 * engine in the same invocation (no extra hop per event), and the signals go to a publisher.
 *
 * One sink per Lambda container: the engine (its per-trigger index) is built once, and the
 * windowed state of burst detections lives as long as the container. That state is per container
 * and approximate by design: concurrent containers each see part of the stream, and a redelivered
 * event is counted again in its container. Bursts are a heuristic; correlation, which scores
 * across all containers in DynamoDB, is where signals add up exactly.
 */
import { buildEngine, type DetectionEngine } from '../detect/engine.ts';
import type { Detection, DetectionConfig, DetectionContext, WindowState } from '../detect/types.ts';
import { memoryWindow } from '../detect/window.ts';
import type { NormalisedEventSink } from '../ingest/event-sink.ts';
import type { NormalisedEvent } from '../normalise/types.ts';
import { type BaselineStage, detectBatch } from './detect.ts';
import type { SignalPublisher } from './signal-publisher.ts';

/** What one accepted batch produced, for the caller to log. */
export interface DetectionReport {
  events: number;
  signals: number;
  /** Detections that threw during this batch, with how often: a defect to surface, never an event to log. */
  faults: Record<string, number>;
}

export interface DetectionSinkOptions {
  /** The catalogue, plus any extra detections (compiled Sigma rules). */
  detections: readonly Detection[];
  config: DetectionConfig;
  publisher: SignalPublisher;
  baselines?: BaselineStage;
  /** Defaults to a bounded in-memory window for the container's lifetime. */
  window?: WindowState;
  onBatch?: (report: DetectionReport) => void;
}

export type DetectionSink = NormalisedEventSink & { readonly engine: DetectionEngine };

/**
 * Within a batch, events run in event-time order (ties broken by event id): burst windows depend
 * on order, and an S3 object or a redelivery does not guarantee it. Across batches, order is the
 * order of arrival.
 */
const byEventTime = (a: NormalisedEvent, b: NormalisedEvent): number => {
  const ua = a.ocsf.metadata.uid ?? '';
  const ub = b.ocsf.metadata.uid ?? '';
  return a.ocsf.time - b.ocsf.time || (ua < ub ? -1 : ua > ub ? 1 : 0);
};

export function detectionSink(options: DetectionSinkOptions): DetectionSink {
  const engine = buildEngine(options.detections);
  const context: DetectionContext = { window: options.window ?? memoryWindow(), config: options.config };
  const faultsSeen = new Map<string, number>();

  const newFaults = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [id, count] of engine.faults) {
      const delta = count - (faultsSeen.get(id) ?? 0);
      if (delta > 0) out[id] = delta;
      faultsSeen.set(id, count);
    }
    return out;
  };

  return {
    engine,
    async accept(events) {
      const ordered = [...events].sort(byEventTime);
      const signals = await detectBatch(ordered, {
        engine,
        context,
        ...(options.baselines ? { baselines: options.baselines } : {}),
      });
      // Published before the batch counts as accepted: a failure here fails the input, which is
      // then redelivered and detected again, yielding the same signal ids.
      if (signals.length > 0) await options.publisher.publish(signals);
      options.onBatch?.({ events: events.length, signals: signals.length, faults: newFaults() });
    },
  };
}
