import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createDeadLetterQueue } from './dead-letter-queue.ts';
import type { EncryptionKey } from './encryption-key.ts';
import { type QueueConsumerTiming, visibilityTimeoutFor } from './queue-consumer.ts';

/** A request that failed this many receives is parked in the DLQ instead of being retried forever. */
const NARRATE_MAX_RECEIVE_COUNT = 5;

/**
 * As long as SQS can keep them: a request is the only thing that says an incident changed until the
 * next change, and SQS discards expired messages without moving them to the DLQ.
 */
const NARRATE_RETENTION = Duration.days(14);

/**
 * The queue between correlation and narration: one `{incidentId}` message per changed incident.
 * Like the signals queue it lives in the stateful stack, so requests in flight survive a compute
 * redeploy.
 */
export class NarrateQueue extends Construct {
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
      retentionPeriod: NARRATE_RETENTION,
      visibilityTimeout: visibilityTimeoutFor(props.consumer),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: NARRATE_MAX_RECEIVE_COUNT },
    });
  }
}
