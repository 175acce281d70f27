/**
 * correlate: batches of signal messages from the signals queue in, entities and incidents in
 * DynamoDB out.
 *
 * A batch is one unit of correlation, not a list of independent messages: all its signals go
 * through one `correlateBatch`, so the writes aggregate per entity per batch (one update for a busy
 * principal, however many of its signals arrived). Hence the failure handling:
 * - A body that is not a JSON array of signals is poison: it cannot become valid by retrying. Its
 *   message id, sender and the reason are logged (never the body, which may be forged or carry
 *   hostile evidence) and it counts as done.
 * - A TransientError (DynamoDB throttling, a network fault) fails every other message of the batch
 *   through the partial batch response. Correlation is idempotent — each signal id is written once
 *   per entity and incident, and the plan is a function of what is stored — so redelivering signals
 *   whose writes had already landed changes nothing, and failing only "the unwritten ones" is not
 *   something a half-applied aggregate could even name.
 * - Anything else is a defect: it is rethrown, Lambda fails the whole batch, and the queue's
 *   redrive policy parks it in the DLQ after 5 receives.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { z } from 'zod';
import { DEFAULT_POLICY, type ScoringPolicy } from '../../shared/correlate/policy.ts';
import type { CorrelationStore } from '../../shared/correlate/store.ts';
import type { Signal } from '../../shared/detect/types.ts';
import { describeError, TransientError } from '../../shared/errors.ts';
import { correlateBatch } from '../../shared/pipeline/correlate.ts';
import { decodeSignalMessage } from '../../shared/pipeline/signal-publisher.ts';
import { dynamoCorrelationStore } from '../../shared/store/dynamo-correlation-store.ts';
import { documentClient } from '../lib/aws-clients.ts';
import { requireEnv } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
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
  policy: ScoringPolicy;
  now: () => number;
}

export function makeHandler(deps: CorrelateHandlerDeps) {
  const { logger } = deps;
  const run = async (input: SignalQueueEvent, _context: Context): Promise<SQSBatchResponse> => {
    const signals: Signal[] = [];
    const carried: SignalMessage[] = [];
    let poison = 0;
    for (const message of input.Records) {
      const parsed = decodeSignalMessage(message.body);
      if (parsed.ok) {
        for (const s of parsed.signals) signals.push(s);
        carried.push(message);
        continue;
      }
      poison++;
      // The sender's principal id tells a producer defect from a forged message.
      logger.warn('poison signal message, dropped', {
        messageId: message.messageId,
        reason: parsed.reason,
        senderId: message.attributes?.SenderId,
        receiveCount: message.attributes?.ApproximateReceiveCount,
      });
    }

    let result: Awaited<ReturnType<typeof correlateBatch>>;
    try {
      result = await correlateBatch(signals, deps);
    } catch (e) {
      if (!(e instanceof TransientError)) throw e;
      logger.warn('correlation failed transiently, batch left for redelivery', {
        messages: input.Records.length,
        failedMessages: carried.length,
        poison,
        failure: describeError(e),
        source: e.source,
        context: e.context,
      });
      return { batchItemFailures: carried.map((m) => ({ itemIdentifier: m.messageId })) };
    }

    logger.info('batch correlated', {
      messages: input.Records.length,
      poison,
      ...result.stats,
      writes: result.writes,
      incidentsChanged: result.changed.length,
      // Incident ids are Vigil's own hashes: safe to log, and what an analyst searches for.
      incidents: result.changed.slice(0, 20),
    });
    return { batchItemFailures: [] };
  };
  return socHandler(run, { logger, input: SignalQueueEventSchema });
}

// ── production wiring: built once per container ──────────────────────────────────────────────
const tableName = requireEnv('TABLE_NAME', 'the DynamoDB table holding entities and incidents');
const logger = createLogger('correlate');

export const handler = makeHandler({
  logger,
  store: dynamoCorrelationStore({ client: documentClient(), tableName }),
  // Deploy-time policy configuration lands with the scoring settings; until then, the defaults.
  policy: DEFAULT_POLICY,
  now: () => Date.now(),
});
