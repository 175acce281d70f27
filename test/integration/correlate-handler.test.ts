import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../functions/lib/logger.ts';
import { ATTACKER_IP, attackStory, LEAKED_USER, STORY_ACCOUNT } from '../../local/story/attack-story.ts';
import { DEFAULT_POLICY } from '../../shared/correlate/policy.ts';
import type { CorrelationStore } from '../../shared/correlate/store.ts';
import { CATALOGUE } from '../../shared/detect/catalogue/index.ts';
import { buildEngine } from '../../shared/detect/engine.ts';
import type { Signal } from '../../shared/detect/types.ts';
import { memoryWindow } from '../../shared/detect/window.ts';
import { classifyAddress, noEnrichment } from '../../shared/enrich/index.ts';
import { TransientError, ValidationError } from '../../shared/errors.ts';
import { recordKey } from '../../shared/ingest/ingest-batch.ts';
import { normalise } from '../../shared/normalise/index.ts';
import type { NarrateRequests } from '../../shared/pipeline/narrate-request.ts';
import { packSignals } from '../../shared/pipeline/signal-publisher.ts';
import { dynamoCorrelationStore } from '../../shared/store/dynamo-correlation-store.ts';
import { dynamoQuarantineStore } from '../../shared/store/dynamo-quarantine-store.ts';
import type { QuarantineStore } from '../../shared/store/quarantine.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';
import { sqsEvent } from '../support/events.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { captureLogs } from '../support/logs.ts';

vi.stubEnv('TABLE_NAME', 'vigil-correlate-test');
vi.stubEnv('NARRATE_QUEUE_URL', 'https://sqs.eu-west-1.amazonaws.com/123456789012/vigil-narrate-test');
const { makeHandler } = await import('../../functions/correlate/handler.ts');

const LEAKED_PRINCIPAL = `principal:arn:aws:iam::${STORY_ACCOUNT}:user/${LEAKED_USER}`;
const CANARY = 'CANARY-body-must-never-be-logged';
const NOW = Date.parse('2026-11-20T12:00:00Z');

/** The built-in story through the real normaliser and the real catalogue, in event order. */
function storySignals(): Signal[] {
  const engine = buildEngine(CATALOGUE);
  const context = {
    window: memoryWindow(),
    config: {
      orgAccounts: new Set([STORY_ACCOUNT]),
      isTrustedNetwork: (ip: string) => classifyAddress(ip).kind === 'private',
    },
  };
  return attackStory()
    .flatMap((e) => normalise(e, { enrich: noEnrichment }).flatMap((r) => (r.ok ? [r.event] : [])))
    .sort((a, b) => a.ocsf.time - b.ocsf.time)
    .flatMap((ev) => engine.run(ev, context));
}

/** The messages the SQS publisher would send for these signals (small, so a batch has several). */
const messagesOf = (signals: readonly Signal[], prefix: string) =>
  packSignals(signals, 8_192).map((body, i) => ({ messageId: `${prefix}-${i}`, body }));

/** What must not change between deliveries: incident ids, their signal sets, risk and severity. */
async function picture(store: CorrelationStore) {
  const incidents = await store.listIncidents();
  return incidents
    .map((i) => ({
      id: i.id,
      anchor: i.anchor,
      risk: i.risk,
      severity: i.severity,
      signals: i.signals.map((s) => s.id).sort(),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

const signals = storySignals();

/** The key the quarantine holds a poison SQS message under: its message id, nothing else. */
const quarantineIdOf = (messageId: string) => recordKey({ kind: 'sqs', id: messageId }, 0);

describe('correlate handler on DynamoDB Local', () => {
  const tables: TestTable[] = [];
  let logs: ReturnType<typeof captureLogs>;
  /** The quarantine of the table the last storeOn() created: production keeps both in one table. */
  let quarantine: QuarantineStore;
  const storeOn = async () => {
    const table = await createTestTable('correlate');
    tables.push(table);
    quarantine = dynamoQuarantineStore({
      client: table.client,
      tableName: table.tableName,
      now: () => new Date(NOW),
    });
    return dynamoCorrelationStore({ client: table.client, tableName: table.tableName });
  };
  /** Incident ids the handler asked to narrate, one list per request. */
  let narrateRequests: string[][] = [];
  const recordingNarrate: NarrateRequests = {
    request: async (ids) => {
      narrateRequests.push([...ids]);
    },
  };
  const handlerFor = (
    store: CorrelationStore,
    quarantineStore: QuarantineStore = quarantine,
    narrate: NarrateRequests = recordingNarrate,
  ) =>
    makeHandler({
      logger: createLogger('correlate'),
      store,
      quarantine: quarantineStore,
      narrate,
      policy: DEFAULT_POLICY,
      now: () => NOW,
    });
  const invoke = (handler: ReturnType<typeof handlerFor>, event: SQSEvent) =>
    handler(event, lambdaContext('vigil-correlate')) as Promise<SQSBatchResponse>;

  let reference: Awaited<ReturnType<typeof picture>>;

  beforeAll(async () => {
    // The expected outcome: the same signals applied straight through the store, one batch.
    const store = await storeOn();
    const response = await invoke(handlerFor(store), sqsEvent(messagesOf(signals, 'ref')));
    expect(response.batchItemFailures).toEqual([]);
    reference = await picture(store);
  });
  beforeEach(() => {
    logs = captureLogs();
    narrateRequests = [];
  });
  afterEach(() => logs.restore());
  afterAll(async () => {
    for (const t of tables) await t.drop();
  });

  it('starts from real signals: the catalogue fires on the story, across several messages', () => {
    expect(signals.length).toBeGreaterThanOrEqual(5);
    expect(messagesOf(signals, 'm').length).toBeGreaterThan(1);
    expect(reference.some((i) => i.anchor === LEAKED_PRINCIPAL)).toBe(true);
  });

  it('yields the same incidents when the whole batch is delivered twice, and counts the second as duplicates', async () => {
    const store = await storeOn();
    const handler = handlerFor(store);
    const messages = messagesOf(signals, 'twice');
    expect((await invoke(handler, sqsEvent(messages))).batchItemFailures).toEqual([]);
    const first = await picture(store);
    expect((await invoke(handler, sqsEvent(messages))).batchItemFailures).toEqual([]);
    expect(await picture(store)).toEqual(first);
    expect(first).toEqual(reference);

    const counts = logs.entries().filter((e) => e.message === 'batch correlated');
    expect(counts).toHaveLength(2);
    expect(counts[0]).toMatchObject({
      messages: messages.length,
      poison: 0,
      signals: signals.length,
      duplicates: 0,
    });
    expect(counts[1]).toMatchObject({ signals: signals.length, duplicates: signals.length, opened: 0 });
    expect(Number(counts[0]!.opened)).toBeGreaterThan(0);
    expect(Number(counts[0]!.writes)).toBeGreaterThan(0);
  });

  it('asks to narrate each incident that changed, once, and nothing when a redelivery changes none', async () => {
    const store = await storeOn();
    const handler = handlerFor(store);
    const messages = messagesOf(signals, 'narrate');
    expect((await invoke(handler, sqsEvent(messages))).batchItemFailures).toEqual([]);
    expect(narrateRequests).toHaveLength(1);
    expect([...narrateRequests[0]!].sort()).toEqual(reference.map((i) => i.id).sort());
    expect((await invoke(handler, sqsEvent(messages))).batchItemFailures).toEqual([]);
    expect(narrateRequests).toHaveLength(1);
  });

  it('keeps the batch done when the narrate queue refuses, and logs the incident ids', async () => {
    const store = await storeOn();
    const failing: NarrateRequests = {
      request: async () => {
        throw new TransientError('SQS kept refusing narrate requests', 'store.sqs-narrate-requests');
      },
    };
    const response = await invoke(
      handlerFor(store, quarantine, failing),
      sqsEvent(messagesOf(signals, 'nq')),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(await picture(store)).toEqual(reference);
    const warning = logs.entries().find((e) => String(e.message).startsWith('narrate requests not sent'));
    expect(warning?.incidents).toEqual(expect.arrayContaining(reference.map((i) => i.id)));
  });

  it('converges when messages repeat inside one batch and arrive split across batches, in any order', async () => {
    const store = await storeOn();
    const handler = handlerFor(store);
    const messages = messagesOf(signals, 'split');
    const half = Math.ceil(messages.length / 2);
    await invoke(handler, sqsEvent([...messages.slice(half)].reverse()));
    await invoke(handler, sqsEvent([...messages.slice(0, half), ...messages.slice(0, 1)]));
    expect(await picture(store)).toEqual(reference);
  });

  it('quarantines a poison message whole with its reason, counts it done, logs its id and why (never its body), and applies the rest', async () => {
    const store = await storeOn();
    const poison = [
      // Not JSON, with bytes a careless re-encoding would change: the quarantine keeps them as sent.
      { messageId: 'poison-not-json', body: `{${CANARY} \u0000 "é" 😀\r\n\t ` },
      { messageId: 'poison-not-a-list', body: JSON.stringify({ signal: CANARY }) },
      { messageId: 'poison-bad-signal', body: JSON.stringify([{ ...signals[0], severity: CANARY }]) },
    ];
    const event = sqsEvent([...poison, ...messagesOf(signals, 'good')]);
    const response = await invoke(handlerFor(store), event);
    expect(response.batchItemFailures).toEqual([]);
    expect(await picture(store)).toEqual(reference);

    const warnings = logs.entries().filter((e) => e.message === 'poison signal message, quarantined');
    expect(warnings.map((w) => w.messageId)).toEqual(poison.map((p) => p.messageId));
    expect(warnings[0]!.reason).toBe('body is not JSON');
    expect(warnings[1]!.reason).toContain('(root): invalid_type');
    expect(warnings[2]!.reason).toContain('0.severity: invalid_value');
    expect(warnings[0]).toMatchObject({ senderId: 'AIDAEXAMPLE', receiveCount: '1' });
    expect(logs.entries().find((e) => e.message === 'batch correlated')).toMatchObject({ poison: 3 });
    expect(logs.text()).not.toContain(CANARY);

    for (const [i, p] of poison.entries()) {
      const stored = await quarantine.get(quarantineIdOf(p.messageId));
      expect(stored).toEqual({
        id: quarantineIdOf(p.messageId),
        receivedAt: new Date(NOW).toISOString(),
        sourceKind: 'unknown',
        reason: { message: warnings[i]!.reason, source: 'correlate.signal-message' },
        origin: { kind: 'sqs', id: p.messageId },
        recordIndex: 0,
        payload: p.body,
      });
      expect(Buffer.from(stored!.payload, 'utf8').equals(Buffer.from(p.body, 'utf8'))).toBe(true);
    }
    // Listed by day with the rest of the quarantine, where an analyst looks.
    const day = await quarantine.listByDay(new Date(NOW).toISOString().slice(0, 10));
    expect(day.items.map((item) => item.origin.id).sort()).toEqual(poison.map((p) => p.messageId).sort());
  });

  it('fails only the poison message whose quarantine write failed transiently; its redelivery quarantines it', async () => {
    const store = await storeOn();
    const real = quarantine;
    const stuckId = quarantineIdOf('poison-stuck');
    // The fault is at the port boundary: DynamoDB Local cannot be made to throttle on demand.
    const flaky: QuarantineStore = {
      ...real,
      put: async (records) => {
        if (records.some((r) => r.id === stuckId))
          throw new TransientError('AWS call failed transiently: ThrottlingException', 'store.quarantine');
        await real.put(records);
      },
    };
    const poison = [
      { messageId: 'poison-stuck', body: `stuck ${CANARY}` },
      { messageId: 'poison-stored', body: `stored ${CANARY}` },
    ];
    const response = await invoke(
      handlerFor(store, flaky),
      sqsEvent([...poison, ...messagesOf(signals, 'flaky')]),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'poison-stuck' }]);
    // The good messages and the other poison are done regardless.
    expect(await picture(store)).toEqual(reference);
    expect((await real.get(quarantineIdOf('poison-stored')))?.payload).toBe(poison[1]!.body);
    expect(await real.get(stuckId)).toBeUndefined();
    expect(
      logs.entries().find((e) => e.message === 'poison signal message not quarantined, left for redelivery'),
    ).toMatchObject({ messageId: 'poison-stuck', source: 'store.quarantine' });
    expect(logs.entries().find((e) => e.message === 'batch correlated')).toMatchObject({
      poison: 2,
      failedMessages: 1,
    });
    expect(logs.text()).not.toContain(CANARY);

    // SQS redelivers it; once the quarantine answers, it is recorded and done.
    expect((await invoke(handlerFor(store), sqsEvent([poison[0]!]))).batchItemFailures).toEqual([]);
    expect((await real.get(stuckId))?.payload).toBe(poison[0]!.body);
  });

  it('fails the whole batch loudly when the quarantine fails for a reason retrying cannot fix', async () => {
    const store = await storeOn();
    const broken: QuarantineStore = {
      ...quarantine,
      put: async () => {
        throw new ValidationError('quarantine id must be 64 hex characters', 'store.quarantine');
      },
    };
    await expect(
      invoke(handlerFor(store, broken), sqsEvent([{ messageId: 'poison-defect', body: 'not json' }])),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('fails every message of the batch on a transient store failure, and a redelivery applies them all', async () => {
    const store = await storeOn();
    // The fault is at the port boundary: DynamoDB Local cannot be made to throttle on demand.
    const throttled: CorrelationStore = {
      ...store,
      apply: async () => {
        throw new TransientError('AWS call failed transiently: ThrottlingException', 'store.correlation', {
          operation: 'update entity',
        });
      },
    };
    const messages = messagesOf(signals, 'retry');
    const poison = { messageId: 'retry-poison', body: 'not json' };
    const response = await invoke(handlerFor(throttled), sqsEvent([...messages, poison]));
    expect(response.batchItemFailures).toEqual(messages.map((m) => ({ itemIdentifier: m.messageId })));
    expect(await picture(store)).toEqual([]);
    // The poison was quarantined before correlation failed: it is done, not redelivered.
    expect((await quarantine.get(quarantineIdOf('retry-poison')))?.payload).toBe('not json');
    expect(
      logs.entries().find((e) => e.message === 'correlation failed transiently, batch left for redelivery'),
    ).toMatchObject({
      messages: messages.length + 1,
      failedMessages: messages.length,
      poison: 1,
      source: 'store.correlation',
    });

    // SQS redelivers exactly the listed messages.
    const redelivered = messages.filter((m) =>
      response.batchItemFailures.some((f) => f.itemIdentifier === m.messageId),
    );
    expect((await invoke(handlerFor(store), sqsEvent(redelivered))).batchItemFailures).toEqual([]);
    expect(await picture(store)).toEqual(reference);
  });

  it('rethrows a failure that is not transient: a defect fails the whole batch loudly', async () => {
    const store = await storeOn();
    const broken: CorrelationStore = {
      ...store,
      loadSuppressions: async () => {
        throw new ValidationError('suppression item is malformed', 'store.correlation');
      },
    };
    await expect(invoke(handlerFor(broken), sqsEvent(messagesOf(signals, 'defect')))).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(logs.entries().find((e) => e.message === 'invocation failed')).toMatchObject({
      kind: 'validation',
    });
  });

  it('rejects an event that is not an SQS batch before any logic runs', async () => {
    const store = await storeOn();
    await expect(
      handlerFor(store)({ 'detail-type': 'x', detail: {} }, lambdaContext('vigil-correlate')),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('logs counts and incident ids only, never signal evidence', async () => {
    const store = await storeOn();
    await invoke(handlerFor(store), sqsEvent(messagesOf(signals, 'quiet')));
    const text = logs.text();
    expect(text).toContain('batch correlated');
    expect(text).not.toContain(ATTACKER_IP);
    expect(text).not.toContain(LEAKED_USER);
    expect(text).not.toContain('kali');
  });
});
