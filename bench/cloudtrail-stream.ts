/**
 * A deterministic synthetic CloudTrail stream for benchmarks: realistic shapes and sizes
 * (~1.5 KB a record, as AWS delivers them), a few hundred principals and IPs so caches see the
 * repetition of a real account, and a mix of identity types, services, read and write calls.
 */

/** Small, fast, seedable PRNG (mulberry32) so every run measures the same stream. */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const hex = (rand: Rand, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
};
const uuid = (rand: Rand) =>
  `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;

const ACCOUNT = '111122223333';
const REGIONS = ['us-east-1', 'us-east-1', 'us-east-1', 'eu-west-1', 'us-west-2'] as const;
const CALLS = [
  ['s3.amazonaws.com', 'GetObject', true],
  ['s3.amazonaws.com', 'PutObject', false],
  ['s3.amazonaws.com', 'ListBuckets', true],
  ['ec2.amazonaws.com', 'DescribeInstances', true],
  ['ec2.amazonaws.com', 'RunInstances', false],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups', true],
  ['iam.amazonaws.com', 'GetUser', true],
  ['iam.amazonaws.com', 'ListRoles', true],
  ['sts.amazonaws.com', 'AssumeRole', false],
  ['sts.amazonaws.com', 'GetCallerIdentity', true],
  ['lambda.amazonaws.com', 'Invoke', false],
  ['kms.amazonaws.com', 'Decrypt', true],
  ['dynamodb.amazonaws.com', 'DescribeTable', true],
  ['logs.amazonaws.com', 'CreateLogStream', false],
  ['secretsmanager.amazonaws.com', 'GetSecretValue', true],
  ['cloudformation.amazonaws.com', 'DescribeStacks', true],
] as const;
const AGENTS = [
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/s3.ls',
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 cfg/retry-mode#legacy Botocore/1.34.69',
  'aws-sdk-js/3.540.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.11.1 api/s3#3.540.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
  'terraform-provider-aws/5.42.0 (+https://registry.terraform.io) aws-sdk-go-v2/1.26.0',
] as const;

/**
 * The organisation's egress: NAT gateways and the office. A deployment declares these as trusted
 * networks (`trustedCidrs`); the ordinary traffic of the stream comes from them.
 */
export const ORG_EGRESS_CIDRS = ['52.94.133.0/24', '3.120.181.0/24', '81.2.69.0/24'] as const;
const publicIp = (rand: Rand) => {
  const [a, b, c] = (pick(rand, ORG_EGRESS_CIDRS) as string).split('.');
  return `${a}.${b}.${c}.${1 + Math.floor(rand() * 254)}`;
};

interface Principal {
  userIdentity: Record<string, unknown>;
  ips: string[];
  agent: string;
  /** Where this principal works; a few calls go elsewhere. */
  home: string;
  /** Only deployment principals launch instances. */
  deploys: boolean;
  /** A workload calls the handful of APIs its job needs, not the whole catalogue. */
  calls: (typeof CALLS)[number][];
}

function habits(rand: Rand): (typeof CALLS)[number][] {
  const n = 3 + Math.floor(rand() * 4);
  return Array.from({ length: n }, () => pick(rand, CALLS));
}

function principals(rand: Rand, count: number): Principal[] {
  const out: (Omit<Principal, 'calls'> & { calls?: Principal['calls'] })[] = [];
  for (let i = 0; i < count; i++) {
    const kind = rand();
    const ips = [
      publicIp(rand),
      publicIp(rand),
      `10.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 250) + 1}`,
    ];
    const agent = pick(rand, AGENTS);
    const accessKeyId = `AKIA${hex(rand, 16).toUpperCase()}`;
    const home = pick(rand, REGIONS);
    if (kind < 0.45) {
      const name = `svc-${hex(rand, 6)}`;
      out.push({
        ips,
        agent,
        home,
        deploys: false,
        userIdentity: {
          type: 'IAMUser',
          principalId: `AIDA${hex(rand, 17).toUpperCase()}`,
          arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
          accountId: ACCOUNT,
          accessKeyId,
          userName: name,
        },
      });
    } else if (kind < 0.95) {
      const role = pick(rand, ['AppRole', 'DeployRole', 'ReadOnlyAnalyst', 'DataPipeline', 'OpsAdmin']);
      const session = `session-${hex(rand, 6)}`;
      const roleId = `AROA${hex(rand, 17).toUpperCase()}`;
      out.push({
        ips,
        agent,
        home,
        deploys: role === 'DeployRole',
        userIdentity: {
          type: 'AssumedRole',
          principalId: `${roleId}:${session}`,
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
          accountId: ACCOUNT,
          accessKeyId: `ASIA${hex(rand, 16).toUpperCase()}`,
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: roleId,
              arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
              accountId: ACCOUNT,
              userName: role,
            },
            webIdFederationData: {},
            attributes: {
              creationDate: '2026-11-01T08:00:00Z',
              mfaAuthenticated: rand() < 0.3 ? 'true' : 'false',
            },
          },
        },
      });
    } else {
      out.push({
        ips: ['lambda.amazonaws.com'],
        agent: 'lambda.amazonaws.com',
        home,
        deploys: false,
        userIdentity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' },
      });
    }
  }
  return out.map((p) => ({ ...p, calls: habits(rand) }));
}

/** `count` CloudTrail records, as NDJSON lines (what arrives from an S3 delivery or a replay). */
export function cloudTrailLines(count: number, seed = 42): string[] {
  const rand = prng(seed);
  const people = principals(rand, 300);
  const start = Date.parse('2026-11-01T00:00:00Z');
  const lines: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const p = pick(rand, people);
    let [eventSource, eventName, readOnly] = pick(rand, p.calls);
    if (eventName === 'RunInstances' && !p.deploys)
      [eventSource, eventName, readOnly] = ['ec2.amazonaws.com', 'DescribeInstances', true];
    const failed = rand() < 0.03;
    const record: Record<string, unknown> = {
      eventVersion: '1.09',
      userIdentity: p.userIdentity,
      eventTime: new Date(start + i * 250).toISOString().replace('.000Z', 'Z'),
      eventSource,
      eventName,
      awsRegion: rand() < 0.95 ? p.home : pick(rand, REGIONS),
      sourceIPAddress: pick(rand, p.ips),
      userAgent: p.agent,
      requestParameters: {
        bucketName: `data-${hex(rand, 6)}`,
        key: `exports/${hex(rand, 8)}/part-${Math.floor(rand() * 1000)}.parquet`,
        maxResults: 100,
        filterSet: { items: [{ name: 'instance-state-name', valueSet: { items: [{ value: 'running' }] } }] },
      },
      responseElements: readOnly ? null : { requestId: uuid(rand), status: 'ok' },
      additionalEventData: {
        SignatureVersion: 'SigV4',
        CipherSuite: 'TLS_AES_128_GCM_SHA256',
        bytesTransferredIn: 0,
      },
      requestID: uuid(rand),
      eventID: uuid(rand),
      readOnly,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: `${eventSource.split('.')[0]}.us-east-1.amazonaws.com`,
      },
    };
    if (failed) {
      record.errorCode = 'AccessDenied';
      record.errorMessage = `User is not authorized to perform: ${eventSource.split('.')[0]}:${eventName}`;
    }
    lines[i] = JSON.stringify(record);
  }
  return lines;
}
