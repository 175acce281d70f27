import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createDeadLetterQueue } from './dead-letter-queue.ts';
import type { EncryptionKey } from './encryption-key.ts';
import { type QueueConsumerTiming, visibilityTimeoutFor } from './queue-consumer.ts';

/** A message that failed this many receives is parked in the DLQ instead of being retried forever. */
const SIGNALS_MAX_RECEIVE_COUNT = 5;

/**
 * Signals wait here as long as SQS can keep them. They are the only record of a detection until
 * correlation stores them, and SQS discards expired messages without moving them to the DLQ; the
 * default 4 days is shorter than a long weekend of a broken correlator. (A message moved to the DLQ
 * keeps its first enqueue time, so the DLQ's 14 days count from the same moment.)
 */
const SIGNALS_RETENTION = Duration.days(14);

/**
 * The queue between detection (in the normaliser) and correlation. It lives in the stateful stack:
 * signals in flight are data, and must survive a compute redeploy.
 */
export class SignalQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly encryption: EncryptionKey; readonly consumer: QueueConsumerTiming },
  ) {
    super(scope, id);
    const { key } = props.encryption;
    this.deadLetters = createDeadLetterQueue(this, 'DeadLetters', { key, source: 'queue-redrive' });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: SIGNALS_RETENTION,
      visibilityTimeout: visibilityTimeoutFor(props.consumer),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: SIGNALS_MAX_RECEIVE_COUNT },
    });
  }
}
