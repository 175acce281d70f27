import { Duration, Validations } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { type IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IngestRoute } from '../ingest-routes.ts';
import type { QueueConsumerTiming } from './queue-consumer.ts';
import type { VigilFunction } from './vigil-function.ts';

/**
 * EventBridge retries a failed delivery with backoff; past either bound the event goes to the DLQ,
 * where it waits 14 days for a redrive. Delivery failures of an async Lambda target are rarely
 * transient (permissions, a deleted function), so hours of retrying only delay the alarm.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
 */
const RULE_TARGET_RETRY = { retryAttempts: 20, maxEventAge: Duration.hours(2) } as const;

/** Caps the bulk path's share of concurrency, so a backfill cannot starve the real-time rules. */
const BULK_MAX_CONCURRENCY = 5;
const BULK_BATCH_SIZE = 10;

export interface IngestProps {
  readonly routes: readonly IngestRoute[];
  /** The buses routes name, by name; a route without a bus name listens on the default bus. */
  readonly buses: ReadonlyMap<string, IEventBus>;
  readonly normalise: VigilFunction;
  readonly ruleTargetDeadLetters: IQueue;
  readonly bulkQueue: IQueue;
  readonly bulkConsumer: QueueConsumerTiming;
}

/** Everything that delivers raw events to the normaliser: the EventBridge rules and the bulk queue. */
export class Ingest extends Construct {
  readonly rules: readonly Rule[];

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    // Imported by ARN so the rule targets do not add a queue-policy statement referencing this
    // stack's rules to the stateful stack (a cycle); that policy names the rule ARNs itself.
    const deadLetterQueue = Queue.fromQueueArn(
      this,
      'RuleTargetDeadLetters',
      props.ruleTargetDeadLetters.queueArn,
    );
    const target = new LambdaFunction(props.normalise.function, { ...RULE_TARGET_RETRY, deadLetterQueue });

    this.rules = props.routes.map(
      (route) =>
        new Rule(this, route.id, {
          ruleName: route.ruleName,
          description: route.description,
          eventBus: route.eventBusName === undefined ? undefined : busNamed(props.buses, route.eventBusName),
          eventPattern: route.eventPattern,
          targets: [target],
        }),
    );

    const bulk = new EventSourceMapping(this, 'BulkQueue', {
      target: props.normalise.function,
      eventSourceArn: props.bulkQueue.queueArn,
      batchSize: BULK_BATCH_SIZE,
      maxBatchingWindow: props.bulkConsumer.maxBatchingWindow,
      maxConcurrency: BULK_MAX_CONCURRENCY,
      // One bad object must not send the whole batch back to the queue.
      reportBatchItemFailures: true,
    });
    props.normalise.consumeQueue(props.bulkQueue);
    // DestinationConfig applies to stream and Kafka sources only.
    // https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
    Validations.of(bulk.node.defaultChild!).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event source mappings take no OnFailure destination (only stream and Kafka sources do); a message failing 5 receives moves to the bulk DLQ by the queue redrive policy.',
    });
  }
}

function busNamed(buses: ReadonlyMap<string, IEventBus>, name: string): IEventBus {
  const bus = buses.get(name);
  if (!bus) throw new Error(`No event bus named ${name} was given to Ingest`);
  return bus;
}
