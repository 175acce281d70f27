import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createDeadLetterQueue } from './dead-letter-queue.ts';
import type { EncryptionKey } from './encryption-key.ts';

/**
 * Where events end up when they cannot be delivered to, or processed by, the normaliser. They live
 * in the stateful stack: undelivered security events are data, and must survive a compute redeploy.
 */
export class IngestDeadLetters extends Construct {
  /** EventBridge could not invoke the normaliser within the rule target's retry policy. */
  readonly ruleTargets: Queue;
  /** The normaliser failed an asynchronous invocation after Lambda's own retries. */
  readonly normaliseAsyncFailures: Queue;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly encryption: EncryptionKey; readonly ruleArns: readonly string[] },
  ) {
    super(scope, id);
    const { key } = props.encryption;
    this.ruleTargets = createDeadLetterQueue(this, 'RuleTargets', { key, source: 'service' });
    this.normaliseAsyncFailures = createDeadLetterQueue(this, 'NormaliseAsyncFailures', {
      key,
      source: 'service',
    });

    // The rules live in the compute stack; naming their ARNs here (rather than referencing the rules)
    // avoids a stack cycle and still admits exactly Vigil's rules.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html#eb-dlq-perms
    this.ruleTargets.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EventBridgeRulesOfVigil',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.ruleTargets.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': [...props.ruleArns] } },
      }),
    );
    props.encryption.allowEventBridgeRules(props.ruleArns);
  }
}
