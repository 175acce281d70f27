/**
 * Credential access on AWS: harvesting secrets stores, decrypting parameters in bulk, pulling
 * Windows passwords and user data, and instance-profile credentials put to reconnaissance.
 */
import type { Detection, DetectionContext, Hit } from '../types.ts';
import { actorClass, actorOf, arnAt, RISK } from './aws-helpers-a.ts';
import {
  burst,
  type CtSpec,
  ct,
  ctGet,
  ctList,
  ctStr,
  ctStrings,
  ctTrue,
  distinctAll,
  eventNameOf,
  eventSourceOf,
  fromUntrustedNetwork,
  iamUser,
  instanceArn,
  instanceRole,
  isAwsServiceActor,
  isConsoleSession,
  isDenied,
  isInstanceRoleSession,
  MINUTE,
  notableCaller,
  once,
  principalOf,
  reachedTier,
  resourceEntity,
  roleSession,
  serviceDriven,
  sourceIpOf,
  succeeded,
  timeOf,
} from './aws-helpers-b.ts';

const TEN_MIN = 10 * MINUTE;

// ---------------------------------------------------------------------------------------------

const SECRETS_ID = 'aws.secretsmanager.bulk_secret_retrieval';
const secretRead = (i: number, extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'GetSecretValue',
  source: 'secretsmanager',
  actor: roleSession('ci-deployer', 'build-4411'),
  params: { secretId: `arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-${i}-AbCdEf` },
  at: i * 15,
  ...extra,
});

const secretsBulk: Detection = {
  id: SECRETS_ID,
  title: 'Many distinct secrets read by one principal',
  description:
    'One principal asked Secrets Manager for the values of many different secrets within minutes. ' +
    'Workloads read the handful of secrets they need; sweeping through a whole account is how an ' +
    'intruder with stolen credentials harvests database passwords and API keys. Denied attempts count ' +
    'too, since they show the sweep even where permissions stopped it.',
  attack: ['T1555.006'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['GetSecretValue', 'BatchGetSecretValue'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const ids =
      eventNameOf(raw) === 'GetSecretValue'
        ? [ctStr(raw, 'requestParameters.secretId')].filter((x): x is string => !!x)
        : ctStrings(raw, 'requestParameters.secretIdList');
    if (ids.length === 0) return undefined;
    const key = `${SECRETS_ID}|${who}`;
    const n = distinctAll(
      ctx,
      key,
      ids.map((s) => s.toLowerCase()),
      timeOf(ev),
      TEN_MIN,
    );
    const tier = reachedTier(ctx, key, n, timeOf(ev), TEN_MIN, [
      { min: 5, severity: 'medium', risk: 25 },
      { min: 20, severity: 'high', risk: 50 },
    ]);
    if (!tier) return undefined;
    return {
      severity: tier.severity,
      risk: tier.risk,
      evidence: { distinct_secrets: n, window_minutes: 10, last_call_failed: !succeeded(raw) },
    };
  },
  cases: [
    {
      name: 'a CI session reads five different production secrets in 75 seconds',
      fires: true,
      records: burst(5, (i) => secretRead(i)),
    },
    {
      name: 'a service polls the same secret repeatedly',
      fires: false,
      records: burst(8, (i) => ({ ...secretRead(0), at: i * 30 })),
    },
    {
      name: 'four distinct secrets stay below the threshold',
      fires: false,
      records: burst(4, (i) => secretRead(i)),
    },
    {
      name: 'secrets read through CloudFormation dynamic references',
      fires: false,
      records: burst(6, (i) =>
        secretRead(i, { actor: serviceDriven('cloudformation.amazonaws.com', 'cfn-exec') }),
      ),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const batchByFilter: Detection = {
  id: 'aws.secretsmanager.batch_retrieval_by_filter',
  title: 'Secrets retrieved in bulk by filter',
  description:
    'BatchGetSecretValue was called with filters instead of a list of secret ids, returning every secret ' +
    'that matches in one request. Applications name the secrets they need; a filter (and above all a ' +
    'negated one such as "!tag-that-never-exists", which matches everything) is a quick way to dump the store.',
  attack: ['T1555.006'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['BatchGetSecretValue'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const filters = ctList(raw, 'requestParameters.filters');
    if (filters.length === 0 || ctStrings(raw, 'requestParameters.secretIdList').length > 0) return undefined;
    const values = filters.flatMap((f) => ctStrings(f, 'values'));
    const catchAll = values.length > 0 && values.every((v) => v.startsWith('!'));
    return {
      severity: catchAll ? 'high' : 'medium',
      risk: catchAll ? 50 : 25,
      evidence: { filters: filters.length, negated_only: catchAll },
    };
  },
  cases: [
    {
      name: 'negated tag filter that matches every secret',
      fires: true,
      records: [
        ct({
          name: 'BatchGetSecretValue',
          source: 'secretsmanager',
          actor: iamUser('svc-reporting'),
          params: { filters: [{ key: 'tag-key', values: ['!tagKeyThatWillNeverExist'] }] },
        }),
      ],
    },
    {
      name: 'negated filter combined with a positive tag filter',
      fires: true,
      records: [
        ct({
          name: 'BatchGetSecretValue',
          source: 'secretsmanager',
          actor: roleSession('orders-api', 'task-5f2c'),
          params: {
            filters: [
              { key: 'tag-key', values: ['!deprecated'] },
              { key: 'tag-value', values: ['orders'] },
            ],
          },
        }),
      ],
    },
    {
      name: 'explicit list of two secret ids',
      fires: false,
      records: [
        ct({
          name: 'BatchGetSecretValue',
          source: 'secretsmanager',
          params: { secretIdList: ['prod/api-key', 'prod/db-password'] },
        }),
      ],
    },
    {
      name: 'filter call denied',
      fires: false,
      records: [
        ct({
          name: 'BatchGetSecretValue',
          source: 'secretsmanager',
          params: { filters: [{ key: 'name', values: ['prod'] }] },
          error: 'AccessDeniedException',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const DENIED_ID = 'aws.secretsmanager.secret_access_denied';
const secretDenied: Detection = {
  id: DENIED_ID,
  title: 'Secret value refused to a person or an unexpected caller',
  description:
    'Secrets Manager refused GetSecretValue/BatchGetSecretValue for lack of permission, and the caller was a ' +
    'person (an SSO or federated session, an IAM user in the console, root, or an identity the record does not ' +
    "name), instance-profile credentials, or a workload (including an IAM user's key through an SDK, often a " +
    'service account) calling from outside the trusted networks. Workloads are granted the secrets they use, so a refusal there is ' +
    'usually a deployment bug and stays quiet; a person or a lifted credential trying secrets it has no right ' +
    'to is an attempt at the secrets store (T1555.006). Medium with low risk, once per principal per ten ' +
    'minutes; many distinct secrets is the bulk-retrieval rule. IaC/CI identities and AWS services are ignored.',
  attack: ['T1555.006'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['GetSecretValue', 'BatchGetSecretValue'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (eventSourceOf(raw) !== 'secretsmanager.amazonaws.com' || !isDenied(raw)) return undefined;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const caller = isInstanceRoleSession(raw)
      ? 'instance_credentials'
      : (secretReader(raw, ctx) ?? (actorClass(raw) === 'unknown' ? 'unidentified' : undefined));
    if (caller === undefined || !once(ctx, `${DENIED_ID}|${who}`, timeOf(ev), TEN_MIN)) return undefined;
    const secret =
      ctStr(raw, 'requestParameters.secretId') ?? ctStrings(raw, 'requestParameters.secretIdList')[0] ?? '';
    return { evidence: { api: eventNameOf(raw), secret: secret.slice(0, 256), caller } };
  },
  cases: [
    {
      name: 'an SSO developer is refused a production secret',
      fires: true,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: roleSession('AWSReservedSSO_Developer_0a1b2c3d4e5f6789', 'ana.silva'),
          params: { secretId: 'prod/payments/stripe-key' },
          error: 'AccessDenied',
        }),
      ],
    },
    {
      name: 'instance credentials refused a secret',
      fires: true,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: instanceRole('web-tier', 'i-0abcdef1234567890'),
          ip: '10.0.4.17',
          params: { secretId: 'prod/db/master' },
          error: 'AccessDeniedException',
        }),
      ],
    },
    {
      name: 'a workload inside refused its secret (deployment bug)',
      fires: false,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: roleSession('orders-api', 'task-5f2c'),
          ip: '10.0.8.21',
          params: { secretId: 'prod/orders/db' },
          error: 'AccessDeniedException',
        }),
      ],
    },
    {
      name: "a service account's IAM user key refused inside the trusted networks (deployment bug)",
      fires: false,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: iamUser('svc-orders'),
          ip: '10.0.8.21',
          params: { secretId: 'prod/orders/db' },
          error: 'AccessDeniedException',
        }),
      ],
    },
    {
      name: 'a person reads a secret successfully',
      fires: false,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: roleSession('AWSReservedSSO_Developer_0a1b2c3d4e5f6789', 'ana.silva'),
          params: { secretId: 'dev/payments/stripe-key' },
        }),
      ],
    },
    {
      name: 'a secret that does not exist',
      fires: false,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: roleSession('AWSReservedSSO_Developer_0a1b2c3d4e5f6789', 'ana.silva'),
          params: { secretId: 'prod/typo' },
          error: 'ResourceNotFoundException',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const RDS_LOG_ID = 'aws.rds.log_download_untrusted_network';
/** Logs that record statements (and so `CREATE USER … IDENTIFIED BY`), not just errors and timings. */
const STATEMENT_LOG = /audit|general/i;

const rdsLogOutside: Detection = {
  id: RDS_LOG_ID,
  title: 'Database logs downloaded from outside the trusted networks',
  description:
    'DownloadDBLogFilePortion or DownloadCompleteDBLogFile pulled a database log to an address outside the ' +
    'trusted networks. Database logs hold SQL text, user names and, in audit or general logs, passwords set in ' +
    'statements; taking them off-network is collection of data from a cloud service (T1530). Medium with low ' +
    'risk, medium risk for logs that record statements. Downloads inside the trusted networks (a DBA on the ' +
    'VPN) are left to the operational log-download rule; IaC/CI identities, failed calls and AWS services are ' +
    'ignored. One signal per principal and database per ten minutes (a download comes in many portions).',
  attack: ['T1530', 'T1005'],
  tactic: 'TA0009',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['DownloadDBLogFilePortion', 'DownloadCompleteDBLogFile'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (eventSourceOf(raw) !== 'rds.amazonaws.com' || !succeeded(raw) || isAwsServiceActor(raw))
      return undefined;
    const cls = actorClass(raw);
    if (cls === 'automation' || cls === 'service' || !fromUntrustedNetwork(raw, ctx)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const db = ctStr(raw, 'requestParameters.dBInstanceIdentifier') ?? '';
    if (!once(ctx, `${RDS_LOG_ID}|${who}|${db}`, timeOf(ev), TEN_MIN)) return undefined;
    const file = ctStr(raw, 'requestParameters.logFileName') ?? '';
    const statements = STATEMENT_LOG.test(file);
    return {
      risk: statements ? RISK.medium : RISK.low,
      evidence: { database: db.slice(0, 128), log_file: file.slice(0, 256), statement_log: statements },
    };
  },
  cases: [
    {
      name: 'audit log pulled by a user key from the internet',
      fires: true,
      records: [
        ct({
          name: 'DownloadDBLogFilePortion',
          source: 'rds',
          actor: iamUser('contractor-7'),
          ip: '198.51.100.201',
          params: {
            dBInstanceIdentifier: 'billing-db',
            logFileName: 'audit/server_audit.log',
            numberOfLines: 4000,
          },
        }),
      ],
    },
    {
      name: 'complete error log downloaded by a role session from outside',
      fires: true,
      records: [
        ct({
          name: 'DownloadCompleteDBLogFile',
          source: 'rds',
          actor: roleSession('ReadOnly', 'reporting'),
          ip: '203.0.113.9',
          params: { dBInstanceIdentifier: 'billing-db', logFileName: 'error/mysql-error.log' },
        }),
      ],
    },
    {
      name: 'a DBA on the VPN reads the error log',
      fires: false,
      records: [
        ct({
          name: 'DownloadDBLogFilePortion',
          source: 'rds',
          actor: roleSession('DBARole', 'dba'),
          ip: '10.0.1.100',
          params: { dBInstanceIdentifier: 'billing-db', logFileName: 'error/mysql-error.log' },
        }),
      ],
    },
    {
      name: 'download refused',
      fires: false,
      records: [
        ct({
          name: 'DownloadDBLogFilePortion',
          source: 'rds',
          actor: iamUser('contractor-7'),
          ip: '198.51.100.201',
          params: { dBInstanceIdentifier: 'billing-db', logFileName: 'audit/server_audit.log' },
          error: 'AccessDenied',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const SSM_ID = 'aws.ssm.bulk_parameter_decryption';
const paramRead = (i: number, extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'GetParameter',
  source: 'ssm',
  actor: roleSession('DeveloperAccess', 'sam.lee'),
  params: { name: `/prod/payments/secret-${i}`, withDecryption: true },
  at: i * 10,
  ...extra,
});

/** Decrypted parameters named in one GetParameters call that make a person's call bulk retrieval. */
const PERSON_BULK = 5;
const isPerson = (raw: unknown): boolean => {
  const cls = actorClass(raw);
  return cls === 'human' || cls === 'root';
};

const ssmBulk: Detection = {
  id: SSM_ID,
  title: 'SecureString parameters decrypted in bulk',
  description:
    'One principal decrypted many distinct SSM Parameter Store values (WithDecryption): ten or more in ten ' +
    'minutes, five or more named in a single GetParameters call by a person (workloads fetch their config in ' +
    'such batches; people do not need a handful of decrypted secrets at once), or the whole hierarchy walked ' +
    'from "/". Parameter Store often holds the same secrets as Secrets Manager; reading them wholesale is ' +
    'credential harvesting rather than a workload fetching its config. A single parameter read, reads without ' +
    'decryption, failed calls and AWS services stay quiet.',
  attack: ['T1555.006', 'T1552'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['GetParameter', 'GetParameters', 'GetParametersByPath', 'GetParameterHistory'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    if (!ctTrue(raw, 'requestParameters.withDecryption')) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const name = eventNameOf(raw);
    let names: string[];
    let wholeTree = false;
    if (name === 'GetParametersByPath') {
      const path = ctStr(raw, 'requestParameters.path') ?? '';
      wholeTree = path === '/' && ctTrue(raw, 'requestParameters.recursive');
      names = [`path:${path}`];
    } else if (name === 'GetParameters') {
      names = ctStrings(raw, 'requestParameters.names');
    } else {
      names = [ctStr(raw, 'requestParameters.name') ?? ''].filter((x) => x !== '');
    }
    const key = `${SSM_ID}|${who}`;
    const n = distinctAll(ctx, key, names, timeOf(ev), TEN_MIN);
    if (wholeTree && once(ctx, `${key}|root`, timeOf(ev), TEN_MIN)) {
      return { severity: 'high', risk: 50, evidence: { recursive_from_root: true, distinct_parameters: n } };
    }
    const tier = reachedTier(ctx, key, n, timeOf(ev), TEN_MIN, [
      { min: 10, severity: 'medium', risk: 25 },
      { min: 40, severity: 'high', risk: 50 },
    ]);
    if (tier)
      return {
        severity: tier.severity,
        risk: tier.risk,
        evidence: { distinct_parameters: n, window_minutes: 10 },
      };
    // A person naming many SecureStrings in one decrypting call is harvesting, whatever came before.
    const inCall = name === 'GetParameters' ? new Set(names).size : 0;
    if (inCall >= PERSON_BULK && isPerson(raw) && once(ctx, `${key}|call`, timeOf(ev), TEN_MIN))
      return { evidence: { parameters_in_call: inCall, distinct_parameters: n, window_minutes: 10 } };
    return undefined;
  },
  cases: [
    {
      name: 'eleven SecureStrings decrypted in one GetParameters call',
      fires: true,
      records: [
        ct({
          name: 'GetParameters',
          source: 'ssm',
          actor: roleSession('SampleRole', 'contractor'),
          params: {
            names: Array.from({ length: 11 }, (_, i) => `/credentials/app/credential-${i}`),
            withDecryption: true,
          },
        }),
      ],
    },
    {
      name: 'ten distinct decrypted reads in 100 seconds',
      fires: true,
      records: burst(10, (i) => paramRead(i)),
    },
    {
      name: 'recursive decrypted walk from the root',
      fires: true,
      records: [
        ct({
          name: 'GetParametersByPath',
          source: 'ssm',
          params: { path: '/', recursive: true, withDecryption: true },
        }),
      ],
    },
    {
      name: 'a person decrypts five SecureStrings in one call',
      fires: true,
      records: [
        ct({
          name: 'GetParameters',
          source: 'ssm',
          actor: roleSession('AWSReservedSSO_Developer_0a1b2c3d4e5f6789', 'ana.silva'),
          params: {
            names: ['/prod/db/password', '/prod/api/key', '/prod/smtp/pass', '/prod/jwt', '/prod/redis'],
            withDecryption: true,
          },
        }),
      ],
    },
    {
      name: 'an application decrypts its five settings in one call',
      fires: false,
      records: [
        ct({
          name: 'GetParameters',
          source: 'ssm',
          actor: roleSession('orders-api', 'task-5f2c'),
          params: {
            names: ['/orders/db', '/orders/key', '/orders/queue', '/orders/smtp', '/orders/jwt'],
            withDecryption: true,
          },
        }),
      ],
    },
    {
      name: 'a person reads one decrypted parameter',
      fires: false,
      records: [
        ct({
          name: 'GetParameter',
          source: 'ssm',
          actor: roleSession('AWSReservedSSO_Developer_0a1b2c3d4e5f6789', 'ana.silva'),
          params: { name: '/prod/db/password', withDecryption: true },
        }),
      ],
    },
    {
      name: 'same parameters read without decryption',
      fires: false,
      records: burst(12, (i) => paramRead(i, { params: { name: `/prod/app/flag-${i}` } })),
    },
    {
      name: 'an application reads three decrypted parameters at start-up',
      fires: false,
      records: burst(3, (i) => paramRead(i)),
    },
  ],
};

const SECRET_READ_ID = 'aws.secrets.secret_value_read_by_person';

/** Calls that hand back a secret in clear: Secrets Manager values, decrypted SecureStrings. */
const readsSecretValue = (raw: unknown): boolean => {
  const source = eventSourceOf(raw);
  if (source === 'secretsmanager.amazonaws.com') return true;
  return source === 'ssm.amazonaws.com' && ctTrue(raw, 'requestParameters.withDecryption');
};

/**
 * Who read the secret, when that is worth a place on the timeline. IAM users are often service
 * accounts (an application's long-term key), so one calling through an SDK counts only from outside
 * the trusted networks, like a workload; in the console it is a person.
 */
function secretReader(raw: unknown, ctx: DetectionContext): 'person' | 'outside' | undefined {
  const cls = actorClass(raw);
  if (cls === 'root') return 'person';
  if (cls === 'human' && (actorOf(raw).type !== 'IAMUser' || isConsoleSession(raw))) return 'person';
  if (cls === 'human' || cls === 'workload') return fromUntrustedNetwork(raw, ctx) ? 'outside' : undefined;
  return undefined;
}

const secretReadByPerson: Detection = {
  id: SECRET_READ_ID,
  title: 'Secret value read by a person, or by a workload from outside trusted networks',
  description:
    'A Secrets Manager value or a decrypted SSM SecureString was handed to a person (an SSO or federated ' +
    'session, an IAM user in the console, root), or to an application calling from outside the ' +
    "organisation's known networks (a role session, or an IAM user's key: those are often service accounts). " +
    'Applications read their secrets at start-up; a person reading one by hand is credential access ' +
    '(T1552), routine for a few administrators and exactly what an intruder in a borrowed session does first. A ' +
    'workload session calling from elsewhere holds credentials lifted off its host. Medium on the timeline with ' +
    'low risk, once per principal per ten minutes; many secrets is the bulk rules, refusals ' +
    'secret_access_denied. CI/IaC, AWS services, calls without decryption, failed calls and records that name ' +
    'no caller are left out.',
  attack: ['T1552', 'T1555.006'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: [
    'GetSecretValue',
    'BatchGetSecretValue',
    'GetParameter',
    'GetParameters',
    'GetParametersByPath',
    'GetParameterHistory',
  ],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || !readsSecretValue(raw)) return undefined;
    const caller = secretReader(raw, ctx);
    if (caller === undefined) return undefined;
    const who = principalOf(raw);
    if (!who || !once(ctx, `${SECRET_READ_ID}|${who}`, timeOf(ev), TEN_MIN)) return undefined;
    const secret =
      ctStr(raw, 'requestParameters.secretId') ??
      ctStrings(raw, 'requestParameters.secretIdList')[0] ??
      ctStr(raw, 'requestParameters.name') ??
      ctStrings(raw, 'requestParameters.names')[0] ??
      ctStr(raw, 'requestParameters.path') ??
      '';
    return {
      evidence: { api: eventNameOf(raw), secret: secret.slice(0, 256), caller, source_ip: sourceIpOf(raw) },
    };
  },
  cases: [
    {
      name: 'an SSO person decrypts a credential parameter',
      fires: true,
      records: [
        ct({
          name: 'GetParameter',
          source: 'ssm',
          actor: roleSession('AWSReservedSSO_Developer_0a1b2c3d4e5f6789', 'ana.silva'),
          params: { name: '/credentials/app/credentials-25', withDecryption: true },
        }),
      ],
    },
    {
      name: 'an IAM user reads a Secrets Manager value in the console',
      fires: true,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: iamUser('olga'),
          ip: '10.20.30.40',
          ua: 'console.amazonaws.com',
          params: { secretId: 'prod/payments/stripe-key' },
        }),
      ],
    },
    {
      name: "a service account's IAM user key reads its secret from the NAT egress",
      fires: false,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: iamUser('svc-orders'),
          ip: '10.20.30.40',
          params: { secretId: 'prod/orders/db' },
        }),
      ],
    },
    {
      name: 'the same key reads it from an unknown address',
      fires: true,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: iamUser('svc-orders'),
          ip: '198.51.100.24',
          params: { secretId: 'prod/orders/db' },
        }),
      ],
    },
    {
      name: 'an application role decrypts a parameter from an unknown address',
      fires: true,
      records: [
        ct({
          name: 'GetParameter',
          source: 'ssm',
          actor: roleSession('orders-api', 'task-5f2c'),
          ip: '1.2.3.4',
          params: { name: '/orders/db/password', withDecryption: true },
        }),
      ],
    },
    {
      name: 'the same application read from inside the VPC',
      fires: false,
      records: [
        ct({
          name: 'GetParameter',
          source: 'ssm',
          actor: roleSession('orders-api', 'task-5f2c'),
          ip: '10.0.4.17',
          params: { name: '/orders/db/password', withDecryption: true },
        }),
      ],
    },
    {
      name: 'a person reads a parameter without decryption',
      fires: false,
      records: [
        ct({
          name: 'GetParameter',
          source: 'ssm',
          actor: roleSession('AWSReservedSSO_Developer_0a1b2c3d4e5f6789', 'ana.silva'),
          params: { name: '/app/feature-flags' },
        }),
      ],
    },
    {
      name: 'a pipeline role reads its deploy secret from a hosted runner',
      fires: false,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: roleSession('github-actions-deploy', 'gha-4411'),
          params: { secretId: 'deploy/token' },
        }),
      ],
    },
    {
      name: 'a refused read (secret_access_denied rates it)',
      fires: false,
      records: [
        ct({
          name: 'GetSecretValue',
          source: 'secretsmanager',
          actor: iamUser('olga'),
          error: 'AccessDeniedException',
          params: { secretId: 'prod/payments/stripe-key' },
        }),
      ],
    },
    {
      name: 'a second read within ten minutes adds nothing',
      fires: false,
      records: burst(2, (i) => ({
        name: 'GetParameter',
        source: 'ssm',
        actor: roleSession('AWSReservedSSO_Developer_0a1b2c3d4e5f6789', 'ana.silva'),
        params: { name: `/credentials/app/credentials-${i}`, withDecryption: true },
        at: i * 60,
      })),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const PWD_ID = 'aws.ec2.password_data_retrieved';
const passwordData: Detection = {
  id: PWD_ID,
  title: 'EC2 Windows password data retrieved',
  description:
    'GetPasswordData returns the encrypted local Administrator password of a Windows instance; with the ' +
    'launch key pair it opens RDP. One retrieval is ordinary admin work and stays low; attempts across ' +
    'several instances by one principal (successful or denied) look like an intruder hunting for a way in.',
  attack: ['T1552'],
  tactic: 'TA0006',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: ['GetPasswordData'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const instance = ctStr(raw, 'requestParameters.instanceId');
    if (!who || !instance) return undefined;
    const key = `${PWD_ID}|${who}`;
    const n = ctx.window.distinct(key, instance, timeOf(ev), TEN_MIN);
    const entities = [resourceEntity(instanceArn(raw, instance))];
    const tier = reachedTier(ctx, key, n, timeOf(ev), TEN_MIN, [{ min: 3, severity: 'medium', risk: 25 }]);
    if (tier)
      return { severity: tier.severity, risk: tier.risk, entities, evidence: { distinct_instances: n } };
    if (succeeded(raw)) return { entities, evidence: { instance_id: instance } };
    return undefined;
  },
  cases: [
    {
      name: 'administrator retrieves one password',
      fires: true,
      records: [
        ct({
          name: 'GetPasswordData',
          source: 'ec2',
          params: { instanceId: 'i-0a1b2c3d4e5f60718' },
          response: { instanceId: 'i-0a1b2c3d4e5f60718', passwordData: '', timestamp: 1715677200000 },
        }),
      ],
    },
    {
      name: 'denied attempts against three instances',
      fires: true,
      records: burst(3, (i) => ({
        name: 'GetPasswordData',
        source: 'ec2',
        actor: iamUser('legacy-ci'),
        params: { instanceId: `i-0a1b2c3d4e5f6071${i}` },
        error: 'Client.UnauthorizedOperation',
        at: i * 5,
      })),
    },
    {
      name: 'a single denied attempt',
      fires: false,
      records: [
        ct({
          name: 'GetPasswordData',
          source: 'ec2',
          params: { instanceId: 'i-0a1b2c3d4e5f60718' },
          error: 'Client.UnauthorizedOperation',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const UD_ID = 'aws.ec2.instance_user_data_read';
const userDataRead: Detection = {
  id: UD_ID,
  title: 'EC2 instance user data downloaded',
  description:
    'DescribeInstanceAttribute with attribute=userData returns the boot script of an instance, which often ' +
    'carries passwords, tokens or bootstrap keys (T1552.005). The probe is the signal, successful or not: a ' +
    'refused attempt, or a read by a person or by a workload calling from outside the trusted networks, is ' +
    'medium with low risk (once per principal per ten minutes); other reads (IaC/CI, workloads inside the ' +
    'trusted networks) stay low. The same principal pulling user data from five or more instances is a sweep ' +
    'for embedded credentials (medium risk) — posture scanners do that too, so it stays below high. AWS ' +
    "services, including scanners that read through CloudFormation on a role's behalf, are ignored.",
  attack: ['T1552.005', 'T1580'],
  tactic: 'TA0006',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: ['DescribeInstanceAttribute'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (ctStr(raw, 'requestParameters.attribute') !== 'userData' || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const instance = ctStr(raw, 'requestParameters.instanceId');
    if (!who || !instance) return undefined;
    const key = `${UD_ID}|${who}`;
    const n = ctx.window.distinct(key, instance, timeOf(ev), TEN_MIN);
    const entities = [resourceEntity(instanceArn(raw, instance))];
    const tier = reachedTier(ctx, key, n, timeOf(ev), TEN_MIN, [{ min: 5, severity: 'medium', risk: 25 }]);
    if (tier)
      return { severity: tier.severity, risk: tier.risk, entities, evidence: { distinct_instances: n } };
    // One signal per principal per burst; a denied attempt still shows what was being looked for.
    if (!once(ctx, `${key}|first`, timeOf(ev), TEN_MIN)) return undefined;
    const refused = isDenied(raw);
    const caller = notableCaller(raw, ctx);
    const evidence = { instance_id: instance, denied: refused, caller: caller ?? 'routine' };
    if (refused || caller !== undefined) return { severity: 'medium', risk: 10, entities, evidence };
    return succeeded(raw) ? { entities, evidence } : undefined;
  },
  cases: [
    {
      name: 'an assumed role downloads the user data of one instance',
      fires: true,
      records: [
        ct({
          name: 'DescribeInstanceAttribute',
          source: 'ec2',
          actor: roleSession('SampleRole', 'sample-session'),
          params: { attribute: 'userData', instanceId: 'i-1234567890abcdefa' },
        }),
      ],
    },
    {
      name: 'user data of five instances, some denied',
      fires: true,
      records: burst(5, (i) => ({
        name: 'DescribeInstanceAttribute',
        source: 'ec2',
        params: { attribute: 'userData', instanceId: `i-1234567890abcdef${i}` },
        error: i % 2 === 0 ? 'Client.UnauthorizedOperation' : undefined,
        at: i * 3,
      })),
    },
    {
      name: 'a single denied attempt',
      fires: true,
      records: [
        ct({
          name: 'DescribeInstanceAttribute',
          source: 'ec2',
          params: { attribute: 'userData', instanceId: 'i-1234567890abcdefa' },
          error: 'Client.UnauthorizedOperation',
        }),
      ],
    },
    {
      name: 'instance type attribute, not user data',
      fires: false,
      records: [
        ct({
          name: 'DescribeInstanceAttribute',
          source: 'ec2',
          params: { attribute: 'instanceType', instanceId: 'i-1234567890abcdefa' },
        }),
      ],
    },
    {
      name: 'a posture scanner reading user data through CloudFormation',
      fires: false,
      records: [
        ct({
          name: 'DescribeInstanceAttribute',
          source: 'ec2',
          actor: serviceDriven('cloudformation.amazonaws.com', 'AuditRole'),
          params: { attribute: 'userData', instanceId: 'i-1234567890abcdefa' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

/** APIs a workload's own instance profile almost never needs, and a stolen one calls first. */
const IDENTITY_RECON = [
  'ListBuckets',
  'ListAttachedRolePolicies',
  'ListRolePolicies',
  'GetRolePolicy',
  'GetRole',
  'ListRoles',
  'ListUsers',
  'ListGroups',
  'ListPolicies',
  'GetPolicy',
  'GetPolicyVersion',
  'ListAttachedUserPolicies',
  'ListAccessKeys',
  'ListInstanceProfiles',
  'GetAccountAuthorizationDetails',
  'GetAccountSummary',
  'SimulatePrincipalPolicy',
  'ListAccountAliases',
] as const;

const IMDS_ID = 'aws.ec2.instance_credentials_recon';
const instanceCredsRecon: Detection = {
  id: IMDS_ID,
  title: 'Instance-profile credentials used for IAM and S3 reconnaissance',
  description:
    'A session whose credentials were issued to an EC2 instance through its instance profile is listing ' +
    'IAM roles, users, policies or all S3 buckets. Workloads call the data APIs they were built for; ' +
    '"what can this role do?" questions are what someone asks after lifting the credentials from the ' +
    'metadata service (SSRF, a compromised container). Denied calls count: stolen instance roles rarely ' +
    'hold IAM read rights. (Where the credentials are used from — outside EC2 — is the initial-access rule.)',
  attack: ['T1552.005', 'T1087.004'],
  tactic: 'TA0006',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: IDENTITY_RECON,
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!isInstanceRoleSession(raw) || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw) ?? '';
    if (!once(ctx, `${IMDS_ID}|${who}`, timeOf(ev), TEN_MIN)) return undefined;
    return {
      evidence: { api: eventNameOf(raw), denied: !succeeded(raw), session: who.split('/').pop() ?? '' },
    };
  },
  cases: [
    {
      name: 'web tier instance role lists its own attached policies',
      fires: true,
      records: [
        ct({
          name: 'ListAttachedRolePolicies',
          source: 'iam',
          actor: instanceRole('web-tier', 'i-0abcdef1234567890'),
          ip: '45.33.32.156',
          params: { roleName: 'web-tier' },
          error: 'AccessDenied',
        }),
      ],
    },
    {
      name: 'instance role lists all buckets',
      fires: true,
      records: [
        ct({
          name: 'ListBuckets',
          source: 's3',
          actor: instanceRole('batch-worker', 'i-0fedcba9876543210'),
          ip: '10.0.4.17',
        }),
      ],
    },
    {
      name: 'instance role doing its normal work',
      fires: false,
      records: [
        ct({
          name: 'GetObject',
          source: 's3',
          actor: instanceRole('batch-worker', 'i-0fedcba9876543210'),
          ip: '10.0.4.17',
          params: { bucketName: 'batch-input', key: 'jobs/2024-05-14.json' },
          data: true,
        }),
      ],
    },
    {
      name: 'an engineer role listing IAM roles',
      fires: false,
      records: [ct({ name: 'ListRoles', source: 'iam', actor: roleSession('PlatformAdmin', 'jane.doe') })],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const LAMBDA_ID = 'aws.lambda.function_configuration_harvest';
const lambdaHarvest: Detection = {
  id: LAMBDA_ID,
  title: 'Configuration of many Lambda functions read',
  description:
    'One principal fetched the full configuration (environment variables included) or code location of many ' +
    'distinct Lambda functions within minutes. Environment variables are a common home for database ' +
    'passwords and API tokens, and tools such as Pacu dump them function by function.',
  attack: ['T1552'],
  tactic: 'TA0006',
  severity: 'low',
  risk: 15,
  sources: ['cloudtrail'],
  triggers: [
    'GetFunction',
    'GetFunction20150331',
    'GetFunction20150331v2',
    'GetFunctionConfiguration',
    'GetFunctionConfiguration20150331',
    'GetFunctionConfiguration20150331v2',
  ],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const fn = ctStr(raw, 'requestParameters.functionName');
    if (!who || !fn) return undefined;
    const key = `${LAMBDA_ID}|${who}`;
    const n = ctx.window.distinct(
      key,
      fn.replace(/^arn:.*:function:/, '').split(':')[0] ?? fn,
      timeOf(ev),
      TEN_MIN,
    );
    const tier = reachedTier(ctx, key, n, timeOf(ev), TEN_MIN, [
      { min: 10, severity: 'low', risk: 15 },
      { min: 30, severity: 'medium', risk: 25 },
    ]);
    return tier
      ? { severity: tier.severity, risk: tier.risk, evidence: { distinct_functions: n } }
      : undefined;
  },
  cases: [
    {
      name: 'configuration of ten functions in two minutes',
      fires: true,
      records: burst(10, (i) => ({
        name: 'GetFunctionConfiguration20150331v2',
        source: 'lambda',
        actor: iamUser('old-deploy-bot'),
        params: { functionName: `orders-handler-${i}` },
        at: i * 12,
      })),
    },
    {
      name: 'a developer inspecting one function over and over',
      fires: false,
      records: burst(15, (i) => ({
        name: 'GetFunction20150331v2',
        source: 'lambda',
        params: { functionName: 'orders-handler' },
        at: i * 20,
      })),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

/** Services the Systems Manager agent talks to with its default host-management identity. */
const AGENT_SOURCES = new Set([
  'ssm.amazonaws.com',
  'ssmmessages.amazonaws.com',
  'ec2messages.amazonaws.com',
]);

const AGENT_ID = 'aws.ssm.agent_identity_credentials_misused';
const AGENT_ROLE_ARN = /:assumed-role\/aws:[^/]+\//;
const agentIdentity: Detection = {
  id: AGENT_ID,
  title: 'SSM agent identity credentials used outside Systems Manager',
  description:
    'Credentials of the "aws:ec2-instance" style role that Systems Manager issues to its agent (Default Host ' +
    'Management) were used for an API outside Systems Manager. They exist only for the agent to talk to SSM; ' +
    'any other call means someone read them from the instance metadata service and is trying them out.',
  attack: ['T1552.005'],
  tactic: 'TA0006',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    const arn = arnAt(raw) ?? '';
    // Runs on every event: a substring test rejects nearly all before the exact pattern.
    if (!arn.includes(':assumed-role/aws:') || !AGENT_ROLE_ARN.test(arn)) return undefined;
    if (AGENT_SOURCES.has(eventSourceOf(raw)) || eventNameOf(raw) === 'RegisterManagedInstance')
      return undefined;
    if (sourceIpOf(raw) === 'AWS Internal' || isAwsServiceActor(raw)) return undefined;
    if (!once(ctx, `${AGENT_ID}|${arn}`, timeOf(ev), TEN_MIN)) return undefined;
    return {
      evidence: {
        api: `${eventSourceOf(raw).replace('.amazonaws.com', '')}:${eventNameOf(raw)}`,
        denied: !succeeded(raw),
      },
    };
  },
  cases: [
    {
      name: 'agent identity lists buckets from a VPS',
      fires: true,
      records: [
        ct({
          name: 'ListBuckets',
          source: 's3',
          actor: roleSession('aws:ec2-instance', 'i-0a1b2c3d4e5f60718'),
          ip: '159.223.10.4',
          error: 'AccessDenied',
        }),
      ],
    },
    {
      name: 'agent identity polling for commands',
      fires: false,
      records: [
        ct({
          name: 'GetMessages',
          source: 'ec2messages',
          actor: roleSession('aws:ec2-instance', 'i-0a1b2c3d4e5f60718'),
          ip: '10.0.3.9',
        }),
      ],
    },
    {
      name: 'an ordinary role listing buckets',
      fires: false,
      records: [ct({ name: 'ListBuckets', source: 's3', actor: roleSession('DataEngineer', 'amal') })],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

/** Container / instance metadata credential endpoints and the variables that point at them. */
const CREDENTIAL_ENDPOINT =
  /(AWS_CONTAINER_CREDENTIALS_(RELATIVE|FULL)_URI|169\.254\.170\.2|169\.254\.169\.254\/latest\/(meta-data\/iam|api\/token)|fd00:ec2::254|\/v2\/credentials)/i;

function commandStrings(raw: unknown): string[] {
  const out: string[] = [];
  const push = (v: unknown) => {
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') out.push(x);
  };
  for (const def of ctList(raw, 'requestParameters.containerDefinitions')) {
    push(ctGet(def, 'command'));
    push(ctGet(def, 'entryPoint'));
  }
  for (const o of ctList(raw, 'requestParameters.overrides.containerOverrides')) push(ctGet(o, 'command'));
  push(ctGet(raw, 'requestParameters.parameters.commands'));
  push(ctGet(raw, 'requestParameters.parameters.command'));
  return out;
}

const endpointInCommand: Detection = {
  id: 'aws.compute.credential_endpoint_in_command',
  title: 'Command reads role credentials from the metadata endpoint',
  description:
    'A container command (ECS task definition or RunTask override) or an SSM command line reads the task or ' +
    'instance role credentials from the metadata endpoint (169.254.170.2, $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, ' +
    '169.254.169.254/latest/meta-data/iam). SDKs do this internally; a command doing it by hand is printing ' +
    'the credentials so they can be taken elsewhere.',
  attack: ['T1552.005'],
  tactic: 'TA0006',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['RegisterTaskDefinition', 'RunTask', 'SendCommand', 'StartSession'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const hit = commandStrings(raw).find((c) => CREDENTIAL_ENDPOINT.test(c));
    if (!hit) return undefined;
    return {
      evidence: {
        api: eventNameOf(raw),
        family: ctStr(raw, 'requestParameters.family') ?? '',
        command_excerpt: hit.slice(0, 160),
      },
    };
  },
  cases: [
    {
      name: 'task definition that curls the container credential endpoint',
      fires: true,
      records: [
        ct({
          name: 'RegisterTaskDefinition',
          source: 'ecs',
          params: {
            family: 'debug-tools',
            containerDefinitions: [
              {
                name: 'debug',
                image: 'public.ecr.aws/docker/library/alpine:3.19',
                command: [
                  'sh',
                  '-c',
                  'wget -qO- http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
                ],
                essential: true,
              },
            ],
            requiresCompatibilities: ['FARGATE'],
          },
        }),
      ],
    },
    {
      name: 'NO_PROXY for the metadata endpoints in the environment only',
      fires: false,
      records: [
        ct({
          name: 'RegisterTaskDefinition',
          source: 'ecs',
          params: {
            family: 'web',
            containerDefinitions: [
              {
                name: 'web',
                image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/web:42',
                command: ['node', 'server.js'],
                environment: [{ name: 'NO_PROXY', value: '169.254.169.254,169.254.170.2' }],
              },
            ],
          },
        }),
      ],
    },
  ],
};

export const AWS_CREDENTIAL_ACCESS: readonly Detection[] = [
  secretsBulk,
  batchByFilter,
  secretDenied,
  ssmBulk,
  secretReadByPerson,
  passwordData,
  userDataRead,
  instanceCredsRecon,
  lambdaHarvest,
  agentIdentity,
  endpointInCommand,
  rdsLogOutside,
];
