/**
 * narrate: batches of `{incidentId}` messages from the narrate queue in, a stored narrative per
 * incident out.
 *
 * Each message stands alone, so failures are per message (partial batch response):
 * - A body that is not a narrate request is poison: logged with its message id and reason (never the
 *   body) and counted done; retrying cannot make it valid, and it names no incident to lose.
 * - A missing incident (a request that outlived its incident's data) is logged and counted done.
 * - An incident whose stored narrative still describes it is skipped: no model call, no spend.
 * - A model that fails, throttles, times out or answers wrongly does not fail the message:
 *   `investigate` stores the deterministic narrative with the reason instead.
 * - Anything else (DynamoDB throttling, a defect) fails that message only; SQS redelivers it and the
 *   queue's redrive policy parks it in the DLQ after 5 receives. Redelivery is safe: the narrative
 *   save is idempotent, and a narrative already saved makes the incident unchanged.
 * Several messages for one incident in a batch (one per correlated batch that touched it) are
 * narrated once.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { z } from 'zod';
import { describeError, isVigilError } from '../../shared/errors.ts';
import { bedrockNarrativeModel } from '../../shared/narrate/bedrock-model.ts';
import type { NarrativeModel } from '../../shared/narrate/converse.ts';
import { DEFAULT_INVESTIGATE_CONFIG, type InvestigateConfig } from '../../shared/narrate/investigate.ts';
import { type NarrateIncidentDeps, narrateIncident } from '../../shared/narrate/narrate-incident.ts';
import { decodeNarrateMessage } from '../../shared/pipeline/narrate-request.ts';
import { dynamoCorrelationStore } from '../../shared/store/dynamo-correlation-store.ts';
import { dynamoDaySpendStore } from '../../shared/store/dynamo-day-spend-store.ts';
import { type ResponseStarter, sfnResponseStarter } from '../../shared/store/sfn-response-starter.ts';
import { documentClient } from '../lib/aws-clients.ts';
import { requireEnv } from '../lib/env.ts';
import { createLogger } from '../lib/logger.ts';
import { narrateConfigFromEnv } from '../lib/narrate-config.ts';
import { socHandler } from '../lib/soc-handler.ts';

const NarrateQueueEventSchema = z.object({
  Records: z
    .array(
      z.looseObject({
        messageId: z.string().min(1),
        body: z.string(),
        eventSource: z.literal('aws:sqs'),
      }),
    )
    .min(1),
});
type NarrateQueueEvent = z.infer<typeof NarrateQueueEventSchema>;

export interface NarrateHandlerDeps extends Omit<NarrateIncidentDeps, 'model'> {
  logger: Logger;
  /** Starts the response to an incident whose narrative recommends playbooks (absent: no response stage). */
  responses?: ResponseStarter;
  model: NarrativeModel;
  config: InvestigateConfig;
}

export function makeHandler(deps: NarrateHandlerDeps) {
  const { logger } = deps;
  const run = async (input: NarrateQueueEvent, _context: Context): Promise<SQSBatchResponse> => {
    const byIncident = new Map<string, string[]>();
    let poison = 0;
    for (const message of input.Records) {
      const decoded = decodeNarrateMessage(message.body);
      if (!decoded.ok) {
        poison++;
        logger.warn('poison narrate message, dropped', {
          messageId: message.messageId,
          reason: decoded.reason,
        });
        continue;
      }
      byIncident.set(decoded.incidentId, [...(byIncident.get(decoded.incidentId) ?? []), message.messageId]);
    }

    const failed: string[] = [];
    const counts = { narrated: 0, unchanged: 0, missing: 0, fallback: 0, failed: 0 };
    // One at a time: each may call Bedrock, and the account's model quota is shared.
    for (const [incidentId, messageIds] of byIncident) {
      try {
        const outcome = await narrateIncident(incidentId, deps, deps.config);
        counts[outcome.status]++;
        if (outcome.status === 'missing') logger.warn('incident not found, request dropped', { incidentId });
        // On `unchanged` too: a redelivery after a failed start must still start it (the name makes it once).
        if (outcome.status !== 'missing' && deps.responses) {
          const started = await deps.responses.start(incidentId, outcome.narrative.playbooks);
          if (started === 'started') logger.info('response started', { incidentId });
        }
        if (outcome.status === 'narrated') {
          const { audit, generated_by, fallback_reason, fallback_detail } = outcome.narrative;
          if (fallback_reason) counts.fallback++;
          // The audit figures and reasons only: never the prompt, the evidence or the model's text.
          logger.info('incident narrated', {
            incidentId,
            reasons: outcome.reasons,
            generatedBy: generated_by,
            ...(fallback_reason ? { fallbackReason: fallback_reason, fallbackDetail: fallback_detail } : {}),
            modelId: audit.model_id,
            attempts: audit.attempts,
            tokensIn: audit.tokens_in,
            tokensOut: audit.tokens_out,
            latencyMs: audit.latency_ms,
            estimatedCostUsd: audit.estimated_cost_usd,
          });
        }
      } catch (e) {
        counts.failed++;
        failed.push(...messageIds);
        logger.warn('incident not narrated, left for redelivery', {
          incidentId,
          failure: describeError(e),
          ...(isVigilError(e) ? { kind: e.kind, source: e.source } : {}),
        });
      }
    }
    logger.info('batch narrated', { messages: input.Records.length, poison, ...counts });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
  return socHandler(run, { logger, input: NarrateQueueEventSchema });
}

// ── production wiring: built once per container ──────────────────────────────────────────────
const tableName = requireEnv('TABLE_NAME', 'the DynamoDB table holding incidents and their narratives');
const dynamo = documentClient();
const logger = createLogger('narrate');
const settings = narrateConfigFromEnv();
const region = requireEnv('AWS_REGION', 'the Region the function runs in (Lambda sets it)');

const responseStateMachine = process.env.RESPONSE_STATE_MACHINE_ARN;

export const handler = makeHandler({
  logger,
  ...(responseStateMachine ? { responses: sfnResponseStarter(new SFNClient({}), responseStateMachine) } : {}),
  store: dynamoCorrelationStore({ client: dynamo, tableName }),
  model: bedrockNarrativeModel({ region }),
  config: { ...DEFAULT_INVESTIGATE_CONFIG, modelId: settings.model.id, budget: settings.budget },
  now: () => Date.now(),
  // Letters and digits: the spotlight delimiters must not be guessable by whoever wrote the evidence.
  nonce: () => randomBytes(12).toString('base64url').replace(/[-_]/g, 'x'),
  // Protection is decided (and shown, with its reason) by the response guard, which reads the
  // target's tags and the deployment's protected principals; a narrative that left protected
  // targets out would hide why nothing is done about them.
  isProtected: () => false,
  // Per-incident spend is summed on the narrative item; the day's, account-wide, on its own counter.
  daySpend: dynamoDaySpendStore({ client: dynamo, tableName }),
});
