/**
 * normalise: raw security events in, OCSF events through detection, signals out to the signals
 * queue (for correlation), poison to the quarantine.
 *
 * Two triggers:
 * - EventBridge rules invoke it asynchronously with one event. A transient failure throws, so
 *   Lambda's async retries and the on-failure destination apply.
 * - The S3 bulk queue invokes it with an SQS batch. It answers with the partial batch response:
 *   poison is quarantined and its message counts as done (redelivery would never help); a message
 *   whose processing failed (TransientError, or a defect) is listed so SQS redelivers it, and the
 *   queue's redrive policy moves it to the DLQ if it keeps failing.
 * Idempotent on the event id / message id: redelivery rewrites the same quarantine keys and yields
 * the same metadata.uid, hence the same signal ids. A signal publish that fails fails the input too.
 */

import { fileURLToPath } from 'node:url';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { z } from 'zod';
import { baselineStage } from '../../shared/baseline/stage.ts';
import { CATALOGUE } from '../../shared/detect/catalogue/index.ts';
import { defaultEnricher } from '../../shared/enrich/index.ts';
import { describeError, isVigilError } from '../../shared/errors.ts';
import {
  addCounts,
  type IngestCounts,
  type IngestPorts,
  ingestEventBridgeEvent,
  ingestSqsMessage,
  NO_COUNTS,
} from '../../shared/ingest/ingest-message.ts';
import type { SqsMessage } from '../../shared/ingest/sqs-message.ts';
import { type DetectionReport, detectionSink } from '../../shared/pipeline/detection-sink.ts';
import { loadBundledSigmaRules, SIGMA_BUNDLE_DIR, sigmaCounts } from '../../shared/sigma/bundle.ts';
import { dynamoBaselineStore } from '../../shared/store/dynamo-baseline-store.ts';
import { dynamoQuarantineStore } from '../../shared/store/dynamo-quarantine-store.ts';
import { s3ObjectReader } from '../../shared/store/s3-object-reader.ts';
import { sqsSignalPublisher } from '../../shared/store/sqs-signal-publisher.ts';
import { documentClient } from '../lib/aws-clients.ts';
import { detectionConfigFromEnv } from '../lib/detection-config.ts';
import { requireEnv } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
import { socHandler } from '../lib/soc-handler.ts';

const SqsEventSchema = z.object({
  Records: z
    .array(
      z.looseObject({ messageId: z.string().min(1), body: z.string(), eventSource: z.literal('aws:sqs') }),
    )
    .min(1),
});
const EventBridgeEventSchema = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.string(),
  detail: z.unknown(),
});
const NormaliseInputSchema = z.union([SqsEventSchema, EventBridgeEventSchema]);
type NormaliseInput = z.infer<typeof NormaliseInputSchema>;

export type NormaliseHandlerDeps = IngestPorts & { logger: Logger };

export function makeHandler(deps: NormaliseHandlerDeps) {
  const { logger } = deps;
  const run = async (input: NormaliseInput, context: Context): Promise<SQSBatchResponse | IngestCounts> => {
    if (!('detail-type' in input)) return runSqsBatch(input.Records, context, deps);
    const counts = await ingestEventBridgeEvent(input, deps);
    logger.info('event ingested', { eventId: input.id, ...counts });
    return counts;
  };
  return socHandler(run, { logger, input: NormaliseInputSchema });
}

async function runSqsBatch(
  records: z.infer<typeof SqsEventSchema>['Records'],
  context: Context,
  deps: NormaliseHandlerDeps,
): Promise<SQSBatchResponse> {
  let total = NO_COUNTS;
  const perMessage = async (record: SqsMessage) => {
    try {
      const counts = await ingestSqsMessage(record, deps);
      total = addCounts(total, counts);
    } catch (e) {
      deps.logger.warn('message failed, left for redelivery', {
        messageId: record.messageId,
        failure: describeError(e),
        ...(isVigilError(e) ? { kind: e.kind, source: e.source } : {}),
      });
      throw e;
    }
  };
  // One processor per invocation: it holds the batch's state, which must not outlive or span invocations.
  const response = await processPartialResponse(
    { Records: records },
    perMessage,
    new BatchProcessor(EventType.SQS, { logger: deps.logger }),
    { context },
  );
  deps.logger.info('batch ingested', {
    messages: records.length,
    failedMessages: response.batchItemFailures.length,
    ...total,
  });
  return response;
}

/** Counts and ids only: signals carry evidence from hostile logs, and it stays out of the logs. */
export const logDetection =
  (logger: Logger) =>
  ({ events, signals, faults }: DetectionReport): void => {
    if (Object.keys(faults).length > 0) logger.warn('detections threw', { events, faults });
    if (signals > 0) logger.info('signals published', { events, signals });
  };

// ── production wiring: built once per container ──────────────────────────────────────────────
// Every setting is read and checked here, at cold start, so a miswired function fails at once.
const tableName = requireEnv('TABLE_NAME', 'the DynamoDB table holding the quarantine and baselines');
const signalsQueueUrl = requireEnv('SIGNALS_QUEUE_URL', 'the SQS queue that carries signals to correlation');
const detectionConfig = detectionConfigFromEnv();
const logger = createLogger('normalise');
const now = () => new Date();
const dynamo = documentClient();
// Sigma rules CDK validated and shipped next to the bundle (infra/constructs/sigma-rules.ts). In
// the bundle import.meta.url is /var/task/index.mjs; from source there is no such folder, so none.
// Counts only in the log: the rules are configuration an attacker reading the logs should not learn.
const sigma = loadBundledSigmaRules(fileURLToPath(new URL(`./${SIGMA_BUNDLE_DIR}/`, import.meta.url)));
if (sigma) logger.info('sigma rules loaded', { ...sigmaCounts(sigma) });

export const handler = makeHandler({
  logger,
  now,
  quarantine: dynamoQuarantineStore({ client: dynamo, tableName, now }),
  objects: s3ObjectReader(new S3Client({})),
  // Detection runs here, in the same invocation: one hop fewer per event, and only signals (a
  // small fraction of events) travel on to correlation.
  sink: detectionSink({
    detections: [...CATALOGUE, ...(sigma?.detections ?? [])],
    config: detectionConfig,
    publisher: sqsSignalPublisher({ client: new SQSClient({}), queueUrl: signalsQueueUrl }),
    // Per-principal habits: one batched read and at most one write per principal per batch.
    baselines: baselineStage({ store: dynamoBaselineStore({ client: dynamo, tableName }) }),
    onBatch: logDetection(logger),
  }),
  normaliseContext: {
    enrich: defaultEnricher({
      onError: (e) => logger.warn('enrichment provider fault', { failure: describeError(e) }),
    }),
  },
});
