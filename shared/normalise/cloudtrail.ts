import { BoundedCache } from '../enrich/bounded-cache.ts';
import {
  OCSF_VERSION,
  OcsfClass,
  type OcsfClassInfo,
  SeverityId,
  StatusId,
  typeUid,
} from '../ocsf/constants.ts';
import type { OcsfActor, OcsfApi, OcsfCloud, OcsfEndpoint, OcsfEvent, OcsfUser } from '../ocsf/types.ts';
import { type CloudTrailActivity, classifyCloudTrail } from './aws-cloudtrail-activity.ts';
import { cloudTrailResources } from './aws-cloudtrail-resources.ts';
import { cloudTrailActor, UserTypeId, unknownUser } from './aws-identity.ts';
import type { Normaliser } from './types.ts';
import { TIME_UNKNOWN_LABEL } from './util-ext-ocsf.ts';
import {
  dnsName,
  type Fields,
  fields,
  ip,
  isEmpty,
  MappedKeys,
  put,
  str,
  unmappedOf,
} from './util-fields.ts';
import { finish, reject } from './util-result.ts';
import { lastOf, parseDateTime } from './util-time.ts';

/**
 * CloudTrail → OCSF 1.1.0: console sign-ins are Authentication (3002), IAM and Identity Center
 * user lifecycle is Account Change (3001), every other call is API Activity (6003).
 * Where OCSF left a choice open, it follows AWS Security Lake’s mapping of the same records.
 * Lower-cased exports (Athena, Security Lake) are recognised by a missing `eventName`.
 */

const SOURCE = 'cloudtrail';

/** Top-level keys OCSF has a place for: they are not repeated in `unmapped`. */
const MAPPED_KEYS = [
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestID',
  'eventID',
  'resources',
  'apiVersion',
  'recipientAccountId',
];

/**
 * Keys with no OCSF place (kept in `unmapped`), listed so that their lower-cased export spellings
 * get canonical names too. requestParameters and friends are read for the mapping, yet kept whole.
 */
const KEPT = [
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'eventType',
  'eventCategory',
  'readOnly',
  'managementEvent',
  'tlsDetails',
  'vpcEndpointId',
  'vpcEndpointAccountId',
  'sharedEventID',
  'serviceEventDetails',
  'sessionCredentialFromConsole',
  'edgeDeviceDetails',
  'insightDetails',
  'addendum',
];

/**
 * KEPT fields copied into `unmapped` by name rather than by computed key (see KeepField): every
 * record carries most of them. A key missing here is still kept, by the default branch.
 */
function keepCloudTrailField(unmapped: Fields, key: string, value: unknown): void {
  switch (key) {
    case 'requestParameters':
      unmapped.requestParameters = value;
      return;
    case 'responseElements':
      unmapped.responseElements = value;
      return;
    case 'additionalEventData':
      unmapped.additionalEventData = value;
      return;
    case 'eventType':
      unmapped.eventType = value;
      return;
    case 'eventCategory':
      unmapped.eventCategory = value;
      return;
    case 'readOnly':
      unmapped.readOnly = value;
      return;
    case 'managementEvent':
      unmapped.managementEvent = value;
      return;
    case 'tlsDetails':
      unmapped.tlsDetails = value;
      return;
    case 'vpcEndpointId':
      unmapped.vpcEndpointId = value;
      return;
    case 'vpcEndpointAccountId':
      unmapped.vpcEndpointAccountId = value;
      return;
    case 'sharedEventID':
      unmapped.sharedEventID = value;
      return;
    case 'serviceEventDetails':
      unmapped.serviceEventDetails = value;
      return;
    case 'sessionCredentialFromConsole':
      unmapped.sessionCredentialFromConsole = value;
      return;
    default:
      unmapped[key] = value;
  }
}

const MAPPED = new MappedKeys(MAPPED_KEYS, keepCloudTrailField);

/** Lower-cased spelling → canonical key, for Athena and Security Lake exports. */
const CANONICAL = new Map<string, string>();
for (const key of [...MAPPED_KEYS, ...KEPT]) CANONICAL.set(key.toLowerCase(), key);

/**
 * An export that lower-cased its keys, with canonical names. A lower-cased key only stands in for
 * a missing canonical one; otherwise it stays as it came. Costs a copy, so only such records pay it.
 */
function canonicalKeys(record: Fields): Fields {
  const out: Fields = {};
  for (const key of Object.keys(record)) {
    if (key === '__proto__') continue;
    const canonical = CANONICAL.get(key);
    out[canonical !== undefined && record[canonical] === undefined ? canonical : key] = record[key];
  }
  return out;
}

/** What a `sourceIPAddress` value is; see sourceEndpoint. */
type SourceKind = 'ip' | 'aws_internal' | 'service' | 'other';

function sourceKind(text: string): SourceKind {
  if (ip(text) !== undefined) return 'ip';
  if (text === 'AWS Internal') return 'aws_internal';
  return dnsName(text) !== undefined ? 'service' : 'other';
}

/** A stream repeats a few hundred source addresses and services: each is told apart once. */
const SOURCE_KINDS = new BoundedCache<string, SourceKind>(10_000);
/** Longer than any address or DNS name: never cached. */
const MAX_CACHED_SOURCE_LENGTH = 253;

/**
 * `sourceIPAddress` holds an IP, a service principal (`ec2.amazonaws.com`) or `AWS Internal`.
 * Anything else (`075.050.255.67`, placeholders) is not an `ip_t`: the endpoint is named by it and
 * `unmapped.sourceIPAddress` keeps the original for anyone who wants to read it differently.
 */
function sourceEndpoint(value: unknown, unmapped: Fields): OcsfEndpoint {
  const text = str(value);
  // API Activity requires src_endpoint; a record without a source says so rather than inventing one.
  if (text === undefined) return { name: 'Unknown' };
  const kind =
    text.length > MAX_CACHED_SOURCE_LENGTH ? sourceKind(text) : SOURCE_KINDS.getOrCompute(text, sourceKind);
  if (kind === 'ip') return { ip: text };
  if (kind === 'aws_internal') return { svc_name: text };
  if (kind === 'service') return { svc_name: text, domain: text };
  unmapped.sourceIPAddress = value;
  return { name: text };
}

function api(r: Fields, operation: string, service: string, error?: string, message?: string): OcsfApi {
  const result: OcsfApi = { operation, service: { name: service } };
  const version = str(r.apiVersion);
  if (version !== undefined) result.version = version;
  const requestId = str(r.requestID);
  if (requestId !== undefined) result.request = { uid: requestId };
  if (error !== undefined || message !== undefined) {
    result.response = {};
    if (error !== undefined) result.response.error = error;
    if (message !== undefined) result.response.error_message = message;
  }
  return result;
}

/**
 * Sign-in events (ConsoleLogin, CheckMfa, PasswordUpdated) report their outcome in
 * `responseElements[eventName]`, often without an errorCode. Otherwise an error means failure; a
 * sign-in with neither is of unknown outcome, any other recorded call succeeded.
 */
function statusOf(
  eventName: string,
  response: Fields | undefined,
  failed: boolean,
  activity: CloudTrailActivity,
): number {
  const outcome = response ? response[eventName] : undefined;
  if (outcome === 'Success') return StatusId.Success;
  if (outcome === 'Failure' || failed) return StatusId.Failure;
  return activity.kind === 'authentication' ? StatusId.Unknown : StatusId.Success;
}

const STATUS_NAMES = ['Unknown', 'Success', 'Failure'];

/** `MFAUsed` is "Yes" or "No" on console sign-ins. */
function mfaUsed(additional: Fields | undefined): boolean | undefined {
  const used = additional?.MFAUsed;
  return used === 'Yes' ? true : used === 'No' ? false : undefined;
}

/**
 * The account an Account Change acts on: `requestParameters.userName` (or `roleName`) in the
 * account the call was made in; without one, IAM acts on the caller itself (ChangePassword, a
 * CreateAccessKey for one's own user). A new access key is the target's credential.
 */
function targetUser(
  eventSource: string,
  parameters: Fields | undefined,
  response: Fields | undefined,
  actor: OcsfActor,
  accountId: string | undefined,
): OcsfUser {
  const userName = parameters ? str(parameters.userName) : undefined;
  const roleName = parameters ? str(parameters.roleName) : undefined;
  const identityCenterId =
    eventSource === 'iam.amazonaws.com' || !parameters ? undefined : str(parameters.userId);
  const newKey = fields(response?.accessKey);
  const credential = str(newKey?.accessKeyId) ?? str(parameters?.accessKeyId);

  let user: OcsfUser;
  if (userName !== undefined || identityCenterId !== undefined) {
    const created = fields(response?.user);
    user = {
      type: eventSource === 'iam.amazonaws.com' ? 'IAMUser' : 'IdentityCenterUser',
      type_id: UserTypeId.User,
    };
    put(user, 'name', userName);
    put(user, 'uid', str(created?.userId) ?? identityCenterId);
    put(user, 'uid_alt', str(created?.arn));
  } else if (roleName !== undefined) {
    const created = fields(response?.role);
    user = { name: roleName, type: 'Role', type_id: UserTypeId.Other };
    put(user, 'uid', str(created?.roleId));
    put(user, 'uid_alt', str(created?.arn));
  } else {
    // A copy: the target gains the new credential, the actor keeps the one it called with.
    user = { ...(actor.user ?? {}) };
    if (credential !== undefined) user.credential_uid = credential;
    return user;
  }
  put(user, 'credential_uid', credential);
  if (accountId !== undefined) user.account = { uid: accountId };
  return user;
}

/** The account is the one the trail recorded the call in (`recipientAccountId`), not the caller's. */
function cloud(region: string | undefined, accountId: string | undefined): OcsfCloud {
  const result: OcsfCloud = { provider: 'AWS' };
  if (region !== undefined) result.region = region;
  if (accountId !== undefined) result.account = { uid: accountId };
  return result;
}

function classInfo(activity: CloudTrailActivity): OcsfClassInfo {
  if (activity.kind === 'authentication') return OcsfClass.Authentication;
  if (activity.kind === 'account_change') return OcsfClass.AccountChange;
  return OcsfClass.ApiActivity;
}

/** What an activity puts at the head of every event: worked out once per activity, not per event. */
interface ClassHead {
  info: OcsfClassInfo;
  typeUid: number;
  typeName: string;
}

/** Keyed by the activity object: classifyCloudTrail hands out a small, fixed set of shared ones (weakly, all the same). */
const HEADS = new WeakMap<CloudTrailActivity, ClassHead>();

function classHead(activity: CloudTrailActivity): ClassHead {
  let head = HEADS.get(activity);
  if (head === undefined) {
    const info = classInfo(activity);
    head = {
      info,
      typeUid: typeUid(info.uid, activity.activityId),
      typeName: `${info.name}: ${activity.caption}`,
    };
    HEADS.set(activity, head);
  }
  return head;
}

/** Records arrive in time order and CloudTrail times have whole seconds: neighbours share theirs. */
const eventTime = lastOf(parseDateTime);

export const normaliseCloudTrail: Normaliser = (record, ctx) => {
  const raw = fields(record);
  if (!raw) return reject(SOURCE, 'record is not a JSON object', record);
  const r = raw.eventName === undefined ? canonicalKeys(raw) : raw;

  const eventName = str(r.eventName);
  if (eventName === undefined) return reject(SOURCE, 'eventName missing or not a string', record);
  const eventSource = str(r.eventSource);
  if (eventSource === undefined) return reject(SOURCE, 'eventSource missing or not a string', record);
  // A record without a usable eventTime is still kept as an event: the dispatcher stamps the time
  // it was received and labels it so (see TIME_UNKNOWN_LABEL).
  const time = eventTime(r.eventTime);

  const parameters = fields(r.requestParameters);
  const response = fields(r.responseElements);
  const errorCode = str(r.errorCode);
  const errorMessage = str(r.errorMessage);
  const failed = errorCode !== undefined || errorMessage !== undefined;
  const activity = classifyCloudTrail(eventSource, eventName, parameters);
  const head = classHead(activity);
  const info = head.info;
  const actor = cloudTrailActor(r.userIdentity);
  const accountId = str(r.recipientAccountId);
  // Filled further below when a value is not mappable after all (sourceIPAddress).
  const unmapped = unmappedOf(r, MAPPED) ?? {};

  const statusId = statusOf(eventName, response, failed, activity);
  // Other is named by the event itself, as OCSF asks of activity 99.
  const activityName = activity.activityId === 99 ? eventName : activity.caption;

  const event: OcsfEvent = {
    class_uid: info.uid,
    class_name: info.name,
    category_uid: info.category_uid,
    category_name: info.category_name,
    activity_id: activity.activityId,
    activity_name: activityName,
    type_uid: head.typeUid,
    type_name: head.typeName,
    severity_id: SeverityId.Informational,
    severity: 'Informational',
    status_id: statusId,
    status: STATUS_NAMES[statusId] ?? 'Unknown',
    time: time ?? 0,
    metadata: {
      version: OCSF_VERSION,
      product: { vendor_name: 'AWS', name: 'CloudTrail' },
      profiles: ['cloud'],
    },
    cloud: cloud(str(r.awsRegion), accountId),
    actor,
    api: api(r, eventName, eventSource, errorCode, errorMessage),
    src_endpoint: sourceEndpoint(r.sourceIPAddress, unmapped),
  };
  // Assigned rather than spread into the literal: spreads build and copy a temporary per event.
  if (typeof r.eventTime === 'string') event.metadata.original_time = r.eventTime;
  if (time === undefined) event.metadata.labels = [TIME_UNKNOWN_LABEL];
  const productVersion = str(r.eventVersion);
  if (productVersion !== undefined) event.metadata.product.version = productVersion;
  const eventId = str(r.eventID);
  if (eventId !== undefined) event.metadata.uid = eventId;
  if (errorMessage !== undefined) event.status_detail = errorMessage;
  const userAgent = str(r.userAgent);
  if (userAgent !== undefined) event.http_request = { user_agent: userAgent };

  if (activity.kind === 'api_activity') {
    const resources = cloudTrailResources(eventSource, r.resources, parameters);
    if (resources !== undefined) event.resources = resources;
  } else if (activity.kind === 'account_change') {
    event.user = targetUser(eventSource, parameters, response, actor, accountId);
  } else {
    event.user = actor.user ?? unknownUser();
    // What the principal signed in to: the service that recorded the sign-in.
    event.service = { name: eventSource };
    if (actor.session !== undefined) event.session = actor.session;
    const mfa = mfaUsed(fields(r.additionalEventData));
    if (mfa !== undefined) event.is_mfa = mfa;
  }

  // Who first assumed the role: OCSF has no place for it, and it ties a chain of sessions to a person.
  const sourceIdentity = str(fields(fields(r.userIdentity)?.sessionContext)?.sourceIdentity);
  if (sourceIdentity !== undefined) unmapped['userIdentity.sessionContext.sourceIdentity'] = sourceIdentity;
  if (!isEmpty(unmapped)) event.unmapped = unmapped;
  return finish(SOURCE, event, record, ctx);
};
