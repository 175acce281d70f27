import { Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type CfnFunction, EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NARRATE_ENV, parseModelId } from '../../functions/lib/narrate-config.ts';
import { bedrockModelArns } from '../bedrock-arns.ts';
import type { VigilConfig } from '../config.ts';
import type { QueueConsumerTiming } from './queue-consumer.ts';
import { VigilFunction } from './vigil-function.ts';

/**
 * Each incident may take two Converse calls (the answer and one retry) of up to 30 s each
 * (shared/narrate/bedrock-model.ts); four incidents a batch fit the 5-minute function timeout.
 */
const NARRATE_BATCH_SIZE = 4;

/**
 * Narratives are worth minutes, not a model quota exhausted by a burst of incidents: two concurrent
 * batches (the lowest SQS event source mappings accept) keep Bedrock calls to a handful at a time.
 */
const NARRATE_MAX_CONCURRENCY = 2;

export interface NarrationProps {
  readonly config: VigilConfig;
  readonly key: IKey;
  readonly store: { readonly table: ITable; readonly indexArns: readonly string[] };
  readonly narrateQueue: IQueue;
  readonly consumer: QueueConsumerTiming;
}

/** The narrator: consumes the narrate queue, writes each changed incident's narrative with Bedrock. */
export class Narration extends Construct {
  readonly narrate: VigilFunction;

  constructor(scope: Construct, id: string, props: NarrationProps) {
    super(scope, id);
    const { config } = props;
    const model = parseModelId(config.modelId);
    // config.ts validated it with the same parser; this only narrows the type.
    if (!model.ok) throw new Error(`vigil.modelId: ${model.problem}`);

    this.narrate = new VigilFunction(this, 'Narrate', {
      config,
      key: props.key,
      entry: 'functions/narrate/handler.ts',
      description: 'Writes incident narratives with Bedrock, falling back to the deterministic narrator',
      timeout: props.consumer.functionTimeout,
      environment: {
        [NARRATE_ENV.modelId]: model.value.id,
        ...(config.narrativeBudgetUsd
          ? {
              [NARRATE_ENV.incidentUsd]: String(config.narrativeBudgetUsd.incident),
              [NARRATE_ENV.dayUsd]: String(config.narrativeBudgetUsd.day),
            }
          : {}),
      },
    });
    this.narrate.bindTable(props.store, 'RW');
    this.narrate.consumeQueue(props.narrateQueue);
    const stack = Stack.of(this);
    const invoke = this.narrate.invokeModels(
      'InvokeModel',
      bedrockModelArns(model.value, {
        partition: stack.partition,
        region: stack.region,
        account: stack.account,
      }),
    );
    if (model.value.scope !== 'in-region' && model.value.scope !== 'global')
      Validations.of(invoke.node.defaultChild!).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${model.value.foundationModel}]`,
        reason:
          'A geographic inference profile routes to Regions AWS chooses within the geography; the grant names the one configured model in each of them and no other.',
      });

    const mapping = new EventSourceMapping(this, 'NarrateQueue', {
      target: this.narrate.function,
      eventSourceArn: props.narrateQueue.queueArn,
      batchSize: NARRATE_BATCH_SIZE,
      maxBatchingWindow: props.consumer.maxBatchingWindow,
      maxConcurrency: NARRATE_MAX_CONCURRENCY,
      // The handler lists the incidents it could not narrate; the others are done.
      reportBatchItemFailures: true,
    });
    Validations.of(this.narrate.function.node.defaultChild as CfnFunction).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Only the narrate queue event source mapping invokes the narrator, synchronously; a function DLQ serves asynchronous invocations only, and failed narrate requests reach the narrate DLQ by the queue redrive policy.',
    });
    Validations.of(mapping.node.defaultChild!).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event source mappings take no OnFailure destination (only stream and Kafka sources do); a narrate request failing 5 receives moves to the narrate DLQ by the queue redrive policy.',
    });
  }
}
