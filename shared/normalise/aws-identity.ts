import type { OcsfActor, OcsfSession, OcsfUser } from '../ocsf/types.ts';
import { type Fields, fields, flag, put, str } from './util-fields.ts';
import { lastOf, parseDateTime } from './util-time.ts';

/**
 * AWS principals (CloudTrail `userIdentity`, GuardDuty `accessKeyDetails`, ASFF `AwsIamAccessKey`)
 * as OCSF users. Correlation keys on `user.uid` (the principal id: stable across renames and unique
 * per incarnation of a user) and finds the ARN in `user.uid_alt`.
 *
 * Athena and Security Lake exports lower-case every key, nested ones included: CloudTrail reads
 * here fall back to the lower-cased spelling.
 */

export const UserTypeId = { Unknown: 0, User: 1, Admin: 2, System: 3, Other: 99 } as const;

/**
 * OCSF `user.type_id` per AWS principal type; a type not listed is Other. A switch rather than a
 * Map: the type is a fresh string in every record, which a Map lookup would hash.
 */
function typeIdOf(type: string): number {
  switch (type) {
    case 'Root':
      return UserTypeId.Admin;
    case 'IAMUser':
    case 'FederatedUser':
    case 'SAMLUser':
    case 'WebIdentityUser':
    case 'IdentityCenterUser':
      return UserTypeId.User;
    case 'AWSService':
      return UserTypeId.System;
    // A role session may be a person or a workload; nothing in the record says which (but see below).
    case 'AssumedRole':
    case 'AWSAccount':
      return UserTypeId.Other;
    case 'Unknown':
      return UserTypeId.Unknown;
    default:
      return UserTypeId.Other;
  }
}

/** Roles IAM Identity Center creates for permission sets: only people sign in through them. */
const IDENTITY_CENTER_ROLE_PATH = '/aws-reserved/sso.amazonaws.com/';

export function userTypeId(type: string | undefined, issuerArn?: string): number {
  if (type === undefined) return UserTypeId.Unknown;
  if (type === 'AssumedRole' && issuerArn?.includes(IDENTITY_CENTER_ROLE_PATH)) return UserTypeId.User;
  return typeIdOf(type);
}

/**
 * Stands in for a principal the record does not name. `name` is the one attribute OCSF lets carry
 * "we do not know"; type_id Unknown tells correlation never to join events on it.
 */
export const unknownUser = (type?: string): OcsfUser => ({
  type: type ?? 'Unknown',
  type_id: UserTypeId.Unknown,
  name: 'Unknown',
});

const hasIdentity = (u: OcsfUser): boolean =>
  u.uid !== undefined || u.name !== undefined || u.account !== undefined;

const afterMarker = (arn: string | undefined, marker: string): string | undefined => {
  if (arn === undefined) return undefined;
  const at = arn.indexOf(marker);
  return at < 0 ? undefined : str(arn.slice(at + marker.length));
};

const afterColon = (principalId: string | undefined): string | undefined => {
  const at = principalId?.indexOf(':') ?? -1;
  return at < 0 ? undefined : str(principalId?.slice(at + 1));
};

/** `RoleName/SessionName`: the role says what was allowed, the session who (or what) used it. */
function roleSessionName(
  arn: string | undefined,
  principalId: string | undefined,
  issuer: Fields | undefined,
) {
  const fromArn = afterMarker(arn, ':assumed-role/');
  if (fromArn !== undefined) return fromArn;
  const role = issuer ? str(issuer.userName ?? issuer.username) : undefined;
  const session = afterColon(principalId);
  return role !== undefined && session !== undefined ? `${role}/${session}` : (session ?? role);
}

function nameOf(
  type: string | undefined,
  identity: Fields,
  arn: string | undefined,
  principalId: string | undefined,
  issuer: Fields | undefined,
) {
  const userName = str(identity.userName ?? identity.username);
  switch (type) {
    case 'AssumedRole':
      return roleSessionName(arn, principalId, issuer) ?? userName;
    case 'FederatedUser':
      return afterMarker(arn, ':federated-user/') ?? afterColon(principalId) ?? userName;
    case 'AWSService':
      return str(identity.invokedBy ?? identity.invokedby) ?? userName;
    default:
      return userName;
  }
}

/** A session's calls all carry its creation date: the last one read is remembered. */
const sessionCreated = lastOf(parseDateTime);

function sessionOf(context: Fields | undefined, issuerArn: string | undefined): OcsfSession | undefined {
  if (!context && issuerArn === undefined) return undefined;
  const attributes = context ? fields(context.attributes) : undefined;
  const created = attributes ? sessionCreated(attributes.creationDate ?? attributes.creationdate) : undefined;
  const mfa = attributes ? flag(attributes.mfaAuthenticated ?? attributes.mfaauthenticated) : undefined;
  if (created === undefined && mfa === undefined && issuerArn === undefined) return undefined;
  const session: OcsfSession = {};
  if (created !== undefined) session.created_time = created;
  if (mfa !== undefined) session.is_mfa = mfa;
  if (issuerArn !== undefined) session.issuer = issuerArn;
  return session;
}

/** The OCSF actor for a CloudTrail `userIdentity` (every identity type CloudTrail documents). */
export function cloudTrailActor(identity: unknown): OcsfActor {
  const id = fields(identity);
  if (!id) return { user: unknownUser() };
  const type = str(id.type);
  const arn = str(id.arn);
  const context = fields(id.sessionContext ?? id.sessioncontext);
  const issuer = context ? fields(context.sessionIssuer ?? context.sessionissuer) : undefined;
  const issuerArn = issuer ? str(issuer.arn) : undefined;
  const onBehalfOf = fields(id.onBehalfOf ?? id.onbehalfof);
  const principalId = str(id.principalId ?? id.principalid);

  // An Identity Center user has no principal id; its identity-store user id is what stays stable.
  // With neither, the ARN is the most specific identifier left.
  const uid = principalId ?? (onBehalfOf ? str(onBehalfOf.userId ?? onBehalfOf.userid) : undefined) ?? arn;
  const name = nameOf(type, id, arn, principalId, issuer);
  const credential = str(id.accessKeyId ?? id.accesskeyid);
  const accountId = str(id.accountId ?? id.accountid);
  const user: OcsfUser = { type_id: userTypeId(type, issuerArn) };
  if (uid !== undefined) user.uid = uid;
  if (arn !== undefined && arn !== uid) user.uid_alt = arn;
  if (name !== undefined) user.name = name;
  if (type !== undefined) user.type = type;
  if (credential !== undefined) user.credential_uid = credential;
  if (accountId !== undefined) user.account = { uid: accountId };

  const actor: OcsfActor = { user: hasIdentity(user) ? user : unknownUser(type) };
  const session = sessionOf(context, issuerArn);
  if (session !== undefined) actor.session = session;
  const invokedBy = str(id.invokedBy ?? id.invokedby);
  if (invokedBy !== undefined) actor.invoked_by = invokedBy;
  const webIdentity = context
    ? fields(context.webIdFederationData ?? context.webidfederationdata)
    : undefined;
  const idpName =
    str(id.identityProvider ?? id.identityprovider) ??
    (webIdentity ? str(webIdentity.federatedProvider ?? webIdentity.federatedprovider) : undefined);
  const identityStore = onBehalfOf
    ? str(onBehalfOf.identityStoreArn ?? onBehalfOf.identitystorearn)
    : undefined;
  if (idpName !== undefined || identityStore !== undefined) {
    actor.idp = {};
    if (idpName !== undefined) actor.idp.name = idpName;
    if (identityStore !== undefined) actor.idp.uid = identityStore;
  }
  return actor;
}

/** The parts of an AWS principal that findings report (GuardDuty `accessKeyDetails`, ASFF `AwsIamAccessKey`). */
export interface FindingPrincipal {
  principalId?: string;
  name?: string;
  type?: string;
  accessKeyId?: string;
  accountId?: string;
}

/** The OCSF user for a principal named in a finding, or undefined when it names none. */
export function principalUser(p: FindingPrincipal): OcsfUser | undefined {
  const user: OcsfUser = {};
  put(user, 'uid', p.principalId);
  put(user, 'name', p.name);
  put(user, 'type', p.type);
  user.type_id = userTypeId(p.type);
  put(user, 'credential_uid', p.accessKeyId);
  if (p.accountId !== undefined) user.account = { uid: p.accountId };
  return user.uid !== undefined || user.name !== undefined ? user : undefined;
}
