import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noEnrichment } from '../../../shared/enrich/index.ts';
import { ingestBatch, recordKey } from '../../../shared/ingest/ingest-batch.ts';
import type { IngestInput } from '../../../shared/ingest/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { labelledEvents } from '../../support/data.ts';

const deps = { normaliseContext: { enrich: noEnrichment }, receivedAt: new Date('2026-11-23T10:00:00.000Z') };
const cloudTrail = labelledEvents('panther_aws_cloudtrail.ndjson');
const sqs = (id: string) => ({ kind: 'sqs' as const, id });

const inputArbitrary: fc.Arbitrary<IngestInput> = fc.oneof(
  fc.record({
    origin: fc.uuid().map(sqs),
    payload: fc
      .oneof(fc.jsonValue(), fc.constantFrom(...cloudTrail))
      .map((value) => ({ kind: 'parsed' as const, value })),
  }),
  fc.record({
    origin: fc.uuid().map(sqs),
    payload: fc.string().map((text) => ({
      kind: 'rejected' as const,
      text,
      reason: { message: 'invalid JSON: Unexpected end of JSON input', source: 'ingest.parse' },
    })),
  }),
);

describe('ingestBatch', () => {
  it('conserves records: each comes out exactly once, as an event or as a quarantine record', () => {
    fc.assert(
      fc.property(fc.array(inputArbitrary, { maxLength: 12 }), (inputs) => {
        const expected = inputs.reduce(
          (n, i) =>
            n +
            (i.payload.kind === 'rejected' ? 1 : normalise(i.payload.value, deps.normaliseContext).length),
          0,
        );
        const { events, quarantine } = ingestBatch(inputs, deps);
        expect(events.length + quarantine.length).toBe(expected);
        expect(
          events.every((e) => typeof e.ocsf.metadata.uid === 'string' && e.ocsf.metadata.uid !== ''),
        ).toBe(true);
        expect(new Set(quarantine.map((q) => q.id)).size).toBe(quarantine.length);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same inputs give the same quarantine ids and event uids', () => {
    fc.assert(
      fc.property(fc.array(inputArbitrary, { maxLength: 8 }), (inputs) => {
        const first = ingestBatch(inputs, deps);
        const second = ingestBatch(structuredClone(inputs), deps);
        expect(second.quarantine).toEqual(first.quarantine);
        expect(second.events.map((e) => e.ocsf.metadata.uid)).toEqual(
          first.events.map((e) => e.ocsf.metadata.uid),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a lone failed record as the exact text received, stamped with the receive time', () => {
    const text = '  { }  ';
    const { quarantine } = ingestBatch(
      [{ origin: sqs('m1'), payload: { kind: 'parsed', value: {}, text } }],
      deps,
    );
    expect(quarantine).toEqual([
      {
        id: recordKey(sqs('m1'), 0),
        receivedAt: '2026-11-23T10:00:00.000Z',
        sourceKind: 'unknown',
        reason: { message: 'empty object: no fields to normalise', source: 'normalise' },
        origin: sqs('m1'),
        recordIndex: 0,
        payload: text,
      },
    ]);
  });

  it('keeps each failed record of a multi-record payload on its own, keyed by its position', () => {
    const value = { Records: [{}, 42, {}] };
    const { quarantine } = ingestBatch([{ origin: sqs('m2'), payload: { kind: 'parsed', value } }], deps);
    expect(quarantine.map((q) => [q.recordIndex, q.payload, q.id])).toEqual([
      [0, '{}', recordKey(sqs('m2'), 0)],
      [1, '42', recordKey(sqs('m2'), 1)],
      [2, '{}', recordKey(sqs('m2'), 2)],
    ]);
  });

  it('gives NDJSON lines of one object distinct keys', () => {
    const object = { kind: 's3' as const, id: 's3://b/k#v', bucket: 'b', key: 'k', messageId: 'm' };
    const reason = { message: 'invalid JSON: x', source: 'ingest.parse' };
    const lines: IngestInput[] = [1, 2, 3].map((line) => ({
      origin: { ...object, line },
      payload: { kind: 'rejected', text: `bad ${line}`, reason },
    }));
    const ids = ingestBatch(lines, deps).quarantine.map((q) => q.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('caps a reason at 500 characters', () => {
    const reason = { message: 'x'.repeat(5_000), source: 'ingest.s3' };
    const { quarantine } = ingestBatch(
      [{ origin: sqs('m3'), payload: { kind: 'rejected', text: '', reason } }],
      deps,
    );
    expect(quarantine[0]?.reason.message).toHaveLength(500);
  });
});
