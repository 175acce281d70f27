/**
 * SignalPublisher on an SQS queue: signals packed into JSON-array messages, sent with
 * SendMessageBatch.
 *
 * SendMessageBatch can succeed as a call and still refuse some of its entries (`Failed`); the SDK
 * retries only failed calls, never failed entries, so this adapter resends those itself, with
 * bounded, jittered backoff. What is still refused after that throws TransientError, so the
 * normaliser's input is redelivered and published again: harmless, because signal ids are
 * deterministic and correlation writes each signal id once.
 */
import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import type { Signal } from '../detect/types.ts';
import { TransientError, ValidationError } from '../errors.ts';
import {
  groupIntoCalls,
  type MessageLimits,
  packSignals,
  type SignalPublisher,
  SQS_LIMITS,
} from '../pipeline/signal-publisher.ts';
import { rethrowAwsError } from './aws-errors.ts';

const SOURCE = 'store.sqs-signal-publisher';

/** The one call this adapter makes; an SQSClient satisfies it. */
export interface SqsBatchSender {
  send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput>;
}

export interface SqsSignalPublisherOptions {
  client: SqsBatchSender;
  queueUrl: string;
  limits?: MessageLimits;
  /** Sends of one batch's refused entries, the first included. */
  maxAttempts?: number;
  /** Backoff before the n-th resend: full jitter over min(cap, base · 2^(n-1)). */
  backoff?: { baseMs: number; capMs: number };
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const DEFAULT_ATTEMPTS = 4;
// Short: the normaliser waits for this within its own timeout, and a refusal that outlasts about a
// second is better handled by redelivering the input later than by holding the invocation.
const DEFAULT_BACKOFF = { baseMs: 100, capMs: 1_000 };
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function sqsSignalPublisher(options: SqsSignalPublisherOptions): SignalPublisher {
  const limits = options.limits ?? SQS_LIMITS;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_ATTEMPTS);
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;

  async function sendCall(bodies: readonly string[]): Promise<void> {
    // Entry ids only need to be unique within the call.
    let pending: SendMessageBatchRequestEntry[] = bodies.map((MessageBody, i) => ({
      Id: String(i),
      MessageBody,
    }));
    let refused: BatchResultErrorEntry[] = [];
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** (attempt - 2));
        await sleep(Math.floor(random() * ceiling));
      }
      let out: SendMessageBatchCommandOutput;
      try {
        out = await options.client.send(
          new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: pending }),
        );
      } catch (e) {
        // The SDK has already retried the call itself (throttling, 5xx, network) before this.
        return rethrowAwsError(e, SOURCE, { operation: 'send signal messages' });
      }
      refused = out.Failed ?? [];
      if (refused.length === 0) return;
      const senderFaults = refused.filter((f) => f.SenderFault);
      if (senderFaults.length > 0) {
        // The request itself is wrong (a body SQS rejects): sending it again cannot help.
        throw new ValidationError('SQS refused signal messages as invalid', SOURCE, {
          refused: senderFaults.length,
          codes: codesOf(senderFaults),
        });
      }
      const retry = new Set(refused.map((f) => f.Id));
      pending = pending.filter((entry) => retry.has(entry.Id));
    }
    throw new TransientError('SQS kept refusing signal messages', SOURCE, {
      refused: refused.length,
      attempts: maxAttempts,
      codes: codesOf(refused),
    });
  }

  return {
    async publish(signals: readonly Signal[]) {
      if (signals.length === 0) return;
      const calls = groupIntoCalls(packSignals(signals, limits.maxMessageBytes), limits);
      for (const bodies of calls) await sendCall(bodies);
    },
  };
}

const codesOf = (entries: readonly BatchResultErrorEntry[]): string =>
  [...new Set(entries.map((f) => f.Code ?? 'unknown'))].slice(0, 5).join(',');
