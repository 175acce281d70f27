import type { OcsfResource } from '../ocsf/types.ts';
import { type Fields, fields, list, put, str } from './util-fields.ts';

/** A call naming thousands of instances still yields a bounded event. */
export const MAX_RESOURCES = 100;

/**
 * Request parameters that name the resource a call acts on, with its CloudFormation type name
 * (the naming CloudTrail's own `resources[].type` uses). Service-specific names only apply to
 * their service: `name` means a trail only in CloudTrail's own calls.
 */
const PARAMETER_RESOURCES = new Map<string, readonly [type: string, source?: string]>([
  ['bucketName', ['AWS::S3::Bucket']],
  ['instanceId', ['AWS::EC2::Instance']],
  ['userName', ['AWS::IAM::User', 'iam.amazonaws.com']],
  ['roleName', ['AWS::IAM::Role', 'iam.amazonaws.com']],
  ['groupName', ['AWS::IAM::Group', 'iam.amazonaws.com']],
  ['policyArn', ['AWS::IAM::ManagedPolicy', 'iam.amazonaws.com']],
  ['functionName', ['AWS::Lambda::Function']],
  ['keyId', ['AWS::KMS::Key']],
  ['snapshotId', ['AWS::EC2::Snapshot']],
  ['volumeId', ['AWS::EC2::Volume']],
  ['imageId', ['AWS::EC2::Image']],
  ['groupId', ['AWS::EC2::SecurityGroup', 'ec2.amazonaws.com']],
  ['dBInstanceIdentifier', ['AWS::RDS::DBInstance']],
  ['dBClusterIdentifier', ['AWS::RDS::DBCluster']],
  ['dBSnapshotIdentifier', ['AWS::RDS::DBSnapshot']],
  ['secretId', ['AWS::SecretsManager::Secret']],
  ['name', ['AWS::CloudTrail::Trail', 'cloudtrail.amazonaws.com']],
  ['trailName', ['AWS::CloudTrail::Trail', 'cloudtrail.amazonaws.com']],
  ['tableName', ['AWS::DynamoDB::Table']],
  ['repositoryName', ['AWS::ECR::Repository', 'ecr.amazonaws.com']],
  ['topicArn', ['AWS::SNS::Topic']],
  ['queueUrl', ['AWS::SQS::Queue']],
  ['logGroupName', ['AWS::Logs::LogGroup']],
  ['stackName', ['AWS::CloudFormation::Stack']],
  ['detectorId', ['AWS::GuardDuty::Detector']],
]);

/** ARNs are identifiers; anything else the caller wrote is a name. */
function named(value: string, type: string): OcsfResource {
  return value.startsWith('arn:') ? { uid: value, type } : { name: value, type };
}

/** CloudTrail's own `resources` list: `{ARN, accountId, type}`. */
function listedResources(resources: unknown, out: OcsfResource[]): void {
  const items = list(resources);
  if (!items) return;
  for (let i = 0; i < items.length && out.length < MAX_RESOURCES; i++) {
    const item = fields(items[i]);
    if (!item) continue;
    const arn = str(item.ARN ?? item.arn);
    if (arn === undefined) continue;
    const resource: OcsfResource = { uid: arn };
    put(resource, 'type', str(item.type));
    const accountId = str(item.accountId ?? item.accountid);
    if (accountId !== undefined) resource.owner = { account: { uid: accountId } };
    out.push(resource);
  }
}

/** `RunInstances`, `StartInstances`, … name their instances in `instancesSet.items[].instanceId`. */
function instanceSet(parameters: Fields, out: OcsfResource[]): void {
  const set = fields(parameters.instancesSet);
  const items = set ? list(set.items) : undefined;
  if (!items) return;
  for (let i = 0; i < items.length && out.length < MAX_RESOURCES; i++) {
    const item = fields(items[i]);
    const id = item ? str(item.instanceId) : undefined;
    if (id !== undefined) out.push(named(id, 'AWS::EC2::Instance'));
  }
}

/** The resources a CloudTrail call names, or undefined when it names none. */
export function cloudTrailResources(
  eventSource: string,
  resources: unknown,
  requestParameters: Fields | undefined,
): OcsfResource[] | undefined {
  const out: OcsfResource[] = [];
  listedResources(resources, out);
  if (requestParameters) {
    // A call's parameters are few; walking them beats probing for every name in the table.
    for (const param in requestParameters) {
      const known = PARAMETER_RESOURCES.get(param);
      if (known === undefined || out.length >= MAX_RESOURCES) continue;
      const [type, source] = known;
      if (source !== undefined && source !== eventSource) continue;
      const value = str(requestParameters[param]);
      if (value !== undefined) out.push(named(value, type));
    }
    instanceSet(requestParameters, out);
  }
  return out.length > 0 ? out : undefined;
}
