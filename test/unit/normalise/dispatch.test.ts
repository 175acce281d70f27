import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { normaliseCloudTrail } from '../../../shared/normalise/cloudtrail.ts';
import { type NormaliseResult, normalise } from '../../../shared/normalise/index.ts';
import type { NormaliseContext } from '../../../shared/normalise/types.ts';
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

const AWS_FILES = [
  'panther_aws_cloudtrail.ndjson',
  'panther_aws_guardduty.ndjson',
  'guardduty_findings_eventbridge.ndjson',
  'panther_aws_securityhub_asff.ndjson',
  'securityhub_findings_eventbridge.ndjson',
] as const;

const trail = events('panther_aws_cloudtrail.ndjson');

const cloudTrailRecord = (eventName: string): Json => {
  const found = trail.find((e) => e.eventName === eventName && typeof e.eventTime === 'string' && e.eventID);
  if (!found) throw new Error(`no ${eventName} record`);
  return structuredClone(found);
};

/** A CloudTrail delivery file from the AWS documentation (Security Lake's sample inputs). */
const deliveryFile = (folder: string, file: string): Json =>
  JSON.parse(
    readFileSync(
      path.join(DATA, 'samples/security-lake-ocsf/samples/1.0.0-rc.2/CLOUD_TRAIL', folder, 'input', file),
      'utf8',
    ),
  );

/** The envelope EventBridge puts around a CloudTrail event on the default bus. */
const eventBridge = (detailType: string, detail: Json): Json => ({
  version: '0',
  id: '6f87d04b-9f74-4f04-a780-7acf4b0a9b38',
  'detail-type': detailType,
  source: `aws.${String(detail.eventSource).split('.')[0]}`,
  account: detail.recipientAccountId,
  time: detail.eventTime,
  region: detail.awsRegion,
  resources: [],
  detail,
});

const only = (results: NormaliseResult[]) => {
  expect(results).toHaveLength(1);
  const [result] = results;
  if (!result?.ok) throw new Error(`expected success, got: ${result?.error.message}`);
  expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
  return result.event;
};

describe('normalise() routes AWS records to their normaliser', () => {
  it('unwraps CloudTrail API calls and console sign-ins from EventBridge', () => {
    const call = cloudTrailRecord('RunInstances');
    const viaBus = only(normalise(eventBridge('AWS API Call via CloudTrail', call), ctx));
    const direct = normaliseCloudTrail(call, ctx);
    expect(viaBus.source).toBe('cloudtrail');
    expect(viaBus.raw).toBe(call);
    expect(direct.ok && viaBus.ocsf).toEqual(direct.ok && direct.event.ocsf);

    const signIn = cloudTrailRecord('ConsoleLogin');
    const login = only(normalise(eventBridge('AWS Console Sign In via CloudTrail', signIn), ctx));
    expect(login.ocsf.class_uid).toBe(3002);
  });

  it('unwraps every record of an S3 delivery file, in order', () => {
    const file = deliveryFile('account_change', 'CreateUser.test.json');
    const [created] = normalise(file, ctx);
    expect(created?.ok && created.event.ocsf).toMatchObject({
      class_uid: 3001,
      activity_id: 1,
      user: { name: 'test_user2' },
      metadata: { uid: '7dd15a89-ae0f-4340-8e6c-d6981246c71b' },
    });
    const batch = { Records: [cloudTrailRecord('ConsoleLogin'), cloudTrailRecord('CreateUser'), {}, 'junk'] };
    const results = normalise(batch, ctx);
    expect(results.map((r) => (r.ok ? r.event.ocsf.class_uid : r.error.message))).toEqual([
      3002,
      3001,
      'empty object: no fields to normalise',
      'expected a JSON object, got string',
    ]);
  });

  it('recognises lower-cased CloudTrail exports', () => {
    const record = trail.find((e) => e.eventname === 'GetRecords');
    expect(only(normalise(record, ctx)).source).toBe('cloudtrail');
  });

  it('normalises (nearly) every line of the AWS labelled files', () => {
    for (const file of AWS_FILES) {
      let records = 0;
      let ok = 0;
      const reasons = new Map<string, number>();
      for (const event of events(file)) {
        for (const result of normalise(event, { ...ctx, receivedAt: Date.parse('2026-11-23T12:00:00Z') })) {
          records++;
          if (result.ok) {
            ok++;
            expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
          } else {
            reasons.set(result.error.message, (reasons.get(result.error.message) ?? 0) + 1);
          }
        }
      }
      console.log(`${file}: ${ok}/${records} normalised (${((100 * ok) / records).toFixed(1)}%)`, [
        ...reasons,
      ]);
      // The two `{}` fixtures are the only CloudTrail lines that cannot be events; records without a
      // time of their own are dated by their receipt (ctx.receivedAt) and labelled so.
      expect(ok / records).toBeGreaterThanOrEqual(0.99);
      if (file === 'panther_aws_cloudtrail.ndjson') {
        expect([...reasons.keys()]).toEqual(['empty object: no fields to normalise']);
      }
    }
  });
});

describe('normalisers are total (fuzzed with mutated real records)', () => {
  // The records themselves, unwrapped from their envelopes and delivery files: what the AWS
  // normalisers receive. (Envelope handling is the dispatcher's own contract.)
  const corpus: Json[] = [
    ...trail,
    ...events('panther_aws_guardduty.ndjson'),
    ...events('guardduty_findings_eventbridge.ndjson').map((e) => e.detail as Json),
    ...events('panther_aws_securityhub_asff.ndjson'),
    ...events('securityhub_findings_eventbridge.ndjson').flatMap(
      (e) => (e.detail as Json).findings as Json[],
    ),
    ...(deliveryFile('authentication', 'AssumeRoleWithSAML.test.json').Records as Json[]),
    ...events('panther_aws_waf.ndjson'),
  ];

  /** Every path into a record (objects and arrays), so that a mutation can land anywhere. */
  const pathsOf = (
    value: unknown,
    prefix: Array<string | number> = [],
    out: Array<Array<string | number>> = [],
  ) => {
    out.push(prefix);
    if (prefix.length >= 8 || typeof value !== 'object' || value === null) return out;
    for (const [key, child] of Object.entries(value)) {
      pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key], out);
    }
    return out;
  };
  const paths = corpus.map((record) => pathsOf(record));

  const DELETE = Symbol('delete');
  const hostile = fc.oneof(
    fc.constant(DELETE),
    fc.constant(null),
    fc.constantFrom(
      '',
      '075.050.255.67',
      '::ffff:1.2.3.4',
      'AWS Internal',
      '2024-02-30T00:00:00Z',
      '9999-12-31T23:59:59.999999999-18:00',
      '__proto__',
      'constructor',
      'toString',
      'A'.repeat(70_000),
      '\u0000\u202e',
      Number.MAX_SAFE_INTEGER,
      -1,
      1e308,
      true,
    ),
    fc.string({ maxLength: 50 }),
    fc.integer(),
    fc.double(),
    fc.anything({ maxDepth: 3, withNullPrototype: true }),
  );

  /** The record with the value at `at` replaced (or deleted); unchanged if an earlier mutation removed the path. */
  const mutate = (record: Json, at: Array<string | number>, value: unknown): unknown => {
    if (at.length === 0) return value === DELETE ? {} : value;
    const copy = structuredClone(record);
    let parent: unknown = copy;
    for (const step of at.slice(0, -1)) {
      if (typeof parent !== 'object' || parent === null) return copy;
      parent = (parent as Record<string | number, unknown>)[step];
    }
    if (typeof parent !== 'object' || parent === null) return copy;
    const target = parent as Record<string | number, unknown>;
    const last = at[at.length - 1] as string | number;
    // JSON has no sparse arrays: an array element is removed, not left as a hole.
    if (value === DELETE && Array.isArray(target)) target.splice(Number(last), 1);
    else if (value === DELETE) delete target[last];
    else target[last] = value;
    return copy;
  };

  it('never throws: every result is a valid OCSF event or a ValidationError with a reason', () => {
    const mutation = fc
      .record({
        record: fc.nat(corpus.length - 1),
        path: fc.nat(),
        value: hostile,
        times: fc.integer({ min: 1, max: 3 }),
      })
      .map(({ record, path: pick, value, times }) => {
        let mutated: unknown = corpus[record];
        const recordPaths = paths[record] ?? [[]];
        for (let i = 0; i < times; i++) {
          const at = recordPaths[(pick + i * 7919) % recordPaths.length] ?? [];
          mutated =
            typeof mutated === 'object' && mutated !== null ? mutate(mutated as Json, at, value) : mutated;
        }
        return mutated;
      });
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(mutation, (input) => {
        const results = normalise(input, ctx);
        expect(results.length).toBeGreaterThan(0);
        for (const result of results) {
          if (result.ok) {
            accepted++;
            expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
          } else {
            rejected++;
            expect(result.error).toBeInstanceOf(ValidationError);
            expect(result.error.message).not.toMatch(/crashed/);
            expect(result.error.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 10_000, seed: 20_261_123 },
    );
    console.log(`fuzz: ${accepted} mutated records normalised, ${rejected} rejected with a reason`);
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});
