/**
 * correlate: batches of signal messages from the signals queue in, entities and incidents in
 * DynamoDB out.
 *
 * A batch is one unit of correlation, not a list of independent messages: all its signals go
 * through one `correlateBatch`, so the writes aggregate per entity per batch (one update for a busy
 * principal, however many of its signals arrived). Hence the failure handling:
 * - A body that is not a JSON array of signals is poison: it cannot become valid by retrying. It is
 *   quarantined whole with the reason (origin: the SQS message id), so an analyst can see what a
 *   producer sent, and then it counts as done. The log gets its message id, sender and the reason,
 *   never the body (which may be forged or carry hostile evidence). If the quarantine write fails
 *   transiently, that message is listed for redelivery: it is never counted done unrecorded.
 * - A TransientError (DynamoDB throttling, a network fault) fails every other message of the batch
 *   through the partial batch response. Correlation is idempotent — each signal id is written once
 *   per entity and incident, and the plan is a function of what is stored — so redelivering signals
 *   whose writes had already landed changes nothing, and failing only "the unwritten ones" is not
 *   something a half-applied aggregate could even name. Poison already quarantined stays done.
 * - Anything else is a defect: it is rethrown, Lambda fails the whole batch, and the queue's
 *   redrive policy parks it in the DLQ after 5 receives.
 *
 * After a successful apply, each incident that changed is put on the narrate queue. A failed request
 * is logged with the incident ids and does not fail the batch: redelivery would not help (the signals
 * are stored, so a second apply changes nothing and names no incident), the incident stays readable
 * through the deterministic narrator, and its next change asks again.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { z } from 'zod';
import type { ScoringPolicy } from '../../shared/correlate/policy.ts';
import type { CorrelationStore } from '../../shared/correlate/store.ts';
import type { Signal } from '../../shared/detect/types.ts';
import { describeError, TransientError } from '../../shared/errors.ts';
import { recordKey } from '../../shared/ingest/ingest-batch.ts';
import { correlateBatch } from '../../shared/pipeline/correlate.ts';
import type { NarrateRequests } from '../../shared/pipeline/narrate-request.ts';
import { decodeSignalMessage } from '../../shared/pipeline/signal-publisher.ts';
import { dynamoCorrelationStore } from '../../shared/store/dynamo-correlation-store.ts';
import { dynamoQuarantineStore } from '../../shared/store/dynamo-quarantine-store.ts';
import type { QuarantineRecord, QuarantineStore } from '../../shared/store/quarantine.ts';
import { sqsNarrateRequests } from '../../shared/store/sqs-narrate-requests.ts';
import { documentClient } from '../lib/aws-clients.ts';
import { requireEnv } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
import { scoringPolicyFromEnv } from '../lib/scoring-config.ts';
import { socHandler } from '../lib/soc-handler.ts';

const SignalQueueEventSchema = z.object({
  Records: z
    .array(
      z.looseObject({
        messageId: z.string().min(1),
        body: z.string(),
        eventSource: z.literal('aws:sqs'),
        attributes: z
          .looseObject({ SenderId: z.string().optional(), ApproximateReceiveCount: z.string().optional() })
          .optional(),
      }),
    )
    .min(1),
});
type SignalQueueEvent = z.infer<typeof SignalQueueEventSchema>;
type SignalMessage = SignalQueueEvent['Records'][number];

export interface CorrelateHandlerDeps {
  logger: Logger;
  store: CorrelationStore;
  quarantine: QuarantineStore;
  /** Where incidents that changed are sent to be narrated. */
  narrate: NarrateRequests;
  policy: ScoringPolicy;
  now: () => number;
}

export function makeHandler(deps: CorrelateHandlerDeps) {
  const { logger } = deps;
  const run = async (input: SignalQueueEvent, _context: Context): Promise<SQSBatchResponse> => {
    const signals: Signal[] = [];
    const carried: SignalMessage[] = [];
    const poisoned: { message: SignalMessage; reason: string }[] = [];
    for (const message of input.Records) {
      const parsed = decodeSignalMessage(message.body);
      if (parsed.ok) {
        for (const s of parsed.signals) signals.push(s);
        carried.push(message);
      } else {
        poisoned.push({ message, reason: parsed.reason });
      }
    }
    const poison = poisoned.length;
    const unquarantined = await quarantinePoison(poisoned, deps);

    let result: Awaited<ReturnType<typeof correlateBatch>>;
    try {
      result = await correlateBatch(signals, deps);
    } catch (e) {
      if (!(e instanceof TransientError)) throw e;
      logger.warn('correlation failed transiently, batch left for redelivery', {
        messages: input.Records.length,
        failedMessages: carried.length + unquarantined.length,
        poison,
        failure: describeError(e),
        source: e.source,
        context: e.context,
      });
      return {
        batchItemFailures: [...carried, ...unquarantined].map((m) => ({ itemIdentifier: m.messageId })),
      };
    }

    if (result.changed.length > 0) {
      try {
        await deps.narrate.request(result.changed);
      } catch (e) {
        logger.warn('narrate requests not sent, incidents keep their current narrative until they change', {
          failure: describeError(e),
          ...(e instanceof TransientError ? { source: e.source } : {}),
          incidents: result.changed.slice(0, 20),
        });
      }
    }

    logger.info('batch correlated', {
      messages: input.Records.length,
      poison,
      ...(unquarantined.length > 0 ? { failedMessages: unquarantined.length } : {}),
      ...result.stats,
      writes: result.writes,
      incidentsChanged: result.changed.length,
      // Incident ids are Vigil's own hashes: safe to log, and what an analyst searches for.
      incidents: result.changed.slice(0, 20),
    });
    return { batchItemFailures: unquarantined.map((m) => ({ itemIdentifier: m.messageId })) };
  };
  return socHandler(run, { logger, input: SignalQueueEventSchema });
}

/** Where a poison message's reason says it was rejected. */
const POISON_SOURCE = 'correlate.signal-message';

/**
 * Quarantines each poison message, one write each, so that a failed write fails only its own
 * message. Returns the messages whose write failed transiently (to be redelivered); any other
 * failure is a defect and is rethrown. Redelivery rewrites the same key (derived from the message
 * id), so a message quarantined twice is stored once.
 */
async function quarantinePoison(
  poisoned: readonly { message: SignalMessage; reason: string }[],
  deps: CorrelateHandlerDeps,
): Promise<SignalMessage[]> {
  const receivedAt = new Date(deps.now()).toISOString();
  const outcomes = await Promise.allSettled(
    poisoned.map(({ message, reason }) => deps.quarantine.put([poisonRecord(message, reason, receivedAt)])),
  );
  const failed: SignalMessage[] = [];
  outcomes.forEach((outcome, i) => {
    const { message, reason } = poisoned[i]!;
    // The sender's principal id tells a producer defect from a forged message.
    const about = {
      messageId: message.messageId,
      reason,
      senderId: message.attributes?.SenderId,
      receiveCount: message.attributes?.ApproximateReceiveCount,
    };
    if (outcome.status === 'fulfilled') {
      deps.logger.warn('poison signal message, quarantined', about);
      return;
    }
    const e: unknown = outcome.reason;
    if (!(e instanceof TransientError)) throw e;
    deps.logger.warn('poison signal message not quarantined, left for redelivery', {
      ...about,
      failure: describeError(e),
      source: e.source,
    });
    failed.push(message);
  });
  return failed;
}

function poisonRecord(message: SignalMessage, reason: string, receivedAt: string): QuarantineRecord {
  const origin = { kind: 'sqs', id: message.messageId } as const;
  return {
    id: recordKey(origin, 0),
    receivedAt,
    // Signals are Vigil's own messages, not a source's records: no source kind applies.
    sourceKind: 'unknown',
    reason: { message: reason, source: POISON_SOURCE },
    origin,
    recordIndex: 0,
    payload: message.body,
  };
}

// ── production wiring: built once per container ──────────────────────────────────────────────
const tableName = requireEnv('TABLE_NAME', 'the DynamoDB table holding entities and incidents');
const narrateQueueUrl = requireEnv('NARRATE_QUEUE_URL', 'the SQS queue that asks for incident narratives');
const logger = createLogger('correlate');
// The defaults of shared/correlate/policy.ts, with the threshold and window the deployment set.
const policy = scoringPolicyFromEnv();
const client = documentClient();

export const handler = makeHandler({
  logger,
  store: dynamoCorrelationStore({ client, tableName }),
  quarantine: dynamoQuarantineStore({ client, tableName, now: () => new Date() }),
  narrate: sqsNarrateRequests({ client: new SQSClient({}), queueUrl: narrateQueueUrl }),
  policy,
  now: () => Date.now(),
});
