import { BoundedCache } from '../enrich/bounded-cache.ts';
import { type Fields, str } from './util-fields.ts';

/**
 * Which OCSF class and activity a CloudTrail event is. Lookups go through Maps, never plain
 * objects: an event named `constructor` must not find Object.prototype.
 */

export const ApiActivityId = { Create: 1, Read: 2, Update: 3, Delete: 4, Other: 99 } as const;

export const AccountChangeId = {
  Create: 1,
  Enable: 2,
  PasswordChange: 3,
  PasswordReset: 4,
  Disable: 5,
  Delete: 6,
  AttachPolicy: 7,
  DetachPolicy: 8,
  Lock: 9,
  MfaFactorEnable: 10,
  MfaFactorDisable: 11,
  Other: 99,
} as const;

export const AuthenticationId = { Logon: 1, Other: 99 } as const;

const API_ACTIVITY_NAMES = new Map<number, string>([
  [1, 'Create'],
  [2, 'Read'],
  [3, 'Update'],
  [4, 'Delete'],
  [99, 'Other'],
]);

const ACCOUNT_CHANGE_NAMES = new Map<number, string>([
  [1, 'Create'],
  [2, 'Enable'],
  [3, 'Password Change'],
  [4, 'Password Reset'],
  [5, 'Disable'],
  [6, 'Delete'],
  [7, 'Attach Policy'],
  [8, 'Detach Policy'],
  [9, 'Lock'],
  [10, 'MFA Factor Enable'],
  [11, 'MFA Factor Disable'],
  [99, 'Other'],
]);

export interface CloudTrailActivity {
  readonly kind: 'authentication' | 'account_change' | 'api_activity';
  readonly activityId: number;
  readonly caption: string;
}

/**
 * Sign-in events that are a principal proving who it is. `PasswordUpdated` (a forced change at
 * sign-in) is an account change instead; the rest of signin.amazonaws.com is plain API activity.
 */
const LOGON_EVENTS = new Set([
  'ConsoleLogin',
  'CheckMfa',
  'SwitchRole',
  'ExternalIdPDirectoryLogin',
  // IAM Identity Center's sign-in steps.
  'UserAuthentication',
  'CredentialChallenge',
  'CredentialVerification',
]);

const A = AccountChangeId;

/**
 * IAM user and role lifecycle. Access keys, group membership and renames have no OCSF 1.1 activity
 * of their own: they are Other, named by the event. `Create` would claim an account was created.
 */
const IAM_ACCOUNT_CHANGES = new Map<string, number>([
  ['CreateUser', A.Create],
  ['DeleteUser', A.Delete],
  ['UpdateUser', A.Other],
  // A login profile is the user's console password: creating one opens console sign-in.
  ['CreateLoginProfile', A.Enable],
  ['DeleteLoginProfile', A.Disable],
  // Set by an administrator, not the user: a reset, and a classic takeover step.
  ['UpdateLoginProfile', A.PasswordReset],
  ['ChangePassword', A.PasswordChange],
  ['CreateAccessKey', A.Other],
  ['DeleteAccessKey', A.Other],
  ['UpdateAccessKey', A.Other], // refined by the new status, see accessKeyStatusActivity
  ['AttachUserPolicy', A.AttachPolicy],
  ['PutUserPolicy', A.AttachPolicy],
  ['PutUserPermissionsBoundary', A.AttachPolicy],
  ['DetachUserPolicy', A.DetachPolicy],
  ['DeleteUserPolicy', A.DetachPolicy],
  ['DeleteUserPermissionsBoundary', A.DetachPolicy],
  ['AddUserToGroup', A.Other],
  ['RemoveUserFromGroup', A.Other],
  ['EnableMFADevice', A.MfaFactorEnable],
  ['DeactivateMFADevice', A.MfaFactorDisable],
  ['CreateRole', A.Create],
  ['DeleteRole', A.Delete],
  ['AttachRolePolicy', A.AttachPolicy],
  ['PutRolePolicy', A.AttachPolicy],
  ['PutRolePermissionsBoundary', A.AttachPolicy],
  ['DetachRolePolicy', A.DetachPolicy],
  ['DeleteRolePolicy', A.DetachPolicy],
  ['DeleteRolePermissionsBoundary', A.DetachPolicy],
]);

/** IAM Identity Center's user directory (both event sources it has used). */
const IDENTITY_CENTER_ACCOUNT_CHANGES = new Map<string, number>([
  ['CreateUser', A.Create],
  ['DeleteUser', A.Delete],
  ['UpdateUser', A.Other],
  ['EnableUser', A.Enable],
  ['DisableUser', A.Disable],
]);

const SIGNIN_ACCOUNT_CHANGES = new Map([['PasswordUpdated', A.PasswordChange]]);

/**
 * The account-change table of an event source, or undefined for the many sources with none. A
 * switch compares the source with a few names (by length first, so most differ at once), where a
 * Map would hash it: the source is a fresh string in every record.
 */
function accountChangesOf(eventSource: string): ReadonlyMap<string, number> | undefined {
  switch (eventSource) {
    case 'iam.amazonaws.com':
      return IAM_ACCOUNT_CHANGES;
    case 'sso-directory.amazonaws.com':
    case 'identitystore.amazonaws.com':
      return IDENTITY_CENTER_ACCOUNT_CHANGES;
    case 'signin.amazonaws.com':
      return SIGNIN_ACCOUNT_CHANGES;
    default:
      return undefined;
  }
}

/** API verbs (the first word of the event name) and the OCSF API activity they are. */
const VERBS = new Map<string, number>();
const addVerbs = (activity: number, verbs: string[]) => {
  for (const verb of verbs) VERBS.set(verb, activity);
};
addVerbs(ApiActivityId.Create, [
  'Create',
  'Put',
  'Run',
  'Start',
  'Add',
  'Import',
  'Register',
  'Allocate',
  'Copy',
  'Upload',
  'Launch',
  'Restore',
]);
addVerbs(ApiActivityId.Read, [
  'Get',
  'List',
  'Describe',
  'Head',
  'Lookup',
  'Search',
  'Scan',
  'Query',
  'Select',
  'Download',
  'Preview',
  'View',
  'Filter',
]);
addVerbs(ApiActivityId.Update, [
  'Update',
  'Modify',
  'Set',
  'Attach',
  'Detach',
  'Enable',
  'Disable',
  'Associate',
  'Disassociate',
  'Authorize',
  'Revoke',
  'Replace',
  'Reset',
  'Change',
  'Tag',
  'Untag',
  'Apply',
  'Assign',
  'Unassign',
  'Edit',
  'Rotate',
  'Deactivate',
  'Activate',
]);
addVerbs(ApiActivityId.Delete, [
  'Delete',
  'Remove',
  'Terminate',
  'Stop',
  'Deregister',
  'Release',
  'Purge',
  'Destroy',
]);

const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;

/** The leading capitalised word of `name` from `start` ("GetObject" → "Get"), first letter upper-cased. */
function wordAt(name: string, start: number): string {
  let end = start + 1;
  while (end < name.length && isLower(name.charCodeAt(end))) end++;
  const first = name.charCodeAt(start);
  const head = isLower(first) ? String.fromCharCode(first - 32) : name[start];
  return head + name.slice(start + 1, end);
}

/** `BatchGetSecretValue` is a Read: a leading `Batch` defers to the verb after it. */
export function apiActivityOf(eventName: string): number {
  if (eventName.length === 0 || !(isUpper(eventName.charCodeAt(0)) || isLower(eventName.charCodeAt(0)))) {
    return ApiActivityId.Other;
  }
  let verb = wordAt(eventName, 0);
  if (verb === 'Batch' && eventName.length > 5 && isUpper(eventName.charCodeAt(5)))
    verb = wordAt(eventName, 5);
  return VERBS.get(verb) ?? ApiActivityId.Other;
}

/** An access key set Active is enabled, set Inactive disabled; the credential, not the user. */
function accessKeyStatusActivity(requestParameters: Fields | undefined): number {
  const status = requestParameters ? str(requestParameters.status) : undefined;
  if (status === 'Active') return A.Enable;
  if (status === 'Inactive') return A.Disable;
  return A.Other;
}

/**
 * Every activity there is, built once and frozen: classifying an event allocates nothing. A caption
 * missing from its table reads Other, as the captions always did.
 */
const activity = (
  kind: CloudTrailActivity['kind'],
  activityId: number,
  names: ReadonlyMap<number, string>,
): CloudTrailActivity => Object.freeze({ kind, activityId, caption: names.get(activityId) ?? 'Other' });

const LOGON = activity(
  'authentication',
  AuthenticationId.Logon,
  new Map([[AuthenticationId.Logon, 'Logon']]),
);
const ACCOUNT_CHANGES = new Map<number, CloudTrailActivity>(
  Object.values(A).map((id) => [id, activity('account_change', id, ACCOUNT_CHANGE_NAMES)]),
);
const API_ACTIVITIES = new Map<number, CloudTrailActivity>(
  Object.values(ApiActivityId).map((id) => [id, activity('api_activity', id, API_ACTIVITY_NAMES)]),
);

const accountChange = (id: number) =>
  ACCOUNT_CHANGES.get(id) ?? activity('account_change', id, ACCOUNT_CHANGE_NAMES);
const apiActivityFor = (eventName: string) => {
  const id = apiActivityOf(eventName);
  return API_ACTIVITIES.get(id) ?? activity('api_activity', id, API_ACTIVITY_NAMES);
};

/** Event names recur endlessly: the verb of each is read once (bounded, for hostile streams of names). */
const API_ACTIVITY_BY_NAME = new BoundedCache<string, CloudTrailActivity>(10_000);
const MAX_CACHED_NAME_LENGTH = 256;

/** The classification; the object returned is shared and frozen. */
export function classifyCloudTrail(
  eventSource: string,
  eventName: string,
  requestParameters: Fields | undefined,
): CloudTrailActivity {
  if (eventSource === 'signin.amazonaws.com' && LOGON_EVENTS.has(eventName)) return LOGON;
  const accountChangeId = accountChangesOf(eventSource)?.get(eventName);
  if (accountChangeId !== undefined) {
    return accountChange(
      eventSource === 'iam.amazonaws.com' && eventName === 'UpdateAccessKey'
        ? accessKeyStatusActivity(requestParameters)
        : accountChangeId,
    );
  }
  return eventName.length > MAX_CACHED_NAME_LENGTH
    ? apiActivityFor(eventName)
    : API_ACTIVITY_BY_NAME.getOrCompute(eventName, apiActivityFor);
}
