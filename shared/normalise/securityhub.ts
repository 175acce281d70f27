import type { OcsfActor, OcsfFindingInfo, OcsfResource, OcsfSession } from '../ocsf/types.ts';
import {
  ASFF_KEYS,
  actionFacts,
  asffSeverity,
  detectionFinding,
  FindingActivityId,
  FindingStatusId,
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
  put,
  str,
  strings,
  unmappedOf,
} from './util-fields.ts';
import { finish, reject } from './util-result.ts';
import { parseDateTime } from './util-time.ts';

/**
 * Security Hub findings (AWS Security Finding Format) → OCSF Detection Finding (2004), whichever
 * product reported them: Security Hub's own controls, GuardDuty, Inspector, Macie, partners.
 * Compliance, vulnerabilities, malware and product fields stay in `unmapped` as ASFF wrote them.
 */

const SOURCE = 'securityhub';

const MAPPED = new MappedKeys([
  'Id',
  'Title',
  'Description',
  'Types',
  'CreatedAt',
  'UpdatedAt',
  'FirstObservedAt',
  'LastObservedAt',
  'ProductArn',
  'ProductName',
  'CompanyName',
  'AwsAccountId',
  'Region',
  'SourceUrl',
  'Confidence',
  'Remediation',
  'Resources',
  'GeneratorId',
]);

const MAX_TYPES = 50;
const MAX_RESOURCES = 100;

/** `Workflow.Status`, the current field; `WorkflowState` is its deprecated predecessor. */
const WORKFLOW_STATUS = new Map<string, [number, string]>([
  ['NEW', [FindingStatusId.New, 'New']],
  // The owner was told: someone is on it.
  ['NOTIFIED', [FindingStatusId.InProgress, 'In Progress']],
  ['ASSIGNED', [FindingStatusId.InProgress, 'In Progress']],
  ['IN_PROGRESS', [FindingStatusId.InProgress, 'In Progress']],
  ['SUPPRESSED', [FindingStatusId.Suppressed, 'Suppressed']],
  ['DEFERRED', [FindingStatusId.Suppressed, 'Suppressed']],
  ['RESOLVED', [FindingStatusId.Resolved, 'Resolved']],
]);

function workflowStatus(finding: Fields): string | undefined {
  return str(fields(finding.Workflow)?.Status) ?? str(finding.WorkflowState);
}

/** Archived records (the resource is gone, the control disabled) and finished workflows close a finding. */
function activityOf(
  finding: Fields,
  workflow: string | undefined,
  created?: number,
  updated?: number,
): number {
  if (str(finding.RecordState) === 'ARCHIVED' || workflow === 'RESOLVED' || workflow === 'SUPPRESSED') {
    return FindingActivityId.Close;
  }
  return created !== undefined && updated !== undefined && updated > created
    ? FindingActivityId.Update
    : FindingActivityId.Create;
}

/** The principal of an `AwsIamAccessKey` resource, the one ASFF uses for who did it. */
function accessKeyActor(resource: Fields): OcsfActor | undefined {
  const details = fields(fields(resource.Details)?.AwsIamAccessKey);
  if (!details) return undefined;
  const id = str(resource.Id);
  // GuardDuty's findings name the key only in the resource Id: `AWS::IAM::AccessKey:ASIA…`.
  const keyFromId = id?.startsWith('AWS::IAM::AccessKey:') ? str(id.slice(20)) : undefined;
  const user = principalUser({
    principalId: str(details.PrincipalId),
    name: str(details.PrincipalName) ?? str(details.UserName),
    type: str(details.PrincipalType),
    accessKeyId: str(details.AccessKeyId) ?? keyFromId,
    accountId: str(details.AccountId),
  });
  if (!user) return undefined;
  const actor: OcsfActor = { user };
  const context = fields(details.SessionContext);
  if (context) {
    const attributes = fields(context.Attributes);
    const session: OcsfSession = {};
    put(session, 'created_time', parseDateTime(attributes?.CreationDate));
    put(session, 'is_mfa', flag(attributes?.MfaAuthenticated));
    put(session, 'issuer', str(fields(context.SessionIssuer)?.Arn));
    if (Object.keys(session).length > 0) actor.session = session;
  }
  return actor;
}

interface Affected {
  resources?: OcsfResource[];
  actor?: OcsfActor;
}

function affected(value: unknown): Affected {
  const items = list(value);
  if (!items) return {};
  const resources: OcsfResource[] = [];
  let actor: OcsfActor | undefined;
  for (let i = 0; i < items.length && resources.length < MAX_RESOURCES; i++) {
    const item = fields(items[i]);
    const id = item ? str(item.Id) : undefined;
    if (!item || id === undefined) continue;
    const resource: OcsfResource = { uid: id };
    put(resource, 'type', str(item.Type));
    put(resource, 'region', str(item.Region));
    put(resource, 'cloud_partition', str(item.Partition));
    put(resource, 'data', fields(item.Details));
    resources.push(resource);
    actor ??= resource.type === 'AwsIamAccessKey' ? accessKeyActor(item) : undefined;
  }
  const out: Affected = {};
  if (resources.length > 0) out.resources = resources;
  if (actor) out.actor = actor;
  return out;
}

function findingInfo(
  f: Fields,
  id: string,
  title: string,
  created?: number,
  updated?: number,
): OcsfFindingInfo {
  const info: OcsfFindingInfo = { uid: id, title };
  put(info, 'desc', str(f.Description));
  put(info, 'types', strings(f.Types, MAX_TYPES));
  put(info, 'created_time', created);
  put(info, 'modified_time', updated);
  put(info, 'first_seen_time', parseDateTime(f.FirstObservedAt));
  put(info, 'last_seen_time', parseDateTime(f.LastObservedAt));
  put(info, 'product_uid', str(f.ProductArn));
  put(info, 'src_url', str(f.SourceUrl));
  const generator = str(f.GeneratorId);
  // The generator is the rule or control that fired (`aws-foundational-security-best-practices/v/1.0.0/RDS.7`).
  if (generator !== undefined) info.analytic = { uid: generator, type_id: 1, type: 'Rule' };
  return info;
}

/** Older findings lack `Region`; the product ARN is regional (`arn:aws:securityhub:us-east-1::product/…`). */
function arnRegion(arn: string | undefined): string | undefined {
  const parts = arn?.split(':', 5);
  return parts && parts.length === 5 && parts[0] === 'arn' ? str(parts[3]) : undefined;
}

export const normaliseSecurityHub: Normaliser = (record, ctx) => {
  const f = fields(record);
  if (!f) return reject(SOURCE, 'finding is not a JSON object', record);
  const id = str(f.Id);
  if (id === undefined) return reject(SOURCE, 'Id missing or not a string', record);
  const title = str(f.Title);
  if (title === undefined) return reject(SOURCE, 'Title missing or not a string', record);
  const created = parseDateTime(f.CreatedAt);
  const updated = parseDateTime(f.UpdatedAt);
  const time = updated ?? created;
  if (time === undefined) return reject(SOURCE, 'UpdatedAt and CreatedAt missing or not dates', record);

  const workflow = workflowStatus(f);
  const [statusId, status] = (workflow !== undefined ? WORKFLOW_STATUS.get(workflow) : undefined) ?? [
    FindingStatusId.Unknown,
    'Unknown',
  ];
  const action = actionFacts(f.Action, ASFF_KEYS);
  const product: { name: string; vendor_name: string; uid?: string } = {
    vendor_name: str(f.CompanyName) ?? 'AWS',
    name: str(f.ProductName) ?? 'Security Hub',
  };
  put(product, 'uid', str(f.ProductArn));

  const event = detectionFinding({
    product,
    uid: id,
    info: findingInfo(f, id, title, created, updated),
    time,
    originalTime: (updated !== undefined ? f.UpdatedAt : f.CreatedAt) as string,
    activityId: activityOf(f, workflow, created, updated),
    severityId: asffSeverity(f.Severity, f.FindingProviderFields),
    statusId,
    status,
    blocked: action.blocked,
    detected: str(fields(f.Compliance)?.Status) !== 'PASSED',
    region: str(f.Region) ?? arnRegion(str(f.ProductArn)),
    accountId: str(f.AwsAccountId),
  });
  put(event, 'evidences', action.evidences);
  put(event, 'confidence_score', count(f.Confidence));
  const recommendation = fields(fields(f.Remediation)?.Recommendation);
  const advice = str(recommendation?.Text);
  if (advice !== undefined) {
    event.remediation = { desc: advice };
    const url = str(recommendation?.Url);
    if (url !== undefined) event.remediation.references = [url];
  }
  const { resources, actor } = affected(f.Resources);
  put(event, 'resources', resources);
  if (actor) {
    event.actor = actor;
    // actor comes with OCSF's host profile in this class.
    event.metadata.profiles?.push('host');
  }
  put(event, 'unmapped', unmappedOf(f, MAPPED));
  return finish(SOURCE, event, record, ctx);
};
