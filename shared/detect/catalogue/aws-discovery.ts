/**
 * Discovery on AWS: an intruder's first minutes with new credentials — sweeping read APIs across
 * services, dumping IAM, probing permissions, mapping buckets and the defences watching them.
 */
import type { Detection, Hit } from '../types.ts';
import { RISK } from './aws-helpers-a.ts';
import {
  awsService,
  burst,
  type CtSpec,
  ct,
  ctStr,
  ctTrue,
  eventNameOf,
  eventSourceOf,
  iamUser,
  isAwsServiceActor,
  isConsoleSession,
  isDenied,
  MAX_MEMO_VALUE,
  MINUTE,
  memoKeys,
  notableCaller,
  once,
  principalOf,
  reachedTier,
  roleSession,
  serviceDriven,
  succeeded,
  timeOf,
} from './aws-helpers-b.ts';

const TEN_MIN = 10 * MINUTE;

// ---------------------------------------------------------------------------------------------

const READ_API = /^(List|Describe|Get|BatchGet|Search|Lookup)/;
/** Reads that workloads make all day long (data plane, config fetches, agents): not enumeration. */
const WORKLOAD_READS = new Set([
  'GetObject',
  'GetObjectTagging',
  'GetItem',
  'BatchGetItem',
  'GetRecords',
  'GetShardIterator',
  'DescribeStream',
  'GetQueueUrl',
  'GetQueueAttributes',
  'GetParameter',
  'GetParameters',
  'GetParametersByPath',
  'GetSecretValue',
  'GetAuthorizationToken',
  'GetDownloadUrlForLayer',
  'BatchGetImage',
  'GetLogEvents',
  'GetMetricData',
  'GetMetricStatistics',
  'GetMessages',
  'GetDataEndpoint',
  'GetCredentialsForIdentity',
  'GetId',
]);
const AGENT_SOURCES = new Set([
  'ec2messages.amazonaws.com',
  'ssmmessages.amazonaws.com',
  'ssm-guiconnect.amazonaws.com',
]);

const ENUM_ID = 'aws.recon.api_enumeration_burst';
const read = (i: number, api: string, source: string, extra: Partial<CtSpec> = {}): CtSpec => ({
  name: api,
  source,
  actor: iamUser('backup-sync'),
  ip: '185.220.101.33',
  ua: 'Boto3/1.34.10 md/Botocore#1.34.10 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11',
  at: i * 20,
  ...extra,
});
const SWEEP: [string, string][] = [
  ['GetCallerIdentity', 'sts'],
  ['ListUsers', 'iam'],
  ['ListRoles', 'iam'],
  ['ListBuckets', 's3'],
  ['DescribeInstances', 'ec2'],
  ['DescribeSecurityGroups', 'ec2'],
  ['ListFunctions20150331', 'lambda'],
  ['DescribeDBInstances', 'rds'],
  ['ListSecrets', 'secretsmanager'],
  ['DescribeTrails', 'cloudtrail'],
];

const enumKeys = memoKeys((who) => ({
  apis: `${ENUM_ID}|api|${who}`,
  tiers: `${ENUM_ID}|${who}`,
}));

/**
 * The window member of one API (`service:Name`), built once per pair: the window looks members up
 * by string, and a string concatenated afresh on every event must be flattened and hashed again.
 * Bounded like memoKeys, since names come from the stream.
 */
const apiMembers = new Map<string, Map<string, string>>();
let apiMemberCount = 0;
function apiMember(source: string, name: string): string {
  if (source.length + name.length > MAX_MEMO_VALUE) return `${source}:${name}`;
  const known = apiMembers.get(source)?.get(name);
  if (known !== undefined) return known;
  if (apiMemberCount >= 4096) {
    apiMembers.clear();
    apiMemberCount = 0;
  }
  let byName = apiMembers.get(source);
  if (byName === undefined) {
    byName = new Map();
    apiMembers.set(source, byName);
  }
  const member = `${source}:${name}`;
  byName.set(name, member);
  apiMemberCount++;
  return member;
}

const apiEnumeration: Detection = {
  id: ENUM_ID,
  title: 'Read-API enumeration across many services',
  description:
    'One principal called at least eight distinct List/Describe/Get APIs spread over four or more AWS services ' +
    'within ten minutes. Tools that map an account after a credential theft (Pacu, ScoutSuite, enumerate-iam, ' +
    'hand-run CLI sweeps) produce exactly this breadth; applications and pipelines usually stay within the few ' +
    'services they use. Console page loads and AWS service calls are ignored; failed calls count.',
  attack: ['T1580', 'T1526', 'T1087.004'],
  tactic: 'TA0007',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  // The engine asks this once per API name, so the detection itself only meets read APIs.
  acceptsKey: (name) => READ_API.test(name) && !WORKLOAD_READS.has(name),
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    const name = eventNameOf(raw);
    const source = eventSourceOf(raw);
    if (AGENT_SOURCES.has(source)) return undefined;
    if (isAwsServiceActor(raw) || isConsoleSession(raw)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const t = timeOf(ev);
    const keys = enumKeys(who);
    // One grouped window: the services are those of the APIs still inside it.
    const { members: apis, groups: services } = ctx.window.distinctGrouped(
      keys.apis,
      apiMember(source, name),
      source,
      t,
      TEN_MIN,
    );
    if (services < 4) return undefined;
    const tier = reachedTier(ctx, keys.tiers, apis, t, TEN_MIN, [
      { min: 8, severity: 'medium', risk: 25 },
      { min: 50, severity: 'high', risk: 50 },
    ]);
    return tier
      ? {
          severity: tier.severity,
          risk: tier.risk,
          evidence: { distinct_apis: apis, distinct_services: services },
        }
      : undefined;
  },
  cases: [
    {
      name: 'eight distinct reads over six services from a leaked user key',
      fires: true,
      records: SWEEP.slice(0, 8).map(([api, source], i) => ct(read(i, api, source))),
    },
    {
      name: 'a pipeline reading many EC2 and ELB APIs (two services only)',
      fires: false,
      records: [
        'DescribeInstances',
        'DescribeVpcs',
        'DescribeSubnets',
        'DescribeSecurityGroups',
        'DescribeImages',
        'DescribeVolumes',
        'DescribeSnapshots',
        'DescribeKeyPairs',
        'DescribeAddresses',
        'DescribeLoadBalancers',
        'DescribeTargetGroups',
      ].map((api, i) =>
        ct(read(i, api, api.includes('Load') || api.includes('Target') ? 'elasticloadbalancing' : 'ec2')),
      ),
    },
    {
      name: 'the same sweep driven by AWS Config',
      fires: false,
      records: SWEEP.map(([api, source], i) =>
        ct(read(i, api, source, { actor: serviceDriven('config.amazonaws.com', 'AWSServiceRoleForConfig') })),
      ),
    },
    {
      name: 'seven distinct reads only',
      fires: false,
      records: SWEEP.slice(0, 7).map(([api, source], i) => ct(read(i, api, source))),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const gaad: Detection = {
  id: 'aws.iam.authorization_details_dump',
  title: 'Whole IAM configuration downloaded',
  description:
    'GetAccountAuthorizationDetails returns every user, group, role and policy of the account in one call: ' +
    'the map an attacker needs to plan privilege escalation. Outside scheduled security tooling this is rare.',
  attack: ['T1087.004', 'T1069.003'],
  tactic: 'TA0007',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['GetAccountAuthorizationDetails'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    return { evidence: { filter: String(ctStr(raw, 'requestParameters.filter') ?? 'all') } };
  },
  cases: [
    {
      name: 'a developer role dumps the IAM configuration',
      fires: true,
      records: [
        ct({
          name: 'GetAccountAuthorizationDetails',
          source: 'iam',
          actor: roleSession('Developer', 'temp-contractor'),
        }),
      ],
    },
    {
      name: 'the call is denied',
      fires: false,
      records: [
        ct({
          name: 'GetAccountAuthorizationDetails',
          source: 'iam',
          actor: roleSession('Developer', 'temp-contractor'),
          error: 'AccessDenied',
        }),
      ],
    },
    {
      name: 'AWS Config reads it through its service-linked role',
      fires: false,
      records: [
        ct({
          name: 'GetAccountAuthorizationDetails',
          source: 'iam',
          actor: serviceDriven('config.amazonaws.com', 'AWSServiceRoleForConfig'),
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const DENY_ID = 'aws.recon.access_denied_burst';
const denied = (i: number, api: string, source: string, extra: Partial<CtSpec> = {}): CtSpec => ({
  name: api,
  source,
  actor: roleSession('lambda-orders', 'orders-handler'),
  ip: '203.0.113.77',
  error: source === 'ec2' ? 'Client.UnauthorizedOperation' : 'AccessDenied',
  at: i * 7,
  ...extra,
});
const PROBE: [string, string][] = [
  ['ListUsers', 'iam'],
  ['ListBuckets', 's3'],
  ['DescribeInstances', 'ec2'],
  ['ListSecrets', 'secretsmanager'],
  ['DescribeDBInstances', 'rds'],
  ['ListFunctions20150331', 'lambda'],
];

const accessDeniedBurst: Detection = {
  id: DENY_ID,
  title: 'Permission probing: many distinct APIs denied',
  description:
    'One principal was refused on six or more distinct APIs within ten minutes. A misconfigured workload ' +
    'fails on the same call over and over; stolen credentials being tested for what they can do fail on ' +
    'many different calls. Console sessions and AWS service calls are ignored.',
  attack: ['T1069.003', 'T1526'],
  tactic: 'TA0007',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!isDenied(raw) || isAwsServiceActor(raw) || isConsoleSession(raw)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const t = timeOf(ev);
    const key = `${DENY_ID}|${who}`;
    const n = ctx.window.distinct(key, `${eventSourceOf(raw)}:${eventNameOf(raw)}`, t, TEN_MIN);
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [
      { min: 6, severity: 'medium', risk: 25 },
      { min: 20, severity: 'high', risk: 50 },
    ]);
    return tier
      ? { severity: tier.severity, risk: tier.risk, evidence: { distinct_denied_apis: n } }
      : undefined;
  },
  cases: [
    {
      name: 'a function role suddenly denied on six services',
      fires: true,
      records: PROBE.map(([api, source], i) => ct(denied(i, api, source))),
    },
    {
      name: 'a broken job retrying one denied call',
      fires: false,
      records: burst(12, (i) => denied(i, 'PutObject', 's3')),
    },
    {
      name: 'six distinct calls that all succeed',
      fires: false,
      records: PROBE.map(([api, source], i) => ct(denied(i, api, source, { error: undefined }))),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const BUCKET_READS = [
  'GetBucketAcl',
  'GetBucketPolicy',
  'GetBucketPolicyStatus',
  'GetBucketPublicAccessBlock',
  'GetBucketLocation',
  'GetBucketVersioning',
  'GetBucketEncryption',
  'GetBucketLogging',
  'GetBucketReplication',
  'GetBucketWebsite',
  'GetBucketCors',
  'GetBucketTagging',
  'GetBucketOwnershipControls',
  'ListObjects',
  'ListObjectsV2',
  'ListObjectVersions',
  'ListBucket',
  'HeadBucket',
] as const;

const SWEEP_ID = 'aws.s3.bucket_sweep';
const bucketSweep: Detection = {
  id: SWEEP_ID,
  title: 'Configuration or contents of many S3 buckets inspected',
  description:
    'One principal read the ACL, policy, public-access settings or object listing of ten or more distinct ' +
    'buckets within ten minutes: the usual follow-up to ListBuckets when someone is looking for exposed or ' +
    'valuable data. Posture scanners do the same, so this stays low unless the sweep is large.',
  attack: ['T1619'],
  tactic: 'TA0007',
  severity: 'low',
  risk: 15,
  sources: ['cloudtrail'],
  triggers: BUCKET_READS,
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const bucket = ctStr(raw, 'requestParameters.bucketName');
    if (!who || !bucket) return undefined;
    const t = timeOf(ev);
    const key = `${SWEEP_ID}|${who}`;
    const n = ctx.window.distinct(key, bucket, t, TEN_MIN);
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [
      { min: 10, severity: 'low', risk: 15 },
      { min: 50, severity: 'medium', risk: 25 },
    ]);
    return tier ? { severity: tier.severity, risk: tier.risk, evidence: { distinct_buckets: n } } : undefined;
  },
  cases: [
    {
      name: 'ACL and policy of ten buckets read in a row',
      fires: true,
      records: burst(10, (i) => ({
        name: i % 2 ? 'GetBucketPolicy' : 'GetBucketAcl',
        source: 's3',
        actor: iamUser('marketing-uploader'),
        params: { bucketName: `corp-bucket-${i}`, acl: '' },
        at: i * 4,
      })),
    },
    {
      name: 'an application listing one bucket repeatedly',
      fires: false,
      records: burst(20, (i) => ({
        name: 'ListObjectsV2',
        source: 's3',
        params: { bucketName: 'app-uploads', 'list-type': '2', prefix: `batch/${i}` },
        data: true,
        at: i * 5,
      })),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const SECURITY_READS = [
  'ListDetectors',
  'GetDetector',
  'ListFindings',
  'GetFindings',
  'GetFindingsStatistics',
  'ListIPSets',
  'ListThreatIntelSets',
  'ListFilters',
  'GetAdministratorAccount',
  'GetMasterAccount',
  'DescribeHub',
  'GetEnabledStandards',
  'DescribeTrails',
  'GetTrailStatus',
  'GetEventSelectors',
  'ListTrails',
  'DescribeConfigurationRecorders',
  'DescribeConfigurationRecorderStatus',
  'DescribeDeliveryChannels',
  'ListAnalyzers',
  'GetMacieSession',
  'BatchGetAccountStatus',
  'ListGraphs',
] as const;

/** Roles whose job is to read security tooling; a heuristic, hence the low severity overall. */
const SECURITY_PRINCIPAL =
  /secur|audit|guardduty|complian|inspector|scanner|cspm|prowler|(^|[^a-z])(soc|siem)([^a-z]|$)/i;

const DEFENSE_ID = 'aws.security_tooling.reconnaissance';
const securityRecon: Detection = {
  id: DEFENSE_ID,
  title: 'Security monitoring inspected by a non-security principal',
  description:
    'A principal that does not look like security tooling queried three or more security services ' +
    '(GuardDuty detectors and findings, Security Hub, CloudTrail trail status, Config recorders, Access ' +
    'Analyzer, Macie, Inspector, Detective) within ten minutes. Intruders check what is watching before ' +
    'they act or turn it off.',
  attack: ['T1518.001'],
  tactic: 'TA0007',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: SECURITY_READS,
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    if (!who || SECURITY_PRINCIPAL.test(who)) return undefined;
    const t = timeOf(ev);
    const key = `${DEFENSE_ID}|${who}`;
    const n = ctx.window.distinct(key, eventSourceOf(raw), t, TEN_MIN);
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [
      { min: 3, severity: 'low', risk: 10 },
      { min: 5, severity: 'medium', risk: 25 },
    ]);
    return tier
      ? { severity: tier.severity, risk: tier.risk, evidence: { distinct_security_services: n } }
      : undefined;
  },
  cases: [
    {
      name: 'a developer key checks GuardDuty, CloudTrail and Security Hub',
      fires: true,
      records: [
        ct({ name: 'ListDetectors', source: 'guardduty', actor: iamUser('dev-bob'), at: 0 }),
        ct({
          name: 'GetTrailStatus',
          source: 'cloudtrail',
          actor: iamUser('dev-bob'),
          params: { name: 'org-trail' },
          at: 30,
        }),
        ct({ name: 'DescribeHub', source: 'securityhub', actor: iamUser('dev-bob'), at: 60 }),
      ],
    },
    {
      name: 'the security audit role doing the same',
      fires: false,
      records: [
        ct({
          name: 'ListDetectors',
          source: 'guardduty',
          actor: roleSession('SecurityAudit', 'nightly'),
          at: 0,
        }),
        ct({
          name: 'GetTrailStatus',
          source: 'cloudtrail',
          actor: roleSession('SecurityAudit', 'nightly'),
          at: 30,
        }),
        ct({
          name: 'DescribeHub',
          source: 'securityhub',
          actor: roleSession('SecurityAudit', 'nightly'),
          at: 60,
        }),
      ],
    },
    {
      name: 'one service only',
      fires: false,
      records: [
        ct({ name: 'ListDetectors', source: 'guardduty', actor: iamUser('dev-bob'), at: 0 }),
        ct({ name: 'ListFindings', source: 'guardduty', actor: iamUser('dev-bob'), at: 30 }),
        ct({ name: 'GetFindings', source: 'guardduty', actor: iamUser('dev-bob'), at: 60 }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const REPORT_ID = 'aws.iam.credential_report_access';
const credentialReport: Detection = {
  id: REPORT_ID,
  title: 'IAM credential report generated or downloaded',
  description:
    'The credential report lists every IAM user with password and access-key age, last use and MFA state: ' +
    'a ready-made list of stale, unprotected identities to take over. Low on its own; auditors pull it too.',
  attack: ['T1087.004'],
  tactic: 'TA0007',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: ['GenerateCredentialReport', 'GetCredentialReport'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw) ?? '';
    // Generate and Get come in pairs: one signal per principal per hour.
    if (!once(ctx, `${REPORT_ID}|${who}`, timeOf(ev), 60 * MINUTE)) return undefined;
    return { evidence: { api: eventNameOf(raw) } };
  },
  cases: [
    {
      name: 'report generated then downloaded by a user key',
      fires: true,
      records: [ct({ name: 'GenerateCredentialReport', source: 'iam', actor: iamUser('intern-2') })],
    },
    {
      name: 'download denied',
      fires: false,
      records: [
        ct({ name: 'GetCredentialReport', source: 'iam', actor: iamUser('intern-2'), error: 'AccessDenied' }),
      ],
    },
    {
      name: 'Trusted Advisor generating it',
      fires: false,
      records: [
        ct({
          name: 'GenerateCredentialReport',
          source: 'iam',
          actor: serviceDriven('trustedadvisor.amazonaws.com', 'AWSServiceRoleForTrustedAdvisor'),
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const rdsSnapshotSearch: Detection = {
  id: 'aws.rds.public_snapshot_search',
  title: 'Search for public or shared RDS snapshots',
  description:
    'DescribeDBSnapshots or DescribeDBClusterSnapshots was called with IncludePublic or IncludeShared, which ' +
    'lists database snapshots other accounts have exposed or shared. Routine backup tooling asks for its own ' +
    'snapshots; looking at what is public or shared is reconnaissance for data to restore elsewhere (T1580). ' +
    'Asking for public snapshots is medium with low risk whoever asks; asking for shared ones is too when a ' +
    'person or a workload outside the trusted networks asks, and stays low for IaC/CI and workloads inside ' +
    '(disaster-recovery jobs copy snapshots shared from a backup account). Failed calls and AWS services are ignored.',
  attack: ['T1580'],
  tactic: 'TA0007',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: ['DescribeDBSnapshots', 'DescribeDBClusterSnapshots'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const type = ctStr(raw, 'requestParameters.snapshotType')?.toLowerCase();
    const pub = ctTrue(raw, 'requestParameters.includePublic') || type === 'public';
    const shared = ctTrue(raw, 'requestParameters.includeShared') || type === 'shared';
    if (!pub && !shared) return undefined;
    const evidence = { include_public: pub, include_shared: shared };
    if (pub || notableCaller(raw, ctx) !== undefined) return { severity: 'medium', risk: RISK.low, evidence };
    return { evidence };
  },
  cases: [
    {
      name: 'snapshot listing including public ones',
      fires: true,
      records: [
        ct({
          name: 'DescribeDBSnapshots',
          source: 'rds',
          actor: iamUser('researcher'),
          params: { includePublic: true, maxRecords: 100 },
        }),
      ],
    },
    {
      name: 'own snapshots of one database',
      fires: false,
      records: [
        ct({
          name: 'DescribeDBSnapshots',
          source: 'rds',
          params: { dBInstanceIdentifier: 'orders-db', maxRecords: 20 },
        }),
      ],
    },
    {
      name: 'a role session from outside lists shared cluster snapshots',
      fires: true,
      records: [
        ct({
          name: 'DescribeDBClusterSnapshots',
          source: 'rds',
          actor: roleSession('ReadOnly', 'analyst-session'),
          ip: '203.0.113.150',
          params: { includeShared: true, maxRecords: 50 },
        }),
      ],
    },
    {
      name: 'search for public snapshots refused',
      fires: false,
      records: [
        ct({
          name: 'DescribeDBSnapshots',
          source: 'rds',
          actor: iamUser('developer'),
          params: { includePublic: true },
          error: 'AccessDenied',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const SES_RECON = [
  'GetSendQuota',
  'GetAccountSendingEnabled',
  'GetSendStatistics',
  'ListIdentities',
  'ListVerifiedEmailAddresses',
  'GetIdentityVerificationAttributes',
  'ListEmailIdentities',
  'GetAccount',
] as const;

const SES_ID = 'aws.ses.sending_capability_recon';
const sesKeys = memoKeys((who) => ({
  checks: `${SES_ID}|${who}`,
  first: `${SES_ID}|first|${who}`,
  burst: `${SES_ID}|burst|${who}`,
}));

const sesRecon: Detection = {
  id: SES_ID,
  title: 'SES sending capability checked',
  description:
    'A principal asked SES whether sending is enabled, what the quota is or which identities are verified. ' +
    'Stolen keys are routinely tested for SES abuse (spam and phishing from a trusted domain) with exactly these ' +
    'calls. Asked by a person (or an identity the record does not name) or by a workload calling from outside ' +
    'the trusted networks, the first check in half an hour is medium with low risk, so it joins the timeline ' +
    'without opening an incident on its own; three or more different checks within half an hour outside the ' +
    'console (where one page load makes several) are the key-testing pattern and carry medium risk. Denied ' +
    'checks count: stolen keys often lack SES rights. IaC/CI identities and workloads inside the trusted ' +
    'networks stay informational; AWS services (Trusted Advisor) are ignored.',
  attack: ['T1526', 'T1580'],
  tactic: 'TA0007',
  severity: 'info',
  risk: RISK.info,
  sources: ['cloudtrail'],
  triggers: SES_RECON,
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    const source = eventSourceOf(raw);
    if (source !== 'ses.amazonaws.com' && source !== 'email.amazonaws.com') return undefined;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const t = timeOf(ev);
    const keys = sesKeys(who);
    const api = eventNameOf(raw);
    const n = ctx.window.distinct(keys.checks, api, t, 30 * MINUTE);
    const caller = notableCaller(raw, ctx);
    const evidence = { api, distinct_ses_checks: n, denied: !succeeded(raw), caller: caller ?? 'routine' };
    if (caller !== undefined && n >= 3 && !isConsoleSession(raw) && once(ctx, keys.burst, t, 30 * MINUTE))
      return { severity: 'medium', risk: RISK.medium, evidence };
    if (caller !== undefined)
      return once(ctx, keys.first, t, 30 * MINUTE)
        ? { severity: 'medium', risk: RISK.low, evidence }
        : undefined;
    return { evidence };
  },
  cases: [
    {
      name: 'a person checks the send quota from outside',
      fires: true,
      records: [
        ct({ name: 'GetSendQuota', source: 'ses', actor: roleSession('SupportRole', 'kim@example.org') }),
      ],
    },
    {
      name: 'sending status, quota and identities checked by a user key',
      fires: true,
      records: [
        ct({ name: 'GetAccountSendingEnabled', source: 'ses', actor: iamUser('wp-plugin'), at: 0 }),
        ct({ name: 'GetSendQuota', source: 'ses', actor: iamUser('wp-plugin'), at: 5 }),
        ct({
          name: 'ListIdentities',
          source: 'ses',
          actor: iamUser('wp-plugin'),
          at: 9,
          error: 'AccessDenied',
        }),
      ],
    },
    {
      name: 'Trusted Advisor checking the quota',
      fires: false,
      records: [
        ct({
          name: 'GetSendQuota',
          source: 'ses',
          actor: serviceDriven('trustedadvisor.amazonaws.com', 'AWSServiceRoleForTrustedAdvisor'),
        }),
      ],
    },
    {
      name: 'GetAccount of another service',
      fires: false,
      records: [ct({ name: 'GetAccount', source: 'apigateway', actor: iamUser('wp-plugin') })],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const PWD_POLICY_ID = 'aws.iam.password_policy_discovery';
const passwordPolicy: Detection = {
  id: PWD_POLICY_ID,
  title: 'Account password policy read',
  description:
    'GetAccountPasswordPolicy tells an attacker how long and complex console passwords must be and whether ' +
    'they expire, which shapes password spraying and the passwords they set on backdoor users (T1201). Read ' +
    'through the API by a person, by an identity the record does not name, or by a workload from outside the ' +
    'trusted networks it is medium with low risk (once a day per principal): a discovery step for the ' +
    'timeline, not an incident on its own. The IAM console page load, IaC/CI identities and workloads inside ' +
    'the trusted networks (posture checks) stay informational; AWS services are ignored.',
  attack: ['T1201'],
  tactic: 'TA0007',
  severity: 'info',
  risk: RISK.info,
  sources: ['cloudtrail'],
  triggers: ['GetAccountPasswordPolicy'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const caller = isConsoleSession(raw) ? undefined : notableCaller(raw, ctx);
    const evidence = { denied: !succeeded(raw), caller: caller ?? 'routine' };
    if (caller === undefined) return { evidence };
    return once(ctx, `${PWD_POLICY_ID}|${who}`, timeOf(ev), 24 * 60 * MINUTE)
      ? { severity: 'medium', risk: RISK.low, evidence }
      : undefined;
  },
  cases: [
    {
      name: 'a user key reads the password policy',
      fires: true,
      records: [ct({ name: 'GetAccountPasswordPolicy', source: 'iam', actor: iamUser('svc-legacy') })],
    },
    {
      name: 'a role session from a VPS reads it',
      fires: true,
      records: [
        ct({
          name: 'GetAccountPasswordPolicy',
          source: 'iam',
          actor: roleSession('app-runtime', 'worker-7'),
          ip: '45.77.10.9',
        }),
      ],
    },
    {
      name: 'service event',
      fires: false,
      records: [
        ct({
          name: 'GetAccountPasswordPolicy',
          source: 'iam',
          actor: awsService('access-analyzer.amazonaws.com'),
          extra: { eventType: 'AwsServiceEvent' },
        }),
      ],
    },
  ],
};

export const AWS_DISCOVERY: readonly Detection[] = [
  apiEnumeration,
  gaad,
  accessDeniedBurst,
  bucketSweep,
  securityRecon,
  credentialReport,
  rdsSnapshotSearch,
  sesRecon,
  passwordPolicy,
];
