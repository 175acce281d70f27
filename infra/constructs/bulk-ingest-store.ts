import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { VigilConfig } from '../config.ts';
import { resourceName } from '../naming.ts';
import { createDeadLetterQueue } from './dead-letter-queue.ts';
import type { EncryptionKey } from './encryption-key.ts';
import { type QueueConsumerTiming, visibilityTimeoutFor } from './queue-consumer.ts';

/**
 * The bulk bucket's name. Fixed, so that the queue and key policies (S3 checks the queue policy when
 * the notification is created, so a reference would be a cycle) and readers in other stacks can
 * name its ARN without referencing the bucket.
 */
export const bulkIngestBucketName = (config: VigilConfig, account: string, region: string): string =>
  `${resourceName(config, 'bulk')}-${account}-${region}`;

/** A message that failed this many receives is parked in the DLQ instead of blocking the queue. */
const BULK_MAX_RECEIVE_COUNT = 5;

/**
 * Volume that outgrows EventBridge (org trails, flow logs) lands as objects in a bucket; each
 * ObjectCreated notification goes to a queue that the normaliser consumes in batches.
 */
export class BulkIngestStore extends Construct {
  readonly bucket: Bucket;
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(
    scope: Construct,
    id: string,
    props: {
      readonly config: VigilConfig;
      readonly encryption: EncryptionKey;
      readonly consumer: QueueConsumerTiming;
    },
  ) {
    super(scope, id);
    const { config, consumer } = props;
    const { key } = props.encryption;
    const stack = Stack.of(this);

    const accessLogs = new Bucket(this, 'AccessLogs', {
      // S3 delivers server access logs only to buckets whose default encryption is SSE-S3.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ expiration: Duration.days(config.logRetentionDays) }],
    });

    this.deadLetters = createDeadLetterQueue(this, 'DeadLetters', { key, source: 'queue-redrive' });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      visibilityTimeout: visibilityTimeoutFor(consumer),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: BULK_MAX_RECEIVE_COUNT },
    });

    const bucketName = bulkIngestBucketName(config, stack.account, stack.region);
    const bucketArn = `arn:${stack.partition}:s3:::${bucketName}`;
    const queuePolicy = this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ObjectCreatedNotificationsOfBulkBucket',
        principals: [new ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': bucketArn },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    ).policyDependable;
    props.encryption.allowS3EventNotifications(bucketArn);

    this.bucket = new Bucket(this, 'Bucket', {
      bucketName,
      encryption: BucketEncryption.KMS,
      encryptionKey: key,
      // One data key per bucket instead of one KMS call per object: bulk delivery writes many objects.
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'bulk-ingest/',
    });
    // Declared on the CloudFormation resource rather than through Bucket.addEventNotification, which
    // adds a custom-resource Lambda only to break the cycle that the fixed name already avoids.
    const cfnBucket = this.bucket.node.defaultChild as CfnBucket;
    cfnBucket.notificationConfiguration = {
      queueConfigurations: [{ event: 's3:ObjectCreated:*', queue: this.queue.queueArn }],
    };
    if (queuePolicy) this.bucket.node.addDependency(queuePolicy);
  }
}
