/**
 * Helpers shared by the credential-access, discovery, lateral-movement/execution, exfiltration,
 * impact and findings catalogues: tolerant readers for raw CloudTrail records (canonical or
 * all-lowercase keys), actor classification, account and policy analysis, burst bookkeeping on
 * the caller's window state, and small factories that build realistic case records.
 */
import type { NormalisedEvent } from '../../normalise/types.ts';
import type { DetectionContext, EntityRef, Severity } from '../types.ts';

import {
  accessKeyIdAt,
  actorClass,
  arnAt,
  errorCodeAt,
  eventNameAt,
  eventSourceAt,
  eventTypeAt,
  identityTypeAt,
  invokedByAt,
  issuerArnAt,
  principalIdAt,
  rs,
  rv,
  sourceIpAt,
  userAgentAt,
} from './aws-helpers-a.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// Raw CloudTrail readers
// ---------------------------------------------------------------------------------------------

/**
 * Reads a dotted path, canonical key or its all-lowercase spelling at each step: one reader for
 * every AWS detection (aws-helpers-a.ts `rv`), so both families treat hostile records alike.
 */
export const ctGet = rv;
export const ctStr = rs;

/** Booleans as CloudTrail writes them: `true`, or sometimes the string `"true"`. */
export const ctTrue = (record: unknown, path: string): boolean => {
  const v = ctGet(record, path);
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
};

export const ctFalse = (record: unknown, path: string): boolean => {
  const v = ctGet(record, path);
  return v === false || (typeof v === 'string' && v.toLowerCase() === 'false');
};

/** A number, or a numeric string (lifecycle days, GuardDuty severities in some exports). */
export const ctNum = (record: unknown, path: string): number | undefined => {
  const v = ctGet(record, path);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};

/** Percent-decoding that never throws on a malformed escape (hostile input). */
export const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Arrays stay arrays, one value becomes a one-element array, missing/null becomes empty. */
export const ctList = (record: unknown, path: string): unknown[] => {
  const v = ctGet(record, path);
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
};

/** CloudTrail wraps repeated request elements as `{items: [...]}`; accepts both shapes. */
export const ctItems = (record: unknown, path: string): unknown[] => {
  const v = ctGet(record, path);
  if (isObject(v) && 'items' in v) return ctList(v, 'items');
  return ctList(record, path);
};

/** Strings of a list field, ignoring anything else. */
export const ctStrings = (record: unknown, path: string): string[] =>
  ctList(record, path).filter((x): x is string => typeof x === 'string');

/** A JSON document that may arrive as an object or as a (possibly URL-encoded) string. */
export function ctJson(record: unknown, path: string): unknown {
  const v = ctGet(record, path);
  return parseJsonish(v);
}

export function parseJsonish(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const text = v.trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(decodeURIComponent(text));
    } catch {
      return undefined;
    }
  }
}

export const eventNameOf = (raw: unknown): string => eventNameAt(raw) ?? '';
export const eventSourceOf = (raw: unknown): string => eventSourceAt(raw) ?? '';
export const regionOf = (raw: unknown): string => ctStr(raw, 'awsRegion') ?? '';
export const sourceIpOf = (raw: unknown): string => sourceIpAt(raw) ?? '';
export const userAgentOf = (raw: unknown): string => userAgentAt(raw) ?? '';
export const errorCodeOf = (raw: unknown): string | undefined => {
  const code = errorCodeAt(raw);
  return code === undefined || code === '' ? undefined : code;
};
/** The call succeeded: CloudTrail sets `errorCode` on every failure (including DryRun checks). */
export const succeeded = (raw: unknown): boolean => errorCodeOf(raw) === undefined;

/** A dry-run permission check (`--dry-run`): reported as an error, but it means "you may". */
export const isDryRun = (raw: unknown): boolean => /DryRunOperation$/i.test(errorCodeOf(raw) ?? '');

const DENIED =
  /^(Client\.)?(AccessDenied|UnauthorizedOperation|UnauthorizedAccess|AuthorizationError|NotAuthorized)/i;
/** The call failed because the caller lacked permission (not a bad request or a missing resource). */
export const isDenied = (raw: unknown): boolean => DENIED.test(errorCodeOf(raw) ?? '');

/** The account the event happened in. */
export const accountOf = (raw: unknown): string =>
  ctStr(raw, 'recipientAccountId') ?? ctStr(raw, 'userIdentity.accountId') ?? '';

/**
 * A stable key for "who did this": the caller's ARN (for role sessions it includes the session
 * name, so two people using one role stay apart), else principal id, else access key.
 */
export function principalOf(raw: unknown): string | undefined {
  return arnAt(raw) || principalIdAt(raw) || accessKeyIdAt(raw) || undefined;
}

/** The role (or user) behind a session, for allow-lists keyed on role names. */
export const issuerNameOf = (raw: unknown): string =>
  ctStr(raw, 'userIdentity.sessionContext.sessionIssuer.userName') ??
  ctStr(raw, 'userIdentity.userName') ??
  '';

/**
 * The call was made by AWS itself (a service principal, a service acting on the caller's behalf,
 * a service-linked role, or a service event), not by a person or a workload's own code.
 */
export function isAwsServiceActor(raw: unknown): boolean {
  // Forty detections ask this of the record in hand; the engine runs them one after another on the
  // same record (never modified after parsing), so the last answer is kept, as actorOf does.
  if (raw === serviceVerdict.raw && typeof raw === 'object' && raw !== null) return serviceVerdict.value;
  const value = readsAsAwsService(raw);
  serviceVerdict.raw = raw;
  serviceVerdict.value = value;
  return value;
}
const serviceVerdict: { raw: unknown; value: boolean } = { raw: undefined, value: false };

function readsAsAwsService(raw: unknown): boolean {
  if (eventTypeAt(raw) === 'AwsServiceEvent') return true;
  if (identityTypeAt(raw) === 'AWSService') return true;
  const invokedBy = invokedByAt(raw);
  if (invokedBy && (invokedBy.endsWith('.amazonaws.com') || invokedBy === 'AWS Internal')) return true;
  // Exact-case checks first: AWS writes these names in one case, and a record in another case is
  // then treated as not AWS's own, which only lets more detections look at it. Most records are an
  // IP address and an ordinary ARN, rejected without running a regex.
  const ip = sourceIpOf(raw);
  if (ip.endsWith('.amazonaws.com') && SERVICE_HOST.test(ip)) return true;
  if (arnAt(raw)?.includes(':assumed-role/AWSServiceRole')) return true;
  return issuerArnAt(raw)?.includes(':role/aws-service-role/') === true;
}
const SERVICE_HOST = /^[a-z0-9.-]+\.amazonaws\.com$/;

/** Console-driven calls: the console fans out many reads per page view, so bursts mean little. */
export function isConsoleSession(raw: unknown): boolean {
  if (ctTrue(raw, 'sessionCredentialFromConsole')) return true;
  const ua = userAgentOf(raw);
  return ua.startsWith('console.') || ua === 'AWS Internal' || sourceIpOf(raw) === 'AWS Internal';
}

/** Credentials that were handed to an EC2 instance by its instance profile (IMDS). */
export function isInstanceRoleSession(raw: unknown): boolean {
  if (ctStr(raw, 'userIdentity.type') !== 'AssumedRole') return false;
  if (ctStr(raw, 'userIdentity.sessionContext.ec2RoleDelivery')) return true;
  const arn = ctStr(raw, 'userIdentity.arn') ?? '';
  return /:assumed-role\/[^/]+\/i-[0-9a-f]{8,17}$/.test(arn);
}

/** Long-term IAM user or root credentials (not a temporary session). */
export function isLongTermKey(raw: unknown): boolean {
  const type = ctStr(raw, 'userIdentity.type');
  const key = ctStr(raw, 'userIdentity.accessKeyId') ?? '';
  return (type === 'IAMUser' || type === 'Root') && key.startsWith('AKIA');
}

/** The source is a real IP (not a service hostname or "AWS Internal") outside the trusted networks. */
export function fromUntrustedNetwork(raw: unknown, ctx: DetectionContext): boolean {
  const ip = sourceIpOf(raw);
  const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || (ip.includes(':') && /^[0-9a-f:.]+$/i.test(ip));
  return isIp && !ctx.config.isTrustedNetwork(ip);
}

/**
 * Why a read is worth a place on the timeline: a person (or root, or an identity the record does not
 * name) made it, or a workload made it from outside the trusted networks. IaC/CI identities, AWS
 * services and workloads inside the trusted networks give undefined.
 */
export function notableCaller(
  raw: unknown,
  ctx: DetectionContext,
): 'person' | 'unidentified' | 'outside' | undefined {
  switch (actorClass(raw)) {
    case 'human':
    case 'root':
      return 'person';
    case 'unknown':
      return 'unidentified';
    case 'workload':
      return fromUntrustedNetwork(raw, ctx) ? 'outside' : undefined;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Accounts, ARNs, entities
// ---------------------------------------------------------------------------------------------

const ACCOUNT_ID = /^\d{12}$/;

/** The account id inside an ARN (`arn:partition:service:region:account:resource`). */
export function accountFromArn(arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const account = parts[4] ?? '';
  return ACCOUNT_ID.test(account) ? account : undefined;
}

/**
 * A 12-digit account id (bare or inside an ARN) that is not one of the organisation's. When the
 * record is given, the account it was recorded in counts as ours too (a deployment whose account
 * list is incomplete still knows the account it is watching).
 */
export function foreignAccount(value: string, ctx: DetectionContext, raw?: unknown): string | undefined {
  const id = ACCOUNT_ID.test(value) ? value : value.startsWith('arn:') ? accountFromArn(value) : undefined;
  if (id === undefined || ctx.config.orgAccounts.has(id)) return undefined;
  if (raw !== undefined && id === ctStr(raw, 'recipientAccountId')) return undefined;
  return id;
}

export const resourceEntity = (id: string): EntityRef => ({ type: 'resource', id });
export const accountEntity = (id: string): EntityRef => ({ type: 'account', id });

export const instanceArn = (raw: unknown, instanceId: string): string =>
  `arn:aws:ec2:${regionOf(raw)}:${accountOf(raw)}:instance/${instanceId}`;

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;

// ---------------------------------------------------------------------------------------------
// Resource policies
// ---------------------------------------------------------------------------------------------

/**
 * Condition keys that pin a `Principal: "*"` statement to known callers or networks. A statement
 * carrying at least one of them (with a concrete, non-negated, non-IfExists operator and no
 * wildcard-only value) is not public.
 */
const RESTRICTIVE_KEYS = new Set([
  'aws:sourcearn',
  'aws:sourceaccount',
  'aws:sourceowner',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceip',
  'aws:vpcsourceip',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:resourceorgid',
  'aws:userid',
  'aws:username',
  's3:dataaccesspointaccount',
  's3:dataaccesspointarn',
  'kms:calleraccount',
  'lambda:functionarn',
]);

export interface PolicyExposure {
  /** Some Allow statement lets anyone in (wildcard principal, no restricting condition). */
  public: boolean;
  /** The public statements grant write, delete or full access (not just reads). */
  publicWrite: boolean;
  /** Accounts outside the organisation named as principals (or in account conditions). */
  foreignAccounts: string[];
}

const statementsOf = (policy: unknown): Record<string, unknown>[] => {
  if (!isObject(policy)) return [];
  const s = policy.Statement ?? policy.statement;
  return (Array.isArray(s) ? s : [s]).filter(isObject);
};

const asStrings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');

function isRestrictive(
  condition: unknown,
  ctx: DetectionContext,
  foreign: Set<string>,
  raw: unknown,
): boolean {
  if (!isObject(condition)) return false;
  let restrictive = false;
  for (const [operator, block] of Object.entries(condition)) {
    const op = operator.toLowerCase();
    // `…IfExists` passes when the key is absent; negated operators allow everyone else; `Null` tests presence only.
    if (op.endsWith('ifexists') || op.includes('not') || op === 'null' || !isObject(block)) continue;
    for (const [key, value] of Object.entries(block)) {
      const k = key.toLowerCase();
      if (!RESTRICTIVE_KEYS.has(k)) continue;
      const values = asStrings(value);
      if (values.length === 0 || values.every((x) => x === '*')) continue;
      if (k === 'aws:sourceaccount' || k === 'aws:principalaccount' || k === 'kms:calleraccount') {
        for (const x of values) {
          const f = foreignAccount(x, ctx, raw);
          if (f) foreign.add(f);
        }
      }
      restrictive = true;
    }
  }
  return restrictive;
}

const WRITE_ACTION =
  /(^\*$|:\*$|:put|:delete|:create|:update|:modify|:write|:send|:publish|:set|:restore|:replicate)/i;

/** Who a resource policy lets in, as far as a single document tells (`raw`: the record carrying it). */
export function analysePolicy(policy: unknown, ctx: DetectionContext, raw?: unknown): PolicyExposure {
  const foreign = new Set<string>();
  let pub = false;
  let pubWrite = false;
  for (const st of statementsOf(policy)) {
    const effect = st.Effect ?? st.effect;
    if (typeof effect !== 'string' || effect.toLowerCase() !== 'allow') continue;
    const principal = st.Principal ?? st.principal;
    const notPrincipal = st.NotPrincipal ?? st.notPrincipal;
    const awsPrincipals =
      principal === '*' ? ['*'] : isObject(principal) ? asStrings(principal.AWS ?? principal.aws) : [];
    const wildcard =
      notPrincipal !== undefined || awsPrincipals.some((p) => p === '*' || /^arn:aws[\w-]*:iam::\*:/.test(p));
    for (const p of awsPrincipals) {
      const f = foreignAccount(p, ctx, raw);
      if (f) foreign.add(f);
    }
    const restricted = isRestrictive(st.Condition ?? st.condition, ctx, foreign, raw);
    if (wildcard && !restricted) {
      pub = true;
      if (asStrings(st.Action ?? st.action).some((a) => WRITE_ACTION.test(a))) pubWrite = true;
    }
  }
  return { public: pub, publicWrite: pubWrite, foreignAccounts: [...foreign] };
}

// ---------------------------------------------------------------------------------------------
// Bursts on the caller's window state
// ---------------------------------------------------------------------------------------------

export const MINUTE = 60_000;

/**
 * True the first time `key` is claimed within `windowMs`, false while it keeps being claimed:
 * a burst that stays over its threshold yields one signal, not one per event.
 */
export function once(ctx: DetectionContext, key: string, time: number, windowMs: number): boolean {
  return ctx.window.count(`once|${key}`, time, windowMs) === 1;
}

export interface Tier {
  min: number;
  severity: Severity;
  risk: number;
}

/**
 * The highest tier that `n` has just reached for `key` (each tier fires once per burst), or
 * undefined. Tiers are given lowest first.
 */
export function reachedTier(
  ctx: DetectionContext,
  key: string,
  n: number,
  time: number,
  windowMs: number,
  tiers: readonly Tier[],
): Tier | undefined {
  let hit: Tier | undefined;
  for (const tier of tiers) {
    if (n >= tier.min && once(ctx, `${key}|tier${tier.min}`, time, windowMs)) hit = tier;
  }
  return hit;
}

/** Records every member and returns the distinct count afterwards. */
export function distinctAll(
  ctx: DetectionContext,
  key: string,
  members: readonly string[],
  time: number,
  windowMs: number,
): number {
  let n = 0;
  for (const m of members) n = ctx.window.distinct(key, m, time, windowMs);
  return n;
}

export const timeOf = (ev: NormalisedEvent): number => ev.ocsf.time;

/**
 * Memoises the window keys a detection builds from one value (usually the principal), so a burst
 * detection that runs on every event hands the window the same key strings again instead of
 * concatenating, flattening and hashing new ones on each call. Bounded: the values come from the
 * stream, so the memo is dropped whole when it reaches `max` entries.
 */
/** Longest record value a memo keeps (ARNs and ids are far shorter). */
export const MAX_MEMO_VALUE = 512;

export function memoKeys<T>(build: (value: string) => T, max = 4096): (value: string) => T {
  const memo = new Map<string, T>();
  return (value) => {
    // Values come from records: a long one is built afresh rather than kept, so the memo's size is
    // bounded in bytes as well as in entries.
    if (value.length > MAX_MEMO_VALUE) return build(value);
    let keys = memo.get(value);
    if (keys === undefined) {
      if (memo.size >= max) memo.clear();
      keys = build(value);
      memo.set(value, keys);
    }
    return keys;
  };
}

// ---------------------------------------------------------------------------------------------
// Case factories (realistic raw records for the detections' own tests)
// ---------------------------------------------------------------------------------------------

export type Identity = Record<string, unknown>;

const BASE_TIME = Date.parse('2024-05-14T09:00:00Z');
let sequence = 0;
const nextId = (): string => {
  sequence += 1;
  const hex = sequence.toString(16).padStart(12, '0');
  return `5c1e7a0b-2f3d-4e8a-9b6c-${hex}`;
};

export const iamUser = (name: string, account = '111122223333', key = 'AKIA4EXAMPLEUSERKEY1'): Identity => ({
  type: 'IAMUser',
  principalId: 'AIDA4EXAMPLEUSERID01',
  arn: `arn:aws:iam::${account}:user/${name}`,
  accountId: account,
  accessKeyId: key,
  userName: name,
});

export const roleSession = (
  role: string,
  session: string,
  account = '111122223333',
  key = 'ASIA4EXAMPLESESSION1',
): Identity => ({
  type: 'AssumedRole',
  principalId: `AROA4EXAMPLEROLEID01:${session}`,
  arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
  accountId: account,
  accessKeyId: key,
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROA4EXAMPLEROLEID01',
      arn: `arn:aws:iam::${account}:role/${role}`,
      accountId: account,
      userName: role,
    },
    attributes: { creationDate: '2024-05-14T08:41:07Z', mfaAuthenticated: 'false' },
  },
});

/** Instance-profile credentials, as CloudTrail shows them (session name = instance id). */
export const instanceRole = (role: string, instanceId: string, account = '111122223333'): Identity => {
  const id = roleSession(role, instanceId, account, 'ASIA4EXAMPLEINSTANCE');
  (id.sessionContext as Record<string, unknown>).ec2RoleDelivery = '2.0';
  return id;
};

/** A role session driven by an AWS service on the caller's behalf (CloudFormation, Auto Scaling…). */
export const serviceDriven = (service: string, role: string, account = '111122223333'): Identity => ({
  ...roleSession(role, service.replace(/\..*$/, ''), account),
  invokedBy: service,
});

export const awsService = (service: string): Identity => ({ type: 'AWSService', invokedBy: service });

export interface CtSpec {
  name: string;
  /** Short service name (`s3`) or full event source (`s3.amazonaws.com`). */
  source: string;
  actor?: Identity;
  params?: unknown;
  response?: unknown;
  ip?: string;
  ua?: string;
  error?: string;
  region?: string;
  /** Seconds after the case's base time. */
  at?: number;
  account?: string;
  data?: boolean;
  readOnly?: boolean;
  extra?: Record<string, unknown>;
}

/** One raw CloudTrail record as AWS delivers it. */
export function ct(spec: CtSpec): Record<string, unknown> {
  const actor = spec.actor ?? roleSession('DevOpsAdmin', 'jane.doe');
  const source = spec.source.includes('.') ? spec.source : `${spec.source}.amazonaws.com`;
  const ip =
    spec.ip ??
    (String(actor.invokedBy ?? '').endsWith('.amazonaws.com') ? String(actor.invokedBy) : '198.51.100.24');
  const record: Record<string, unknown> = {
    eventVersion: '1.09',
    userIdentity: actor,
    eventTime: new Date(BASE_TIME + (spec.at ?? 0) * 1000).toISOString().replace('.000Z', 'Z'),
    eventSource: source,
    eventName: spec.name,
    awsRegion: spec.region ?? 'us-east-1',
    sourceIPAddress: ip,
    userAgent:
      spec.ua ??
      (ip.endsWith('.amazonaws.com') ? ip : 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64'),
    requestParameters: spec.params ?? null,
    responseElements: spec.response ?? null,
    requestID: nextId(),
    eventID: nextId(),
    readOnly: spec.readOnly ?? /^(Get|List|Describe|Head|Search|Lookup|BatchGet)/.test(spec.name),
    eventType: 'AwsApiCall',
    managementEvent: !spec.data,
    recipientAccountId: spec.account ?? String(actor.accountId ?? '111122223333'),
    eventCategory: spec.data ? 'Data' : 'Management',
  };
  if (spec.error) {
    record.errorCode = spec.error;
    record.errorMessage = `The request failed: ${spec.error}`;
  }
  return { ...record, ...spec.extra };
}

/** `n` records from a template: a burst. */
export const burst = (n: number, make: (i: number) => CtSpec): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ct(make(i)));
