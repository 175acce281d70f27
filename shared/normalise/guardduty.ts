import type { OcsfActor, OcsfFindingInfo, OcsfResource, OcsfUser } from '../ocsf/types.ts';
import {
  actionFacts,
  detectionFinding,
  FindingActivityId,
  FindingStatusId,
  GUARDDUTY_KEYS,
  guardDutySeverity,
} from './aws-finding.ts';
import { principalUser } from './aws-identity.ts';
import type { Normaliser } from './types.ts';
import {
  count,
  type Fields,
  fields,
  flag,
  list,
  MappedKeys,
  numeric,
  put,
  str,
  unmappedOf,
} from './util-fields.ts';
import { finish, reject } from './util-result.ts';
import { parseDateTime } from './util-time.ts';

/**
 * GuardDuty findings → OCSF Detection Finding (2004). The principal behind an IAM finding becomes
 * the actor (the class has one through the host profile) and an `AwsIamAccessKey` resource, so that
 * correlation joins it to the same principal's CloudTrail; `service` and `resource` go to
 * `unmapped` whole, as GuardDuty's detail has many more shapes than OCSF attributes.
 */

const SOURCE = 'guardduty';

const MAPPED = new MappedKeys([
  'id',
  'arn',
  'type',
  'title',
  'description',
  'severity',
  'createdAt',
  'updatedAt',
  'accountId',
  'region',
]);

const MAX_BUCKETS = 20;

/**
 * Resource types as Security Hub names them (GuardDuty's findings arrive there as ASFF), so that
 * both sources describe one bucket the same way.
 */
const DETAIL_RESOURCES: ReadonlyArray<readonly [key: string, type: string, uidKey: string, nameKey: string]> =
  [
    ['eksClusterDetails', 'AwsEksCluster', 'arn', 'name'],
    ['ecsClusterDetails', 'AwsEcsCluster', 'arn', 'name'],
    ['lambdaDetails', 'AwsLambdaFunction', 'functionArn', 'functionName'],
    ['rdsDbInstanceDetails', 'AwsRdsDbInstance', 'dbInstanceArn', 'dbInstanceIdentifier'],
  ];

interface Affected {
  resources: OcsfResource[];
  principal?: OcsfUser;
}

/** `resource.accessKeyDetails`: the principal and its key. */
function accessKey(details: Fields, accountId: string | undefined, out: Affected): void {
  const accessKeyId = str(details.accessKeyId);
  const user = principalUser({
    principalId: str(details.principalId),
    name: str(details.userName),
    type: str(details.userType),
    accessKeyId,
    accountId,
  });
  if (accessKeyId !== undefined) out.resources.push({ uid: accessKeyId, type: 'AwsIamAccessKey' });
  if (!user) return;
  out.principal = user;
  const resource: OcsfResource = { type: user.type === 'AssumedRole' ? 'AwsIamRole' : 'AwsIamUser' };
  put(resource, 'uid', user.uid);
  put(resource, 'name', user.name);
  out.resources.push(resource);
}

function instance(details: Fields, out: Affected): void {
  const id = str(details.instanceId);
  if (id !== undefined) out.resources.push({ uid: id, type: 'AwsEc2Instance', data: details });
}

function buckets(value: unknown, out: Affected): void {
  const items = list(value);
  if (!items) return;
  for (let i = 0; i < items.length && i < MAX_BUCKETS; i++) {
    const bucket = fields(items[i]);
    if (!bucket) continue;
    const resource: OcsfResource = { type: 'AwsS3Bucket', data: bucket };
    put(resource, 'uid', str(bucket.arn));
    put(resource, 'name', str(bucket.name));
    if (resource.uid !== undefined || resource.name !== undefined) out.resources.push(resource);
  }
}

function affected(resource: Fields | undefined, finding: Fields, accountId: string | undefined): Affected {
  const out: Affected = { resources: [] };
  if (!resource) return out;
  const keyDetails = fields(resource.accessKeyDetails);
  if (keyDetails) accessKey(keyDetails, accountId, out);
  const instanceDetails = fields(resource.instanceDetails);
  if (instanceDetails) instance(instanceDetails, out);
  buckets(resource.s3BucketDetails, out);
  for (const [key, type, uidKey, nameKey] of DETAIL_RESOURCES) {
    const details = fields(resource[key]);
    if (!details) continue;
    const item: OcsfResource = { type, data: details };
    put(item, 'uid', str(details[uidKey]));
    put(item, 'name', str(details[nameKey]));
    if (item.uid !== undefined || item.name !== undefined) out.resources.push(item);
  }
  const region = str(finding.region);
  const partition = str(finding.partition);
  for (const item of out.resources) {
    put(item, 'region', region);
    put(item, 'cloud_partition', partition);
  }
  return out;
}

export const normaliseGuardDuty: Normaliser = (record, ctx) => {
  const r = fields(record);
  if (!r) return reject(SOURCE, 'finding is not a JSON object', record);
  const id = str(r.id);
  const arn = str(r.arn);
  if (id === undefined && arn === undefined)
    return reject(SOURCE, 'id and arn missing or not strings', record);
  const title = str(r.title);
  if (title === undefined) return reject(SOURCE, 'title missing or not a string', record);
  const created = parseDateTime(r.createdAt);
  const updated = parseDateTime(r.updatedAt);
  const time = updated ?? created;
  if (time === undefined) return reject(SOURCE, 'updatedAt and createdAt missing or not dates', record);

  const service = fields(r.service);
  const archived = flag(service?.archived) === true;
  // The ARN is what Security Hub uses as the Id of the same finding: one uid across both sources.
  const info: OcsfFindingInfo = { uid: (arn ?? id) as string, title };
  put(info, 'desc', str(r.description));
  const type = str(r.type);
  if (type !== undefined) info.types = [type];
  put(info, 'created_time', created);
  put(info, 'modified_time', updated);
  put(info, 'first_seen_time', parseDateTime(service?.eventFirstSeen));
  put(info, 'last_seen_time', parseDateTime(service?.eventLastSeen));

  const accountId = str(r.accountId);
  const action = actionFacts(service?.action, GUARDDUTY_KEYS);
  const event = detectionFinding({
    product: { vendor_name: 'AWS', name: 'GuardDuty' },
    uid: (id ?? arn) as string,
    info,
    time,
    originalTime: (updated !== undefined ? r.updatedAt : r.createdAt) as string,
    activityId: archived
      ? FindingActivityId.Close
      : created !== undefined && updated !== undefined && updated > created
        ? FindingActivityId.Update
        : FindingActivityId.Create,
    severityId: guardDutySeverity(numeric(r.severity)),
    // Archiving is an analyst's or a suppression rule's call; OCSF's Suppressed and Resolved each claim more.
    statusId: archived ? FindingStatusId.Other : FindingStatusId.New,
    status: archived ? 'Archived' : 'New',
    blocked: action.blocked,
    detected: true,
    region: str(r.region),
    accountId,
  });
  put(event, 'count', count(service?.count));
  put(event, 'evidences', action.evidences);

  const { resources, principal } = affected(fields(r.resource), r, accountId);
  if (resources.length > 0) event.resources = resources;
  if (principal) {
    const actor: OcsfActor = { user: principal };
    event.actor = actor;
    // actor comes with OCSF's host profile in this class.
    event.metadata.profiles?.push('host');
  }
  put(event, 'unmapped', unmappedOf(r, MAPPED));
  return finish(SOURCE, event, record, ctx);
};
