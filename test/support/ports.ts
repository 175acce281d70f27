/** Fakes at the ingest port boundary, for what has no local stand-in (S3) or does not exist yet (detection). */
import { ValidationError } from '../../shared/errors.ts';
import type { NormalisedEventSink } from '../../shared/ingest/event-sink.ts';
import type { NormalisedEvent } from '../../shared/normalise/types.ts';
import type { ObjectReader, ObjectRef } from '../../shared/store/object-reader.ts';

export function recordingSink(
  fault?: (events: readonly NormalisedEvent[]) => Error | undefined,
): NormalisedEventSink & { events: NormalisedEvent[] } {
  const events: NormalisedEvent[] = [];
  return {
    events,
    async accept(batch) {
      const error = fault?.(batch);
      if (error) throw error;
      events.push(...batch);
    },
  };
}

/** Objects by `bucket/key`; a missing one fails as the S3 adapter does. `faults` fail reads of chosen keys. */
export function objectStore(
  objects: Record<string, Uint8Array>,
  faults: Record<string, Error> = {},
): ObjectReader & { reads: ObjectRef[] } {
  const reads: ObjectRef[] = [];
  return {
    reads,
    async read(ref) {
      reads.push(ref);
      const path = `${ref.bucket}/${ref.key}`;
      const fault = faults[path];
      if (fault) throw fault;
      const bytes = objects[path];
      if (!bytes) throw new ValidationError('S3 object not found (NoSuchKey)', 'test.objects');
      return bytes;
    },
  };
}
