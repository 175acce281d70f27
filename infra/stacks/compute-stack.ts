import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { VigilConfig } from '../config.ts';
import { bulkIngestBucketName } from '../constructs/bulk-ingest-store.ts';
import { Correlation } from '../constructs/correlation.ts';
import { Ingest } from '../constructs/ingest.ts';
import { Narration } from '../constructs/narration.ts';
import type { QueueConsumerTiming } from '../constructs/queue-consumer.ts';
import { Response } from '../constructs/response.ts';
import { SigmaRules } from '../constructs/sigma-rules.ts';
import { VigilFunction } from '../constructs/vigil-function.ts';
import { ingestRoutes } from '../ingest-routes.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface ComputeStackProps extends StackProps {
  readonly config: VigilConfig;
  readonly stateful: StatefulStack;
  readonly bulkConsumer: QueueConsumerTiming;
  readonly signalConsumer: QueueConsumerTiming;
  readonly narrateConsumer: QueueConsumerTiming;
}

/**
 * The functions and the wiring that feeds them. Holds no data: it can be destroyed and redeployed
 * without losing anything. Detection runs inside the normaliser and hands signals to the signals
 * queue; correlation consumes it and asks for narratives on the narrate queue, which narration consumes.
 * Respond joins here as a capability.
 */
export class ComputeStack extends Stack {
  readonly normalise: VigilFunction;
  readonly ingest: Ingest;
  readonly correlation: Correlation;
  readonly narration: Narration;
  readonly response: Response;
  /** Present when `sigmaRulesDir` is configured. */
  readonly sigmaRules?: SigmaRules;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, props);
    const { config, stateful, bulkConsumer } = props;

    // Validated before anything is bundled: an invalid rule file fails synth here, naming the file.
    if (config.sigmaRulesDir)
      this.sigmaRules = new SigmaRules(this, 'SigmaRules', { dir: config.sigmaRulesDir });

    this.normalise = new VigilFunction(this, 'Normalise', {
      config,
      key: stateful.encryption.key,
      entry: 'functions/normalise/handler.ts',
      description: 'Normalises raw security events to OCSF, runs detections, publishes signals',
      timeout: bulkConsumer.functionTimeout,
      // Bulk batches parse whole log objects; Lambda CPU and network scale with memory.
      memorySize: 1024,
      enrichmentData: true,
      // The handler loads sigma-rules/ next to its module at cold start, when the folder is there.
      ...(this.sigmaRules ? { bundledFiles: this.sigmaRules.files } : {}),
      environment: detectionEnvironment(config, this.account),
    });
    this.normalise.bindTable(stateful.store, 'RW');
    this.normalise.sendMessagesTo(stateful.signals.queue, 'SIGNALS_QUEUE_URL');
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

    this.correlation = new Correlation(this, 'Correlation', {
      config,
      key: stateful.encryption.key,
      store: stateful.store,
      signalQueue: stateful.signals.queue,
      consumer: props.signalConsumer,
    });
    this.correlation.correlate.sendMessagesTo(stateful.narrate.queue, 'NARRATE_QUEUE_URL');

    this.narration = new Narration(this, 'Narration', {
      config,
      key: stateful.encryption.key,
      store: stateful.store,
      narrateQueue: stateful.narrate.queue,
      consumer: props.narrateConsumer,
    });

    this.response = new Response(this, 'Response', {
      config,
      key: stateful.encryption.key,
      store: stateful.store,
      auditTable: stateful.response.auditTable,
      linkSecret: stateful.response.linkSecret,
    });
    // A narrative that recommends playbooks starts the response (the execution name makes it once).
    this.narration.narrate.addEnvironment(
      'RESPONSE_STATE_MACHINE_ARN',
      this.response.stateMachine.stateMachineArn,
    );
    this.narration.narrate.allow('StartResponse', [
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [this.response.stateMachine.stateMachineArn],
      }),
    ]);
  }
}

/**
 * What detections know about the deployment, read by functions/lib/detection-config.ts at cold
 * start. The deploying account is always one of the organisation's.
 */
function detectionEnvironment(config: VigilConfig, account: string): Record<string, string> {
  return {
    ORG_ACCOUNTS: [account, ...config.orgAccounts.filter((a) => a !== account)].join(','),
    TRUSTED_CIDRS: config.trustedCidrs.join(','),
  };
}
