import { ValidationError } from '../errors.ts';
import { OcsfClass, SeverityId } from '../ocsf/constants.ts';
import type { OcsfEndpoint, OcsfEvent, OcsfResource, OcsfUser } from '../ocsf/types.ts';
import { fail, type Normaliser, ok } from './types.ts';
import {
  ACCOUNT_ACTIVITY_NAMES,
  API_ACTIVITY_NAMES,
  apiActivityOf,
  countryCode,
  type EventHead,
  eventHead,
  unknownEndpoint,
} from './util-ext-ocsf.ts';
import {
  epochMs,
  type Fields,
  fallbackUid,
  fieldsOf,
  idText,
  ipAddress,
  isFields,
  keepUnmapped,
  lookup,
  text,
} from './util-ext-read.ts';

/**
 * GitHub audit log entry → OCSF. Changes to a user's membership or role (org, team, repository,
 * enterprise) → Account Change (3001) with `user` = the affected user; everything else → API
 * Activity (6003) with `api.operation` = action. Entries are sparse: often only action, actor,
 * created_at and org/repo/user.
 */

const SOURCE = 'normalise.github';
const PRODUCT = { vendor_name: 'GitHub', name: 'GitHub Audit Log' } as const;
/**
 * The cloud profile is required on these classes. GitHub hosts the organisation or enterprise
 * the entry comes from, so it is the honest `cloud.provider`; no region is known.
 */
const PROVIDER = 'GitHub';

/**
 * Actions that grant or take away a user's membership or role → Account Change activity:
 * 7 Attach Policy (access granted), 8 Detach Policy (taken away), 99 Other (role changed).
 */
const MEMBERSHIP_ACTIVITY: Record<string, number> = {
  'org.add_member': 7,
  'org.remove_member': 8,
  'org.update_member': 99,
  'org.add_billing_manager': 7,
  'org.remove_billing_manager': 8,
  'org.remove_outside_collaborator': 8,
  'team.add_member': 7,
  'team.remove_member': 8,
  'team.promote_maintainer': 7,
  'team.demote_maintainer': 8,
  'repo.add_member': 7,
  'repo.remove_member': 8,
  'repo.update_member': 99,
  'business.add_admin': 7,
  'business.remove_admin': 8,
  'business.add_billing_manager': 7,
  'business.remove_billing_manager': 8,
  'organization_moderators.add_user': 7,
  'organization_moderators.remove_user': 8,
};

/** GitHub's own `operation_type` says what kind of API activity an entry is, when present. */
const OPERATION_ACTIVITY: Record<string, number> = {
  create: 1,
  access: 2,
  modify: 3,
  transfer: 3,
  remove: 4,
};

/** Entity fields → resource type, with the field holding each one's id. */
const RESOURCE_FIELDS = [
  ['org', 'org_id', 'Organization'],
  ['repo', 'repo_id', 'Repository'],
  ['repository', 'repository_id', 'Repository'],
  ['business', 'business_id', 'Enterprise'],
  ['team', 'team_id', 'Team'],
  ['user', 'user_id', 'User'],
] as const;

export const normaliseGitHubAudit: Normaliser = (record, ctx) => {
  if (!isFields(record)) {
    const got = Array.isArray(record) ? 'an array' : record === null ? 'null' : `a ${typeof record}`;
    return fail(
      'github',
      new ValidationError(`expected a GitHub audit log object, got ${got}`, SOURCE),
      record,
    );
  }
  const action = text(record.action);
  if (!action)
    return fail('github', new ValidationError('GitHub audit entry without an action', SOURCE), record);
  /** Fields mapped into OCSF attributes; the rest go to `unmapped`. */
  const used = new Set<string>(['action']);
  const affected = lookup(MEMBERSHIP_ACTIVITY, action) === undefined ? undefined : userOf(record, used);
  const event = affected ? accountChange(record, action, affected, used) : apiActivity(record, action, used);
  if (!event)
    return fail('github', new ValidationError('GitHub audit entry without an actor', SOURCE), record);
  addCommon(event, record, used);
  ctx.enrich(event);
  return ok('github', event, record);
};

function accountChange(record: Fields, action: string, user: OcsfUser, used: Set<string>): OcsfEvent {
  const activityId = lookup(MEMBERSHIP_ACTIVITY, action) ?? 99;
  const event = eventHead(
    head(record, action, used, OcsfClass.AccountChange, activityId, ACCOUNT_ACTIVITY_NAMES[activityId]),
  );
  // The organisation (or enterprise) the user joined or left is the user's, not a separate resource.
  const org = text(record.org) ?? text(record.business);
  if (org) {
    const orgKey = text(record.org) ? 'org' : 'business';
    const uid = idText(record[`${orgKey}_id`]);
    user.org = { name: org };
    if (uid) {
      user.org.uid = uid;
      used.add(`${orgKey}_id`);
    }
    used.add(orgKey);
  }
  event.user = user;
  const endpoint = sourceEndpoint(record, used, false);
  if (endpoint) event.src_endpoint = endpoint;
  return event;
}

function apiActivity(record: Fields, action: string, used: Set<string>): OcsfEvent | undefined {
  const actor = text(record.actor);
  if (!actor) return undefined;
  const operation = text(record.operation_type);
  const activityId = lookup(OPERATION_ACTIVITY, operation) ?? apiActivityOf(action);
  if (operation) used.add('operation_type');
  const event = eventHead(
    head(record, action, used, OcsfClass.ApiActivity, activityId, API_ACTIVITY_NAMES[activityId]),
  );
  const dot = action.indexOf('.');
  event.api = { operation: action, service: { name: dot > 0 ? action.slice(0, dot) : action } };
  const resources = resourcesOf(record, used);
  if (resources.length > 0) event.resources = resources;
  event.src_endpoint = sourceEndpoint(record, used, true);
  return event;
}

/** `@timestamp` is GitHub's; Panther's export renames it `at_sign_timestamp`; `created_at` is in both. */
const TIME_FIELDS = ['@timestamp', 'created_at', 'at_sign_timestamp'] as const;

function head(
  record: Fields,
  action: string,
  used: Set<string>,
  cls: EventHead['cls'],
  activityId: number,
  activityName: string | undefined,
): EventHead {
  const timeKey = TIME_FIELDS.find((k) => record[k] !== undefined && record[k] !== null);
  const timeField = timeKey ? record[timeKey] : undefined;
  const time = epochMs(timeField);
  if (timeKey && time !== undefined) used.add(timeKey);
  const documentId = text(record._document_id);
  if (documentId) used.add('_document_id');
  return {
    cls,
    activityId,
    activityName: activityName ?? action,
    product: PRODUCT,
    provider: PROVIDER,
    uid: documentId ?? derivedUid(record, action, timeField),
    eventCode: action,
    time,
    originalTime: text(timeField),
    // An audit entry records that something happened; GitHub grades none of them.
    severityId: SeverityId.Informational,
  };
}

/**
 * GitHub's `_document_id` is missing from webhook-shaped and exported entries. The fallback
 * hashes the fields that tell two entries apart, so replaying an entry gives the same id.
 */
function derivedUid(record: Fields, action: string, time: unknown): string {
  return fallbackUid('github', [
    action,
    text(record.actor) ?? idText(record.actor_id),
    typeof time === 'number' ? time : text(time),
    text(record.org),
    text(record.repo) ?? text(record.repository),
    text(record.user),
    text(record.team),
    text(record.business),
    text(record.actor_ip),
  ]);
}

/** The user whose membership or role changed; without one the entry is plain API activity. */
function userOf(record: Fields, used: Set<string>): OcsfUser | undefined {
  const name = text(record.user);
  if (!name) return undefined;
  used.add('user');
  const user: OcsfUser = { name };
  const uid = idText(record.user_id);
  if (uid) {
    user.uid = uid;
    used.add('user_id');
  }
  return user;
}

function resourcesOf(record: Fields, used: Set<string>): OcsfResource[] {
  const resources: OcsfResource[] = [];
  const seen = new Set<string>();
  for (const [field, idField, type] of RESOURCE_FIELDS) {
    const name = text(record[field]);
    if (!name) continue;
    used.add(field);
    // Entries may name a repository twice (`repo` and `repository`): one resource.
    if (seen.has(`${type}\u0000${name}`)) continue;
    seen.add(`${type}\u0000${name}`);
    const resource: OcsfResource = { name, type };
    const uid = idText(record[idField]);
    if (uid) {
      resource.uid = uid;
      used.add(idField);
    }
    resources.push(resource);
  }
  return resources;
}

/** The actor's address (only a real IP) and country; API Activity requires an endpoint even when unknown. */
function sourceEndpoint(record: Fields, used: Set<string>, required: boolean): OcsfEndpoint | undefined {
  const ip = ipAddress(record.actor_ip);
  if (ip) used.add('actor_ip');
  const code = text(fieldsOf(record.actor_location)?.country_code);
  const country = code === undefined ? undefined : countryCode(code);
  if (!ip && !country && !required) return undefined;
  const endpoint: OcsfEndpoint = ip ? { ip } : unknownEndpoint();
  if (country) endpoint.location = { country };
  return endpoint;
}

function addCommon(event: OcsfEvent, record: Fields, used: Set<string>): void {
  const actor = text(record.actor);
  if (actor) {
    const user: OcsfUser = { name: actor };
    const uid = idText(record.actor_id);
    if (uid) {
      user.uid = uid;
      used.add('actor_id');
    }
    event.actor = { user };
    used.add('actor');
  }
  const userAgent = text(record.user_agent);
  if (userAgent) {
    event.http_request = { user_agent: userAgent };
    used.add('user_agent');
  }
  const unmapped: Record<string, unknown> = {};
  const location = fieldsOf(record.actor_location);
  if (location) {
    used.add('actor_location');
    const mapped = event.src_endpoint?.location?.country !== undefined;
    keepUnmapped(location, new Set(mapped ? ['country_code'] : []), unmapped, 'actor_location.');
  }
  keepUnmapped(record, used, unmapped);
  if (Object.keys(unmapped).length > 0) event.unmapped = unmapped;
}
