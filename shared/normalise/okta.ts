import { ValidationError } from '../errors.ts';
import { OcsfClass, type OcsfClassInfo, SeverityId, StatusId } from '../ocsf/constants.ts';
import type {
  OcsfActor,
  OcsfEndpoint,
  OcsfEvent,
  OcsfLocation,
  OcsfResource,
  OcsfService,
  OcsfUser,
} from '../ocsf/types.ts';
import { passwordShaped, WITHHELD_LOGIN } from './secret-shape.ts';
import { fail, type Normaliser, ok } from './types.ts';
import {
  ACCOUNT_ACTIVITY_NAMES,
  API_ACTIVITY_NAMES,
  apiActivityOf,
  countryCode,
  eventHead,
  isEmail,
  unknownEndpoint,
} from './util-ext-ocsf.ts';
import {
  epochMs,
  type Fields,
  fallbackUid,
  fieldsOf,
  finiteNumber,
  idText,
  ipAddress,
  isFields,
  keepUnmapped,
  lookup,
  putUnmapped,
  text,
} from './util-ext-read.ts';

/**
 * Okta System Log (LogEvent) → OCSF: sign-ins → Authentication (3002), changes to a user's
 * account, factors and group memberships → Account Change (3001), everything else → API
 * Activity (6003) with `api.operation` = eventType.
 */

const SOURCE = 'normalise.okta';
const PRODUCT = { vendor_name: 'Okta', name: 'Okta System Log' } as const;
/**
 * The cloud profile is required on these classes. Okta is the platform that hosts the tenant and
 * produced the event, so it is the honest `cloud.provider`; no region is known.
 */
const PROVIDER = 'Okta';
/** A LogEvent names a handful of targets; a hostile record could name millions. */
const MAX_TARGETS = 100;

/** Some exports (Panther's) lower-case Okta's camelCase keys: read either spelling. */
const pick = (r: Fields, camel: string): unknown => r[camel] ?? r[camel.toLowerCase()];

const spellings = (...keys: string[]) => new Set(keys.flatMap((k) => [k, k.toLowerCase()]));
/**
 * Top-level fields the mapping reads, by the shape it reads them in; a field of another shape
 * (a string `actor`, an object `severity`) is not understood and goes to `unmapped` as sent.
 */
const TEXT_FIELDS = spellings('eventType', 'published', 'uuid', 'severity', 'displayMessage');
const OBJECT_FIELDS = spellings('actor', 'client', 'authenticationContext', 'transaction', 'outcome');
const ENTITY_KEYS = new Set(['id', 'alternateId', 'displayName', 'type']);

// https://developer.okta.com/docs/reference/api/system-log/ — severity is DEBUG, INFO, WARN or ERROR.
const SEVERITY: Record<string, number> = {
  DEBUG: SeverityId.Informational,
  INFO: SeverityId.Informational,
  WARN: SeverityId.Medium,
  ERROR: SeverityId.High,
};

/** outcome.result: SUCCESS, ALLOW, FAILURE, DENY, CHALLENGE, SKIPPED, UNKNOWN. */
const STATUS: Record<string, number> = {
  SUCCESS: StatusId.Success,
  ALLOW: StatusId.Success,
  FAILURE: StatusId.Failure,
  DENY: StatusId.Failure,
  UNKNOWN: StatusId.Unknown,
};
const STATUS_NAMES: Record<number, string> = { 0: 'Unknown', 1: 'Success', 2: 'Failure' };

/** Account Change activities (OCSF 1.1 enum) by eventType; other account events are Other (99). */
const ACCOUNT_ACTIVITY: Record<string, number> = {
  'user.lifecycle.create': 1,
  'user.lifecycle.activate': 2,
  'user.lifecycle.reactivate': 2,
  'user.lifecycle.unsuspend': 2,
  'user.account.update_password': 3,
  'user.account.reset_password': 4,
  'user.lifecycle.deactivate': 5,
  'user.lifecycle.suspend': 5,
  'user.lifecycle.delete.initiated': 6,
  'user.lifecycle.delete.completed': 6,
  // An admin role or a group (which carries app assignments and policies) granted or taken away.
  'user.account.privilege.grant': 7,
  'group.user_membership.add': 7,
  'user.account.privilege.revoke': 8,
  'group.user_membership.remove': 8,
  'user.account.lock': 9,
  'user.account.lock.limit': 9,
  'user.mfa.factor.activate': 10,
  'user.mfa.factor.unsuspend': 10,
  'user.mfa.factor.deactivate': 11,
  'user.mfa.factor.suspend': 11,
  'user.mfa.factor.reset_all': 11,
};

const ACCOUNT_FAMILIES = ['user.lifecycle.', 'user.account.', 'group.user_membership.', 'user.mfa.factor.'];

type Family = 'authentication' | 'account' | 'api';

function familyOf(eventType: string): Family {
  if (eventType === 'user.session.start' || eventType === 'user.session.end') return 'authentication';
  if (eventType.startsWith('user.authentication.')) return 'authentication';
  return ACCOUNT_FAMILIES.some((p) => eventType.startsWith(p)) ? 'account' : 'api';
}

/** Okta actor and target types → OCSF user type_id (1 User, 3 System, 99 Other). */
const USER_TYPE_ID: Record<string, number> = { User: 1, AppUser: 1, SystemPrincipal: 3 };
const USER_TARGET_TYPES = new Set(['User', 'AppUser']);
const isUserTarget = (t: Fields): boolean => typeof t.type === 'string' && USER_TARGET_TYPES.has(t.type);

/** SAML / OIDC sign-on modes of the app signed in to → OCSF auth_protocol_id. */
const AUTH_PROTOCOL: Record<string, [number, string]> = {
  SAML_2_0: [5, 'SAML'],
  SAML_1_1: [5, 'SAML'],
  OPENID_CONNECT: [4, 'OpenID'],
};

/** The parts of one LogEvent every class mapping reads. */
interface LogEvent {
  record: Fields;
  eventType: string;
  actor: Fields | undefined;
  /** The actor as an OCSF actor: its user, and its session outside sign-ins (where the event has one). */
  ocsfActor: OcsfActor | undefined;
  /** The record's `target` as sent, and the objects in it the mapping may read. */
  targetField: unknown;
  targets: Fields[];
  /** Targets the class mapping represented; the others stay in `unmapped`. */
  usedTargets: Set<Fields>;
  unmapped: Record<string, unknown>;
}

export const normaliseOkta: Normaliser = (record, ctx) => {
  if (!isFields(record)) {
    const got = Array.isArray(record) ? 'an array' : record === null ? 'null' : `a ${typeof record}`;
    return fail('okta', new ValidationError(`expected an Okta LogEvent object, got ${got}`, SOURCE), record);
  }
  const eventType = text(pick(record, 'eventType'));
  if (!eventType) {
    return fail('okta', new ValidationError('Okta LogEvent without an eventType', SOURCE), record);
  }
  const targetField = pick(record, 'target');
  const actor = fieldsOf(record.actor);
  const log: LogEvent = {
    record,
    eventType,
    actor,
    ocsfActor: actorOf(actor, familyOf(eventType) === 'authentication' ? undefined : sessionUid(record)),
    targetField,
    targets: Array.isArray(targetField) ? targetField.slice(0, MAX_TARGETS).filter(isFields) : [],
    usedTargets: new Set(),
    unmapped: {},
  };
  const built = buildEvent(log);
  if (!built.ok) return fail('okta', built.error, record);
  const event = built.event;
  addCommon(event, log);
  ctx.enrich(event);
  return ok('okta', event, record);
};

type Built = { ok: true; event: OcsfEvent } | { ok: false; error: ValidationError };

function buildEvent(log: LogEvent): Built {
  switch (familyOf(log.eventType)) {
    case 'authentication':
      return authentication(log);
    case 'account':
      return accountChange(log);
    default:
      return apiActivity(log);
  }
}

function head(log: LogEvent, cls: OcsfClassInfo, activityId: number, name: string): OcsfEvent {
  const { record } = log;
  const published = pick(record, 'published');
  const severityText = text(pick(record, 'severity'));
  return eventHead({
    cls,
    activityId,
    activityName: name,
    product: PRODUCT,
    provider: PROVIDER,
    uid: text(pick(record, 'uuid')) ?? derivedUid(log),
    eventCode: log.eventType,
    time: epochMs(published),
    originalTime: text(published),
    severityId:
      severityText === undefined ? SeverityId.Unknown : (lookup(SEVERITY, severityText) ?? SeverityId.Other),
    severityText,
  });
}

/**
 * Okta gives every LogEvent a uuid, but exports and test corpora drop it. The fallback hashes the
 * fields that tell two events apart, so replaying a record gives the same id.
 */
function derivedUid(log: LogEvent): string {
  const { record } = log;
  return fallbackUid('okta', [
    text(pick(record, 'published')),
    log.eventType,
    idText(log.actor?.id),
    text(fieldsOf(record.client)?.ipAddress),
    idText(fieldsOf(record.transaction)?.id),
    sessionUid(record),
    text(fieldsOf(record.outcome)?.result),
    idText(log.targets[0]?.id),
  ]);
}

function authentication(log: LogEvent): Built {
  const activityId = log.eventType === 'user.session.end' ? 2 : 1;
  const user = signInUser(log);
  if (!user) return invalid('Okta sign-in event names no user (no actor, no user target)');
  const event = head(log, OcsfClass.Authentication, activityId, activityId === 2 ? 'Logoff' : 'Logon');
  event.user = user;
  const app = log.targets.find((t) => t.type === 'AppInstance');
  event.service = app ? appService(log, app) : { name: 'Okta' };
  const protocol = lookup(AUTH_PROTOCOL, text(fieldsOf(app?.detailEntry)?.signOnModeType));
  if (protocol) [event.auth_protocol_id, event.auth_protocol] = protocol;
  if (log.eventType === 'user.authentication.auth_via_mfa') event.is_mfa = true;
  const session = sessionUid(log.record);
  if (session) event.session = { uid: session };
  addSource(event, log, false);
  return { ok: true, event };
}

/** Who signed in: the actor when it is a user, else the user the event targets (SSO's AppUser). */
function signInUser(log: LogEvent): OcsfUser | undefined {
  const actor = log.actor ? oktaUser(log.actor) : undefined;
  if (actor && log.actor?.type === 'User') return actor;
  return targetUser(log) ?? actor;
}

/** The first target that is a user, marked as represented. */
function targetUser(log: LogEvent): OcsfUser | undefined {
  for (const target of log.targets) {
    const user = isUserTarget(target) ? oktaUser(target) : undefined;
    if (user) {
      log.usedTargets.add(target);
      return user;
    }
  }
  return undefined;
}

function appService(log: LogEvent, app: Fields): OcsfService {
  log.usedTargets.add(app);
  const service: OcsfService = {};
  const uid = idText(app.id);
  const name = text(app.displayName) ?? text(app.alternateId);
  if (uid) service.uid = uid;
  if (name) service.name = name;
  return uid || name ? service : { name: 'Okta' };
}

function accountChange(log: LogEvent): Built {
  // Self-service changes (a user's own password or factor) may name no target: the actor is the account.
  const user = targetUser(log) ?? (log.actor ? oktaUser(log.actor) : undefined);
  if (!user) return invalid('Okta account event names no user (no user target, no actor)');
  const activityId = lookup(ACCOUNT_ACTIVITY, log.eventType) ?? 99;
  const event = head(
    log,
    OcsfClass.AccountChange,
    activityId,
    ACCOUNT_ACTIVITY_NAMES[activityId] ?? log.eventType,
  );
  event.user = user;
  addSource(event, log, false);
  return { ok: true, event };
}

function apiActivity(log: LogEvent): Built {
  if (!log.ocsfActor) return invalid('Okta API activity without an actor (no user, no session)');
  const activityId = apiActivityOf(log.eventType);
  const event = head(log, OcsfClass.ApiActivity, activityId, API_ACTIVITY_NAMES[activityId] ?? log.eventType);
  event.api = { operation: log.eventType };
  const transaction = idText(fieldsOf(log.record.transaction)?.id);
  if (transaction) event.api.request = { uid: transaction };
  const resources = log.targets.flatMap((t) => resourceOf(log, t));
  if (resources.length > 0) event.resources = resources;
  addSource(event, log, true);
  return { ok: true, event };
}

function resourceOf(log: LogEvent, target: Fields): OcsfResource[] {
  const uid = idText(target.id);
  const displayName = text(target.displayName);
  const alternateId = text(target.alternateId);
  if (!uid && !displayName && !alternateId) return [];
  log.usedTargets.add(target);
  const resource: OcsfResource = {};
  if (uid) resource.uid = uid;
  resource.name = displayName ?? alternateId;
  const type = text(target.type);
  if (type) resource.type = type;
  // Both names, or sign-on details, do not fit the resource's fields: the target rides along whole.
  if ((displayName && alternateId) || target.detailEntry !== undefined) resource.data = target;
  return [resource];
}

function actorOf(actor: Fields | undefined, session: string | undefined): OcsfActor | undefined {
  const user = actor ? oktaUser(actor) : undefined;
  if (!user && !session) return undefined;
  const out: OcsfActor = {};
  if (user) out.user = user;
  if (session) out.session = { uid: session };
  return out;
}

function oktaUser(entity: Fields): OcsfUser | undefined {
  const uid = idText(entity.id);
  const typed = text(entity.alternateId);
  // A sign-in Okta could not tie to a user, whose "username" reads as a password: someone typed it
  // into the wrong field. The OCSF event (and every signal and narrative built on it) withholds it;
  // the raw record keeps it for the detection that reports it.
  const login =
    typed && (uid === undefined || uid === 'unknown') && passwordShaped(typed) ? WITHHELD_LOGIN : typed;
  const fullName = text(entity.displayName);
  const name = login ?? (uid ? undefined : fullName);
  if (!uid && !name) return undefined;
  const user: OcsfUser = {};
  if (uid) user.uid = uid;
  if (name) user.name = name;
  if (login && isEmail(login)) user.email_addr = login;
  if (fullName) user.full_name = fullName;
  const type = text(entity.type);
  if (type) {
    user.type = type;
    user.type_id = lookup(USER_TYPE_ID, type) ?? 99;
  }
  return user;
}

/** The Okta session of the event; Okta writes the literal "unknown" when there is none. */
function sessionUid(record: Fields): string | undefined {
  const id = text(fieldsOf(pick(record, 'authenticationContext'))?.externalSessionId);
  return id === 'unknown' ? undefined : id;
}

/** src_endpoint and http_request from `client`; API Activity requires an endpoint even when unknown. */
function addSource(event: OcsfEvent, log: LogEvent, required: boolean): void {
  const client = fieldsOf(log.record.client);
  const ip = ipAddress(client?.ipAddress);
  const location = locationOf(fieldsOf(client?.geographicalContext), log.unmapped);
  if (ip || location || required) {
    const endpoint: OcsfEndpoint = ip ? { ip } : unknownEndpoint();
    if (location) endpoint.location = location;
    event.src_endpoint = endpoint;
  }
  const userAgent = fieldsOf(client?.userAgent);
  const rawUserAgent = text(userAgent?.rawUserAgent);
  if (rawUserAgent) event.http_request = { user_agent: rawUserAgent };
  if (!client) return;
  const used = new Set(['geographicalContext', 'userAgent']);
  if (ip) used.add('ipAddress');
  keepUnmapped(client, used, log.unmapped, 'client.');
  if (userAgent) keepUnmapped(userAgent, new Set(['rawUserAgent']), log.unmapped, 'client.userAgent.');
}

/** Okta's geographicalContext; the postal code has a place in OCSF's location, though not in Vigil's subset type. */
function locationOf(
  geo: Fields | undefined,
  unmapped: Record<string, unknown>,
): (OcsfLocation & { postal_code?: string }) | undefined {
  if (!geo) return undefined;
  const location: OcsfLocation & { postal_code?: string } = {};
  const country = countryOf(geo.country, unmapped);
  const region = text(geo.state);
  const city = text(geo.city);
  const postalCode = text(geo.postalCode);
  if (country) location.country = country;
  if (region) location.region = region;
  if (city) location.city = city;
  if (postalCode) location.postal_code = postalCode;
  const point = fieldsOf(geo.geolocation);
  const lat = finiteNumber(point?.lat);
  const lon = finiteNumber(point?.lon);
  // OCSF coordinates are [longitude, latitude].
  if (lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    location.coordinates = [lon, lat];
  }
  return Object.keys(location).length > 0 ? location : undefined;
}

/** A country name OCSF has no code for stays in `unmapped`, as Okta wrote it. */
function countryOf(value: unknown, unmapped: Record<string, unknown>): string | undefined {
  const name = text(value);
  const code = name === undefined ? undefined : countryCode(name);
  if (name && !code) unmapped['client.geographicalContext.country'] = name;
  return code;
}

/** Attributes every class shares: message, status, actor, and what is left for `unmapped`. */
function addCommon(event: OcsfEvent, log: LogEvent): void {
  const { record, unmapped } = log;
  const message = text(pick(record, 'displayMessage'));
  if (message) event.message = message;
  addStatus(event, fieldsOf(record.outcome));
  if (log.ocsfActor) event.actor = log.ocsfActor;
  if (log.actor) keepUnmapped(log.actor, ENTITY_KEYS, unmapped, 'actor.');
  const authContext = fieldsOf(pick(record, 'authenticationContext'));
  if (authContext)
    keepUnmapped(authContext, new Set(['externalSessionId']), unmapped, 'authenticationContext.');
  const transaction = fieldsOf(record.transaction);
  if (transaction) {
    const used = new Set(event.api?.request ? ['id'] : []);
    keepUnmapped(transaction, used, unmapped, 'transaction.');
  }
  if (!allTargetsUsed(log)) unmapped.target = log.targetField;
  for (const key of Object.keys(record)) {
    const value = record[key];
    const understood =
      (TEXT_FIELDS.has(key) && text(value) !== undefined) || (OBJECT_FIELDS.has(key) && isFields(value));
    if (!understood && key !== 'target' && value !== undefined) putUnmapped(unmapped, key, value);
  }
  if (Object.keys(unmapped).length > 0) event.unmapped = unmapped;
}

/** True when every entry of `target` became the user, the service or a resource. */
function allTargetsUsed(log: LogEvent): boolean {
  if (log.targetField === undefined) return true;
  return (
    Array.isArray(log.targetField) &&
    log.targetField.length === log.targets.length &&
    log.targets.every((t) => log.usedTargets.has(t))
  );
}

function addStatus(event: OcsfEvent, outcome: Fields | undefined): void {
  const result = text(outcome?.result);
  const statusId = result === undefined ? StatusId.Unknown : (lookup(STATUS, result) ?? StatusId.Other);
  event.status_id = statusId;
  event.status = STATUS_NAMES[statusId] ?? result;
  if (result) event.status_code = result;
  const reason = text(outcome?.reason);
  if (reason) event.status_detail = reason;
}

const invalid = (reason: string): Built => ({ ok: false, error: new ValidationError(reason, SOURCE) });
