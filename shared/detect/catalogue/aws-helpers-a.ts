/**
 * Readers and judgements shared by the AWS initial-access, persistence, privilege-escalation and
 * defense-evasion detections. Everything reads the RAW CloudTrail record: its shape is AWS's and
 * stable, whereas the OCSF mapping is a projection. All functions are total over hostile input.
 */

import { BoundedCache } from '../../enrich/bounded-cache.ts';
import { classifyAddress } from '../../enrich/ip-class.ts';
import type { NormalisedEvent } from '../../normalise/types.ts';
import { jsonField, type PathSteps, pathSteps } from '../fields.ts';
import type { Detection, DetectionContext, Hit, Severity } from '../types.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a dotted path, taking at each step the canonical key or, failing that, its all-lowercase
 * spelling: some pipelines (Athena/Glue exports, Security Lake re-serialisations) deliver
 * `eventname`, `requestparameters`, and we meet both, sometimes mixed in one record.
 */
export function rv(record: unknown, path: string): unknown {
  return readerAt(path)(record);
}

/** Memoised readers per path; bounded, as a few paths are built at run time. */
const readers = new Map<string, (record: unknown) => unknown>();
const MAX_READERS = 4096;

/**
 * The reader of one path. The engine runs one detection after another on the same record and many
 * read the same fields (event name, error code, caller), so each reader keeps its last answer keyed
 * on the record's identity, as `actorOf` does: records are never modified after parsing.
 */
export function readerAt(path: string): (record: unknown) => unknown {
  const known = readers.get(path);
  if (known !== undefined) return known;
  const steps = pathSteps(path);
  let lastRecord: object | undefined;
  let lastValue: unknown;
  const read = (record: unknown): unknown => {
    if (record === lastRecord) return lastValue;
    const value = rvSteps(record, steps);
    if (typeof record === 'object' && record !== null) {
      lastRecord = record;
      lastValue = value;
    }
    return value;
  };
  if (readers.size < MAX_READERS) readers.set(path, read);
  return read;
}

/**
 * `rv` over a path split once (at load), for readers that run on every event. A plain property
 * read stands for "own property" here: records come from JSON, which has no `undefined`, and paths
 * naming an inherited member take the `Object.hasOwn` walk. The plain read is the one V8 caches;
 * `Object.hasOwn` on every step cost about twice as much on the hot path.
 */
export function rvSteps(record: unknown, steps: PathSteps): unknown {
  if (steps.inherited) return ownSteps(record, steps);
  const { keys, lower } = steps;
  let cur: unknown = record;
  for (let i = 0; i < keys.length; i++) {
    if (!isObject(cur)) return undefined;
    const key = keys[i] as string;
    let next = cur[key];
    if (next === undefined) {
      const low = lower[i] as string;
      if (low !== key) next = cur[low];
    }
    cur = next;
  }
  return cur;
}

function ownSteps(record: unknown, { keys, lower }: PathSteps): unknown {
  let cur: unknown = record;
  for (let i = 0; i < keys.length; i++) {
    if (!isObject(cur)) return undefined;
    const key = keys[i] as string;
    if (Object.hasOwn(cur, key)) cur = cur[key];
    else {
      const low = lower[i] as string;
      cur = low !== key && Object.hasOwn(cur, low) ? cur[low] : undefined;
    }
  }
  return cur;
}

export const rs = (record: unknown, path: string): string | undefined => {
  const v = rv(record, path);
  return typeof v === 'string' ? v : undefined;
};

/** Non-empty string or undefined: CloudTrail often carries `""` for "not set". */
export const rsx = (record: unknown, path: string): string | undefined => {
  const v = rs(record, path);
  return v === undefined || v.length === 0 ? undefined : v;
};

/** Booleans arrive as JSON booleans or, from some exporters, as the strings "true"/"false". */
export const rb = (record: unknown, path: string): boolean | undefined => {
  const v = rv(record, path);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return undefined;
};

export const rn = (record: unknown, path: string): number | undefined => {
  const v = rv(record, path);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d{1,12}$/.test(v)) return Number(v);
  return undefined;
};

/** Arrays stay arrays; one value becomes a one-element array; missing/null becomes empty. */
export const rl = (record: unknown, path: string): unknown[] => {
  const v = rv(record, path);
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
};

/** A JSON document that CloudTrail carries either parsed or as (possibly URL-encoded) text. */
export const rjson = (record: unknown, path: string): unknown => jsonField({ v: rv(record, path) }, 'v');

export const strings = (values: unknown[]): string[] =>
  values.filter((v): v is string => typeof v === 'string');

// ---------------------------------------------------------------------------------------------
// The event
// ---------------------------------------------------------------------------------------------

/** A reader of one string field, bound at load: these run several times per event. */
export const stringAt = (path: string): ((raw: unknown) => string | undefined) => {
  const read = readerAt(path);
  return (raw) => {
    const v = read(raw);
    return typeof v === 'string' ? v : undefined;
  };
};
/** The CloudTrail fields nearly every detection reads, one shared reader (and memo) each. */
export const eventNameAt = stringAt('eventName');
export const eventSourceAt = stringAt('eventSource');
export const errorCodeAt = stringAt('errorCode');
export const sourceIpAt = stringAt('sourceIPAddress');
export const userAgentAt = stringAt('userAgent');
export const eventTypeAt = stringAt('eventType');
export const identityTypeAt = stringAt('userIdentity.type');
export const invokedByAt = stringAt('userIdentity.invokedBy');
export const arnAt = stringAt('userIdentity.arn');
export const principalIdAt = stringAt('userIdentity.principalId');
export const accessKeyIdAt = stringAt('userIdentity.accessKeyId');
export const issuerArnAt = stringAt('userIdentity.sessionContext.sessionIssuer.arn');
export const issuerUserNameAt = stringAt('userIdentity.sessionContext.sessionIssuer.userName');
export const recipientAccountAt = stringAt('recipientAccountId');

export const eventName = (raw: unknown): string => eventNameAt(raw) ?? '';
export const eventSource = (raw: unknown): string => eventSourceAt(raw) ?? '';
export const sourceIp = (raw: unknown): string | undefined => rsx(raw, 'sourceIPAddress');
export const recipientAccount = (raw: unknown): string | undefined => rsx(raw, 'recipientAccountId');

/** The API call was refused or failed: CloudTrail sets `errorCode` (console sign-ins are handled apart). */
export const failed = (raw: unknown): boolean => {
  const code = errorCodeAt(raw);
  return code !== undefined && code.length > 0;
};

/** Refused for lack of permission, as opposed to a typo or a missing resource. */
export const denied = (raw: unknown): boolean =>
  /accessdenied|unauthorized|forbidden/i.test(rsx(raw, 'errorCode') ?? '');

// ---------------------------------------------------------------------------------------------
// The actor
// ---------------------------------------------------------------------------------------------

export interface Actor {
  type: string;
  arn?: string;
  account?: string;
  /** IAM user name (from the ARN, which survives where `userName` is missing or inconsistent). */
  userName?: string;
  /** For role sessions: the role and the session name. */
  roleName?: string;
  sessionName?: string;
  issuerArn?: string;
  invokedBy?: string;
  accessKeyId?: string;
}

/**
 * The engine runs every applicable detection on one event before the next, and most of them ask
 * who the actor is: the last record's actor (and class) is kept, keyed on the record's identity.
 * Records are never modified after parsing, and the returned actor must not be modified either.
 */
let lastRaw: unknown;
let lastActor: Actor | undefined;
let lastClass: ActorClass | undefined;

export function actorOf(raw: unknown): Actor {
  if (raw === lastRaw && lastActor !== undefined && typeof raw === 'object' && raw !== null) return lastActor;
  const actor = readActor(raw);
  lastRaw = raw;
  lastActor = actor;
  lastClass = undefined;
  return actor;
}

function readActor(raw: unknown): Actor {
  const type = identityTypeAt(raw) ?? 'Unknown';
  const arn = nonEmpty(arnAt(raw));
  const actor: Actor = { type };
  if (arn) actor.arn = arn;
  const account = nonEmpty(accountIdAt(raw)) ?? (arn === undefined ? undefined : arnPart(arn, 4));
  if (account) actor.account = account;
  const invokedBy = nonEmpty(invokedByAt(raw));
  if (invokedBy) actor.invokedBy = invokedBy;
  const key = nonEmpty(accessKeyIdAt(raw));
  if (key) actor.accessKeyId = key;
  const issuerArn = nonEmpty(issuerArnAt(raw));
  if (issuerArn) actor.issuerArn = issuerArn;

  if (type === 'IAMUser') {
    const fromArn = arn?.includes(':user/') ? arn.slice(arn.lastIndexOf('/') + 1) : undefined;
    const userName = fromArn ?? nonEmpty(userNameAt(raw));
    if (userName) actor.userName = userName;
  } else if (type === 'AssumedRole') {
    // `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, read by offsets: this runs on every event.
    const resource = arn === undefined ? undefined : arnPart(arn, 5);
    let roleName: string | undefined;
    let sessionName: string | undefined;
    if (resource?.startsWith('assumed-role/')) {
      const roleEnd = resource.indexOf('/', 13);
      roleName = resource.slice(13, roleEnd === -1 ? undefined : roleEnd);
      if (roleEnd !== -1) {
        const sessionEnd = resource.indexOf('/', roleEnd + 1);
        sessionName = resource.slice(roleEnd + 1, sessionEnd === -1 ? undefined : sessionEnd);
      }
    }
    roleName ??= nonEmpty(issuerUserNameAt(raw));
    if (sessionName === undefined) {
      const principalId = nonEmpty(principalIdAt(raw));
      const colon = principalId?.indexOf(':') ?? -1;
      if (principalId !== undefined && colon !== -1) {
        const next = principalId.indexOf(':', colon + 1);
        sessionName = principalId.slice(colon + 1, next === -1 ? undefined : next);
      }
    }
    if (roleName) actor.roleName = roleName;
    if (sessionName) actor.sessionName = sessionName;
  }
  return actor;
}

const nonEmpty = (v: string | undefined): string | undefined => (v === '' ? undefined : v);
const accountIdAt = stringAt('userIdentity.accountId');
const userNameAt = stringAt('userIdentity.userName');

/**
 * `arn.split(':')[n]` without building the array. Like it, the resource part stops at a colon:
 * `assumed-role/aws:ec2-instance/…` reads as role `aws`, which the instance checks rely on.
 */
function arnPart(arn: string, n: number): string | undefined {
  let start = 0;
  for (let i = 0; i < n; i++) {
    const colon = arn.indexOf(':', start);
    if (colon === -1) return undefined;
    start = colon + 1;
  }
  const end = arn.indexOf(':', start);
  return arn.slice(start, end === -1 ? undefined : end);
}

/** Service hosts that call on a principal's behalf as part of deploying declared infrastructure. */
const DEPLOYMENT_SERVICES =
  /^(cloudformation|servicecatalog|codepipeline|codebuild|codedeploy)\.amazonaws\.com$/;
/** User agent of calls the AWS console makes for a signed-in person (`console.ec2.amazonaws.com`). */
const CONSOLE_AGENT = /^console(\.[a-z0-9-]+)?\.amazonaws\.com$/;
/** The console and sign-in appear as `invokedBy` for a person's own clicks. */
const PERSON_FACING = /^(signin|console)\.amazonaws\.com$/;

/** Long words that mark CI/IaC identities wherever they appear in a name. */
const CI_WORDS =
  /github|gitlab|jenkins|terraform|pipeline|codebuild|codepipeline|deploy|circleci|buildkite|spacelift|atlantis|argocd|bitbucket|teamcity|octopus|pulumi|cloudformation|bamboo|harness/;
/** Short tokens that only count as whole tokens (`ci`, not "spe-ci-al"). */
const CI_TOKENS = new Set([
  'ci',
  'cd',
  'cicd',
  'tf',
  'cdk',
  'cfn',
  'iac',
  'bot',
  'automation',
  'gha',
  'drone',
]);

/** Role, session and user names recur on nearly every event: the verdict on each is memoised. */
const automationNames = new BoundedCache<string, boolean>(8_192);

/** True when an identity name reads as CI/CD or infrastructure-as-code. A heuristic, by design. */
export function looksLikeAutomation(name: string | undefined): boolean {
  if (!name) return false;
  return automationNames.getOrCompute(name, readsAsAutomation);
}

function readsAsAutomation(name: string): boolean {
  const lower = name.toLowerCase();
  if (CI_WORDS.test(lower)) return true;
  const tokens = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return tokens.some((t) => CI_TOKENS.has(t));
}

/** An EC2 instance's role session (named after the instance id) or the instance identity role. */
const INSTANCE_SESSION = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
/**
 * A necessary condition of `isInstanceCredential`, read without building the actor: detections
 * that run on every CloudTrail event call it first. An instance session name (`i-…`) can only come
 * from the ARN's session part or the principal id's; an `aws:ec2-` role name only from the session
 * issuer's user name (the ARN's role part is cut at a colon).
 */
export function mayBeInstanceCredential(raw: unknown): boolean {
  if (ec2RoleDeliveryAt(raw) !== undefined) return true;
  if (arnAt(raw)?.includes('/i-')) return true;
  if (principalIdAt(raw)?.includes(':i-')) return true;
  return issuerUserNameAt(raw)?.startsWith('aws:ec2-') === true;
}
const ec2RoleDeliveryAt = readerAt('userIdentity.sessionContext.ec2RoleDelivery');

export function isInstanceCredential(raw: unknown, actor = actorOf(raw)): boolean {
  if (actor.type !== 'AssumedRole') return false;
  if (actor.roleName?.startsWith('aws:ec2-')) return true;
  if (rv(raw, 'userIdentity.sessionContext.ec2RoleDelivery') !== undefined) return true;
  return INSTANCE_SESSION.test(actor.sessionName ?? '');
}

export type ActorClass = 'root' | 'human' | 'workload' | 'automation' | 'service' | 'unknown';

/**
 * Who is behind a call, as far as the record tells:
 * - service: AWS acting (service principals, service-linked roles, a service calling on someone's behalf);
 * - automation: IaC deploying (CloudFormation on the caller's behalf) or CI-named users and roles;
 * - human: IAM users, federated users, IAM Identity Center (SSO) sessions, e-mail-named role
 *   sessions (SAML/OIDC federation), console sessions;
 * - workload: any other role session (applications, instances, functions);
 * - root.
 */
export function actorClass(raw: unknown, actor = actorOf(raw)): ActorClass {
  if (raw === lastRaw && actor === lastActor) {
    if (lastClass === undefined) lastClass = classify(raw, actor);
    return lastClass;
  }
  return classify(raw, actor);
}

function classify(raw: unknown, actor: Actor): ActorClass {
  if (actor.type === 'AWSService' || rs(raw, 'eventType') === 'AwsServiceEvent') return 'service';
  if (actor.issuerArn?.includes(':role/aws-service-role/') || actor.arn?.includes(':role/aws-service-role/'))
    return 'service';
  if (actor.invokedBy && !PERSON_FACING.test(actor.invokedBy)) {
    return DEPLOYMENT_SERVICES.test(actor.invokedBy) ? 'automation' : 'service';
  }
  switch (actor.type) {
    case 'Root':
      return 'root';
    case 'IAMUser':
      return looksLikeAutomation(actor.userName) ? 'automation' : 'human';
    case 'FederatedUser':
    case 'IdentityCenterUser':
      return 'human';
    case 'AssumedRole': {
      const sso =
        actor.roleName?.startsWith('AWSReservedSSO_') ||
        actor.issuerArn?.includes('/aws-reserved/sso.amazonaws.com/');
      if (sso) return 'human';
      if (looksLikeAutomation(actor.roleName) || looksLikeAutomation(actor.sessionName)) return 'automation';
      if (rv(raw, 'userIdentity.sessionContext.webIdFederationData.federatedProvider') !== undefined)
        return 'automation';
      if (actor.sessionName?.includes('@')) return 'human';
      // Default names the CLI and SDKs give a role session when a person's profile assumes a role.
      if (/^(botocore-session|aws-go-sdk|aws-sdk-js|aws-cli)-\d+$/.test(actor.sessionName ?? ''))
        return 'human';
      if (rb(raw, 'sessionCredentialFromConsole') === true) return 'human';
      // The console calls only for a signed-in person; older records carry no sessionCredentialFromConsole.
      if (CONSOLE_AGENT.test(rs(raw, 'userAgent') ?? '')) return 'human';
      return 'workload';
    }
    default:
      return 'unknown';
  }
}

/** People, and stolen instance credentials: who should not normally change code or pass roles. */
export function isInteractiveOrStolen(raw: unknown): boolean {
  const actor = actorOf(raw);
  const cls = actorClass(raw, actor);
  return cls === 'human' || cls === 'root' || (cls === 'workload' && isInstanceCredential(raw, actor));
}

/**
 * True when the caller acts on itself: an IAM user on its own user name, or a role session whose
 * session name is the target user (an SSO/federated person on "their" IAM user). IAM user names are
 * unique case-insensitively, so the comparison is too.
 */
export function actsOnSelf(raw: unknown, targetUser: string | undefined): boolean {
  if (targetUser === undefined) return true; // IAM defaults the target to the caller
  const t = targetUser.toLowerCase();
  const actor = actorOf(raw);
  if (actor.type === 'IAMUser') return actor.userName?.toLowerCase() === t;
  if (actor.type === 'AssumedRole') {
    const s = actor.sessionName?.toLowerCase();
    return s === t || s?.split('@')[0] === t;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Networks and accounts
// ---------------------------------------------------------------------------------------------

/** An address on the internet (or a documentation range), i.e. not private, not AWS acting. */
export function isExternalAddress(ip: string | undefined): ip is string {
  if (!ip) return false;
  const c = classifyAddress(ip);
  return c.kind === 'public' || c.kind === 'reserved';
}

/** The source IP when it is external and outside the organisation's trusted networks. */
export function untrustedSource(raw: unknown, ctx: DetectionContext): string | undefined {
  const ip = sourceIp(raw);
  if (!isExternalAddress(ip)) return undefined;
  return ctx.config.isTrustedNetwork(ip) ? undefined : ip;
}

/** Ours: an org account, or the account the record was delivered to. */
export const isOwnAccount = (account: string, raw: unknown, ctx: DetectionContext): boolean =>
  ctx.config.orgAccounts.has(account) || account === recipientAccount(raw);

/** The 12-digit account of an AWS principal (`123456789012`, `arn:aws:iam::123456789012:...`). */
export function accountOfPrincipal(p: string): string | undefined {
  if (/^\d{12}$/.test(p)) return p;
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(p);
  return m?.[1];
}

// ---------------------------------------------------------------------------------------------
// Policy documents
// ---------------------------------------------------------------------------------------------

export interface Statement {
  effect: string;
  actions: string[];
  notActions: string[];
  resources: string[];
  /** Principal `*` (bare or as `{"AWS": "*"}`). */
  anyone: boolean;
  aws: string[];
  federated: string[];
  service: string[];
  /** Lower-cased condition keys (`aws:principalorgid`, `sts:externalid`, ...). */
  conditionKeys: string[];
}

const asStrings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** The statements of an IAM policy document (object or JSON text), normalised; [] when unreadable. */
export function statementsOf(doc: unknown): Statement[] {
  const parsed = typeof doc === 'string' ? jsonField({ v: doc }, 'v') : doc;
  if (!isObject(parsed)) return [];
  const raw = parsed.Statement ?? parsed.statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const out: Statement[] = [];
  for (const s of list) {
    if (!isObject(s)) continue;
    const principal = s.Principal;
    const p = isObject(principal) ? principal : {};
    const aws = asStrings(p.AWS);
    const conditions = isObject(s.Condition) ? Object.values(s.Condition) : [];
    out.push({
      effect: typeof s.Effect === 'string' ? s.Effect : 'Allow',
      actions: asStrings(s.Action).map((a) => a.toLowerCase()),
      notActions: asStrings(s.NotAction).map((a) => a.toLowerCase()),
      resources: asStrings(s.Resource),
      anyone: principal === '*' || aws.includes('*'),
      aws: aws.filter((a) => a !== '*'),
      federated: asStrings(p.Federated),
      service: asStrings(p.Service),
      conditionKeys: conditions.flatMap((c) =>
        isObject(c) ? Object.keys(c).map((k) => k.toLowerCase()) : [],
      ),
    });
  }
  return out;
}

const allows = (s: Statement) => s.effect.toLowerCase() === 'allow';
const onEverything = (s: Statement) => s.resources.includes('*');

/** How much an identity policy grants, judged on its broadest Allow statement. */
export function policyBreadth(doc: unknown): 'admin' | 'iam_admin' | 'not_action' | undefined {
  const st = statementsOf(doc).filter(allows);
  if (st.some((s) => onEverything(s) && s.actions.some((a) => a === '*' || a === '*:*'))) return 'admin';
  if (st.some((s) => onEverything(s) && s.actions.includes('iam:*'))) return 'iam_admin';
  if (st.some((s) => onEverything(s) && s.notActions.length > 0 && s.actions.length === 0))
    return 'not_action';
  return undefined;
}

/** What an AWS managed policy grants, for the few that amount to (near) full control. */
export function managedPolicyGrant(
  arn: string | undefined,
): 'admin' | 'iam_admin' | 'power_user' | undefined {
  const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([A-Za-z0-9+=,.@_-]+)$/.exec(arn ?? '');
  switch (m?.[1]) {
    case 'AdministratorAccess':
      return 'admin';
    case 'IAMFullAccess':
      return 'iam_admin';
    case 'PowerUserAccess':
      return 'power_user';
    default:
      return undefined;
  }
}

/** Conditions that tie a `*` principal to known callers (org, account, ARN, source resource). */
const IDENTITY_CONDITIONS = [
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
];
export const hasIdentityCondition = (s: Statement): boolean =>
  s.conditionKeys.some((k) => IDENTITY_CONDITIONS.includes(k));

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/** Resource names that suggest security telemetry or tooling (log groups, buckets, rules). */
export const SECURITY_NAME =
  /cloudtrail|(^|[-_./])trails?([-_./]|$)|secur|audit|guardduty|flow[-_]?logs?|vpc[-_]?flow|waf|siem|vigil|soc[-_]|detect|incident|forensic|falco|osquery|auditd|sysmon|macie|inspector|access[-_]?analyzer|config[-_]?(rule|recorder)/i;

export const PRIVILEGED_NAME =
  /admin|administrator|poweruser|superuser|root|fullaccess|break[-_]?glass|owner/i;

/** The last path segment of an ARN or name (`arn:...:role/path/Name` → `Name`). */
export const lastSegment = (s: string): string => s.slice(s.lastIndexOf('/') + 1);

// ---------------------------------------------------------------------------------------------
// Window helpers
// ---------------------------------------------------------------------------------------------

/** Remembers a fact (e.g. "this bucket is a trail destination") for `windowMs`. */
export const remember = (ctx: DetectionContext, key: string, time: number, windowMs: number): void => {
  ctx.window.distinct(key, 'fact', time, windowMs);
};

/** True when `remember` recorded the fact within `windowMs` (the probe member never counts as the fact). */
export const recalls = (ctx: DetectionContext, key: string, time: number, windowMs: number): boolean =>
  ctx.window.distinct(key, 'probe', time, windowMs) >= 2;

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// Detection scaffolding
// ---------------------------------------------------------------------------------------------

export const RISK: Record<Severity, number> = { info: 5, low: 10, medium: 25, high: 50, critical: 80 };

export interface Guard {
  /** Required `eventSource` (exact). */
  source?: string | readonly string[];
  /** Keep failed calls (default: drop them). */
  keepFailed?: boolean;
  /** Keep AWS-service actors (default: drop them). */
  keepService?: boolean;
}

/**
 * Wraps a rule body with the preconditions almost every CloudTrail detection shares: the right
 * service, a successful call, not AWS acting on its own account.
 */
export function guarded(
  guard: Guard,
  body: (raw: unknown, ctx: DetectionContext, ev: NormalisedEvent) => Hit | undefined,
): Detection['detect'] {
  const sources =
    guard.source === undefined ? undefined : typeof guard.source === 'string' ? [guard.source] : guard.source;
  return (ev, ctx) => {
    const raw = ev.raw;
    if (sources && !sources.includes(eventSource(raw))) return undefined;
    if (!guard.keepFailed && failed(raw)) return undefined;
    if (!guard.keepService && actorClass(raw) === 'service') return undefined;
    return body(raw, ctx, ev);
  };
}

/** Lambda's CloudTrail event names carry the API version (`UpdateFunctionCode20150331v2`). */
export const lambdaNames = (base: string, versions: readonly string[]): string[] => [
  base,
  ...versions.map((v) => `${base}${v}`),
];

// ---------------------------------------------------------------------------------------------
// Test-case factory: realistic raw CloudTrail records, concisely
// ---------------------------------------------------------------------------------------------

export const ORG = '111122223333';
export const ORG2 = '123456789012';
export const FOREIGN = '444455556666';
export const OUTSIDE_IP = '203.0.113.77';
export const OFFICE_IP = '10.20.30.40';

let seq = 0;
const uuid = () => {
  seq += 1;
  return `6f1c2d3e-4b5a-4c6d-8e9f-${seq.toString(16).padStart(12, '0')}`;
};

export const who = {
  user: (name: string, account = ORG, key = 'AKIAQX4EXAMPLE7KEY01') => ({
    type: 'IAMUser',
    principalId: 'AIDAQX4EXAMPLEUSER01',
    arn: `arn:aws:iam::${account}:user/${name}`,
    accountId: account,
    accessKeyId: key,
    userName: name,
  }),
  role: (
    role: string,
    session: string,
    opts: { account?: string; mfa?: boolean; issuerPath?: string; extra?: Record<string, unknown> } = {},
  ) => {
    const account = opts.account ?? ORG;
    return {
      type: 'AssumedRole',
      principalId: `AROAQX4EXAMPLEROLE01:${session}`,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
      accountId: account,
      accessKeyId: 'ASIAQX4EXAMPLESESS01',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAQX4EXAMPLEROLE01',
          arn: `arn:aws:iam::${account}:role/${opts.issuerPath ?? ''}${role}`,
          accountId: account,
          userName: role,
        },
        webIdFederationData: {},
        attributes: { creationDate: '2026-03-02T09:58:11Z', mfaAuthenticated: String(opts.mfa ?? false) },
        ...opts.extra,
      },
    };
  },
  sso: (permissionSet: string, person: string, account = ORG) =>
    who.role(`AWSReservedSSO_${permissionSet}_0a1b2c3d4e5f6789`, person, {
      account,
      issuerPath: 'aws-reserved/sso.amazonaws.com/eu-west-1/',
    }),
  root: (account = ORG, extra: Record<string, unknown> = {}) => ({
    type: 'Root',
    principalId: account,
    arn: `arn:aws:iam::${account}:root`,
    accountId: account,
    accessKeyId: '',
    ...extra,
  }),
  service: (service: string) => ({ type: 'AWSService', invokedBy: service }),
  cfn: (role = 'StackSetExecutionRole') => ({
    ...who.role(role, 'AWSCloudFormation'),
    invokedBy: 'cloudformation.amazonaws.com',
  }),
};

export interface RecordSpec {
  /** Service host prefix (`iam`) or full host (`signin.amazonaws.com`). */
  source: string;
  name: string;
  identity: Record<string, unknown>;
  params?: Record<string, unknown> | null;
  response?: Record<string, unknown> | null;
  ip?: string;
  ua?: string;
  error?: string;
  time?: string;
  account?: string;
  region?: string;
  extra?: Record<string, unknown>;
}

/** One raw CloudTrail record as AWS delivers it. */
export function ct(spec: RecordSpec): Record<string, unknown> {
  const host = spec.source.includes('.') ? spec.source : `${spec.source}.amazonaws.com`;
  const readOnly = /^(Get|List|Describe|Lookup)/.test(spec.name);
  return {
    eventVersion: '1.09',
    userIdentity: spec.identity,
    eventTime: spec.time ?? '2026-03-02T10:15:42Z',
    eventSource: host,
    eventName: spec.name,
    awsRegion: spec.region ?? 'eu-west-1',
    sourceIPAddress: spec.ip ?? OUTSIDE_IP,
    userAgent:
      spec.ua ?? 'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.8',
    ...(spec.error ? { errorCode: spec.error, errorMessage: `${spec.error}: request refused` } : {}),
    requestParameters: spec.params === undefined ? null : spec.params,
    responseElements: spec.response === undefined ? null : spec.response,
    requestID: uuid(),
    eventID: uuid(),
    readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: spec.account ?? (spec.identity.accountId as string | undefined) ?? ORG,
    eventCategory: 'Management',
    ...spec.extra,
  };
}

/** A console sign-in record. */
export function signin(spec: {
  identity: Record<string, unknown>;
  ok: boolean;
  mfa?: boolean;
  ip?: string;
  time?: string;
  extraData?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: spec.identity,
    eventTime: spec.time ?? '2026-03-02T08:01:07Z',
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    awsRegion: 'us-east-1',
    sourceIPAddress: spec.ip ?? OUTSIDE_IP,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36',
    ...(spec.ok ? {} : { errorMessage: 'Failed authentication' }),
    requestParameters: null,
    responseElements: { ConsoleLogin: spec.ok ? 'Success' : 'Failure' },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs%23',
      MobileVersion: 'No',
      MFAUsed: spec.mfa ? 'Yes' : 'No',
      ...spec.extraData,
    },
    eventID: uuid(),
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    managementEvent: true,
    recipientAccountId: (spec.identity.accountId as string | undefined) ?? ORG,
    eventCategory: 'Management',
  };
}

/** Minimal trust/identity policy text, as CloudTrail carries it (URL-encoded JSON string). */
export const policyText = (doc: unknown): string => encodeURIComponent(JSON.stringify(doc));
