import { Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** SQS keeps a message at most 14 days; a DLQ keeps failures as long as it can for replay. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * Who puts failures in the queue: another queue's redrive policy, or an AWS service (an EventBridge
 * target's dead-letter config, a Lambda on-failure destination).
 */
export type DeadLetterSource = 'queue-redrive' | 'service';

/** A KMS-encrypted, TLS-only queue that only ever receives failures. */
export function createDeadLetterQueue(
  scope: Construct,
  id: string,
  props: { readonly key: IKey; readonly source: DeadLetterSource },
): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: props.key,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
    // A queue fed by a service must not become some other queue's DLQ by accident.
    ...(props.source === 'service'
      ? { redriveAllowPolicy: { redrivePermission: RedrivePermission.DENY_ALL } }
      : {}),
  });
  Validations.of(queue.node.defaultChild!).acknowledge({
    id: 'Serverless::Serverless-SQSRedrivePolicy',
    reason:
      'This queue is itself a dead-letter queue; a DLQ behind it would only move failures one hop further.',
  });
  if (props.source === 'service') {
    Validations.of(queue.node.defaultChild!).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is a DLQ fed by an AWS service (EventBridge target or Lambda destination), not by an SQS redrive policy, so the rule cannot see its role.',
    });
  }
  return queue;
}
