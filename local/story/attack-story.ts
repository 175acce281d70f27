/**
 * The built-in attack story that `vigil demo` replays: a CI user's access key leaks and is used
 * from an unfamiliar network to walk the kill chain — discovery, privilege escalation,
 * persistence, snapshot exfiltration — while ordinary principals carry on with their work and
 * GuardDuty notices the anomaly. Every record is a CloudTrail or GuardDuty record in its
 * EventBridge envelope, exactly as the default bus delivers them. Deterministic: same output
 * every run, so tests and screenshots are stable.
 */
import { prng } from '../../bench/cloudtrail-stream.ts';

export const STORY_ACCOUNT = '111122223333';
export const FOREIGN_ACCOUNT = '999988887777';
export const ATTACKER_IP = '198.51.100.77';
export const LEAKED_USER = 'ci-deployer';
export const LEAKED_KEY = 'AKIAQXAMPLE7LEAKED01';
export const BACKDOOR_USER = 'svc-backup-admin';

type Json = Record<string, unknown>;
const T0 = Date.parse('2026-11-20T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const rand = prng(7);
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;

const iamUser = (name: string, key: string): Json => ({
  type: 'IAMUser',
  principalId: `AIDA${name
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .padEnd(17, 'X')
    .slice(0, 17)}`,
  arn: `arn:aws:iam::${STORY_ACCOUNT}:user/${name}`,
  accountId: STORY_ACCOUNT,
  accessKeyId: key,
  userName: name,
});

const assumedRole = (role: string, session: string): Json => ({
  type: 'AssumedRole',
  principalId: `AROA${role.toUpperCase().padEnd(17, 'Y').slice(0, 17)}:${session}`,
  arn: `arn:aws:sts::${STORY_ACCOUNT}:assumed-role/${role}/${session}`,
  accountId: STORY_ACCOUNT,
  accessKeyId: `ASIA${hex(16).toUpperCase()}`,
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: `AROA${role.toUpperCase().padEnd(17, 'Y').slice(0, 17)}`,
      arn: `arn:aws:iam::${STORY_ACCOUNT}:role/${role}`,
      accountId: STORY_ACCOUNT,
      userName: role,
    },
    attributes: { creationDate: iso(T0 - 3_600_000), mfaAuthenticated: 'false' },
  },
});

interface Call {
  at: number;
  identity: Json;
  ip: string;
  agent: string;
  source: string;
  name: string;
  params?: Json | null;
  response?: Json | null;
  region?: string;
  error?: [string, string];
  readOnly?: boolean;
}

const envelope = (c: Call): Json => {
  const detail: Json = {
    eventVersion: '1.09',
    userIdentity: c.identity,
    eventTime: iso(c.at),
    eventSource: c.source,
    eventName: c.name,
    awsRegion: c.region ?? 'us-east-1',
    sourceIPAddress: c.ip,
    userAgent: c.agent,
    requestParameters: c.params ?? null,
    responseElements: c.response ?? null,
    requestID: uuid(),
    eventID: uuid(),
    readOnly: c.readOnly ?? /^(Get|List|Describe)/.test(c.name),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: STORY_ACCOUNT,
    eventCategory: 'Management',
  };
  if (c.error) {
    detail.errorCode = c.error[0];
    detail.errorMessage = c.error[1];
  }
  return {
    version: '0',
    id: uuid(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${c.source.split('.')[0]}`,
    account: STORY_ACCOUNT,
    time: iso(c.at),
    region: c.region ?? 'us-east-1',
    resources: [],
    detail,
  };
};

const ATTACKER_AGENT =
  'aws-cli/2.13.5 Python/3.11.4 Linux/5.15.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off';

function attackerCalls(): Call[] {
  const me = iamUser(LEAKED_USER, LEAKED_KEY);
  const at = (min: number) => T0 + min * 60_000;
  const c = (
    min: number,
    source: string,
    name: string,
    params?: Json | null,
    extra: Partial<Call> = {},
  ): Call => ({
    at: at(min),
    identity: me,
    ip: ATTACKER_IP,
    agent: ATTACKER_AGENT,
    source,
    name,
    params: params ?? null,
    ...extra,
  });
  return [
    // Initial access: the leaked key is tried from a network this user has never used.
    c(10, 'sts.amazonaws.com', 'GetCallerIdentity'),
    // Discovery: a burst of enumeration across services.
    c(11, 'iam.amazonaws.com', 'ListUsers'),
    c(11.2, 'iam.amazonaws.com', 'ListRoles'),
    c(11.4, 'iam.amazonaws.com', 'GetAccountAuthorizationDetails'),
    c(11.6, 's3.amazonaws.com', 'ListBuckets'),
    c(11.8, 'ec2.amazonaws.com', 'DescribeInstances'),
    c(12, 'ec2.amazonaws.com', 'DescribeVolumes'),
    c(12.2, 'lambda.amazonaws.com', 'ListFunctions20150331'),
    c(12.4, 'rds.amazonaws.com', 'DescribeDBInstances'),
    c(12.6, 'secretsmanager.amazonaws.com', 'ListSecrets'),
    c(12.8, 'kms.amazonaws.com', 'ListKeys'),
    c(13, 'iam.amazonaws.com', 'ListAttachedUserPolicies', { userName: LEAKED_USER }),
    c(13.2, 'iam.amazonaws.com', 'ListGroupsForUser', { userName: LEAKED_USER }),
    // Privilege escalation: the user grants itself administrator rights.
    c(
      15,
      'iam.amazonaws.com',
      'AttachUserPolicy',
      { userName: LEAKED_USER, policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      { readOnly: false },
    ),
    // Persistence: a new user with its own key and console password.
    c(
      17,
      'iam.amazonaws.com',
      'CreateUser',
      { userName: BACKDOOR_USER },
      {
        response: {
          user: { userName: BACKDOOR_USER, arn: `arn:aws:iam::${STORY_ACCOUNT}:user/${BACKDOOR_USER}` },
        },
      },
    ),
    c(17.5, 'iam.amazonaws.com', 'AttachUserPolicy', {
      userName: BACKDOOR_USER,
      policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
    c(
      18,
      'iam.amazonaws.com',
      'CreateAccessKey',
      { userName: BACKDOOR_USER },
      {
        response: {
          accessKey: { userName: BACKDOOR_USER, accessKeyId: 'AKIAQXAMPLEBACKDOOR1', status: 'Active' },
        },
      },
    ),
    c(18.5, 'iam.amazonaws.com', 'CreateLoginProfile', {
      userName: BACKDOOR_USER,
      passwordResetRequired: false,
    }),
    // Defense evasion: the secondary trail is stopped.
    c(20, 'cloudtrail.amazonaws.com', 'StopLogging', {
      name: `arn:aws:cloudtrail:us-east-1:${STORY_ACCOUNT}:trail/org-audit-secondary`,
    }),
    // Exfiltration: a production volume is snapshotted and shared with an outside account.
    c(
      24,
      'ec2.amazonaws.com',
      'CreateSnapshot',
      { volumeId: 'vol-0a1b2c3d4e5f60718', description: 'backup' },
      {
        response: {
          snapshotId: 'snap-0123456789abcdef0',
          volumeId: 'vol-0a1b2c3d4e5f60718',
          status: 'pending',
        },
      },
    ),
    c(27, 'ec2.amazonaws.com', 'ModifySnapshotAttribute', {
      snapshotId: 'snap-0123456789abcdef0',
      attributeType: 'CREATE_VOLUME_PERMISSION',
      createVolumePermission: { add: { items: [{ userId: FOREIGN_ACCOUNT }] } },
    }),
  ];
}

const BENIGN_AGENTS = [
  'aws-sdk-js/3.540.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.11.1',
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 lang/python#3.11.8',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0 Safari/537.36',
];

/** Ordinary work of three principals over the same hour: what an analyst must NOT be paged for. */
function benignCalls(): Call[] {
  const app = assumedRole('AppRole', 'i-0aa11bb22cc33dd44');
  const deployer = assumedRole('DeployRole', 'github-actions-1842');
  const analyst = iamUser('dana.analyst', 'AKIAQXAMPLEANALYST01');
  const work: [Json, string, string, string, Json | null][] = [
    [
      app,
      '10.0.12.34',
      's3.amazonaws.com',
      'GetObject',
      { bucketName: 'orders-prod', key: 'daily/report.csv' },
    ],
    [app, '10.0.12.34', 'dynamodb.amazonaws.com', 'DescribeTable', { tableName: 'orders' }],
    [app, '10.0.12.34', 'kms.amazonaws.com', 'Decrypt', null],
    [app, '10.0.12.34', 'secretsmanager.amazonaws.com', 'GetSecretValue', { secretId: 'orders/db' }],
    [deployer, '20.42.10.7', 'cloudformation.amazonaws.com', 'DescribeStacks', { stackName: 'orders' }],
    [
      deployer,
      '20.42.10.7',
      'lambda.amazonaws.com',
      'UpdateFunctionCode20150331v2',
      { functionName: 'orders-api' },
    ],
    [
      deployer,
      '20.42.10.7',
      's3.amazonaws.com',
      'PutObject',
      { bucketName: 'deploy-artifacts', key: 'orders.zip' },
    ],
    [analyst, '81.2.69.160', 'ec2.amazonaws.com', 'DescribeInstances', null],
    [
      analyst,
      '81.2.69.160',
      'logs.amazonaws.com',
      'FilterLogEvents',
      { logGroupName: '/aws/lambda/orders-api' },
    ],
    [analyst, '81.2.69.160', 'cloudwatch.amazonaws.com', 'GetMetricData', null],
  ];
  const calls: Call[] = [];
  for (let i = 0; i < 120; i++) {
    const [identity, ip, source, name, params] = work[i % work.length] as (typeof work)[number];
    calls.push({
      at: T0 + i * 30_000 + Math.floor(rand() * 20_000),
      identity,
      ip,
      agent: BENIGN_AGENTS[i % BENIGN_AGENTS.length] as string,
      source,
      name,
      params,
    });
  }
  return calls;
}

/** GuardDuty sees the leaked key used from an anomalous network. */
function guardDutyFinding(): Json {
  const at = iso(T0 + 14 * 60_000);
  return {
    version: '0',
    id: uuid(),
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: STORY_ACCOUNT,
    time: at,
    region: 'us-east-1',
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId: STORY_ACCOUNT,
      region: 'us-east-1',
      partition: 'aws',
      id: 'c2c8f1d0a4e5b6c7d8e9f0a1b2c3d4e5',
      arn: `arn:aws:guardduty:us-east-1:${STORY_ACCOUNT}:detector/12abc34d567e8fa901bc2d34e56789f0/finding/c2c8f1d0a4e5b6c7d8e9f0a1b2c3d4e5`,
      type: 'Discovery:IAMUser/AnomalousBehavior',
      resource: {
        resourceType: 'AccessKey',
        accessKeyDetails: {
          accessKeyId: LEAKED_KEY,
          principalId: iamUser(LEAKED_USER, LEAKED_KEY).principalId as string,
          userName: LEAKED_USER,
          userType: 'IAMUser',
        },
      },
      service: {
        serviceName: 'guardduty',
        detectorId: '12abc34d567e8fa901bc2d34e56789f0',
        action: {
          actionType: 'AWS_API_CALL',
          awsApiCallAction: {
            api: 'GetAccountAuthorizationDetails',
            serviceName: 'iam.amazonaws.com',
            callerType: 'Remote IP',
            remoteIpDetails: {
              ipAddressV4: ATTACKER_IP,
              country: { countryName: 'Unknown' },
              organization: { asn: '64500', asnOrg: 'Example Hosting' },
            },
          },
        },
        resourceRole: 'TARGET',
        eventFirstSeen: iso(T0 + 11 * 60_000),
        eventLastSeen: iso(T0 + 13 * 60_000),
        archived: false,
        count: 12,
      },
      severity: 5,
      createdAt: at,
      updatedAt: at,
      title: `Unusual discovery APIs were invoked by ${LEAKED_USER}.`,
      description: `APIs commonly used in discovery tactics were invoked by user ${LEAKED_USER} from an unusual network.`,
    },
  };
}

/** The whole story as EventBridge events, in time order. */
export function attackStory(): Json[] {
  const calls = [...attackerCalls(), ...benignCalls()].sort((a, b) => a.at - b.at);
  const events = calls.map(envelope);
  const finding = guardDutyFinding();
  const findingTime = Date.parse(finding.time as string);
  const index = events.findIndex((e) => Date.parse(e.time as string) > findingTime);
  events.splice(index === -1 ? events.length : index, 0, finding);
  return events;
}
