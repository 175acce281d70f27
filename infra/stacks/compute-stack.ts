import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { VigilConfig } from '../config.ts';
import { type BulkConsumerTiming, bulkIngestBucketName } from '../constructs/bulk-ingest-store.ts';
import { Ingest } from '../constructs/ingest.ts';
import { VigilFunction } from '../constructs/vigil-function.ts';
import { ingestRoutes } from '../ingest-routes.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface ComputeStackProps extends StackProps {
  readonly config: VigilConfig;
  readonly stateful: StatefulStack;
  readonly bulkConsumer: BulkConsumerTiming;
}

/**
 * The functions and the wiring that feeds them. Holds no data: it can be destroyed and redeployed
 * without losing anything. Detect, correlate, narrate and respond join here as capabilities.
 */
export class ComputeStack extends Stack {
  readonly normalise: VigilFunction;
  readonly ingest: Ingest;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, props);
    const { config, stateful, bulkConsumer } = props;

    this.normalise = new VigilFunction(this, 'Normalise', {
      config,
      key: stateful.encryption.key,
      entry: 'functions/normalise/handler.ts',
      description: 'Normalises raw security events to OCSF and stores them',
      timeout: bulkConsumer.functionTimeout,
      // Bulk batches parse whole log objects; Lambda CPU and network scale with memory.
      memorySize: 1024,
    });
    this.normalise.bindTable(stateful.store, 'RW');
    // By name, not by reference: the name is fixed, and nothing here needs a stack export for it.
    const bulkBucket = Bucket.fromBucketName(
      this,
      'BulkIngestBucket',
      bulkIngestBucketName(config, this.account, this.region),
    );
    const readBulk = this.normalise.readObjects(bulkBucket);
    // The finding names the bucket as cdk-nag renders the ARN (pseudo parameters in angle brackets).
    Validations.of(readBulk.node.defaultChild!).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bulkIngestBucketName(config, '<AWS::AccountId>', '<AWS::Region>')}/*]`,
      reason:
        'Bulk producers (org trails, flow logs) choose the object keys; the normaliser reads whichever object a notification names, in this one bucket only.',
    });
    this.normalise.configureAsync({
      retryAttempts: 2,
      // The maximum: a throttled normaliser should catch up rather than park security events.
      maxEventAge: Duration.hours(6),
      onFailure: stateful.deadLetters.normaliseAsyncFailures,
    });

    this.ingest = new Ingest(this, 'Ingest', {
      routes: ingestRoutes(config),
      buses: stateful.buses.byName,
      normalise: this.normalise,
      ruleTargetDeadLetters: stateful.deadLetters.ruleTargets,
      bulkQueue: stateful.bulkIngest.queue,
      bulkConsumer,
    });
  }
}
