/**
 * The pure core of ingest: inputs in, normalised events and quarantine records out. No I/O, no
 * clock (the receive time is passed in). Conservation: every record found in the inputs comes out
 * exactly once, either as an event or as a quarantine record.
 */
import { createHash } from 'node:crypto';
import { normalise } from '../normalise/index.ts';
import type { NormaliseContext, NormalisedEvent, NormaliseResult } from '../normalise/types.ts';
import type { QuarantineRecord, RecordOrigin } from '../store/quarantine.ts';
import type { IngestInput } from './types.ts';

export interface IngestDeps {
  normaliseContext: NormaliseContext;
  receivedAt: Date;
}

export interface IngestBatchResult {
  events: NormalisedEvent[];
  quarantine: QuarantineRecord[];
}

/** Normaliser messages are ours, but may quote a field; keep stored and logged reasons short. */
const MAX_REASON_CHARS = 500;

/**
 * The idempotency key of one record: the same origin and position give the same key on every
 * delivery, so a redelivered record overwrites its earlier copy instead of adding one.
 */
export function recordKey(origin: RecordOrigin, recordIndex: number): string {
  const line = origin.kind === 's3' ? (origin.line ?? null) : null;
  return createHash('sha256')
    .update(JSON.stringify([origin.kind, origin.id, line, recordIndex]))
    .digest('hex');
}

export function ingestBatch(inputs: readonly IngestInput[], deps: IngestDeps): IngestBatchResult {
  // Records without a time of their own are dated by when this batch arrived.
  const context = { ...deps.normaliseContext, receivedAt: deps.receivedAt.getTime() };
  const receivedAt = deps.receivedAt.toISOString();
  const events: NormalisedEvent[] = [];
  const quarantine: QuarantineRecord[] = [];
  for (const input of inputs) {
    const { origin, payload } = input;
    if (payload.kind === 'rejected') {
      const recordIndex = input.recordIndex ?? 0;
      quarantine.push({
        id: recordKey(origin, recordIndex),
        receivedAt,
        sourceKind: 'unknown',
        reason: { ...payload.reason, message: payload.reason.message.slice(0, MAX_REASON_CHARS) },
        origin,
        recordIndex,
        payload: payload.text,
      });
      continue;
    }
    const results = normalise(payload.value, context);
    results.forEach((result, i) => {
      const recordIndex = results.length === 1 ? (input.recordIndex ?? 0) : i;
      if (result.ok) {
        events.push(withUid(result.event, origin, recordIndex));
      } else {
        quarantine.push(quarantined(result, input, recordIndex, results.length, receivedAt));
      }
    });
  }
  return { events, quarantine };
}

function quarantined(
  result: Extract<NormaliseResult, { ok: false }>,
  input: IngestInput,
  recordIndex: number,
  recordsInPayload: number,
  receivedAt: string,
): QuarantineRecord {
  return {
    id: recordKey(input.origin, recordIndex),
    receivedAt,
    sourceKind: result.source,
    reason: { message: result.error.message.slice(0, MAX_REASON_CHARS), source: result.error.source },
    origin: input.origin,
    recordIndex,
    payload: rawPayload(input, result.raw, recordsInPayload),
  };
}

/**
 * A payload holding one record is kept whole (envelope included, and as the exact text received
 * when there was one): feeding it back to normalise() reproduces the record. Out of a payload
 * holding several, each failed record is kept on its own.
 */
function rawPayload(input: IngestInput, raw: unknown, recordsInPayload: number): string {
  if (input.payload.kind !== 'parsed') return input.payload.text;
  if (recordsInPayload === 1) return input.payload.text ?? toJsonText(input.payload.value);
  return toJsonText(raw);
}

function toJsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Only reachable for values no JSON parser produces (cycles, BigInt); keep what can be kept.
    return String(value);
  }
}

/**
 * Downstream stages dedupe on metadata.uid. Normalisers set it from the source's own id where the
 * source has one; for records without one, a key derived from the origin keeps redelivery
 * idempotent.
 */
function withUid(event: NormalisedEvent, origin: RecordOrigin, recordIndex: number): NormalisedEvent {
  if (!event.ocsf.metadata.uid) event.ocsf.metadata.uid = recordKey(origin, recordIndex);
  return event;
}
