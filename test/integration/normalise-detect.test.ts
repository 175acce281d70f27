import { gzipSync } from 'node:zlib';
import type { SendMessageBatchCommand, SendMessageBatchCommandOutput } from '@aws-sdk/client-sqs';
import type { EventBridgeEvent, SQSBatchResponse } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../functions/lib/logger.ts';
import { ATTACKER_IP, attackStory, LEAKED_USER, STORY_ACCOUNT } from '../../local/story/attack-story.ts';
import { DEFAULT_POLICY } from '../../shared/correlate/policy.ts';
import { CATALOGUE } from '../../shared/detect/catalogue/index.ts';
import { buildEngine } from '../../shared/detect/engine.ts';
import type { DetectionConfig, Signal } from '../../shared/detect/types.ts';
import { memoryWindow } from '../../shared/detect/window.ts';
import { classifyAddress, noEnrichment } from '../../shared/enrich/index.ts';
import { TransientError, type ValidationError } from '../../shared/errors.ts';
import { normalise } from '../../shared/normalise/index.ts';
import { detectionSink } from '../../shared/pipeline/detection-sink.ts';
import type { SignalPublisher } from '../../shared/pipeline/signal-publisher.ts';
import { dynamoCorrelationStore } from '../../shared/store/dynamo-correlation-store.ts';
import { dynamoQuarantineStore } from '../../shared/store/dynamo-quarantine-store.ts';
import { type SqsBatchSender, sqsSignalPublisher } from '../../shared/store/sqs-signal-publisher.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';
import { s3NotificationBody, sqsEvent } from '../support/events.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { captureLogs } from '../support/logs.ts';
import { objectStore } from '../support/ports.ts';

// The environment CDK gives the normaliser; importing the module runs its cold start against it.
const ENV = {
  TABLE_NAME: 'vigil-normalise-detect-test',
  SIGNALS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/vigil-dev-signals',
  NARRATE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/vigil-dev-narrate',
  ORG_ACCOUNTS: STORY_ACCOUNT,
  TRUSTED_CIDRS: '',
};
for (const [name, value] of Object.entries(ENV)) vi.stubEnv(name, value);
const { makeHandler, logDetection } = await import('../../functions/normalise/handler.ts');
const { makeHandler: makeCorrelateHandler } = await import('../../functions/correlate/handler.ts');

const NOW = new Date('2026-11-20T12:00:00.000Z');
const config: DetectionConfig = {
  orgAccounts: new Set([STORY_ACCOUNT]),
  isTrustedNetwork: (ip) => classifyAddress(ip).kind === 'private',
};
const story = attackStory() as unknown as EventBridgeEvent<string, unknown>[];
const storyEvents = story.flatMap((e) =>
  normalise(e, { enrich: noEnrichment }).flatMap((r) => (r.ok ? [r.event] : [])),
);

/** What the catalogue finds in the story when run directly, in event order, with one window. */
function expectedSignals(): Signal[] {
  const engine = buildEngine(CATALOGUE);
  const context = { window: memoryWindow(), config };
  return [...storyEvents].sort((a, b) => a.ocsf.time - b.ocsf.time).flatMap((ev) => engine.run(ev, context));
}

/** The publisher port, recording; `down` makes it fail as SQS would when it keeps refusing. */
function recordingPublisher(): SignalPublisher & { signals: Signal[]; down: boolean } {
  const publisher = {
    signals: [] as Signal[],
    down: false,
    async publish(signals: readonly Signal[]) {
      if (publisher.down) throw new TransientError('SQS kept refusing signal messages', 'test.publisher');
      publisher.signals.push(...signals);
    },
  };
  return publisher;
}

describe('normalise handler with detection', () => {
  let table: TestTable;
  let logs: ReturnType<typeof captureLogs>;
  const expected = expectedSignals();
  const ids = (signals: readonly Signal[]) => signals.map((s) => s.id).sort();

  const handlerOn = (publisher: SignalPublisher, objects = objectStore({})) => {
    const logger = createLogger('normalise');
    return makeHandler({
      logger,
      now: () => NOW,
      quarantine: dynamoQuarantineStore({ client: table.client, tableName: table.tableName, now: () => NOW }),
      objects,
      sink: detectionSink({ detections: CATALOGUE, config, publisher, onBatch: logDetection(logger) }),
      normaliseContext: { enrich: noEnrichment },
    });
  };

  beforeAll(async () => {
    table = await createTestTable('normalise-detect');
  });
  beforeEach(() => {
    logs = captureLogs();
  });
  afterEach(() => logs.restore());
  afterAll(async () => {
    await table.drop();
  });

  it('publishes, event by event from EventBridge, the signals the catalogue finds in the story', async () => {
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const publisher = recordingPublisher();
    const handler = handlerOn(publisher);
    for (const event of story) await handler(event, lambdaContext());
    expect(ids(publisher.signals)).toEqual(ids(expected));
    expect(publisher.signals.some((s) => s.source === 'guardduty')).toBe(true);

    const published = logs.entries().filter((e) => e.message === 'signals published');
    expect(published.reduce((n, e) => n + Number(e.signals), 0)).toBe(expected.length);
    expect(logs.entries().filter((e) => e.message === 'detections threw')).toEqual([]);
    // Counts only: the evidence (attacker address, user agent, user names) stays out of the logs.
    expect(logs.text()).not.toContain(ATTACKER_IP);
    expect(logs.text()).not.toContain('kali');
    expect(logs.text()).not.toContain(LEAKED_USER);
  });

  it('finds the same signals when the same CloudTrail records arrive in a bulk object', async () => {
    const trail = story.filter((e) => e['detail-type'] === 'AWS API Call via CloudTrail');
    const key = `AWSLogs/${STORY_ACCOUNT}/CloudTrail/us-east-1/2026/11/20/story.json.gz`;
    const objects = objectStore({
      [`org-trail/${key}`]: gzipSync(JSON.stringify({ Records: trail.map((e) => e.detail) })),
    });
    const publisher = recordingPublisher();
    const response = (await handlerOn(publisher, objects)(
      sqsEvent([{ messageId: 'trail-object', body: s3NotificationBody('org-trail', key) }]),
      lambdaContext(),
    )) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    expect(ids(publisher.signals)).toEqual(ids(expected.filter((s) => s.source === 'cloudtrail')));
  });

  it('fails an EventBridge event whose signals could not be published, so Lambda retries it', async () => {
    const publisher = recordingPublisher();
    const handler = handlerOn(publisher);
    const firing = story.find((e) => expected.some((s) => s.event_uid === uidOf(e)))!;
    publisher.down = true;
    await expect(handler(firing, lambdaContext())).rejects.toBeInstanceOf(TransientError);
    publisher.down = false;
    await handler(firing, lambdaContext());
    expect(publisher.signals.length).toBeGreaterThan(0);
    expect(publisher.signals.every((s) => s.event_uid === uidOf(firing))).toBe(true);
  });

  it('lists exactly the bulk messages whose signals could not be published', async () => {
    const trail = story
      .filter((e) => e['detail-type'] === 'AWS API Call via CloudTrail')
      .map((e) => e.detail);
    const objects = objectStore({
      'bulk/quiet.ndjson': new TextEncoder().encode(JSON.stringify(trail[0])),
      'bulk/story.ndjson': new TextEncoder().encode(trail.map((r) => JSON.stringify(r)).join('\n')),
    });
    const publisher: SignalPublisher = {
      async publish(signals) {
        if (signals.length > 0)
          throw new TransientError('SQS kept refusing signal messages', 'test.publisher');
      },
    };
    const response = (await handlerOn(publisher, objects)(
      sqsEvent([
        { messageId: 'quiet', body: s3NotificationBody('bulk', 'quiet.ndjson') },
        { messageId: 'story', body: s3NotificationBody('bulk', 'story.ndjson') },
      ]),
      lambdaContext(),
    )) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'story' }]);
  });

  it('carries the story through SQS messages to the correlator and opens the incident of the leaked key', async () => {
    // SQS at the port boundary: an in-memory queue that accepts every entry.
    const queue: string[] = [];
    const sqs: SqsBatchSender = {
      async send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput> {
        const entries = command.input.Entries ?? [];
        for (const e of entries) queue.push(e.MessageBody ?? '');
        return {
          $metadata: {},
          Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: '' })),
          Failed: [],
        };
      },
    };
    const handler = handlerOn(sqsSignalPublisher({ client: sqs, queueUrl: ENV.SIGNALS_QUEUE_URL }));
    for (const event of story) await handler(event, lambdaContext());
    expect(queue.length).toBeGreaterThan(0);

    const correlationTable = await createTestTable('normalise-detect-correlation');
    try {
      const store = dynamoCorrelationStore({
        client: correlationTable.client,
        tableName: correlationTable.tableName,
      });
      const correlate = makeCorrelateHandler({
        logger: createLogger('correlate'),
        store,
        quarantine: dynamoQuarantineStore({
          client: correlationTable.client,
          tableName: correlationTable.tableName,
          now: () => NOW,
        }),
        // Narration is not part of this flow: its requests go nowhere here.
        narrate: { request: async () => {} },
        policy: DEFAULT_POLICY,
        now: () => NOW.getTime(),
      });
      // As the event source mapping would: batches of up to 10 messages here.
      for (let i = 0; i < queue.length; i += 10) {
        const batch = queue.slice(i, i + 10).map((body, j) => ({ messageId: `signals-${i + j}`, body }));
        const response = (await correlate(
          sqsEvent(batch),
          lambdaContext('vigil-correlate'),
        )) as SQSBatchResponse;
        expect(response.batchItemFailures).toEqual([]);
      }
      const incidents = await store.listIncidents();
      const leaked = incidents.find(
        (i) => i.anchor === `principal:arn:aws:iam::${STORY_ACCOUNT}:user/${LEAKED_USER}`,
      );
      expect(leaked).toBeDefined();
      expect(leaked!.signals.length).toBeGreaterThanOrEqual(5);
      const sent = new Set(expected.map((s) => s.id));
      expect(leaked!.signals.filter((s) => !sent.has(s.id))).toEqual([]);
      expect(leaked!.signals.some((s) => s.source === 'guardduty')).toBe(true);
    } finally {
      await correlationTable.drop();
    }
  });
});

describe('normalise cold start', () => {
  afterEach(() => {
    for (const [name, value] of Object.entries(ENV)) vi.stubEnv(name, value);
    vi.resetModules();
  });

  it.each([
    ['ORG_ACCOUNTS', '1111-2222-3333', 'ORG_ACCOUNTS, entry 1'],
    ['TRUSTED_CIDRS', '10.0.0.1/8', 'TRUSTED_CIDRS, entry 1'],
    ['SIGNALS_QUEUE_URL', '', 'SIGNALS_QUEUE_URL is not set'],
  ])('refuses to start when %s is %j', async (name, value, message) => {
    vi.resetModules();
    vi.stubEnv(name, value);
    const error = await import('../../functions/normalise/handler.ts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as ValidationError).kind).toBe('validation');
    expect((error as Error).message).toContain(message);
  });
});

function uidOf(event: unknown): string | undefined {
  const [result] = normalise(event, { enrich: noEnrichment });
  return result?.ok ? result.event.ocsf.metadata.uid : undefined;
}
