import { Duration } from 'aws-cdk-lib';

/** How a queue's Lambda consumer runs; the queue's visibility timeout is derived from it. */
export interface QueueConsumerTiming {
  readonly functionTimeout: Duration;
  readonly maxBatchingWindow: Duration;
}

/**
 * At least six times the consumer's timeout (plus its batching window), so a batch Lambda is
 * still retrying is not handed to a second invocation.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 */
export const visibilityTimeoutFor = (consumer: QueueConsumerTiming): Duration =>
  Duration.seconds(consumer.functionTimeout.toSeconds() * 6 + consumer.maxBatchingWindow.toSeconds());
