import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { normaliseGeneric } from '../../../shared/normalise/generic.ts';
import { normalise, TIME_FROM_RECEIPT_LABEL } from '../../../shared/normalise/index.ts';
import type { NormaliseContext } from '../../../shared/normalise/types.ts';
import { TIME_UNKNOWN_LABEL } from '../../../shared/normalise/util-ext-ocsf.ts';
import { parseDateTime, parseEpoch } from '../../../shared/normalise/util-time.ts';
import type { OcsfEvent } from '../../../shared/ocsf/types.ts';
import { loadOcsfSchema, validateOcsf } from '../../../shared/ocsf/validate.ts';

const DATA = path.resolve(process.cwd(), '../shared/data');
const schema = loadOcsfSchema(path.join(DATA, 'ocsf/schema-1.1.0.compiled.json'));
const ctx: NormaliseContext = { enrich: () => {} };

type Json = Record<string, unknown>;

const events = (file: string): Json[] =>
  readFileSync(path.join(DATA, 'labelled', file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).event);

const first = (file: string, match: (e: Json) => boolean): Json => {
  const found = events(file).find(match);
  if (!found) throw new Error(`no matching record in ${file}`);
  return found;
};

function baseEvent(record: Json): OcsfEvent {
  const result = normaliseGeneric(record, ctx);
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`);
  expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
  expect(result.event.source).toBe('generic');
  return result.event.ocsf;
}

describe('generic fallback → OCSF Base Event (0)', () => {
  it('keeps a record no normaliser knows (AWS WAF) whole, timed by its timestamp', () => {
    const record = first('panther_aws_waf.ndjson', (e) => e.timestamp === '2024-03-20T10:30:00.000Z');
    const [result] = normalise(record, ctx);
    if (!result?.ok) throw new Error('expected the dispatcher to fall back to the generic normaliser');
    expect(result.event.source).toBe('generic');
    expect(result.event.ocsf).toEqual({
      class_uid: 0,
      class_name: 'Base Event',
      category_uid: 0,
      category_name: 'Uncategorized',
      activity_id: 0,
      activity_name: 'Unknown',
      type_uid: 0,
      type_name: 'Base Event: Unknown',
      severity_id: 1,
      severity: 'Informational',
      time: Date.UTC(2024, 2, 20, 10, 30),
      metadata: {
        version: '1.1.0',
        product: { vendor_name: 'Unknown', name: 'generic' },
        original_time: '2024-03-20T10:30:00.000Z',
      },
      unmapped: record,
    });
    expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
  });

  it('reads the time fields and formats real logs use', () => {
    const s3 = first('panther_aws_s3_access.ndjson', (e) => typeof e.time === 'string');
    expect(baseEvent(s3).time).toBe(parseDateTime(s3.time));
    const resolver = first(
      'panther_aws_route53_resolver.ndjson',
      (e) => e.query_timestamp === '2022-06-25 00:27:53',
    );
    expect(baseEvent(resolver).time).toBe(Date.UTC(2022, 5, 25, 0, 27, 53));
    const azure = first(
      'panther_azure_monitor_activity.ndjson',
      (e) => e.time === '2024-12-17T10:30:00.0000000Z',
    );
    expect(baseEvent(azure).time).toBe(Date.UTC(2024, 11, 17, 10, 30));
    // Epoch seconds as a digit string (osquery) and as a float (Push Security).
    const osquery = first(
      'panther_other.ndjson',
      (e) => e.unixTime === '1536682461' && e.calendarTime !== undefined,
    );
    expect(baseEvent(osquery).time).toBe(1_536_682_461_000);
    const push = first('panther_other.ndjson', (e) => e.timestamp === 1698604061);
    expect(baseEvent(push)).toMatchObject({
      time: 1_698_604_061_000,
      metadata: { original_time: '1698604061' },
    });
  });

  it('dates a record without a recognisable timestamp by its receipt, labelled so, or refuses it', () => {
    const record = first('panther_aws_vpcflow.ndjson', (e) => e.status === 'OK');
    const direct = normaliseGeneric(record, ctx);
    if (!direct.ok) throw new Error(`expected an event, got: ${direct.error.message}`);
    expect(direct.event.ocsf.metadata.labels).toEqual([TIME_UNKNOWN_LABEL]);

    const receivedAt = Date.parse('2026-11-23T12:00:00Z');
    const [dated] = normalise({ time: 'yesterday', message: 'hello' }, { ...ctx, receivedAt });
    if (!dated?.ok) throw new Error('expected the dispatcher to date the record');
    expect(dated.event.ocsf.time).toBe(receivedAt);
    expect(dated.event.ocsf.metadata.labels).toEqual([TIME_FROM_RECEIPT_LABEL]);
    expect(validateOcsf(dated.event.ocsf, schema)).toEqual([]);

    const [refused] = normalise({ time: 'yesterday', message: 'hello' }, ctx);
    expect(refused?.ok).toBe(false);
    for (const input of [null, 'text', 7, [record]]) {
      const r = normaliseGeneric(input, ctx);
      expect(!r.ok && r.error.message).toBe('generic: record is not a JSON object');
      expect(!r.ok && r.error).toBeInstanceOf(ValidationError);
    }
  });
});

describe('timestamp readers', () => {
  const instant = Date.UTC(2024, 1, 29, 23, 59, 58, 123);

  it('parseDateTime: RFC 3339 and the exporters’ variants, only real instants', () => {
    const cases: Array<[string, number | undefined]> = [
      ['2024-02-29T23:59:58.123Z', instant],
      ['2024-02-29 23:59:58.123456789', instant],
      ['2024-03-01T01:59:58.123+02:00', instant],
      ['2024-02-29T18:59:58.123-0500', instant],
      ['2024-03-01T00:59:58.123+01', instant],
      ['2024-02-29t23:59:58,123z', instant],
      ['2023-02-29T00:00:00Z', undefined],
      ['2024-04-31T00:00:00Z', undefined],
      ['2024-01-01T24:00:00Z', undefined],
      ['2024-01-01T00:60:00Z', undefined],
      ['2024-01-01T00:00:00.Z', undefined],
      ['2024-01-01T00:00:00+25:00', undefined],
      ['2024-01-01T00:00:00Z trailing', undefined],
      ['1969-12-31T23:59:59Z', undefined],
      ['2024-01-01', undefined],
      ['...', undefined],
      ['２０２４-01-01T00:00:00Z', undefined],
    ];
    for (const [text, expected] of cases) expect([text, parseDateTime(text)]).toEqual([text, expected]);
    expect(parseDateTime(1_700_000_000)).toBeUndefined();
  });

  it('parseEpoch: seconds, milliseconds, microseconds and nanoseconds by magnitude', () => {
    const seconds = Math.floor(instant / 1000);
    expect(parseEpoch(seconds)).toBe(seconds * 1000);
    expect(parseEpoch(instant / 1000)).toBe(instant);
    expect(parseEpoch(instant)).toBe(instant);
    expect(parseEpoch(instant * 1000)).toBe(instant);
    expect(parseEpoch(String(seconds))).toBe(seconds * 1000);
    expect(parseEpoch(`${instant}000000`)).toBe(instant);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '12abc', '', '1e12', 1e25, true, null]) {
      expect([bad, parseEpoch(bad)]).toEqual([bad, undefined]);
    }
  });
});
