import { CfnResource, type IAspect, RemovalPolicy } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Stage } from '../config.ts';

/** Resource types that hold data or protect it: keys, tables, buckets, queues, logs. */
const DATA_BEARING_TYPES = new Set([
  'AWS::KMS::Key',
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::Logs::LogGroup',
]);

/** Metadata marking a resource that outlives the stack in every stage (the audit trail). */
export const RETAIN_IN_EVERY_STAGE = 'vigil:retain-in-every-stage';

/**
 * One removal policy per stage for every data-bearing resource. In prod nothing holding evidence
 * (events, incidents, undelivered events, logs, or the key that decrypts them) is deleted or
 * replaced-and-deleted by CloudFormation: RETAIN. In dev the stack tears down completely: DESTROY
 * (a non-empty bucket still makes the delete fail, loudly, rather than losing objects silently).
 */
export class StageRemovalPolicy implements IAspect {
  private readonly policy: RemovalPolicy;

  constructor(stage: Stage) {
    this.policy = stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  }

  visit(node: IConstruct): void {
    if (CfnResource.isCfnResource(node) && DATA_BEARING_TYPES.has(node.cfnResourceType)) {
      node.applyRemovalPolicy(node.getMetadata(RETAIN_IN_EVERY_STAGE) ? RemovalPolicy.RETAIN : this.policy);
    }
  }
}
