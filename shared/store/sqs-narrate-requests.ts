/**
 * NarrateRequests on an SQS queue: one `{incidentId}` message per incident, ten to a
 * SendMessageBatch. Entries SQS refuses as a batch call that itself succeeded are sent again once
 * (the SDK retries failed calls, never failed entries); what is still refused throws. No
 * deduplication: a duplicate request costs one read, since narration skips an unchanged incident.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { TransientError, ValidationError } from '../errors.ts';
import { encodeNarrateMessage, type NarrateRequests } from '../pipeline/narrate-request.ts';
import { rethrowAwsError } from './aws-errors.ts';

const SOURCE = 'store.sqs-narrate-requests';
/** SendMessageBatch carries at most 10 entries. */
const ENTRIES_PER_CALL = 10;
const ATTEMPTS = 2;

/** The one call this adapter makes; an SQSClient satisfies it. */
export interface SqsBatchSender {
  send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput>;
}

export function sqsNarrateRequests(options: { client: SqsBatchSender; queueUrl: string }): NarrateRequests {
  async function sendCall(ids: readonly string[]): Promise<void> {
    let pending: SendMessageBatchRequestEntry[] = ids.map((id, i) => ({
      Id: String(i),
      MessageBody: encodeNarrateMessage(id),
    }));
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      let out: SendMessageBatchCommandOutput;
      try {
        out = await options.client.send(
          new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: pending }),
        );
      } catch (e) {
        return rethrowAwsError(e, SOURCE, { operation: 'send narrate requests' });
      }
      const refused = out.Failed ?? [];
      if (refused.length === 0) return;
      if (refused.some((f) => f.SenderFault))
        throw new ValidationError('SQS refused narrate requests as invalid', SOURCE, {
          refused: refused.length,
        });
      const retry = new Set(refused.map((f) => f.Id));
      pending = pending.filter((entry) => retry.has(entry.Id));
    }
    throw new TransientError('SQS kept refusing narrate requests', SOURCE, { refused: pending.length });
  }

  return {
    async request(incidentIds) {
      const ids = [...new Set(incidentIds)];
      for (let i = 0; i < ids.length; i += ENTRIES_PER_CALL)
        await sendCall(ids.slice(i, i + ENTRIES_PER_CALL));
    },
  };
}
