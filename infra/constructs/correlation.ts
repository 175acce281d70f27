import { Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type CfnFunction, EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SCORING_ENV } from '../../functions/lib/scoring-config.ts';
import type { VigilConfig } from '../config.ts';
import type { QueueConsumerTiming } from './queue-consumer.ts';
import { VigilFunction } from './vigil-function.ts';

/**
 * The point of the signals queue: correlation reads and writes each entity once per batch, so the
 * more signals one invocation sees, the fewer DynamoDB writes per signal. A batch of up to 100
 * messages (SQS allows more than 10 only with a batching window of at least 1 s) gathered over the
 * consumer's batching window turns a burst of detections about one principal into one update.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 */
const SIGNALS_BATCH_SIZE = 100;

/**
 * Correlation plans from what it reads, then writes; two invocations planning on the same entity
 * converge (writes are idempotent) but each sees less of the story. Few concurrent batches keep
 * batches full and such overlaps rare; 2 is the lowest SQS event source mappings accept.
 */
const SIGNALS_MAX_CONCURRENCY = 2;

export interface CorrelationProps {
  readonly config: VigilConfig;
  readonly key: IKey;
  readonly store: { readonly table: ITable; readonly indexArns: readonly string[] };
  readonly signalQueue: IQueue;
  readonly consumer: QueueConsumerTiming;
}

/** The correlator: consumes the signals queue in batches, keeps entities and incidents in the table. */
export class Correlation extends Construct {
  readonly correlate: VigilFunction;

  constructor(scope: Construct, id: string, props: CorrelationProps) {
    super(scope, id);
    this.correlate = new VigilFunction(this, 'Correlate', {
      config: props.config,
      key: props.key,
      entry: 'functions/correlate/handler.ts',
      description: 'Correlates signals into entities and incidents in DynamoDB',
      timeout: props.consumer.functionTimeout,
      environment: scoringEnvironment(props.config),
    });
    this.correlate.bindTable(props.store, 'RW');
    this.correlate.consumeQueue(props.signalQueue);

    const mapping = new EventSourceMapping(this, 'SignalQueue', {
      target: this.correlate.function,
      eventSourceArn: props.signalQueue.queueArn,
      batchSize: SIGNALS_BATCH_SIZE,
      maxBatchingWindow: props.consumer.maxBatchingWindow,
      maxConcurrency: SIGNALS_MAX_CONCURRENCY,
      // The handler lists the messages to retry (all of a batch that failed transiently, none of its poison).
      reportBatchItemFailures: true,
    });
    Validations.of(this.correlate.function.node.defaultChild as CfnFunction).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Only the signals queue event source mapping invokes the correlator, synchronously; a function DLQ serves asynchronous invocations only, and failed signal messages reach the signals DLQ by the queue redrive policy.',
    });
    Validations.of(mapping.node.defaultChild!).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event source mappings take no OnFailure destination (only stream and Kafka sources do); a signal message failing 5 receives moves to the signals DLQ by the queue redrive policy.',
    });
  }
}

/** Only what the configuration sets: an absent setting leaves the correlator on its default. */
function scoringEnvironment(config: VigilConfig): Record<string, string> {
  const { threshold, windowHours } = config.scoring ?? {};
  return {
    ...(threshold === undefined ? {} : { [SCORING_ENV.threshold]: String(threshold) }),
    ...(windowHours === undefined ? {} : { [SCORING_ENV.windowHours]: String(windowHours) }),
  };
}
