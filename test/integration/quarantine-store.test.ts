import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { BatchWriteCommand, DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../functions/lib/aws-clients.ts';
import { localDynamoClientConfig } from '../../local/dynamodb-local.ts';
import { TransientError, ValidationError } from '../../shared/errors.ts';
import { recordKey } from '../../shared/ingest/ingest-batch.ts';
import { dynamoQuarantineStore } from '../../shared/store/dynamo-quarantine-store.ts';
import type { QuarantineRecord, QuarantineStore } from '../../shared/store/quarantine.ts';
import { labelledEvents } from '../support/data.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';

const NOW = new Date('2026-11-23T10:00:00.000Z');
const DAY_SECONDS = 86_400;
const instantRetry = { sleep: async () => undefined, random: () => 0.5 };

let seq = 0;
function quarantineRecord(payload: string, overrides: Partial<QuarantineRecord> = {}): QuarantineRecord {
  const origin = { kind: 'sqs' as const, id: `message-${++seq}` };
  return {
    id: recordKey(origin, 0),
    receivedAt: NOW.toISOString(),
    sourceKind: 'cloudtrail',
    reason: { message: 'userIdentity is missing', source: 'normalise.cloudtrail' },
    origin,
    recordIndex: 0,
    payload,
    ...overrides,
  };
}

const itemsUnder = (items: Record<string, unknown>[], id: string) =>
  items.filter((i) => i.pk === `QUARANTINE#${id}`);

describe('DynamoDB quarantine store', () => {
  let table: TestTable;
  let store: QuarantineStore;
  const cloudTrailLine = JSON.stringify(labelledEvents('panther_aws_cloudtrail.ndjson')[0]);

  beforeAll(async () => {
    table = await createTestTable('quarantine');
    store = dynamoQuarantineStore({ client: table.client, tableName: table.tableName, now: () => NOW });
  });
  afterAll(() => table.drop());

  it('returns a small record exactly as put, payload stored inline as text', async () => {
    const record = quarantineRecord(`${cloudTrailLine}\n  "unicode": "€ 😀 \\u0000"`);
    await store.put([record]);

    expect(await store.get(record.id)).toEqual(record);
    const [meta] = itemsUnder(await table.scanAll(), record.id);
    expect(meta).toMatchObject({ sk: 'META', payload_encoding: 'utf8', payload: record.payload });
  });

  it('gzips a payload over the 400 KB item limit into one binary attribute and returns it byte-identical', async () => {
    const payload = `[${Array.from({ length: 400 }, () => cloudTrailLine).join(',')}]`;
    expect(Buffer.byteLength(payload)).toBeGreaterThan(400 * 1024);
    const record = quarantineRecord(payload);
    await store.put([record]);

    const back = await store.get(record.id);
    expect(Buffer.from(back?.payload ?? '').equals(Buffer.from(payload))).toBe(true);
    const items = itemsUnder(await table.scanAll(), record.id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ payload_encoding: 'gzip' });
    expect(items[0]?.payload_gz).toBeInstanceOf(Uint8Array);
  });

  it('splits an incompressible payload into chunk items and reassembles it byte-identical', async () => {
    const payload = `€${randomBytes(900_000).toString('base64')}😀`;
    const record = quarantineRecord(payload);
    await store.put([record]);

    const back = await store.get(record.id);
    expect(back?.payload.length).toBe(payload.length);
    expect(back?.payload === payload).toBe(true);
    const items = itemsUnder(await table.scanAll(), record.id);
    const chunks = items.filter((i) => String(i.sk).startsWith('CHUNK#'));
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(items.find((i) => i.sk === 'META')).toMatchObject({
      payload_encoding: 'gzip-chunks',
      payload_chunks: chunks.length,
    });
    // Chunks stay out of the day index: one listing entry per record.
    expect(chunks.every((c) => c.gsi1pk === undefined)).toBe(true);
  });

  it('refuses to return a chunked payload that has lost a chunk', async () => {
    const record = quarantineRecord(randomBytes(800_000).toString('base64'));
    await store.put([record]);
    await table.client.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: { pk: `QUARANTINE#${record.id}`, sk: 'CHUNK#0001' },
      }),
    );

    await expect(store.get(record.id)).rejects.toBeInstanceOf(ValidationError);
  });

  it('overwrites on re-put: the same records put twice leave the same items', async () => {
    const records = [
      quarantineRecord('{"a":1}'),
      quarantineRecord(randomBytes(500_000).toString('hex')),
      quarantineRecord('not json at all'),
    ];
    await store.put(records);
    const before = (await table.scanAll()).length;
    await store.put(records);
    await store.put([...records, ...records]); // duplicates inside one call, as a redelivered batch can hold

    expect((await table.scanAll()).length).toBe(before);
    for (const r of records) expect((await store.get(r.id))?.payload).toBe(r.payload);
  });

  it('stamps the TTL from the receive time (90 days by default, configurable) and hides expired records', async () => {
    const record = quarantineRecord('{"expiring":true}');
    await store.put([record]);
    const receivedSeconds = NOW.getTime() / 1000;
    const [meta] = itemsUnder(await table.scanAll(), record.id);
    expect(meta?.expires_at).toBe(receivedSeconds + 90 * DAY_SECONDS);

    const weekStore = dynamoQuarantineStore({
      client: table.client,
      tableName: table.tableName,
      ttlDays: 7,
      now: () => new Date(NOW.getTime() + 8 * DAY_SECONDS * 1000),
    });
    await weekStore.put([record]);
    const [rewritten] = itemsUnder(await table.scanAll(), record.id);
    expect(rewritten?.expires_at).toBe(receivedSeconds + 7 * DAY_SECONDS);
    // Eight days on, the item is past its TTL: gone for readers even before DynamoDB sweeps it.
    expect(await weekStore.get(record.id)).toBeUndefined();
  });

  it('rejects ids and days that ingest never mints', async () => {
    await expect(store.get('QUARANTINE#x')).rejects.toBeInstanceOf(ValidationError);
    await expect(store.listByDay('23/11/2026')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('quarantine listing by day', () => {
  let table: TestTable;
  let store: QuarantineStore;

  beforeAll(async () => {
    table = await createTestTable('quarantine-days');
    store = dynamoQuarantineStore({ client: table.client, tableName: table.tableName, now: () => NOW });
  });
  afterAll(() => table.drop());

  it('lists a day oldest first, in pages, without payloads, and nothing from other days', async () => {
    const day = ['2026-11-22T09:00:00.000Z', '2026-11-22T10:00:00.000Z', '2026-11-22T23:59:59.999Z'];
    const records = [
      ...day.map((receivedAt) => quarantineRecord(`{"at":"${receivedAt}"}`, { receivedAt })),
      quarantineRecord('{"other":"day"}', { receivedAt: '2026-11-23T00:00:00.000Z' }),
      quarantineRecord(randomBytes(700_000).toString('base64'), { receivedAt: '2026-11-22T11:00:00.000Z' }),
    ];
    await store.put(records.reverse());

    const first = await store.listByDay('2026-11-22', { limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.cursor).toBeDefined();
    const rest = await store.listByDay('2026-11-22', { limit: 10, cursor: first.cursor });
    const listed = [...first.items, ...rest.items];

    expect(listed.map((s) => s.receivedAt)).toEqual([
      '2026-11-22T09:00:00.000Z',
      '2026-11-22T10:00:00.000Z',
      '2026-11-22T11:00:00.000Z',
      '2026-11-22T23:59:59.999Z',
    ]);
    expect(listed.every((s) => !('payload' in s))).toBe(true);
    expect(listed.find((s) => s.receivedAt.startsWith('2026-11-22T11'))?.payloadBytes).toBe(
      Buffer.byteLength(records.find((r) => r.receivedAt.startsWith('2026-11-22T11'))?.payload ?? ''),
    );
    expect((await store.listByDay('2026-11-23')).items).toHaveLength(1);
  });

  it('rejects a cursor it did not issue for that day', async () => {
    const page = await store.listByDay('2026-11-22', { limit: 1 });
    expect(page.cursor).toBeDefined();
    await expect(store.listByDay('2026-11-23', { cursor: page.cursor })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(store.listByDay('2026-11-22', { cursor: 'bm90IGEgY3Vyc29y' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('quarantine writes under faults', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable('quarantine-faults');
  });
  afterAll(() => table.drop());

  /**
   * DynamoDB Local never throttles, so UnprocessedItems is injected at the SDK boundary: the
   * wrapper really writes the first item of each BatchWrite call (none if it is the only one) and hands
   * the rest back unprocessed.
   */
  function throttlingClient(throttledCalls: number): { client: DynamoDBDocumentClient; calls: () => number } {
    let calls = 0;
    const client = {
      send: async (command: unknown) => {
        if (!(command instanceof BatchWriteCommand)) return table.client.send(command as never);
        calls++;
        const requests = command.input.RequestItems?.[table.tableName] ?? [];
        if (calls > throttledCalls) return table.client.send(command);
        const written = requests.length > 1 ? requests.slice(0, 1) : [];
        if (written.length > 0) {
          await table.client.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: written } }));
        }
        return { UnprocessedItems: { [table.tableName]: requests.slice(written.length) } };
      },
    } as unknown as DynamoDBDocumentClient;
    return { client, calls: () => calls };
  }

  it('retries unprocessed items with growing, capped backoff until all are written', async () => {
    const { client, calls } = throttlingClient(3);
    const delays: number[] = [];
    const store = dynamoQuarantineStore({
      client,
      tableName: table.tableName,
      now: () => NOW,
      retry: {
        sleep: async (ms) => void delays.push(ms),
        random: () => 0.999,
        baseDelayMs: 50,
        maxDelayMs: 120,
      },
    });
    const records = Array.from({ length: 5 }, (_, i) => quarantineRecord(`{"n":${i}}`));
    await store.put(records);

    expect(calls()).toBe(4);
    expect(delays).toEqual([49, 99, 119]);
    for (const r of records) expect((await store.get(r.id))?.payload).toBe(r.payload);
  });

  it('gives up as a TransientError when items stay unprocessed', async () => {
    const { client } = throttlingClient(Number.POSITIVE_INFINITY);
    const store = dynamoQuarantineStore({
      client,
      tableName: table.tableName,
      now: () => NOW,
      retry: { ...instantRetry, maxAttempts: 3 },
    });
    await expect(
      store.put([quarantineRecord('{"a":1}'), quarantineRecord('{"b":2}')]),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('reports an unreachable DynamoDB as a TransientError', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const client = documentClient({
      ...localDynamoClientConfig(`http://127.0.0.1:${closedPort}`),
      maxAttempts: 1,
    });
    const store = dynamoQuarantineStore({ client, tableName: table.tableName, now: () => NOW });

    await expect(store.put([quarantineRecord('{"a":1}')])).rejects.toBeInstanceOf(TransientError);
    await expect(store.get('0'.repeat(64))).rejects.toBeInstanceOf(TransientError);
    client.destroy();
  });
});
