import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { type Verdict, type VerdictKind, verdictId } from '../../shared/feedback/types.ts';
import { dynamoVerdictStore } from '../../shared/store/dynamo-verdict-store.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';

const AT = Date.parse('2026-11-23T10:00:00Z');
// Real ids from the attack story (npx vigil replay --story --json).
const INCIDENT = 'inc-571e53b3df2adbb4';
const SIGNAL = 'aws.iam.authorization_details_dump|57b07145-3b60-4463-800b-6a833fd75c89';
const GUARDDUTY = 'aws.guardduty.recon_finding|c2c8f1d0a4e5b6c7d8e9f0a1b2c3d4e5@1795166040000';

function verdict(given: Partial<Verdict> = {}): Verdict {
  const { signal_id: givenSignal, ...over } = given;
  const incident_id = over.incident_id ?? INCIDENT;
  const analyst = over.analyst ?? 'alice@example.org';
  const signal_id = 'signal_id' in given ? givenSignal : SIGNAL;
  return {
    id: verdictId(incident_id, signal_id, analyst),
    incident_id,
    ...(signal_id !== undefined ? { signal_id } : {}),
    rule_id: signal_id ? (signal_id.split('|')[0] ?? '*') : '*',
    verdict: 'false_positive',
    analyst,
    at: AT,
    reason: 'CI deploy from the build network',
    ...over,
  };
}

describe('DynamoDB verdict store', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable('verdicts');
  });
  afterAll(() => table.drop());

  it('stores a verdict under VERDICT#<incident> / <signal>#<analyst>, indexed by time, and reads it back', async () => {
    const store = dynamoVerdictStore({ client: table.client, tableName: table.tableName });
    const v = verdict();
    expect(await store.record(v)).toEqual(v);

    const items = (await table.scanAll()).filter((i) => i.pk === `VERDICT#${INCIDENT}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      pk: `VERDICT#${INCIDENT}`,
      sk: `${SIGNAL}#alice@example.org`,
      gsi1pk: 'VERDICTS',
      gsi1sk: `00${AT}#${v.id}`,
      entity: 'verdict',
      verdict: 'false_positive',
    });
    expect(items[0]?.expires_at).toBeUndefined();
    expect(await store.forIncident(INCIDENT)).toEqual([v]);
    expect(await store.list()).toContainEqual(v);
  });

  it('is idempotent: a second verdict by the same analyst on the same signal returns the first, unchanged', async () => {
    const store = dynamoVerdictStore({ client: table.client, tableName: table.tableName });
    const first = verdict({ incident_id: 'inc-idem', verdict: 'true_positive', reason: 'first' });
    await store.record(first);
    const again = await store.record({ ...first, verdict: 'benign', at: AT + 60_000, reason: 'second' });
    expect(again).toEqual(first);
    expect(await store.record(first)).toEqual(first);
    expect(await store.forIncident('inc-idem')).toEqual([first]);
  });

  it('keeps one verdict per analyst per signal, and the incident verdict apart', async () => {
    const store = dynamoVerdictStore({ client: table.client, tableName: table.tableName });
    const id = 'inc-many';
    const given = [
      verdict({ incident_id: id, analyst: 'bob@example.org', verdict: 'benign', at: AT + 3 }),
      verdict({ incident_id: id, analyst: 'alice@example.org', at: AT + 1 }),
      verdict({ incident_id: id, signal_id: GUARDDUTY, verdict: 'true_positive', at: AT + 2 }),
      verdict({ incident_id: id, signal_id: undefined, verdict: 'true_positive', at: AT + 4 }),
    ];
    // Concurrent writes of different keys all land.
    await Promise.all(given.map((v) => store.record(v)));
    const back = await store.forIncident(id);
    expect(back.map((v) => v.at)).toEqual([AT + 1, AT + 2, AT + 3, AT + 4]);
    expect(back.at(-1)).toEqual({ ...given[3], rule_id: '*' });
    expect(back.at(-1)).not.toHaveProperty('signal_id');
    const items = (await table.scanAll()).filter((i) => i.pk === `VERDICT#${id}`);
    expect(items.map((i) => i.sk).sort()).toEqual(
      [
        `${SIGNAL}#alice@example.org`,
        `${SIGNAL}#bob@example.org`,
        `${GUARDDUTY}#alice@example.org`,
        'INCIDENT#alice@example.org',
      ].sort(),
    );
    expect(await store.forIncident('inc-nothing')).toEqual([]);
  });

  it('under a race of the same verdict, exactly one write wins and every caller gets it', async () => {
    const store = dynamoVerdictStore({ client: table.client, tableName: table.tableName });
    const racers = ['true_positive', 'false_positive', 'benign', 'true_positive', 'benign'] as const;
    const results = await Promise.all(
      racers.map((kind, k) =>
        store.record(verdict({ incident_id: 'inc-race', verdict: kind, at: AT + k, reason: `racer ${k}` })),
      ),
    );
    const stored = await store.forIncident('inc-race');
    expect(stored).toHaveLength(1);
    for (const r of results) expect(r).toEqual(stored[0]);
  });

  it('lists every verdict oldest first through the index, page by page', async () => {
    const fresh = await createTestTable('verdicts-list');
    try {
      let queries = 0;
      const counting = {
        send: (command: unknown) => {
          if (command instanceof QueryCommand) queries++;
          return fresh.client.send(command as never);
        },
      } as unknown as DynamoDBDocumentClient;
      const store = dynamoVerdictStore({ client: counting, tableName: fresh.tableName, pageSize: 4 });
      const given = Array.from({ length: 23 }, (_, k) =>
        verdict({
          incident_id: `inc-${k % 5}`,
          analyst: `analyst${k}@example.org`,
          // Out of order, and two verdicts share an instant.
          at: AT + ((k * 7) % 23) * 1_000 + (k === 22 ? -1_000 : 0),
        }),
      );
      for (const v of given) await store.record(v);
      const listed = await store.list();
      expect(listed).toHaveLength(23);
      const expected = [...given].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
      expect(listed).toEqual(expected);
      // 23 items at 4 a page: six pages, and one more Query that finds the end.
      expect(queries).toBeGreaterThanOrEqual(6);
      queries = 0;
      expect(await store.forIncident('inc-0')).toHaveLength(5);
      expect(queries).toBe(2);
    } finally {
      await fresh.drop();
    }
  });

  it('refuses verdicts whose key could be confused or whose fields are out of bounds, writing nothing', async () => {
    const store = dynamoVerdictStore({ client: table.client, tableName: table.tableName });
    const before = (await table.scanAll()).length;
    const bad: Verdict[] = [
      { ...verdict(), id: 'inc-x#other#alice@example.org' },
      verdict({ analyst: 'a#b@example.org' }),
      verdict({ signal_id: 'INCIDENT' }),
      verdict({ signal_id: 'incident' }),
      verdict({ incident_id: '' }),
      verdict({ incident_id: 'x'.repeat(513) }),
      verdict({ reason: 'x'.repeat(2_001) }),
      verdict({ at: -1 }),
      verdict({ at: 1.5 }),
      { ...verdict(), verdict: 'maybe' as VerdictKind },
      { ...verdict(), rule_id: '' },
    ];
    for (const v of bad) await expect(store.record(v)).rejects.toBeInstanceOf(ValidationError);
    await expect(store.forIncident('')).rejects.toBeInstanceOf(ValidationError);
    expect((await table.scanAll()).length).toBe(before);
  });

  it('refuses a stored item that is not a verdict', async () => {
    const store = dynamoVerdictStore({ client: table.client, tableName: table.tableName });
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { pk: 'VERDICT#inc-broken', sk: 'x#y', verdict: 'nonsense', id: 'x' },
      }),
    );
    await expect(store.forIncident('inc-broken')).rejects.toBeInstanceOf(ValidationError);
  });
});
