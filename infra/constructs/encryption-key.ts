import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { VigilConfig } from '../config.ts';
import { logGroupPrefix } from '../naming.ts';

/**
 * The customer-managed key that encrypts every Vigil data store. Its policy keeps the default
 * account-root statement (so IAM policies of Vigil's own roles decide who uses it) and adds one
 * statement per AWS service that must use it on Vigil's behalf, each scoped to Vigil's resources.
 */
export class EncryptionKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: { readonly config: VigilConfig }) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    this.key = new Key(this, 'Key', {
      description: `Vigil ${config.stage}: encrypts the event store, queues, bulk-ingest objects and logs`,
      alias: `alias/vigil-${config.stage}`,
      enableKeyRotation: true,
    });

    // The action list is the one AWS documents for CloudWatch Logs; the encryption-context condition
    // is what confines it: only log groups under Vigil's prefix can use the key.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchLogsForVigilLogGroups',
        principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${logGroupPrefix(config)}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }

  /**
   * Lets EventBridge write undeliverable events of exactly these rules to a KMS-encrypted DLQ.
   * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
   */
  allowEventBridgeRules(ruleArns: readonly string[]): void {
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EventBridgeDeadLettersOfVigilRules',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:SourceArn': [...ruleArns] } },
      }),
    );
  }

  /**
   * Lets S3 send event notifications of one bucket to a KMS-encrypted queue.
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ways-to-add-notification-config-to-bucket.html
   */
  allowS3EventNotifications(bucketArn: string): void {
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'S3NotificationsOfBulkIngestBucket',
        principals: [new ServicePrincipal('s3.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnEquals: { 'aws:SourceArn': bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }
}
