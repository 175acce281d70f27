import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observe } from '../../shared/baseline/observe.ts';
import { DEFAULT_BASELINE_POLICY } from '../../shared/baseline/policy.ts';
import type { ProfileUpdate } from '../../shared/baseline/profile.ts';
import { baselineStage } from '../../shared/baseline/stage.ts';
import type { Signal } from '../../shared/detect/types.ts';
import { defaultEnricher } from '../../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../../shared/normalise/index.ts';
import { dynamoBaselineStore } from '../../shared/store/dynamo-baseline-store.ts';
import { labelledEvents } from '../support/data.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';

type Json = Record<string, unknown>;
const enrich = defaultEnricher();
/** A real IAM-user CLI call (panther-analysis labelled CloudTrail): the stream is built on it. */
const TEMPLATE = (labelledEvents('panther_aws_cloudtrail.ndjson') as Json[]).find(
  (e) =>
    String(e.userAgent).startsWith('aws-cli/2.13.0 Python/3.11.4 Linux') &&
    (e.userIdentity as Json).type === 'IAMUser',
) as Json;

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
const ACCOUNT = '111111111111';
const arnOf = (user: string) => `arn:aws:iam::${ACCOUNT}:user/${user}`;
const DE = '46.91.25.204';
const RU = '5.255.255.5';
const ROUTINE: [string, string][] = [
  ['s3.amazonaws.com', 'ListBuckets'],
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['sts.amazonaws.com', 'GetCallerIdentity'],
];

let seq = 0;
function call(
  at: number,
  user: string,
  c: { op?: [string, string]; ip?: string; region?: string; id?: string } = {},
) {
  const [eventSource, eventName] = c.op ?? ROUTINE[seq % 3]!;
  const record: Json = {
    ...TEMPLATE,
    eventID: c.id ?? `it-${String(++seq).padStart(6, '0')}`,
    eventTime: new Date(at).toISOString().replace('.000Z', 'Z'),
    eventSource,
    eventName,
    awsRegion: c.region ?? 'eu-central-1',
    sourceIPAddress: c.ip ?? DE,
    recipientAccountId: ACCOUNT,
    userIdentity: {
      ...(TEMPLATE.userIdentity as Json),
      arn: arnOf(user),
      userName: user,
      accountId: ACCOUNT,
    },
  };
  delete record.errorCode;
  delete record.errorMessage;
  const [r] = normalise(record, { enrich });
  if (!r?.ok) throw new Error('test record did not normalise');
  return r.event;
}

/** A week and a day of routine work for alice and bob: four calls a day each. */
const learningWeek = (): NormalisedEvent[] =>
  Array.from({ length: 8 * 4 }, (_, i) => [
    call(T0 + i * 6 * 3_600_000, 'alice', { op: ROUTINE[i % 3] }),
    call(T0 + i * 6 * 3_600_000 + 60_000, 'bob', { op: ROUTINE[(i + 1) % 3] }),
  ]).flat();

const inBatches = <T>(xs: T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

const tables: TestTable[] = [];
async function freshTable(): Promise<TestTable> {
  const t = await createTestTable('vigil-baseline');
  tables.push(t);
  return t;
}
afterAll(async () => {
  for (const t of tables) await t.drop();
});

const profileItems = async (t: TestTable) =>
  (await t.scanAll())
    .filter((i) => String(i.pk).startsWith('BASELINE#'))
    .sort((a, b) => (String(a.pk) < String(b.pk) ? -1 : 1));

describe('baselines on DynamoDB Local', () => {
  let table: TestTable;
  let stage: ReturnType<typeof baselineStage>;
  let attackBatch: NormalisedEvent[];
  let attackSignals: Signal[];
  let learningSignals: Signal[];

  beforeAll(async () => {
    table = await freshTable();
    stage = baselineStage({
      store: dynamoBaselineStore({ client: table.client, tableName: table.tableName }),
    });
    learningSignals = [];
    for (const batch of inBatches(learningWeek(), 10)) learningSignals.push(...(await stage.observe(batch)));
    attackBatch = [
      call(T0 + 9 * DAY, 'alice', {
        op: ['ec2.amazonaws.com', 'DescribeInstances'],
        ip: RU,
        region: 'ap-southeast-1',
        id: 'attack-1',
      }),
      call(T0 + 9 * DAY + 60_000, 'alice', {
        op: ['s3.amazonaws.com', 'ListBuckets'],
        ip: RU,
        region: 'ap-southeast-1',
        id: 'attack-2',
      }),
      call(T0 + 9 * DAY, 'bob', { op: ['s3.amazonaws.com', 'ListBuckets'] }),
    ];
    attackSignals = await stage.observe(attackBatch);
  });

  it('learns a week of routine silently, one profile item per principal', async () => {
    expect(learningSignals).toEqual([]);
    const items = await profileItems(table);
    expect(items.map((i) => [i.pk, i.sk])).toEqual([
      [`BASELINE#${arnOf('alice')}`, 'PROFILE'],
      [`BASELINE#${arnOf('bob')}`, 'PROFILE'],
    ]);
    const bob = items[1]!;
    expect(bob['d:api']).toEqual(new Set(ROUTINE.map(([s, o]) => `${s}:${o}`)));
    expect(bob['d:country']).toEqual(new Set(['DE']));
    expect(bob['d:user_agent']).toEqual(new Set(['aws-cli']));
    expect(bob.first_seen).toBe(T0 + 60_000);
    // TTL: about 90 days after the write, in epoch seconds.
    const ttlDays = ((bob.expires_at as number) * 1000 - Date.now()) / DAY;
    expect(ttlDays).toBeGreaterThan(89);
    expect(ttlDays).toBeLessThanOrEqual(90.01);
  });

  it('flags exactly a new country and a new region when the principal shows up from elsewhere', async () => {
    expect(attackSignals.map((s) => s.id)).toEqual([
      'baseline.new_region|attack-1',
      'baseline.new_country|attack-1',
    ]);
    for (const s of attackSignals) {
      expect(s.origin).toBe('baseline');
      expect(s.entities).toContainEqual({ type: 'principal', id: arnOf('alice') });
    }
    expect(attackSignals.map((s) => s.evidence.value)).toEqual(['ap-southeast-1', 'RU']);
    const alice = (await profileItems(table))[0]!;
    expect(alice['d:country']).toEqual(new Set(['DE', 'RU']));
    expect(alice['d:region']).toEqual(new Set(['eu-central-1', 'ap-southeast-1']));
    expect(alice['f:country:RU']).toBe('attack-1');
    expect(alice['f:region:ap-southeast-1']).toBe('attack-1');
  });

  it('on redelivery of the same batch keeps the same profile and raises no new signal', async () => {
    const before = await profileItems(table);
    const writes = stage.writes;
    const again = await stage.observe(attackBatch);
    expect(again.map((s) => s.id)).toEqual(attackSignals.map((s) => s.id));
    expect(stage.writes).toBe(writes);
    expect(await profileItems(table)).toEqual(before);
  });

  it('writes nothing on a steady stream of known behaviour', async () => {
    const writes = stage.writes;
    const events = stage.events;
    const steady = Array.from({ length: 400 }, (_, i) =>
      call(T0 + 10 * DAY + i * 60_000, i % 2 ? 'alice' : 'bob', {
        op: ROUTINE[i % 3],
        ...(i % 2 ? { ip: RU, region: 'ap-southeast-1' } : {}),
      }),
    );
    const signals: Signal[] = [];
    for (const batch of inBatches(steady, 100)) signals.push(...(await stage.observe(batch)));
    expect(signals).toEqual([]);
    expect(stage.events - events).toBe(400);
    expect(stage.writes - writes).toBe(0);
  });
});

describe('baseline store on DynamoDB Local', () => {
  it('lowers first_seen for a late event, and keeps an earlier one a concurrent writer stored', async () => {
    const t = await freshTable();
    const store = dynamoBaselineStore({ client: t.client, tableName: t.tableName });
    const principal = arnOf('carol');
    const base: ProfileUpdate = {
      principal,
      creates: true,
      add: { region: ['eu-central-1'] },
      flag: [],
      first_seen: T0,
      lowers_first_seen: false,
      events: 1,
      refreshed_at: T0,
    };
    expect(await store.apply([base])).toBe(1);
    await store.apply([{ ...base, creates: false, add: {}, first_seen: T0 - DAY, lowers_first_seen: true }]);
    expect((await store.load([principal])).get(principal)?.first_seen).toBe(T0 - DAY);
    // A writer that believed it was earlier but was not: the condition fails, the fallback keeps the stored time.
    const writes = await store.apply([
      { ...base, creates: false, add: {}, first_seen: T0, lowers_first_seen: true },
    ]);
    expect(writes).toBe(2);
    const profile = (await store.load([principal])).get(principal);
    expect(profile?.first_seen).toBe(T0 - DAY);
    expect(profile?.events).toBe(3);
  });

  it('merges when two writers create the same new principal at once', async () => {
    const t = await freshTable();
    const store = dynamoBaselineStore({ client: t.client, tableName: t.tableName });
    const a = observe([call(T0, 'dave', { region: 'eu-west-1' })], new Map(), DEFAULT_BASELINE_POLICY);
    const b = observe([call(T0 + 1000, 'dave', { region: 'us-east-2' })], new Map(), DEFAULT_BASELINE_POLICY);
    expect(a.updates[0]?.creates && b.updates[0]?.creates).toBe(true);
    await store.apply(a.updates);
    expect(await store.apply(b.updates)).toBe(2); // the failed conditional create, then the merge
    const dave = (await store.load([arnOf('dave')])).get(arnOf('dave'));
    expect(dave?.values.region).toEqual(new Set(['eu-west-1', 'us-east-2']));
    expect(dave?.first_seen).toBe(T0);
    expect(dave?.events).toBe(2);
  });

  it('starts an expired profile over instead of merging into it', async () => {
    const t = await freshTable();
    const today = Date.now();
    const store = (now: number) =>
      dynamoBaselineStore({ client: t.client, tableName: t.tableName, now: () => now });
    const first = baselineStage({ store: store(today) });
    await first.observe([call(T0, 'erin', { region: 'eu-west-1' })]);
    // 91 days on the wall clock: TTL has lapsed though DynamoDB may not have deleted the item yet.
    const later = store(today + 91 * DAY);
    expect((await later.load([arnOf('erin')])).size).toBe(0);
    await baselineStage({ store: later }).observe([call(T0 + 100 * DAY, 'erin', { region: 'us-east-2' })]);
    const erin = (await later.load([arnOf('erin')])).get(arnOf('erin'));
    expect(erin?.values.region).toEqual(new Set(['us-east-2']));
    expect(erin?.first_seen).toBe(T0 + 100 * DAY);
    expect(erin?.events).toBe(1);
  });

  it('spills a burst of flags over several updates and keeps them all', async () => {
    const t = await freshTable();
    const stage = baselineStage({ store: dynamoBaselineStore({ client: t.client, tableName: t.tableName }) });
    for (const batch of inBatches(learningWeek(), 50)) await stage.observe(batch);
    const writes = stage.writes;
    const burst = Array.from({ length: 70 }, (_, i) =>
      call(T0 + 9 * DAY + i * 1000, 'alice', { op: ['iam.amazonaws.com', `List${'x'.repeat(i)}Things`] }),
    );
    const signals = await stage.observe(burst);
    expect(signals.filter((s) => s.rule_id === 'baseline.new_api')).toHaveLength(70);
    expect(signals.filter((s) => s.rule_id === 'baseline.new_service')).toHaveLength(1);
    expect(stage.writes - writes).toBe(2);
    const alice = (await profileItems(t)).find((i) => i.principal === arnOf('alice'))!;
    expect(Object.keys(alice).filter((k) => k.startsWith('f:'))).toHaveLength(71);
    // Redelivered, the burst re-emits the same 71 signals from the stored flags and writes nothing.
    expect((await stage.observe(burst)).map((s) => s.id)).toEqual(signals.map((s) => s.id));
    expect(stage.writes - writes).toBe(2);
  });

  it('asks again for keys BatchGetItem left unprocessed', async () => {
    const t = await freshTable();
    const real = dynamoBaselineStore({ client: t.client, tableName: t.tableName });
    const users = Array.from({ length: 150 }, (_, i) => `user${i}`);
    await baselineStage({ store: real }).observe(users.map((u, i) => call(T0 + i, u)));
    // DynamoDB Local never throttles: this client answers the first request of each BatchGetItem
    // for only half of its keys and returns the rest as UnprocessedKeys, as DynamoDB does under load.
    let partial = 0;
    const flaky = {
      send: async (command: unknown) => {
        if (command instanceof BatchGetCommand && partial < 2) {
          partial++;
          const request = command.input.RequestItems![t.tableName]!;
          const keys = request.Keys ?? [];
          const half = Math.ceil(keys.length / 2);
          const res = await t.client.send(
            new BatchGetCommand({
              RequestItems: { [t.tableName]: { ...request, Keys: keys.slice(0, half) } },
            }),
          );
          return { ...res, UnprocessedKeys: { [t.tableName]: { ...request, Keys: keys.slice(half) } } };
        }
        return t.client.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const store = dynamoBaselineStore({ client: flaky, tableName: t.tableName, sleep: async () => {} });
    const loaded = await store.load(users.map(arnOf));
    expect(partial).toBe(2);
    expect([...loaded.keys()].sort()).toEqual(users.map(arnOf).sort());
  });
});
