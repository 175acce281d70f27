/**
 * The ingest use case around the pure core: read what the input points at, normalise, then persist
 * through ports. Poison is quarantined and counts as done; only a port's failure escapes (a
 * TransientError when the world is briefly wrong), so the caller can have the input redelivered.
 */
import { ValidationError } from '../errors.ts';
import type { NormaliseContext } from '../normalise/types.ts';
import type { ObjectReader } from '../store/object-reader.ts';
import type { QuarantineStore } from '../store/quarantine.ts';
import type { NormalisedEventSink } from './event-sink.ts';
import { ingestBatch } from './ingest-batch.ts';
import { recordsFromObject, unreadable } from './s3-object.ts';
import { planSqsMessage, type S3ObjectToRead, type SqsMessage } from './sqs-message.ts';
import type { IngestInput } from './types.ts';

export interface IngestPorts {
  quarantine: QuarantineStore;
  sink: NormalisedEventSink;
  objects: ObjectReader;
  normaliseContext: NormaliseContext;
  now: () => Date;
}

export interface IngestCounts {
  events: number;
  quarantined: number;
  /** Control messages with no records (S3 test events, non-create notifications). */
  ignored: number;
}

export const NO_COUNTS: IngestCounts = { events: 0, quarantined: 0, ignored: 0 };

export const addCounts = (a: IngestCounts, b: IngestCounts): IngestCounts => ({
  events: a.events + b.events,
  quarantined: a.quarantined + b.quarantined,
  ignored: a.ignored + b.ignored,
});

/** One EventBridge event, keyed by its event id. */
export function ingestEventBridgeEvent(event: { id: string }, ports: IngestPorts): Promise<IngestCounts> {
  return ingestInputs(
    [{ origin: { kind: 'eventbridge', id: event.id }, payload: { kind: 'parsed', value: event } }],
    ports,
  );
}

/** One SQS message: a record in its body, or an S3 notification naming objects full of records. */
export async function ingestSqsMessage(message: SqsMessage, ports: IngestPorts): Promise<IngestCounts> {
  const plan = planSqsMessage(message);
  switch (plan.kind) {
    case 's3-test-event':
      return { ...NO_COUNTS, ignored: 1 };
    case 'records':
      return ingestInputs(plan.inputs, ports);
    case 's3-notification': {
      const inputs = [...plan.rejected];
      for (const object of plan.objects) inputs.push(...(await readObject(object, ports.objects)));
      const counts = await ingestInputs(inputs, ports);
      return { ...counts, ignored: counts.ignored + plan.ignored };
    }
  }
}

async function readObject(object: S3ObjectToRead, reader: ObjectReader): Promise<IngestInput[]> {
  let bytes: Uint8Array;
  try {
    const { bucket, key } = object.origin;
    bytes = await reader.read({ bucket, key, ...(object.versionId ? { versionId: object.versionId } : {}) });
  } catch (e) {
    // Gone for good: keep the notification with the reason. Anything else must be retried.
    if (e instanceof ValidationError) return [unreadable(object, e.message)];
    throw e;
  }
  return recordsFromObject(bytes, object);
}

async function ingestInputs(inputs: IngestInput[], ports: IngestPorts): Promise<IngestCounts> {
  const { events, quarantine } = ingestBatch(inputs, {
    normaliseContext: ports.normaliseContext,
    receivedAt: ports.now(),
  });
  // Both writes are idempotent, so a failure in either lets the whole input be redelivered safely.
  if (quarantine.length > 0) await ports.quarantine.put(quarantine);
  if (events.length > 0) await ports.sink.accept(events);
  return { events: events.length, quarantined: quarantine.length, ignored: 0 };
}
