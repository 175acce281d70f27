import { gzipSync } from 'node:zlib';
import type { EventBridgeEvent, SQSBatchResponse } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { documentClient } from '../../functions/lib/aws-clients.ts';
import { createLogger } from '../../functions/lib/logger.ts';
import { localDynamoClientConfig } from '../../local/dynamodb-local.ts';
import { noEnrichment } from '../../shared/enrich/index.ts';
import { TransientError, ValidationError } from '../../shared/errors.ts';
import type { NormalisedEventSink } from '../../shared/ingest/event-sink.ts';
import { recordKey } from '../../shared/ingest/ingest-batch.ts';
import { normalise } from '../../shared/normalise/index.ts';
import { dynamoQuarantineStore } from '../../shared/store/dynamo-quarantine-store.ts';
import type { ObjectReader } from '../../shared/store/object-reader.ts';
import type { QuarantineStore, RecordOrigin } from '../../shared/store/quarantine.ts';
import { labelledEvents } from '../support/data.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';
import { s3NotificationBody, s3TestEventBody, sqsEvent } from '../support/events.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { captureLogs } from '../support/logs.ts';
import { objectStore, recordingSink } from '../support/ports.ts';

vi.stubEnv('TABLE_NAME', 'vigil-normalise-test');
// The production wiring also reads the detection stage's settings at cold start.
vi.stubEnv('SIGNALS_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/111122223333/vigil-signals');
vi.stubEnv('ORG_ACCOUNTS', '111122223333');
const { makeHandler } = await import('../../functions/normalise/handler.ts');

const NOW = new Date('2026-11-23T10:00:00.000Z');
const CANARY = 'CANARY-payload-must-never-be-logged';
const cloudTrail = labelledEvents('panther_aws_cloudtrail.ndjson');
const guardDutyEnvelopes = labelledEvents('guardduty_findings_eventbridge.ndjson') as EventBridgeEvent<
  string,
  unknown
>[];

interface Wiring {
  quarantine?: QuarantineStore;
  sink?: NormalisedEventSink;
  objects?: ObjectReader;
}

function handlerOn(table: TestTable, wiring: Wiring = {}) {
  const sink = recordingSink();
  const handler = makeHandler({
    logger: createLogger('normalise'),
    now: () => NOW,
    quarantine:
      wiring.quarantine ??
      dynamoQuarantineStore({ client: table.client, tableName: table.tableName, now: () => NOW }),
    sink: wiring.sink ?? sink,
    objects: wiring.objects ?? objectStore({}),
    normaliseContext: { enrich: noEnrichment },
  });
  return { handler, sink };
}

const quarantineItems = async (table: TestTable) => (await table.scanAll()).filter((i) => i.sk === 'META');
const idOf = (origin: RecordOrigin, recordIndex = 0) => recordKey(origin, recordIndex);

/** How normalise() splits these payloads into events and failures: the split the handler must reproduce. */
/** As the handler normalises: records without a time of their own are dated by their receipt. */
const asHandler = { enrich: noEnrichment, receivedAt: Date.parse('2026-11-23T12:00:00Z') };

function expectedSplit(payloads: unknown[]): { events: number; quarantined: number } {
  const results = payloads.flatMap((p) => normalise(p, asHandler));
  const events = results.filter((r) => r.ok).length;
  return { events, quarantined: results.length - events };
}
/** Records the CloudTrail normaliser accepts, picked by the normaliser itself (not by this test's opinion). */
const goodCloudTrail = cloudTrail.filter((r) => normalise(r, asHandler).every((x) => x.ok));
const uidOf = (record: unknown) => {
  const [result] = normalise(record, asHandler);
  return result?.ok ? result.event.ocsf.metadata.uid : undefined;
};

describe('normalise handler, SQS batch', () => {
  let table: TestTable;
  let logs: ReturnType<typeof captureLogs>;
  beforeEach(async () => {
    table = await createTestTable('normalise');
    logs = captureLogs();
  });
  afterEach(async () => {
    logs.restore();
    await table.drop();
  });

  const valid = cloudTrail
    .slice(0, 20)
    .map((event, i) => ({ messageId: `ct-${i}`, body: JSON.stringify(event) }));
  const poison = [
    {
      messageId: 'poison-truncated',
      body: `${JSON.stringify({ note: CANARY, ...(cloudTrail[0] as object) }).slice(0, 120)}`,
    },
    { messageId: 'poison-empty-object', body: '{}' },
    { messageId: 'poison-array', body: JSON.stringify([cloudTrail[1], CANARY]) },
    { messageId: 'poison-500kb-string', body: JSON.stringify(`${CANARY}${'A'.repeat(500 * 1024)}`) },
  ];

  it('quarantines poison with its reason and lets the rest of the batch succeed, losing nothing', async () => {
    const { handler, sink } = handlerOn(table);
    const store = dynamoQuarantineStore({ client: table.client, tableName: table.tableName, now: () => NOW });

    const response = (await handler(sqsEvent([...valid, ...poison]), lambdaContext())) as SQSBatchResponse;

    expect(response).toEqual({ batchItemFailures: [] });
    const quarantined = await quarantineItems(table);
    // Conservation: each of the 24 records is either an event handed to the sink or a quarantine item.
    const expected = expectedSplit(cloudTrail.slice(0, 20));
    expect(sink.events.length).toBe(expected.events);
    expect(quarantined.length).toBe(expected.quarantined + poison.length);
    expect(expected.events + expected.quarantined).toBe(valid.length);
    const reasons = await Promise.all(
      poison.map(async ({ messageId, body }) => {
        const record = await store.get(idOf({ kind: 'sqs', id: messageId }));
        expect(record?.payload).toBe(body); // the exact body received, even the 500 KB one
        expect(record?.origin).toEqual({ kind: 'sqs', id: messageId });
        return record?.reason;
      }),
    );
    expect(reasons).toEqual([
      { message: expect.stringMatching(/^invalid JSON: /), source: 'ingest.parse' },
      { message: 'empty object: no fields to normalise', source: 'normalise' },
      { message: 'expected a JSON object, got array', source: 'normalise' },
      { message: 'expected a JSON object, got string', source: 'normalise' },
    ]);
  });

  it('logs counts and ids, never a payload', async () => {
    const { handler, sink } = handlerOn(table);
    await handler(sqsEvent([...valid, ...poison]), lambdaContext());

    expect(logs.text()).not.toContain(CANARY);
    expect(logs.text()).not.toContain('AAAAAAAAAA');
    const summary = logs.entries().find((e) => e.message === 'batch ingested');
    expect(summary).toMatchObject({
      messages: 24,
      failedMessages: 0,
      events: sink.events.length,
      quarantined: 24 - sink.events.length,
      ignored: 0,
    });
  });

  it('is idempotent: the same batch delivered twice leaves the same quarantine items and event ids', async () => {
    const first = handlerOn(table);
    const second = handlerOn(table);
    const event = sqsEvent([...valid, ...poison]);

    await first.handler(event, lambdaContext());
    const afterFirst = await table.scanAll();
    await second.handler(event, lambdaContext());
    const afterSecond = await table.scanAll();

    expect(afterSecond.length).toBe(afterFirst.length);
    expect(afterSecond.map((i) => `${i.pk}|${i.sk}`).sort()).toEqual(
      afterFirst.map((i) => `${i.pk}|${i.sk}`).sort(),
    );
    const uids = (sink: typeof first.sink) => sink.events.map((e) => e.ocsf.metadata.uid).sort();
    expect(uids(second.sink)).toEqual(uids(first.sink));
    expect(first.sink.events.length).toBeGreaterThan(0);
    expect(uids(first.sink).every((uid) => typeof uid === 'string' && uid.length > 0)).toBe(true);
  });

  it('fails exactly the message whose events the sink could not take, and quarantines poison beside it', async () => {
    const [failing, passing] = goodCloudTrail;
    const failingUid = uidOf(failing);
    const sink = recordingSink((events) =>
      events.some((e) => e.ocsf.metadata.uid === failingUid)
        ? new TransientError('sink busy', 'test.sink')
        : undefined,
    );
    const { handler } = handlerOn(table, { sink });
    const event = sqsEvent([
      { messageId: 'sink-fails', body: JSON.stringify(failing) },
      { messageId: 'sink-takes', body: JSON.stringify(passing) },
      poison[1]!,
    ]);

    const response = (await handler(event, lambdaContext())) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'sink-fails' }]);
    expect(sink.events.map((e) => e.ocsf.metadata.uid)).toEqual([uidOf(passing)]);
    expect((await quarantineItems(table)).map((i) => i.origin)).toEqual([
      { kind: 'sqs', id: poison[1]!.messageId },
    ]);
  });

  it('fails exactly the message whose object read failed transiently, and processes the others', async () => {
    const objects = objectStore(
      { 'trail/ok.ndjson': new TextEncoder().encode(valid.map((m) => m.body).join('\n')) },
      { 'trail/throttled.ndjson': new TransientError('SlowDown', 'test.objects') },
    );
    const { handler, sink } = handlerOn(table, { objects });
    const event = sqsEvent([
      { messageId: 'object-ok', body: s3NotificationBody('trail', 'ok.ndjson') },
      { messageId: 'object-throttled', body: s3NotificationBody('trail', 'throttled.ndjson') },
      ...poison.slice(0, 2),
    ]);

    const response = (await handler(event, lambdaContext())) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'object-throttled' }]);
    const expected = expectedSplit(cloudTrail.slice(0, 20));
    expect(sink.events.length).toBe(expected.events);
    expect((await quarantineItems(table)).length).toBe(expected.quarantined + 2);
    expect(logs.entries().find((e) => e.message === 'message failed, left for redelivery')).toMatchObject({
      messageId: 'object-throttled',
      kind: 'transient',
    });
  });

  it('reads S3 bulk objects: gzipped {"Records": [...]} and NDJSON with a corrupt line', async () => {
    const records = cloudTrail.slice(20, 30);
    const lines = cloudTrail.slice(30, 35).map((e) => JSON.stringify(e));
    const corrupt = lines[2]!.slice(0, lines[2]!.length / 2);
    lines[2] = corrupt;
    const objects = objectStore({
      'org-trail/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/23/trail.json.gz': gzipSync(
        JSON.stringify({ Records: records }),
      ),
      'bulk-logs/batch 1.ndjson': new TextEncoder().encode(`${lines.join('\r\n')}\n\n`),
    });
    const { handler, sink } = handlerOn(table, { objects });
    const event = sqsEvent([
      {
        messageId: 'trail-object',
        body: s3NotificationBody(
          'org-trail',
          'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/23/trail.json.gz',
        ),
      },
      { messageId: 'ndjson-object', body: s3NotificationBody('bulk-logs', 'batch 1.ndjson') },
      { messageId: 'test-event', body: s3TestEventBody('bulk-logs') },
    ]);

    const response = (await handler(event, lambdaContext())) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([]);
    expect(objects.reads.map((r) => r.key).sort()).toEqual([
      'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/23/trail.json.gz',
      'batch 1.ndjson',
    ]);
    const quarantined = await quarantineItems(table);
    const expected = expectedSplit([
      { Records: records },
      ...cloudTrail.slice(30, 35).filter((_, i) => i !== 2),
    ]);
    expect(sink.events.length).toBe(expected.events);
    expect(quarantined.length).toBe(expected.quarantined + 1); // + the corrupt line
    const bad = quarantined.find((i) => (i.origin as { line?: number }).line === 3);
    expect(bad).toMatchObject({
      reason_message: expect.stringMatching(/^invalid JSON: /),
      reason_source: 'ingest.parse',
      payload: corrupt,
      origin: { kind: 's3', bucket: 'bulk-logs', key: 'batch 1.ndjson', messageId: 'ndjson-object', line: 3 },
    });
    expect(logs.entries().find((e) => e.message === 'batch ingested')).toMatchObject({ ignored: 1 });
  });

  it('quarantines the notification of an object that no longer exists, and acknowledges it', async () => {
    const { handler } = handlerOn(table, { objects: objectStore({}) });
    const body = s3NotificationBody('bulk-logs', 'deleted.ndjson');

    const response = (await handler(
      sqsEvent([{ messageId: 'gone', body }]),
      lambdaContext(),
    )) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([]);
    const [item] = await quarantineItems(table);
    expect(item).toMatchObject({
      reason_source: 'ingest.s3',
      reason_message: expect.stringContaining('not found'),
      origin: { kind: 's3', bucket: 'bulk-logs', key: 'deleted.ndjson', messageId: 'gone' },
    });
  });
});

describe('normalise handler, EventBridge event', () => {
  let table: TestTable;
  let logs: ReturnType<typeof captureLogs>;
  beforeAll(async () => {
    table = await createTestTable('normalise-eb');
  });
  afterAll(() => table.drop());
  beforeEach(() => {
    logs = captureLogs();
  });
  afterEach(() => logs.restore());

  it('ingests one event into exactly one outcome, keyed by the event id, idempotently', async () => {
    const { handler, sink } = handlerOn(table);
    const envelope = guardDutyEnvelopes[0]!;

    const counts = await handler(envelope, lambdaContext());
    const itemsAfterFirst = (await table.scanAll()).length;
    await handler(envelope, lambdaContext());

    expect(counts).toMatchObject({ ignored: 0 });
    expect((counts as { events: number }).events + (counts as { quarantined: number }).quarantined).toBe(1);
    expect((await table.scanAll()).length).toBe(itemsAfterFirst);
    expect(sink.events.length).toBe(2 * (counts as { events: number }).events);
    if (sink.events.length > 0)
      expect(sink.events[0]?.ocsf.metadata.uid).toBe(sink.events[1]?.ocsf.metadata.uid);
  });

  it('quarantines an event whose detail is unusable, keeping the whole envelope', async () => {
    const { handler } = handlerOn(table);
    const envelope = { ...guardDutyEnvelopes[0]!, id: 'eb-poison-1', detail: `not a finding ${CANARY}` };

    const counts = await handler(envelope, lambdaContext());

    expect(counts).toEqual({ events: 0, quarantined: 1, ignored: 0 });
    const store = dynamoQuarantineStore({ client: table.client, tableName: table.tableName, now: () => NOW });
    const record = await store.get(idOf({ kind: 'eventbridge', id: 'eb-poison-1' }));
    expect(record?.origin).toEqual({ kind: 'eventbridge', id: 'eb-poison-1' });
    expect(JSON.parse(record?.payload ?? 'null')).toEqual(envelope);
    expect(logs.text()).not.toContain(CANARY);
  });

  it('throws a TransientError when the quarantine cannot be written, so Lambda retries the event', async () => {
    const unreachable = documentClient({ ...localDynamoClientConfig('http://127.0.0.1:9'), maxAttempts: 1 });
    const quarantine = dynamoQuarantineStore({
      client: unreachable,
      tableName: table.tableName,
      now: () => NOW,
    });
    const { handler } = handlerOn(table, { quarantine });
    const envelope = { ...guardDutyEnvelopes[0]!, id: 'eb-poison-2', detail: 'unusable' };

    await expect(handler(envelope, lambdaContext())).rejects.toBeInstanceOf(TransientError);
    expect(logs.entries().find((e) => e.message === 'invocation failed')).toMatchObject({
      kind: 'transient',
    });
    unreachable.destroy();
  });

  it('rejects an invocation that is neither an SQS batch nor an EventBridge event', async () => {
    const { handler } = handlerOn(table);

    await expect(handler({ hello: CANARY } as never, lambdaContext())).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(logs.text()).not.toContain(CANARY);
  });
});

describe('normalise handler, cold start', () => {
  it('refuses to load without TABLE_NAME and says which variable is missing', async () => {
    vi.resetModules();
    vi.stubEnv('TABLE_NAME', '');
    await expect(import('../../functions/normalise/handler.ts')).rejects.toThrow(/TABLE_NAME is not set/);
    vi.stubEnv('TABLE_NAME', 'vigil-normalise-test');
  });
});
