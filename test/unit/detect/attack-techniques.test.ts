// Technique coverage: each test replays how one well-known AWS attack technique shows up in
// CloudTrail (the calls an attack simulation or a real intruder makes, in order) through the real
// normaliser and the whole engine (native catalogue plus the compiled Sigma rules), and asserts
// that it is detected. The negative tests replay benign operations that look alike.
import { beforeAll, describe, expect, it } from 'vitest';
import { sigmaDetections } from '../../../local/detection-runtime.ts';
import { CATALOGUE } from '../../../shared/detect/catalogue/index.ts';
import { buildEngine, type DetectionEngine } from '../../../shared/detect/engine.ts';
import { atLeast, type Signal } from '../../../shared/detect/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

// ---------------------------------------------------------------------------------------------
// Record builder: CloudTrail records as AWS writes them
// ---------------------------------------------------------------------------------------------

const ACCOUNT = '111122223333';
const OTHER_ORG_ACCOUNT = '123456789012';
const OUTSIDE_ACCOUNT = '444455556666';
const REGION = 'us-east-1';

/** Attacker addresses: a VPS, a residential proxy, a documentation range (all outside 10/8). */
const VPS_IP = '45.137.21.9';
const PROXY_IP = '198.51.100.23';
const DOC_IP = '203.0.113.41';
/** A GitHub-hosted runner (Azure space). */
const RUNNER_IP = '20.42.51.187';
/** Inside the corporate network / VPC (trusted). */
const VPC_IP = '10.12.4.88';

const UA = {
  cli: 'aws-cli/2.15.38 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-1017-aws md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off md/command#s3api.list-buckets',
  boto: 'Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#6.8.0-31-generic md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.84',
  stratus:
    'aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 stratus-red-team_8f2d41c7-6a1e-4b0f-9c55-2d3e7a1b9f10',
  pacu: 'aws-cli/1.32.84 Python/3.11.9 Linux/6.6.15-amd64 botocore/1.34.84',
  terraform:
    'APN/1.0 HashiCorp/1.0 Terraform/1.8.2 (+https://www.terraform.io) terraform-provider-aws/5.46.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64',
  node: 'aws-sdk-js/3.556.0 ua/2.0 os/linux#5.10.214-202.855.amzn2.x86_64 lang/js md/nodejs#20.12.2 api/secrets-manager#3.556.0',
  console: 'AWS Internal',
  browser:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
};

type Identity = Record<string, unknown>;

const sessionIssuer = (role: string, path = '') => ({
  type: 'Role',
  principalId: 'AROA6ODU5QF2L7NXHK4XB',
  arn: `arn:aws:iam::${ACCOUNT}:role/${path}${role}`,
  accountId: ACCOUNT,
  userName: role,
});

const id = {
  /** An IAM user signing with a long-term access key. */
  user: (name: string, key = 'AKIA6ODU5QF2MQ7D4XWE'): Identity => ({
    type: 'IAMUser',
    principalId: 'AIDA6ODU5QF2KZT3R2C7M',
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    accountId: ACCOUNT,
    accessKeyId: key,
    userName: name,
  }),
  /** A role session (AssumeRole from a user's or a workload's credentials). */
  role: (role: string, session: string, mfa = false): Identity => ({
    type: 'AssumedRole',
    principalId: `AROA6ODU5QF2L7NXHK4XB:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIA6ODU5QF2GZK5VJ3P',
    sessionContext: {
      sessionIssuer: sessionIssuer(role),
      webIdFederationData: {},
      attributes: { creationDate: '2026-04-14T12:51:07Z', mfaAuthenticated: String(mfa) },
    },
  }),
  /** The instance-profile credentials of an EC2 instance (IMDS delivery). */
  instance: (role: string, instanceId: string): Identity => ({
    type: 'AssumedRole',
    principalId: `AROA6ODU5QF2NVXW3TQ2D:${instanceId}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${instanceId}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIA6ODU5QF2CIWH7YQZ',
    sessionContext: {
      sessionIssuer: sessionIssuer(role),
      webIdFederationData: {},
      attributes: { creationDate: '2026-04-14T11:37:42Z', mfaAuthenticated: 'false' },
      ec2RoleDelivery: '2.0',
    },
  }),
  /** An IAM Identity Center (SSO) session. */
  sso: (permissionSet: string, email: string): Identity => ({
    type: 'AssumedRole',
    principalId: `AROA6ODU5QF2P3H4DUVSE:${email}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_${permissionSet}_3f5a9c1e7b2d4e60/${email}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIA6ODU5QF2HB3QLX7N',
    sessionContext: {
      sessionIssuer: sessionIssuer(
        `AWSReservedSSO_${permissionSet}_3f5a9c1e7b2d4e60`,
        'aws-reserved/sso.amazonaws.com/',
      ),
      webIdFederationData: {},
      attributes: { creationDate: '2026-04-14T08:12:55Z', mfaAuthenticated: 'false' },
    },
  }),
  /** A GitHub Actions workflow through OIDC web identity federation. */
  githubActions: (role: string): Identity => ({
    type: 'AssumedRole',
    principalId: 'AROA6ODU5QF2JQ5NRWZ8T:GitHubActions',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/GitHubActions`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIA6ODU5QF2R6M2ZKDL',
    sessionContext: {
      sessionIssuer: sessionIssuer(role),
      webIdFederationData: {
        federatedProvider: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
        attributes: {},
      },
      attributes: { creationDate: '2026-04-14T12:58:30Z', mfaAuthenticated: 'false' },
    },
  }),
  /** A service-linked role acting for an AWS service. */
  serviceLinked: (role: string, session: string, service: string): Identity => ({
    type: 'AssumedRole',
    principalId: `AROA6ODU5QF2ZB4QS7M2E:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA6ODU5QF2ZB4QS7M2E',
        arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}/${role}`,
        accountId: ACCOUNT,
        userName: role,
      },
      webIdFederationData: {},
      attributes: { creationDate: '2026-04-14T12:40:01Z', mfaAuthenticated: 'false' },
    },
    invokedBy: service,
  }),
  federated: (name: string): Identity => ({
    type: 'FederatedUser',
    principalId: `${ACCOUNT}:${name}`,
    arn: `arn:aws:sts::${ACCOUNT}:federated-user/${name}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIA6ODU5QF2FEDT0KN9',
    sessionContext: {
      sessionIssuer: {
        type: 'IAMUser',
        principalId: 'AIDA6ODU5QF2KZT3R2C7M',
        arn: `arn:aws:iam::${ACCOUNT}:user/ci-reporting`,
        accountId: ACCOUNT,
        userName: 'ci-reporting',
      },
      webIdFederationData: {},
      attributes: { creationDate: '2026-04-14T13:05:00Z', mfaAuthenticated: 'false' },
    },
  }),
};

/** One API call of a sequence. */
interface Call {
  source: string;
  name: string;
  params?: unknown;
  response?: unknown;
  /** [errorCode, errorMessage] */
  error?: [string, string];
  /** Data events (S3 objects, Lambda Invoke) carry resources and no management flag. */
  data?: boolean;
  resources?: unknown[];
  additional?: Record<string, unknown>;
  region?: string;
  /** Seconds after the previous call (default 3). */
  after?: number;
}

interface Session {
  identity: Identity;
  ip: string;
  ua: string;
  /** ISO start time. */
  start?: string;
}

let serial = 0;
const uuid = () => {
  serial += 1;
  const hex = serial.toString(16).padStart(12, '0');
  return `b3d1c2a4-7e6f-4a1b-9c8d-${hex}`;
};

/** The records of one caller's calls, a few seconds apart, as CloudTrail delivers them. */
function replay(session: Session, calls: Call[]): Record<string, unknown>[] {
  let t = Date.parse(session.start ?? '2026-04-14T13:02:11Z');
  return calls.map((c) => {
    t += (c.after ?? 3) * 1000;
    const record: Record<string, unknown> = {
      eventVersion: c.data ? '1.10' : '1.09',
      userIdentity: session.identity,
      eventTime: new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventSource: `${c.source}.amazonaws.com`,
      eventName: c.name,
      awsRegion: c.region ?? REGION,
      sourceIPAddress: session.ip,
      userAgent: session.ua,
    };
    if (c.error) {
      record.errorCode = c.error[0];
      record.errorMessage = c.error[1];
    }
    Object.assign(record, {
      requestParameters: c.params ?? null,
      responseElements: c.error ? null : (c.response ?? null),
      ...(c.additional ? { additionalEventData: c.additional } : {}),
      requestID: uuid().toUpperCase(),
      eventID: uuid(),
      readOnly: /^(Get|List|Describe|BatchGet|Head)/.test(c.name),
      ...(c.resources ? { resources: c.resources } : {}),
      eventType: 'AwsApiCall',
      managementEvent: !c.data,
      recipientAccountId: ACCOUNT,
      eventCategory: c.data ? 'Data' : 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: `${c.source}.${c.region ?? REGION}.amazonaws.com`,
      },
    });
    return record;
  });
}

const instanceIds = (n: number, seed = 0) =>
  Array.from(
    { length: n },
    (_, i) => `i-0${(0x4a1c9e27b3d5f + seed * 977 + i * 7919).toString(16).padStart(16, 'a')}`,
  );

const denied = (action: string, who: string, resource: string): [string, string] => [
  'Client.UnauthorizedOperation',
  `You are not authorized to perform this operation. User: ${who} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action. Encoded authorization failure message: 4nRsXHtX0d1u-mHhV3C6yAq`,
];

const policy = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));

// ---------------------------------------------------------------------------------------------
// Replay through the engine
// ---------------------------------------------------------------------------------------------

let engine: DetectionEngine;
beforeAll(() => {
  const sigma = sigmaDetections();
  engine = buildEngine([...CATALOGUE, ...sigma]);
});

const normaliseCtx = { enrich: () => {} };

/** Every signal of the records, replayed in order with a fresh context. */
function run(records: unknown[]): Signal[] {
  const context = freshContext();
  const out: Signal[] = [];
  for (const record of records) {
    for (const r of normalise(record, normaliseCtx)) {
      if (!r.ok) throw new Error(`record does not normalise: ${r.error.message}`);
      out.push(...engine.run(r.event, context));
    }
  }
  expect(engine.faults).toEqual(new Map());
  return out;
}

const serious = (signals: Signal[]) => signals.filter((s) => atLeast(s.severity, 'medium'));

/** The technique is detected: some signal is medium or above; `ids` (when given) fire at medium or above. */
function expectDetected(records: unknown[], ...ids: string[]): Signal[] {
  const signals = serious(run(records));
  const fired = [...new Set(signals.map((s) => `${s.rule_id}:${s.severity}`))];
  expect(fired, 'no signal of medium severity or above').not.toEqual([]);
  for (const want of ids) expect(fired.map((f) => f.split(':')[0])).toContain(want);
  return signals;
}

/** No signal of medium or above names the principal. */
function expectQuiet(records: Record<string, unknown>[]): void {
  const arn = (records[0]?.userIdentity as Identity | undefined)?.arn;
  expect(typeof arn).toBe('string');
  const loud = serious(run(records)).filter((s) => s.entities.some((e) => e.id === arn));
  expect(loud.map((s) => `${s.rule_id}:${s.severity}`)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Credential access
// ---------------------------------------------------------------------------------------------

describe('credential access', () => {
  it('EC2 GetPasswordData across many instances, mostly denied', () => {
    const who = id.role('ops-readonly', 'aws-go-sdk-1713099731123');
    const arn = who.arn as string;
    const records = replay(
      { identity: who, ip: VPS_IP, ua: UA.stratus },
      instanceIds(30).map((instanceId, i) =>
        i % 10 === 4
          ? {
              source: 'ec2',
              name: 'GetPasswordData',
              params: { instanceId },
              response: {
                requestId: '1f0a4c8e-2b3d-4e5f-8a9b-0c1d2e3f4a5b',
                instanceId,
                timestamp: 1713099000000,
                passwordData: 'HIDDEN_DUE_TO_SECURITY_REASONS',
              },
              after: 1,
            }
          : {
              source: 'ec2',
              name: 'GetPasswordData',
              params: { instanceId },
              error: denied(
                'ec2:GetPasswordData',
                arn,
                `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${instanceId}`,
              ),
              after: 1,
            },
      ),
    );
    expectDetected(records, 'aws.ec2.password_data_retrieved');
  });

  it('instance credentials stolen and used from outside AWS', () => {
    const who = id.instance('web-frontend-role', 'i-0b7d3f51c2a94e816');
    const inside = replay({ identity: who, ip: VPC_IP, ua: UA.node, start: '2026-04-14T12:40:00Z' }, [
      {
        source: 's3',
        name: 'GetObject',
        data: true,
        params: {
          bucketName: 'web-frontend-assets',
          Host: 'web-frontend-assets.s3.amazonaws.com',
          key: 'config.json',
        },
        resources: [
          { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::web-frontend-assets/config.json' },
          { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::web-frontend-assets' },
        ],
      },
    ]);
    const outside = replay({ identity: who, ip: PROXY_IP, ua: UA.cli }, [
      {
        source: 'sts',
        name: 'GetCallerIdentity',
        response: null,
      },
      { source: 's3', name: 'ListBuckets', params: { Host: 's3.amazonaws.com' } },
      {
        source: 'ec2',
        name: 'DescribeInstances',
        params: { instancesSet: {}, filterSet: {} },
      },
      {
        source: 'iam',
        name: 'ListAttachedRolePolicies',
        params: { roleName: 'web-frontend-role' },
      },
    ]);
    expectDetected([...inside, ...outside], 'aws.ec2.instance_credentials_external_use');
  });

  it('Secrets Manager values retrieved one after another', () => {
    const who = id.user('svc-backup', 'AKIA6ODU5QF2B4CKUP01');
    const names = [
      'prod/orders/db',
      'prod/payments/stripe-api-key',
      'prod/auth/jwt-signing-key',
      'prod/reporting/redshift',
      'prod/crm/salesforce-oauth',
      'prod/search/opensearch-master',
      'staging/orders/db',
      'prod/mail/sendgrid',
      'prod/queue/rabbitmq-admin',
      'prod/ldap/bind-password',
      'prod/github/deploy-key',
      'prod/datadog/api-key',
    ];
    const records = replay({ identity: who, ip: VPS_IP, ua: UA.stratus }, [
      { source: 'secretsmanager', name: 'ListSecrets', params: { maxResults: 100 } },
      ...names.map((name, i) => ({
        source: 'secretsmanager',
        name: 'GetSecretValue',
        params: {
          secretId: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${(0xa1b2c3 + i).toString(36)}`,
        },
        after: 1,
      })),
    ]);
    expectDetected(records, 'aws.secretsmanager.bulk_secret_retrieval');
  });

  it('BatchGetSecretValue with a filter', () => {
    const who = id.sso('PowerUserAccess', 'dana.moss@example.com');
    const records = replay({ identity: who, ip: DOC_IP, ua: UA.stratus }, [
      {
        source: 'secretsmanager',
        name: 'BatchGetSecretValue',
        params: { filters: [{ key: 'tag-key', values: ['environment'] }], maxResults: 20 },
      },
      {
        source: 'secretsmanager',
        name: 'BatchGetSecretValue',
        params: {
          filters: [{ key: 'tag-key', values: ['environment'] }],
          maxResults: 20,
          nextToken: 'eyJhbGciOiJIUzI1NiJ9.cGFnZTI',
        },
      },
    ]);
    expectDetected(records, 'aws.secretsmanager.batch_retrieval_by_filter');
  });

  it('SSM SecureString parameters retrieved with decryption', () => {
    const who = id.user('jenkins-legacy', 'AKIA6ODU5QF2JNK2LEG4');
    const names = Array.from({ length: 24 }, (_, i) => `/prod/app${i % 6}/credentials/secret-${i}`);
    const records = replay({ identity: who, ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'ssm',
        name: 'DescribeParameters',
        params: {
          parameterFilters: [{ key: 'Type', option: 'Equals', values: ['SecureString'] }],
          maxResults: 50,
        },
      },
      ...[0, 10, 20].map((from) => ({
        source: 'ssm',
        name: 'GetParameters',
        params: { names: names.slice(from, from + 10), withDecryption: true },
        after: 1,
      })),
    ]);
    expectDetected(records, 'aws.ssm.bulk_parameter_decryption');
  });
});

// ---------------------------------------------------------------------------------------------
// Defense evasion
// ---------------------------------------------------------------------------------------------

const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/management-events`;

describe('defense evasion', () => {
  it('CloudTrail StopLogging', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      { source: 'cloudtrail', name: 'DescribeTrails', params: { includeShadowTrails: true } },
      { source: 'cloudtrail', name: 'StopLogging', params: { name: TRAIL_ARN } },
    ]);
    expectDetected(records, 'aws.cloudtrail.logging_stopped');
  });

  it('CloudTrail DeleteTrail', () => {
    const records = replay(
      { identity: id.sso('AdministratorAccess', 'ops@example.com'), ip: PROXY_IP, ua: UA.cli },
      [{ source: 'cloudtrail', name: 'DeleteTrail', params: { name: TRAIL_ARN } }],
    );
    expectDetected(records, 'aws.cloudtrail.trail_deleted');
  });

  it('CloudTrail PutEventSelectors that exclude management events', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'cloudtrail',
        name: 'PutEventSelectors',
        params: {
          trailName: TRAIL_ARN,
          eventSelectors: [
            {
              readWriteType: 'ReadOnly',
              includeManagementEvents: false,
              dataResources: [],
              excludeManagementEventSources: [],
            },
          ],
        },
        response: {
          trailARN: TRAIL_ARN,
          eventSelectors: [
            {
              readWriteType: 'ReadOnly',
              includeManagementEvents: false,
              dataResources: [],
              excludeManagementEventSources: [],
            },
          ],
        },
      },
    ]);
    expectDetected(records, 'aws.cloudtrail.selectors_reduced');
  });

  it("a lifecycle rule on the trail's bucket expiring logs after one day", () => {
    const bucket = `aws-cloudtrail-logs-${ACCOUNT}-6e1b2f0a`;
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'cloudtrail',
        name: 'DescribeTrails',
        params: { trailNameList: [], includeShadowTrails: true },
      },
      {
        source: 's3',
        name: 'PutBucketLifecycle',
        params: {
          bucketName: bucket,
          Host: `${bucket}.s3.amazonaws.com`,
          lifecycle: '',
          LifecycleConfiguration: {
            xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
            Rule: {
              ID: 'nuke-cloudtrail-logs-after-1-day',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              Expiration: { Days: 1 },
            },
          },
        },
        additional: {
          SignatureVersion: 'SigV4',
          AuthenticationMethod: 'AuthHeader',
          'x-amz-id-2': 'Zk1bB2lQ=',
        },
        resources: [{ accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` }],
      },
    ]);
    expectDetected(records, 'aws.s3.trail_bucket_tampered', 'aws.s3.lifecycle_mass_expiration');
  });

  it('Route 53 Resolver query logging deleted', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'route53resolver',
        name: 'DisassociateResolverQueryLogConfig',
        params: { resolverQueryLogConfigId: 'rqlc-3a9e1f7b2c4d5e60', resourceId: 'vpc-0d4e7a19c3b2f8e51' },
        response: {
          resolverQueryLogConfigAssociation: {
            id: 'rqlca-7b2c4d5e603a9e1f',
            resolverQueryLogConfigId: 'rqlc-3a9e1f7b2c4d5e60',
            resourceId: 'vpc-0d4e7a19c3b2f8e51',
            status: 'DELETING',
          },
        },
      },
      {
        source: 'route53resolver',
        name: 'DeleteResolverQueryLogConfig',
        params: { resolverQueryLogConfigId: 'rqlc-3a9e1f7b2c4d5e60' },
        response: {
          resolverQueryLogConfig: {
            id: 'rqlc-3a9e1f7b2c4d5e60',
            ownerId: ACCOUNT,
            status: 'DELETING',
            shareStatus: 'NOT_SHARED',
            name: 'vpc-dns-query-logs',
            destinationArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/route53/resolver`,
          },
        },
        after: 20,
      },
    ]);
    expectDetected(records, 'aws.logging.service_audit_logs_disabled');
  });

  it('leaving the organisation (attempt refused)', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'organizations',
        name: 'LeaveOrganization',
        error: ['AccessDeniedException', 'You don\u2019t have permissions to access this resource.'],
      },
    ]);
    expectDetected(records, 'aws.organizations.account_leaving');
  });

  it('VPC flow logs deleted', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'ec2',
        name: 'DescribeFlowLogs',
        params: { DescribeFlowLogsRequest: {} },
      },
      {
        source: 'ec2',
        name: 'DeleteFlowLogs',
        params: { DeleteFlowLogsRequest: { FlowLogId: { content: 'fl-0a7c3e9b1d2f4e685', tag: 1 } } },
        response: {
          DeleteFlowLogsResponse: {
            xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/',
            requestId: '6b1d2f4e-0a7c-4e9b-8d2f-3e9b1d2f4e68',
            unsuccessful: '',
          },
        },
      },
    ]);
    expectDetected(records, 'aws.ec2.flow_logs_deleted');
  });

  it('GuardDuty detector deleted', () => {
    const records = replay(
      { identity: id.sso('AdministratorAccess', 'ops@example.com'), ip: PROXY_IP, ua: UA.cli },
      [
        { source: 'guardduty', name: 'ListDetectors', params: null, response: null },
        {
          source: 'guardduty',
          name: 'DeleteDetector',
          params: { detectorId: '2ab6c1f0e9d3c7b4a5f8e1d2c3b4a5f6' },
        },
      ],
    );
    expectDetected(records, 'aws.guardduty.detector_disabled');
  });

  it('GuardDuty suppression filter archiving findings', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'guardduty',
        name: 'CreateFilter',
        params: {
          detectorId: '2ab6c1f0e9d3c7b4a5f8e1d2c3b4a5f6',
          name: 'ops-noise',
          action: 'ARCHIVE',
          rank: 1,
          findingCriteria: { criterion: { severity: { gte: 0 } } },
        },
        response: { name: 'ops-noise' },
      },
    ]);
    expectDetected(records, 'aws.guardduty.suppression_filter');
  });
});

// ---------------------------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------------------------

describe('discovery', () => {
  it('enumeration from instance credentials, run on the instance itself', () => {
    // Commands run on a compromised instance: its own credentials, its own (VPC) address, so
    // nothing about the network gives it away; the breadth and the IAM questions do.
    const who = id.instance('build-agent-role', 'i-0e58a1c7d2b9f3046');
    const ec2 = [
      'DescribeInstances',
      'DescribeVpcs',
      'DescribeSubnets',
      'DescribeSecurityGroups',
      'DescribeVolumes',
      'DescribeSnapshots',
      'DescribeImages',
      'DescribeKeyPairs',
      'DescribeRegions',
    ];
    const records = replay({ identity: who, ip: VPC_IP, ua: UA.cli }, [
      { source: 'sts', name: 'GetCallerIdentity' },
      { source: 's3', name: 'ListBuckets', params: { Host: 's3.amazonaws.com' } },
      { source: 'iam', name: 'GetAccountSummary' },
      { source: 'iam', name: 'ListRoles', params: {} },
      { source: 'iam', name: 'ListUsers', params: {} },
      {
        source: 'iam',
        name: 'GetAccountAuthorizationDetails',
        error: [
          'AccessDenied',
          `User: ${who.arn} is not authorized to perform: iam:GetAccountAuthorizationDetails on resource: * because no identity-based policy allows the iam:GetAccountAuthorizationDetails action`,
        ],
      },
      ...ec2.map((name) => ({
        source: 'ec2',
        name,
        params:
          name === 'DescribeSnapshots' || name === 'DescribeImages'
            ? { ownersSet: { items: [{ owner: 'self' }] }, sharedUsersSet: {}, filterSet: {} }
            : { filterSet: {} },
        after: 1,
      })),
      { source: 'cloudtrail', name: 'DescribeTrails', params: { includeShadowTrails: true } },
      { source: 'guardduty', name: 'ListDetectors' },
    ]);
    expectDetected(records, 'aws.ec2.instance_credentials_recon', 'aws.recon.api_enumeration_burst');
  });

  it('user data downloaded for many instances', () => {
    const who = id.user('svc-backup');
    const records = replay(
      { identity: who, ip: VPS_IP, ua: UA.stratus },
      instanceIds(15, 3).map((instanceId) => ({
        source: 'ec2',
        name: 'DescribeInstanceAttribute',
        params: { instanceId, attribute: 'userData' },
        response: null,
        after: 1,
      })),
    );
    expectDetected(records, 'aws.ec2.instance_user_data_read');
  });

  it('SES enumeration', () => {
    const who = id.user('svc-backup');
    const records = replay({ identity: who, ip: VPS_IP, ua: UA.pacu }, [
      { source: 'ses', name: 'GetAccountSendingEnabled' },
      { source: 'ses', name: 'GetSendQuota' },
      { source: 'ses', name: 'GetSendStatistics' },
      { source: 'ses', name: 'ListIdentities', params: { identityType: 'EmailAddress', maxItems: 100 } },
      { source: 'ses', name: 'ListIdentities', params: { identityType: 'Domain', maxItems: 100 } },
      {
        source: 'ses',
        name: 'GetIdentityVerificationAttributes',
        params: { identities: ['example.com', 'noreply@example.com'] },
      },
      { source: 'ses', name: 'ListEmailIdentities', params: { pageSize: 100 } },
      { source: 'ses', name: 'GetAccount' },
    ]);
    expectDetected(records, 'aws.ses.sending_capability_recon');
  });
});

// ---------------------------------------------------------------------------------------------
// Execution
// ---------------------------------------------------------------------------------------------

const runInstances = (type: string, count: number) => ({
  instancesSet: { items: [{ imageId: 'ami-0b1f4d6c3e5a7d9f2', minCount: count, maxCount: count }] },
  instanceType: type,
  blockDeviceMapping: {},
  monitoring: { enabled: false },
  disableApiTermination: false,
  disableApiStop: false,
  clientToken: 'terraform-20260414130211',
});

describe('execution', () => {
  it('unusual GPU instance types launched, many denied', () => {
    const who = id.role('ops-readonly', 'aws-go-sdk-1713099731123');
    const arn = who.arn as string;
    const types = ['p3.16xlarge', 'p3.8xlarge', 'p4d.24xlarge', 'g5.48xlarge', 'g5.12xlarge', 'p3.2xlarge'];
    const records = replay({ identity: who, ip: VPS_IP, ua: UA.stratus }, [
      ...types.map((type) => ({
        source: 'ec2',
        name: 'RunInstances',
        params: runInstances(type, 10),
        error: denied('ec2:RunInstances', arn, `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`),
      })),
      {
        source: 'ec2',
        name: 'RunInstances',
        params: runInstances('g5.xlarge', 1),
        response: {
          requestId: '0c9f3e2d-1b4a-4c5d-9e8f-7a6b5c4d3e2f',
          reservationId: 'r-0f3a9c2e1b4d5a6c7',
          ownerId: ACCOUNT,
          instancesSet: {
            items: [
              {
                instanceId: 'i-0f7e6d5c4b3a29181',
                instanceType: 'g5.xlarge',
                imageId: 'ami-0b1f4d6c3e5a7d9f2',
              },
            ],
          },
        },
      },
    ]);
    expectDetected(records, 'aws.ec2.gpu_instance_launch');
  });

  it('user data modified on a stopped instance', () => {
    const instanceId = 'i-0a9b8c7d6e5f40312';
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'ec2',
        name: 'StopInstances',
        params: { instancesSet: { items: [{ instanceId }] }, force: false },
        response: {
          instancesSet: {
            items: [
              {
                instanceId,
                currentState: { code: 64, name: 'stopping' },
                previousState: { code: 16, name: 'running' },
              },
            ],
          },
        },
      },
      {
        source: 'ec2',
        name: 'ModifyInstanceAttribute',
        params: { instanceId, userData: '<sensitiveDataRemoved>' },
        response: { requestId: '4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a', _return: true },
        after: 45,
      },
      {
        source: 'ec2',
        name: 'StartInstances',
        params: { instancesSet: { items: [{ instanceId }] } },
        response: {
          instancesSet: {
            items: [
              {
                instanceId,
                currentState: { code: 0, name: 'pending' },
                previousState: { code: 80, name: 'stopped' },
              },
            ],
          },
        },
      },
    ]);
    expectDetected(records, 'aws.ec2.user_data_modified');
  });

  it('SSM SendCommand across many instances', () => {
    const ids = instanceIds(6, 11);
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'ssm',
        name: 'SendCommand',
        params: {
          instanceIds: ids,
          documentName: 'AWS-RunShellScript',
          parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS',
          interactive: false,
        },
        response: {
          command: {
            commandId: '8e2f1c4d-3b5a-4e6f-9a7b-1c2d3e4f5a6b',
            documentName: 'AWS-RunShellScript',
            documentVersion: '$DEFAULT',
            instanceIds: ids,
            targets: [],
            parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS',
            status: 'Pending',
            targetCount: ids.length,
            interactive: false,
          },
        },
      },
    ]);
    expectDetected(records, 'aws.ssm.send_command_fanout');
  });

  it('SSM StartSession on instances', () => {
    const records = replay(
      { identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus },
      instanceIds(3, 17).map((target) => ({
        source: 'ssm',
        name: 'StartSession',
        params: { target },
        response: {
          sessionId: `svc-backup-0${target.slice(3, 17)}`,
          tokenValue: 'Value hidden due to security reasons.',
          streamUrl: `wss://ssmmessages.${REGION}.amazonaws.com/v1/data-channel/svc-backup-0${target.slice(3, 17)}?role=publish_subscribe&cell-number=AAEAAQ`,
        },
      })),
    );
    expectDetected(records, 'aws.ssm.session_fanout');
  });
});

// ---------------------------------------------------------------------------------------------
// Exfiltration
// ---------------------------------------------------------------------------------------------

describe('exfiltration', () => {
  it('security group opened on port 22 to the world', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'ec2',
        name: 'AuthorizeSecurityGroupIngress',
        params: {
          groupId: 'sg-0c4b1d7e3a9f25861',
          ipPermissions: {
            items: [
              {
                ipProtocol: 'tcp',
                fromPort: 22,
                toPort: 22,
                groups: {},
                ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] },
                ipv6Ranges: {},
                prefixListIds: {},
              },
            ],
          },
        },
        response: {
          requestId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
          _return: true,
          securityGroupRuleSet: {
            items: [
              {
                groupOwnerId: ACCOUNT,
                groupId: 'sg-0c4b1d7e3a9f25861',
                securityGroupRuleId: 'sgr-0f1e2d3c4b5a69788',
                isEgress: false,
                ipProtocol: 'tcp',
                fromPort: 22,
                toPort: 22,
                cidrIpv4: '0.0.0.0/0',
              },
            ],
          },
        },
      },
    ]);
    expectDetected(records, 'aws.ec2.security_group_opened');
  });

  it('AMI shared with another account', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'ec2',
        name: 'ModifyImageAttribute',
        params: {
          imageId: 'ami-0e3d2c1b0a9f87654',
          launchPermission: { add: { items: [{ userId: OUTSIDE_ACCOUNT }] } },
          attributeType: 'launchPermission',
        },
        response: { requestId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e', _return: true },
      },
    ]);
    expectDetected(records, 'aws.ec2.ami_shared_externally');
  });

  it('EBS snapshot shared with another account', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'ec2',
        name: 'ModifySnapshotAttribute',
        params: {
          snapshotId: 'snap-0a1b2c3d4e5f60718',
          createVolumePermission: { add: { items: [{ userId: OUTSIDE_ACCOUNT }] } },
          attributeType: 'CREATE_VOLUME_PERMISSION',
        },
        response: { requestId: 'c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f', _return: true },
      },
    ]);
    expectDetected(records, 'aws.ec2.snapshot_shared_externally');
  });

  it('RDS snapshot shared with another account', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'rds',
        name: 'ModifyDBSnapshotAttribute',
        params: {
          dBSnapshotIdentifier: 'orders-db-2026-04-13',
          attributeName: 'restore',
          valuesToAdd: [OUTSIDE_ACCOUNT],
        },
        response: {
          dBSnapshotIdentifier: 'orders-db-2026-04-13',
          dBSnapshotAttributes: [{ attributeName: 'restore', attributeValues: [OUTSIDE_ACCOUNT] }],
        },
      },
    ]);
    expectDetected(records, 'aws.rds.snapshot_shared_externally');
  });

  it('S3 bucket policy backdoored to an outside account', () => {
    const bucket = 'acme-customer-exports';
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 's3',
        name: 'PutBucketPolicy',
        params: {
          bucketName: bucket,
          Host: `${bucket}.s3.amazonaws.com`,
          policy: '',
          bucketPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${OUTSIDE_ACCOUNT}:root` },
                Action: ['s3:GetObject', 's3:GetBucketLocation', 's3:ListBucket'],
                Resource: [`arn:aws:s3:::${bucket}/*`, `arn:aws:s3:::${bucket}`],
              },
            ],
          },
        },
        additional: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader' },
        resources: [{ accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` }],
      },
    ]);
    expectDetected(records, 'aws.s3.bucket_policy_exposed');
  });
});

// ---------------------------------------------------------------------------------------------
// Impact
// ---------------------------------------------------------------------------------------------

const BUCKET = 'acme-invoices-prod';
const objectResources = (key: string) => [
  { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${BUCKET}/${key}` },
  { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${BUCKET}` },
];
const s3Additional = {
  SignatureVersion: 'SigV4',
  CipherSuite: 'TLS_AES_128_GCM_SHA256',
  bytesTransferredIn: 0,
  AuthenticationMethod: 'AuthHeader',
  'x-amz-id-2': 'q8yPdmC7n0V1N2o3p4Q5r6S7t8U9v0W=',
  bytesTransferredOut: 0,
};
const keys = (n: number) =>
  Array.from({ length: n }, (_, i) => `invoices/2025/${String(i).padStart(5, '0')}.pdf`);

describe('impact', () => {
  it('S3 ransomware by batch deletion (DeleteObjects many times)', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 's3',
        name: 'ListObjectVersions',
        data: true,
        params: { bucketName: BUCKET, Host: `${BUCKET}.s3.amazonaws.com`, versions: '' },
        resources: [{ accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${BUCKET}` }],
        additional: s3Additional,
      },
      ...Array.from({ length: 8 }, () => ({
        source: 's3',
        name: 'DeleteObjects',
        data: true,
        params: { bucketName: BUCKET, Host: `${BUCKET}.s3.amazonaws.com`, delete: '' },
        resources: [{ accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${BUCKET}` }],
        additional: { ...s3Additional, bytesTransferredIn: 91_420 },
        after: 2,
      })),
    ]);
    expectDetected(records, 'aws.s3.mass_object_deletion');
  });

  it('S3 ransomware by individual deletion (many DeleteObject)', () => {
    const records = replay(
      { identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus },
      keys(60).map((key, i) => ({
        source: 's3',
        name: 'DeleteObject',
        data: true,
        params: {
          bucketName: BUCKET,
          Host: `${BUCKET}.s3.amazonaws.com`,
          key,
          versionId: `3HL4kqtJlcpXroDTDmJ${i}`,
        },
        resources: objectResources(key),
        additional: s3Additional,
        after: 0.2,
      })),
    );
    expectDetected(records, 'aws.s3.mass_object_deletion');
  });

  it('S3 ransomware by client-side encryption (SSE-C copies in place)', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      ...keys(20).map((key) => ({
        source: 's3',
        name: 'CopyObject',
        data: true,
        params: {
          bucketName: BUCKET,
          Host: `${BUCKET}.s3.amazonaws.com`,
          key,
          'x-amz-copy-source': `${BUCKET}/${key}`,
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-metadata-directive': 'COPY',
        },
        response: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' },
        resources: [
          ...objectResources(key),
          { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${BUCKET}/${key}` },
        ],
        additional: {
          ...s3Additional,
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKeyMD5: 'bgC6i8w2h0r1oJ+3V9l5Ww==',
        },
        after: 0.5,
      })),
      {
        source: 's3',
        name: 'PutObject',
        data: true,
        params: { bucketName: BUCKET, Host: `${BUCKET}.s3.amazonaws.com`, key: 'FILES-DELETED.txt' },
        resources: objectResources('FILES-DELETED.txt'),
        additional: { ...s3Additional, bytesTransferredIn: 212 },
      },
    ]);
    expectDetected(records, 'aws.s3.object_reencrypted_with_customer_key');
  });

  it('S3 objects downloaded and re-uploaded with a customer key (SSE-C PutObject)', () => {
    const records = replay(
      { identity: id.role('etl-worker', 'etl-worker-7f3a'), ip: PROXY_IP, ua: UA.boto },
      keys(25).flatMap((key) => [
        {
          source: 's3',
          name: 'GetObject',
          data: true,
          params: { bucketName: BUCKET, Host: `${BUCKET}.s3.amazonaws.com`, key },
          resources: objectResources(key),
          additional: { ...s3Additional, bytesTransferredOut: 48_211 },
          after: 0.3,
        },
        {
          source: 's3',
          name: 'PutObject',
          data: true,
          params: {
            bucketName: BUCKET,
            Host: `${BUCKET}.s3.amazonaws.com`,
            key,
            'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          },
          response: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' },
          resources: objectResources(key),
          additional: { ...s3Additional, bytesTransferredIn: 48_211, SSECustomerAlgorithm: 'AES256' },
          after: 0.3,
        },
      ]),
    );
    expectDetected(records, 'aws.s3.object_reencrypted_with_customer_key');
  });

  it('S3 objects re-uploaded under a KMS key of a foreign account', () => {
    const foreignKey = `arn:aws:kms:${REGION}:${OUTSIDE_ACCOUNT}:key/7c1e9a2b-3d4f-4a5b-8c6d-0e1f2a3b4c5d`;
    const records = replay(
      { identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus },
      keys(10).map((key) => ({
        source: 's3',
        name: 'PutObject',
        data: true,
        params: {
          bucketName: BUCKET,
          Host: `${BUCKET}.s3.amazonaws.com`,
          key,
          'x-amz-server-side-encryption': 'aws:kms',
          'x-amz-server-side-encryption-aws-kms-key-id': foreignKey,
        },
        response: {
          'x-amz-server-side-encryption': 'aws:kms',
          'x-amz-server-side-encryption-aws-kms-key-id': foreignKey,
        },
        resources: objectResources(key),
        additional: { ...s3Additional, bytesTransferredIn: 31_004 },
        after: 0.5,
      })),
    );
    expectDetected(records, 'aws.s3.object_encrypted_with_foreign_kms_key');
  });

  it('KMS key scheduled for deletion', () => {
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0d9c8b7a-6f5e-4d3c-b2a1-0f9e8d7c6b5a`;
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.cli }, [
      {
        source: 'kms',
        name: 'ScheduleKeyDeletion',
        params: { keyId: keyArn, pendingWindowInDays: 7 },
        response: {
          keyId: keyArn,
          deletionDate: 'Apr 21, 2026, 12:00:00 AM',
          keyState: 'PendingDeletion',
          pendingWindowInDays: 7,
        },
        resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArn }],
      },
    ]);
    expectDetected(records, 'aws.kms.key_destruction');
  });
});

// ---------------------------------------------------------------------------------------------
// Initial access
// ---------------------------------------------------------------------------------------------

describe('initial access', () => {
  it('console login without MFA', () => {
    const record = {
      eventVersion: '1.09',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDA6ODU5QF2KZT3R2C7M',
        arn: `arn:aws:iam::${ACCOUNT}:user/maria.lopez`,
        accountId: ACCOUNT,
        userName: 'maria.lopez',
      },
      eventTime: '2026-04-14T06:48:19Z',
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      awsRegion: 'us-east-1',
      sourceIPAddress: VPS_IP,
      userAgent: UA.browser,
      requestParameters: null,
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: {
        LoginTo:
          'https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_c3a4f0e1b2d5a6c7',
        MobileVersion: 'No',
        MFAUsed: 'No',
      },
      eventID: uuid(),
      readOnly: false,
      eventType: 'AwsConsoleSignIn',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: 'signin.aws.amazon.com',
      },
    };
    expectDetected([record], 'aws.signin.console_login_no_mfa');
  });
});

// ---------------------------------------------------------------------------------------------
// Lateral movement
// ---------------------------------------------------------------------------------------------

const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM3q0p3b6v1x9uQq8y2Jt7s4G5kR1lN0aPzXcVbW2yHd stratus@attacker';

describe('lateral movement', () => {
  it('EC2 Instance Connect SendSSHPublicKey', () => {
    const records = replay(
      { identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus },
      instanceIds(3, 23).map((instanceId) => ({
        source: 'ec2-instance-connect',
        name: 'SendSSHPublicKey',
        params: { instanceId, instanceOSUser: 'ec2-user', sSHPublicKey: SSH_KEY },
        response: { requestId: 'd4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f7a', success: true },
      })),
    );
    expectDetected(records, 'aws.ec2_instance_connect.ssh_key_pushed');
  });

  it('SendSerialConsoleSSHPublicKey after enabling serial console access', () => {
    const instanceId = 'i-0c1d2e3f4a5b69788';
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'ec2',
        name: 'EnableSerialConsoleAccess',
        params: { EnableSerialConsoleAccessRequest: '' },
        response: {
          EnableSerialConsoleAccessResponse: {
            xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/',
            requestId: 'e5f6a7b8-c9d0-4e1f-9a2b-3c4d5e6f7a8b',
            serialConsoleAccessEnabled: true,
          },
        },
      },
      {
        source: 'ec2-instance-connect',
        name: 'SendSerialConsoleSSHPublicKey',
        params: { instanceId, serialPort: 0, sSHPublicKey: SSH_KEY },
        response: { requestId: 'f6a7b8c9-d0e1-4f2a-8b3c-4d5e6f7a8b9c', success: true },
      },
    ]);
    expectDetected(records, 'aws.ec2_instance_connect.ssh_key_pushed');
  });
});

// ---------------------------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------------------------

const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';

describe('persistence', () => {
  it('IAM role trust policy backdoored to an outside account', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'iam',
        name: 'UpdateAssumeRolePolicy',
        params: {
          roleName: 'prod-data-pipeline',
          policyDocument: policy({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${OUTSIDE_ACCOUNT}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        },
      },
    ]);
    expectDetected(records, 'aws.iam.role_trust_opened');
  });

  it('backdoor role created: trusted by an outside account, administrator policy', () => {
    const role = 'ops-maintenance-role';
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'iam',
        name: 'CreateRole',
        params: {
          roleName: role,
          path: '/',
          assumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${OUTSIDE_ACCOUNT}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        },
        response: {
          role: {
            path: '/',
            roleName: role,
            roleId: 'AROA6ODU5QF2BACKD00R1',
            arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
            createDate: 'Apr 14, 2026, 1:02:14 PM',
          },
        },
      },
      { source: 'iam', name: 'AttachRolePolicy', params: { roleName: role, policyArn: ADMIN_POLICY } },
    ]);
    expectDetected(records, 'aws.iam.role_trust_opened', 'aws.iam.managed_admin_policy_attached');
  });

  it('access key created for another user', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      { source: 'iam', name: 'ListUsers', params: { maxItems: 100 } },
      {
        source: 'iam',
        name: 'CreateAccessKey',
        params: { userName: 'billing-exporter' },
        response: {
          accessKey: {
            userName: 'billing-exporter',
            accessKeyId: 'AKIA6ODU5QF2X7N4BKDR',
            status: 'Active',
            createDate: 'Apr 14, 2026, 1:02:17 PM',
          },
        },
      },
    ]);
    expectDetected(records, 'aws.iam.access_key_created_for_other_user');
  });

  it('admin IAM user created', () => {
    const user = 'malicious-iam-user';
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'iam',
        name: 'CreateUser',
        params: { userName: user },
        response: {
          user: {
            path: '/',
            userName: user,
            userId: 'AIDA6ODU5QF2NEWUSR01',
            arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
            createDate: 'Apr 14, 2026, 1:02:14 PM',
          },
        },
      },
      { source: 'iam', name: 'AttachUserPolicy', params: { userName: user, policyArn: ADMIN_POLICY } },
      {
        source: 'iam',
        name: 'CreateAccessKey',
        params: { userName: user },
        response: {
          accessKey: {
            userName: user,
            accessKeyId: 'AKIA6ODU5QF2Q2W3E4R5',
            status: 'Active',
            createDate: 'Apr 14, 2026, 1:02:20 PM',
          },
        },
      },
    ]);
    expectDetected(records, 'aws.iam.new_user_granted_admin');
  });

  it('login profile created for another user', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'iam',
        name: 'CreateLoginProfile',
        params: { userName: 'billing-exporter', passwordResetRequired: false },
        response: {
          loginProfile: {
            userName: 'billing-exporter',
            createDate: 'Apr 14, 2026, 1:02:17 PM',
            passwordResetRequired: false,
          },
        },
      },
    ]);
    expectDetected(records, 'aws.iam.login_profile_for_other_user');
  });

  it('Lambda function made public (AddPermission principal *)', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'lambda',
        name: 'AddPermission20150331v2',
        params: {
          functionName: 'invoice-renderer',
          statementId: 'backdoor',
          action: 'lambda:InvokeFunction',
          principal: '*',
        },
        response: {
          statement: JSON.stringify({
            Sid: 'backdoor',
            Effect: 'Allow',
            Principal: '*',
            Action: 'lambda:InvokeFunction',
            Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:invoice-renderer`,
          }),
        },
      },
    ]);
    expectDetected(records, 'aws.lambda.function_made_public');
  });

  it('Lambda function made invocable by an outside account', () => {
    const records = replay(
      { identity: id.sso('AdministratorAccess', 'ops@example.com'), ip: PROXY_IP, ua: UA.stratus },
      [
        {
          source: 'lambda',
          name: 'AddPermission20150331v2',
          params: {
            functionName: 'invoice-renderer',
            statementId: 'cross-account-invoke',
            action: 'lambda:InvokeFunction',
            principal: OUTSIDE_ACCOUNT,
          },
          response: {
            statement: JSON.stringify({
              Sid: 'cross-account-invoke',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${OUTSIDE_ACCOUNT}:root` },
              Action: 'lambda:InvokeFunction',
              Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:invoice-renderer`,
            }),
          },
        },
      ],
    );
    expectDetected(records, 'aws.lambda.function_made_public');
  });

  it('Lambda layer from an outside account added to a function', () => {
    const fn = 'invoice-renderer';
    const layer = `arn:aws:lambda:${REGION}:${OUTSIDE_ACCOUNT}:layer:telemetry-ext:3`;
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'lambda',
        name: 'UpdateFunctionConfiguration20150331v2',
        params: { functionName: fn, layers: [layer] },
        response: {
          functionName: fn,
          functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`,
          runtime: 'python3.12',
          role: `arn:aws:iam::${ACCOUNT}:role/invoice-renderer-role`,
          handler: 'app.handler',
          layers: [{ arn: layer, codeSize: 1_204_311 }],
          state: 'Active',
          lastUpdateStatus: 'InProgress',
        },
      },
    ]);
    expectDetected(records, 'aws.lambda.layer_attached');
  });

  it('Lambda code overwritten', () => {
    const fn = 'invoice-renderer';
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'lambda',
        name: 'UpdateFunctionCode20150331v2',
        params: { functionName: fn, publish: false, dryRun: false },
        response: {
          functionName: fn,
          functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`,
          runtime: 'python3.12',
          codeSize: 412,
          codeSha256: 'Q2xhdWRlQ29kZVNoYTI1NkZvclRoZVRlc3Q=',
          lastUpdateStatus: 'InProgress',
        },
      },
    ]);
    expectDetected(records, 'aws.lambda.code_updated_by_unusual_principal');
  });

  it('IAM Roles Anywhere trust anchor created', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'rolesanywhere',
        name: 'CreateTrustAnchor',
        params: {
          name: 'ops-pki',
          source: {
            sourceType: 'CERTIFICATE_BUNDLE',
            sourceData: {
              x509CertificateData:
                '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----',
            },
          },
          enabled: true,
        },
        response: {
          trustAnchor: {
            trustAnchorId: '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f',
            trustAnchorArn: `arn:aws:rolesanywhere:${REGION}:${ACCOUNT}:trust-anchor/0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f`,
            name: 'ops-pki',
            enabled: true,
          },
        },
      },
      {
        source: 'rolesanywhere',
        name: 'CreateProfile',
        params: { name: 'ops-profile', roleArns: [`arn:aws:iam::${ACCOUNT}:role/prod-admin`], enabled: true },
      },
    ]);
    expectDetected(records, 'aws.rolesanywhere.trust_anchor_created');
  });

  it('STS GetFederationToken used for persistence', () => {
    const user = id.user('ci-reporting', 'AKIA6ODU5QF2CIREP0RT');
    const issue = replay({ identity: user, ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'sts',
        name: 'GetFederationToken',
        params: {
          name: 'stratus_red_team',
          durationSeconds: 129_600,
          policy: policy({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          }),
        },
        response: {
          credentials: {
            accessKeyId: 'ASIA6ODU5QF2FEDT0KN9',
            sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJGMEQCIHiddenForTheTest',
            expiration: 'Apr 16, 2026, 1:02:14 AM',
          },
          federatedUser: {
            federatedUserId: `${ACCOUNT}:stratus_red_team`,
            arn: `arn:aws:sts::${ACCOUNT}:federated-user/stratus_red_team`,
          },
          packedPolicySize: 6,
        },
      },
    ]);
    const use = replay(
      { identity: id.federated('stratus_red_team'), ip: VPS_IP, ua: UA.cli, start: '2026-04-14T13:10:00Z' },
      [
        { source: 'sts', name: 'GetCallerIdentity' },
        { source: 'iam', name: 'ListUsers', params: {} },
        { source: 's3', name: 'ListBuckets', params: { Host: 's3.amazonaws.com' } },
      ],
    );
    expectDetected([...issue, ...use], 'aws.sts.session_token_untrusted_network');
  });
});

// ---------------------------------------------------------------------------------------------
// Privilege escalation
// ---------------------------------------------------------------------------------------------

describe('privilege escalation', () => {
  it('UpdateLoginProfile of another user', () => {
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.stratus }, [
      {
        source: 'iam',
        name: 'UpdateLoginProfile',
        params: { userName: 'finance-admin', passwordResetRequired: false },
      },
    ]);
    expectDetected(records, 'aws.iam.login_profile_for_other_user');
  });

  it('policy version created and set as default with admin rights', () => {
    const policyArn = `arn:aws:iam::${ACCOUNT}:policy/svc-backup-s3`;
    const records = replay({ identity: id.user('svc-backup'), ip: VPS_IP, ua: UA.pacu }, [
      { source: 'iam', name: 'ListAttachedUserPolicies', params: { userName: 'svc-backup' } },
      {
        source: 'iam',
        name: 'CreatePolicyVersion',
        params: {
          policyArn,
          policyDocument: policy({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          }),
          setAsDefault: true,
        },
        response: {
          policyVersion: { versionId: 'v2', isDefaultVersion: true, createDate: 'Apr 14, 2026, 1:02:17 PM' },
        },
      },
    ]);
    expectDetected(records, 'aws.iam.policy_default_version_changed');
  });
});

// ---------------------------------------------------------------------------------------------
// Benign look-alikes
// ---------------------------------------------------------------------------------------------

describe('benign look-alikes stay below medium for their principal', () => {
  it('an Auto Scaling group terminating instances on scale-in', () => {
    const records = replay(
      {
        identity: id.serviceLinked(
          'AWSServiceRoleForAutoScaling',
          'AutoScaling',
          'autoscaling.amazonaws.com',
        ),
        ip: 'autoscaling.amazonaws.com',
        ua: 'autoscaling.amazonaws.com',
      },
      instanceIds(8, 31).map((instanceId) => ({
        source: 'ec2',
        name: 'TerminateInstances',
        params: { instancesSet: { items: [{ instanceId }] } },
        response: {
          instancesSet: {
            items: [
              {
                instanceId,
                currentState: { code: 32, name: 'shutting-down' },
                previousState: { code: 16, name: 'running' },
              },
            ],
          },
        },
        after: 1,
      })),
    );
    expectQuiet(records);
  });

  it('Terraform creating a role trusted by another account of the organisation', () => {
    const who = id.role('terraform-deployer', 'terraform-run-7Xc2kQ');
    const records = replay({ identity: who, ip: VPC_IP, ua: UA.terraform }, [
      {
        source: 'iam',
        name: 'CreateRole',
        params: {
          roleName: 'shared-services-reader',
          path: '/',
          maxSessionDuration: 3600,
          assumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${OTHER_ORG_ACCOUNT}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
          tags: [{ key: 'managed-by', value: 'terraform' }],
        },
      },
      {
        source: 'iam',
        name: 'AttachRolePolicy',
        params: { roleName: 'shared-services-reader', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
      },
    ]);
    expectQuiet(records);
  });

  it('a CI role updating Lambda code from a GitHub-hosted runner', () => {
    const fn = 'invoice-renderer';
    const records = replay(
      { identity: id.githubActions('github-actions-deploy'), ip: RUNNER_IP, ua: UA.node },
      [
        {
          source: 'lambda',
          name: 'UpdateFunctionCode20150331v2',
          params: {
            functionName: fn,
            publish: true,
            dryRun: false,
            s3Bucket: 'acme-build-artifacts',
            s3Key: `${fn}/3f9c2e1.zip`,
          },
          response: { functionName: fn, codeSize: 1_845_211, lastUpdateStatus: 'InProgress' },
        },
        {
          source: 'lambda',
          name: 'PublishVersion20150331',
          params: { functionName: fn },
          response: { functionName: fn, version: '42' },
          after: 15,
        },
      ],
    );
    expectQuiet(records);
  });

  it('a workload reading its own secret from inside the VPC', () => {
    const who = id.role('orders-api-task-role', 'a1b2c3d4e5f64789a0b1c2d3e4f5a6b7');
    const records = replay(
      { identity: who, ip: VPC_IP, ua: UA.node },
      [0, 1, 2, 3, 4].map(() => ({
        source: 'secretsmanager',
        name: 'GetSecretValue',
        params: { secretId: 'prod/orders/db' },
        after: 300,
      })),
    );
    expectQuiet(records);
  });

  it('an administrator opening a session on one instance from the office', () => {
    const records = replay(
      { identity: id.sso('AdministratorAccess', 'kim.tan@example.com'), ip: '10.20.30.40', ua: UA.cli },
      [
        {
          source: 'ssm',
          name: 'StartSession',
          params: { target: 'i-0e58a1c7d2b9f3046', documentName: 'AWS-StartPortForwardingSession' },
          response: {
            sessionId: 'kim.tan@example.com-0b1c2d3e4f5a6b7c8',
            tokenValue: 'Value hidden due to security reasons.',
          },
        },
      ],
    );
    expectQuiet(records);
  });
});

describe('the engine under test', () => {
  it('holds every native detection and the compiled Sigma rules', () => {
    const ids = engine.detections.map((d) => d.id);
    for (const d of CATALOGUE) expect(ids).toContain(d.id);
    expect(ids.filter((i) => i.startsWith('sigma.aws.')).length).toBeGreaterThan(20);
  });
});
