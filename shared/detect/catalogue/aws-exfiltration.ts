/**
 * Exfiltration on AWS: data moved out by sharing rather than copying — snapshots and images shared
 * with other accounts, buckets and resource policies opened, replication to foreign accounts —
 * plus bulk reads and reads of our buckets by outside accounts.
 */
import type { Detection, DetectionContext, EntityRef, Hit } from '../types.ts';
import { isInteractiveOrStolen } from './aws-helpers-a.ts';
import {
  accountEntity,
  accountFromArn,
  analysePolicy,
  bucketArn,
  burst,
  type CtSpec,
  ct,
  ctFalse,
  ctGet,
  ctItems,
  ctJson,
  ctList,
  ctStr,
  ctStrings,
  ctTrue,
  eventNameOf,
  eventSourceOf,
  foreignAccount,
  fromUntrustedNetwork,
  iamUser,
  isAwsServiceActor,
  MINUTE,
  once,
  parseJsonish,
  principalOf,
  reachedTier,
  resourceEntity,
  roleSession,
  serviceDriven,
  succeeded,
  timeOf,
} from './aws-helpers-b.ts';

const TEN_MIN = 10 * MINUTE;

interface ShareResult {
  public: boolean;
  foreign: string[];
}

/** Hit for "shared publicly → critical, with foreign accounts → high", with account entities. */
function shareHit(
  share: ShareResult,
  resource: EntityRef | undefined,
  evidence: Hit['evidence'],
): Hit | undefined {
  if (!share.public && share.foreign.length === 0) return undefined;
  const entities: EntityRef[] = share.foreign.map(accountEntity);
  if (resource) entities.push(resource);
  return {
    severity: share.public ? 'critical' : 'high',
    risk: share.public ? 80 : 50,
    entities,
    evidence: { ...evidence, public: share.public, foreign_accounts: share.foreign.join(',') },
  };
}

/** Items of an EC2 `{add: {items: [{userId | group}]}}` permission change. */
function ec2PermissionAdds(raw: unknown, path: string, ctx: DetectionContext): ShareResult {
  const foreign = new Set<string>();
  let pub = false;
  for (const item of ctItems(raw, `${path}.add`)) {
    if (ctStr(item, 'group') === 'all') pub = true;
    for (const field of ['userId', 'organizationArn', 'organizationalUnitArn']) {
      const v = ctStr(item, field);
      const f = v ? foreignAccount(v, ctx, raw) : undefined;
      if (f) foreign.add(f);
    }
  }
  return { public: pub, foreign: [...foreign] };
}

// ---------------------------------------------------------------------------------------------

const snapshotShare = (items: unknown[], extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'ModifySnapshotAttribute',
  source: 'ec2',
  params: {
    snapshotId: 'snap-0b5e5b2c1a9f3d7e1',
    attributeType: 'CREATE_VOLUME_PERMISSION',
    createVolumePermission: { add: { items } },
  },
  response: { _return: true },
  ...extra,
});

const ebsShare: Detection = {
  id: 'aws.ec2.snapshot_shared_externally',
  title: 'EBS snapshot shared outside the organisation',
  description:
    'ModifySnapshotAttribute granted createVolumePermission on an EBS snapshot to an account outside the ' +
    'organisation, or to everyone (group "all"). Whoever receives it can create a volume and read the disk — ' +
    "a quiet, bandwidth-free way to take a server's data. Public shares are critical.",
  attack: ['T1537'],
  tactic: 'TA0010',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['ModifySnapshotAttribute'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const snapshot = ctStr(raw, 'requestParameters.snapshotId') ?? '';
    return shareHit(
      ec2PermissionAdds(raw, 'requestParameters.createVolumePermission', ctx),
      snapshot ? resourceEntity(snapshot) : undefined,
      { snapshot_id: snapshot },
    );
  },
  cases: [
    {
      name: 'snapshot shared with an unknown account',
      fires: true,
      records: [ct(snapshotShare([{ userId: '999988887777' }]))],
    },
    { name: 'snapshot made public', fires: true, records: [ct(snapshotShare([{ group: 'all' }]))] },
    {
      name: 'snapshot shared with the other org account',
      fires: false,
      records: [ct(snapshotShare([{ userId: '123456789012' }]))],
    },
    {
      name: 'public share denied',
      fires: false,
      records: [
        ct(snapshotShare([{ group: 'all' }], { error: 'Client.UnauthorizedOperation', response: null })),
      ],
    },
    {
      name: 'permission removed from a foreign account',
      fires: false,
      records: [
        ct(
          snapshotShare([], {
            params: {
              snapshotId: 'snap-0b5e5b2c1a9f3d7e1',
              attributeType: 'CREATE_VOLUME_PERMISSION',
              createVolumePermission: { remove: { items: [{ userId: '999988887777' }] } },
            },
          }),
        ),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const rdsShare: Detection = {
  id: 'aws.rds.snapshot_shared_externally',
  title: 'RDS snapshot shared outside the organisation',
  description:
    'ModifyDBSnapshotAttribute or ModifyDBClusterSnapshotAttribute added a foreign account (or "all") to the ' +
    '"restore" attribute of a database snapshot, letting that account restore a full copy of the database. ' +
    'Public shares are critical.',
  attack: ['T1537'],
  tactic: 'TA0010',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || ctStr(raw, 'requestParameters.attributeName') !== 'restore') return undefined;
    const values = ctStrings(raw, 'requestParameters.valuesToAdd');
    const foreign = [
      ...new Set(values.map((v) => foreignAccount(v, ctx, raw)).filter((x): x is string => !!x)),
    ];
    const snapshot =
      ctStr(raw, 'requestParameters.dBSnapshotIdentifier') ??
      ctStr(raw, 'requestParameters.dBClusterSnapshotIdentifier') ??
      '';
    return shareHit(
      { public: values.some((v) => v.toLowerCase() === 'all'), foreign },
      snapshot ? resourceEntity(snapshot) : undefined,
      { snapshot: snapshot },
    );
  },
  cases: [
    {
      name: 'snapshot shared with an outside account',
      fires: true,
      records: [
        ct({
          name: 'ModifyDBSnapshotAttribute',
          source: 'rds',
          params: {
            dBSnapshotIdentifier: 'exfiltration',
            attributeName: 'restore',
            valuesToAdd: ['193672423079'],
          },
        }),
      ],
    },
    {
      name: 'cluster snapshot made public',
      fires: true,
      records: [
        ct({
          name: 'ModifyDBClusterSnapshotAttribute',
          source: 'rds',
          params: {
            dBClusterSnapshotIdentifier: 'aurora-prod-final',
            attributeName: 'restore',
            valuesToAdd: ['all'],
          },
        }),
      ],
    },
    {
      name: 'shared with no accounts',
      fires: false,
      records: [
        ct({
          name: 'ModifyDBSnapshotAttribute',
          source: 'rds',
          params: { dBSnapshotIdentifier: 'nightly', attributeName: 'restore', valuesToAdd: [] },
        }),
      ],
    },
    {
      name: 'shared with the disaster-recovery org account',
      fires: false,
      records: [
        ct({
          name: 'ModifyDBSnapshotAttribute',
          source: 'rds',
          params: {
            dBSnapshotIdentifier: 'nightly',
            attributeName: 'restore',
            valuesToAdd: ['123456789012'],
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const amiShare = (items: unknown[], extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'ModifyImageAttribute',
  source: 'ec2',
  params: {
    imageId: 'ami-0c1d2e3f4a5b6c7d8',
    attributeType: 'launchPermission',
    launchPermission: { add: { items } },
  },
  response: { _return: true },
  ...extra,
});

const amiShareDetection: Detection = {
  id: 'aws.ec2.ami_shared_externally',
  title: 'AMI shared outside the organisation',
  description:
    'ModifyImageAttribute granted launch permission on a machine image to an account or organisation outside ' +
    'ours, or made it public. Images carry the disks of the instances they were built from — code, keys and ' +
    'data. Public images are critical.',
  attack: ['T1537'],
  tactic: 'TA0010',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['ModifyImageAttribute'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const type = ctStr(raw, 'requestParameters.attributeType');
    if (type !== undefined && type !== 'launchPermission') return undefined;
    const image = ctStr(raw, 'requestParameters.imageId') ?? '';
    return shareHit(
      ec2PermissionAdds(raw, 'requestParameters.launchPermission', ctx),
      image ? resourceEntity(image) : undefined,
      { image_id: image },
    );
  },
  cases: [
    { name: 'AMI made public', fires: true, records: [ct(amiShare([{ group: 'all' }]))] },
    {
      name: 'AMI shared with an unknown account',
      fires: true,
      records: [ct(amiShare([{ userId: '012345678901' }]))],
    },
    {
      name: 'AMI shared with a foreign organisation',
      fires: true,
      records: [
        ct(amiShare([{ organizationArn: 'arn:aws:organizations::999988887777:organization/o-abcd1234ef' }])),
      ],
    },
    {
      name: 'AMI shared with an org account',
      fires: false,
      records: [ct(amiShare([{ userId: '111122223333' }]))],
    },
    {
      name: 'description changed, not launch permission',
      fires: false,
      records: [
        ct(
          amiShare([], {
            params: {
              imageId: 'ami-0c1d2e3f4a5b6c7d8',
              attributeType: 'description',
              description: { value: 'golden v2' },
            },
          }),
        ),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const bucketPolicy = (statement: unknown, extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'PutBucketPolicy',
  source: 's3',
  params: {
    bucketName: 'customer-exports',
    bucketPolicy: { Version: '2012-10-17', Statement: [statement] },
    policy: [''],
    Host: 'customer-exports.s3.us-east-1.amazonaws.com',
  },
  ...extra,
});

const s3Policy: Detection = {
  id: 'aws.s3.bucket_policy_exposed',
  title: 'Bucket policy opens the bucket to the public or a foreign account',
  description:
    'PutBucketPolicy set a policy with an Allow statement for any principal ("*") that no condition pins to our ' +
    'organisation, networks or callers, or that names an account outside the organisation. Either lets data ' +
    'leave without any copy being made in our account. Public write or full access is critical; public read ' +
    'and foreign-account grants are high.',
  attack: ['T1537', 'T1530'],
  tactic: 'TA0010',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['PutBucketPolicy'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const exposure = analysePolicy(ctJson(raw, 'requestParameters.bucketPolicy'), ctx, raw);
    if (!exposure.public && exposure.foreignAccounts.length === 0) return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    const entities: EntityRef[] = exposure.foreignAccounts.map(accountEntity);
    if (bucket) entities.push(resourceEntity(bucketArn(bucket)));
    const severity = exposure.publicWrite ? 'critical' : 'high';
    return {
      severity,
      risk: exposure.publicWrite ? 80 : exposure.public ? 60 : 50,
      entities,
      evidence: {
        bucket,
        public: exposure.public,
        public_write: exposure.publicWrite,
        foreign_accounts: exposure.foreignAccounts.join(','),
      },
    };
  },
  cases: [
    {
      name: 'public read of every object',
      fires: true,
      records: [
        ct(
          bucketPolicy({
            Sid: 'PublicRead',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::customer-exports/*',
          }),
        ),
      ],
    },
    {
      name: 'an outside account granted full access',
      fires: true,
      records: [
        ct(
          bucketPolicy({
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::999988887777:root' },
            Action: 's3:*',
            Resource: ['arn:aws:s3:::customer-exports', 'arn:aws:s3:::customer-exports/*'],
          }),
        ),
      ],
    },
    {
      name: 'wildcard principal but only IfExists condition',
      fires: true,
      records: [
        ct(
          bucketPolicy({
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::customer-exports/*',
            Condition: { StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-0a1b2c3d' } },
          }),
        ),
      ],
    },
    {
      name: 'wildcard principal restricted to the organisation',
      fires: false,
      records: [
        ct(
          bucketPolicy({
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::customer-exports/*',
            Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
          }),
        ),
      ],
    },
    {
      name: 'CloudTrail delivery policy for a service principal',
      fires: false,
      records: [
        ct(
          bucketPolicy({
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:GetBucketAcl',
            Resource: 'arn:aws:s3:::customer-exports',
          }),
        ),
      ],
    },
    {
      name: 'deny-insecure-transport policy',
      fires: false,
      records: [
        ct(
          bucketPolicy({
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: 'arn:aws:s3:::customer-exports/*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

/** Where each non-S3 resource-policy API carries its policy document. */
const POLICY_FIELDS: Record<string, string[]> = {
  SetRepositoryPolicy: ['requestParameters.policyText'],
  PutRegistryPolicy: ['requestParameters.policyText'],
  PutKeyPolicy: ['requestParameters.policy'],
  CreateKey: ['requestParameters.policy'],
  SetQueueAttributes: ['requestParameters.attributes.Policy'],
  CreateQueue: ['requestParameters.attributes.Policy'],
  SetTopicAttributes: ['requestParameters.attributeValue'],
  CreateTopic: ['requestParameters.attributes.Policy'],
  PutResourcePolicy: [
    'requestParameters.resourcePolicy',
    'requestParameters.policyDocument',
    'requestParameters.policyInJson',
  ],
  CreateElasticsearchDomain: ['requestParameters.accessPolicies'],
  UpdateElasticsearchDomainConfig: ['requestParameters.accessPolicies'],
  CreateDomain: ['requestParameters.accessPolicies'],
  UpdateDomainConfig: ['requestParameters.accessPolicies'],
  SetVaultAccessPolicy: ['requestParameters.policy.policy', 'requestParameters.policy'],
  PutBackupVaultAccessPolicy: ['requestParameters.policy'],
  PutFileSystemPolicy: ['requestParameters.policy'],
  PutAccessPointPolicy: ['requestParameters.policy'],
  PutRepositoryPermissionsPolicy: ['requestParameters.policyDocument'],
};

const resourcePolicy: Detection = {
  id: 'aws.resource_policy.made_public',
  title: 'Resource policy opened to the public or a foreign account',
  description:
    'A resource policy outside S3 (ECR repository, KMS key, SQS queue, SNS topic, Secrets Manager secret, ' +
    'OpenSearch domain, Glacier or Backup vault, EFS, CloudWatch Logs, Glue, CodeArtifact) now allows any ' +
    'principal without a condition that pins callers to the organisation, or names an outside account. ' +
    'Public grants are high; foreign-account grants medium. S3 bucket policies have their own rule; Lambda ' +
    'permissions belong to persistence.',
  attack: ['T1537'],
  tactic: 'TA0010',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: Object.keys(POLICY_FIELDS),
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const name = eventNameOf(raw);
    if (name === 'SetTopicAttributes' && ctStr(raw, 'requestParameters.attributeName') !== 'Policy')
      return undefined;
    let pub = false;
    const foreign = new Set<string>();
    for (const path of POLICY_FIELDS[name] ?? []) {
      const doc = parseJsonish(ctGet(raw, path));
      if (typeof doc !== 'object' || doc === null) continue;
      const e = analysePolicy(doc, ctx, raw);
      pub ||= e.public;
      for (const a of e.foreignAccounts) foreign.add(a);
    }
    if (!pub && foreign.size === 0) return undefined;
    return {
      severity: pub ? 'high' : 'medium',
      risk: pub ? 50 : 25,
      entities: [...foreign].map(accountEntity),
      evidence: {
        service: eventSourceOf(raw).replace('.amazonaws.com', ''),
        api: name,
        public: pub,
        foreign_accounts: [...foreign].join(','),
      },
    };
  },
  cases: [
    {
      name: 'ECR repository made world-readable',
      fires: true,
      records: [
        ct({
          name: 'SetRepositoryPolicy',
          source: 'ecr',
          actor: serviceDriven('cloudformation.amazonaws.com', 'ServiceRole'),
          params: {
            repositoryName: 'community',
            policyText: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'PublicRead',
                  Effect: 'Allow',
                  Principal: '*',
                  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
                },
              ],
            }),
          },
        }),
      ],
    },
    {
      name: 'queue policy where one statement is unconditioned',
      fires: true,
      records: [
        ct({
          name: 'SetQueueAttributes',
          source: 'sqs',
          params: {
            queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/orders',
            attributes: {
              Policy: JSON.stringify({
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: '*',
                    Action: 'sqs:*',
                    Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3' } },
                  },
                  { Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage' },
                ],
              }),
            },
          },
        }),
      ],
    },
    {
      name: 'KMS key policy for org roles only',
      fires: false,
      records: [
        ct({
          name: 'PutKeyPolicy',
          source: 'kms',
          params: {
            keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
            policyName: 'default',
            policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: 'arn:aws:iam::111122223333:root' },
                  Action: 'kms:*',
                  Resource: '*',
                },
                {
                  Effect: 'Allow',
                  Principal: '*',
                  Action: 'kms:Decrypt',
                  Resource: '*',
                  Condition: {
                    StringEquals: {
                      'kms:CallerAccount': '111122223333',
                      'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com',
                    },
                  },
                },
              ],
            }),
          },
        }),
      ],
    },
    {
      name: 'secret policy restricted to the organisation and role names',
      fires: false,
      records: [
        ct({
          name: 'PutResourcePolicy',
          source: 'secretsmanager',
          params: {
            secretId: 'prod/db',
            blockPublicPolicy: true,
            resourcePolicy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: '*',
                  Action: 'secretsmanager:GetSecretValue',
                  Resource: '*',
                  Condition: {
                    StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3' },
                    'ForAnyValue:StringLike': { 'aws:PrincipalArn': ['arn:aws:iam::*:role/Deploy*'] },
                  },
                },
              ],
            }),
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const PUBLIC_GROUP = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/i;
const PUBLIC_CANNED = new Set(['public-read', 'public-read-write', 'authenticated-read']);

/** Header paths of an ACL grant, and whether the grant lets others write. Spelled once: this runs on every PutObject. */
const GRANT_HEADERS: readonly (readonly [path: string, write: boolean])[] = [
  ['requestParameters.x-amz-grant-read', false],
  ['requestParameters.x-amz-grant-read-acp', false],
  ['requestParameters.x-amz-grant-write', true],
  ['requestParameters.x-amz-grant-write-acp', true],
  ['requestParameters.x-amz-grant-full-control', true],
];

const CANNED_ACL_PATHS = ['requestParameters.x-amz-acl', 'requestParameters.acl'];

/** True when the string at `path`, or a string in the list there, passes `test`; builds no array. */
function anyString(raw: unknown, path: string, test: (s: string) => boolean): boolean {
  const v = ctGet(raw, path);
  if (typeof v === 'string') return test(v);
  return Array.isArray(v) && v.some((x) => typeof x === 'string' && test(x));
}
const publicCanned = (acl: string) => PUBLIC_CANNED.has(acl.toLowerCase());
const publicWriteCanned = (acl: string) => acl.toLowerCase() === 'public-read-write';
const publicGroup = (grantees: string) => PUBLIC_GROUP.test(grantees);

function aclExposure(raw: unknown): { pub: boolean; write: boolean } {
  let pub = false;
  let write = false;
  for (const path of CANNED_ACL_PATHS) {
    if (anyString(raw, path, publicCanned)) pub = true;
    if (anyString(raw, path, publicWriteCanned)) write = true;
  }
  // The pattern holds no comma, so testing each grantee list alone equals testing them joined.
  for (const [path, grantsWrite] of GRANT_HEADERS) {
    if (anyString(raw, path, publicGroup)) {
      pub = true;
      if (grantsWrite) write = true;
    }
  }
  for (const grant of ctList(raw, 'requestParameters.AccessControlPolicy.AccessControlList.Grant')) {
    if (PUBLIC_GROUP.test(ctStr(grant, 'Grantee.URI') ?? '')) {
      pub = true;
      const permission = ctStr(grant, 'Permission') ?? '';
      if (permission === 'WRITE' || permission === 'FULL_CONTROL' || permission === 'WRITE_ACP') write = true;
    }
  }
  return { pub, write };
}

const aclPublic: Detection = {
  id: 'aws.s3.acl_made_public',
  title: 'S3 bucket or object ACL grants access to everyone',
  description:
    'An ACL was set (PutBucketAcl, PutObjectAcl, or an upload/copy with a canned ACL) that grants the AllUsers ' +
    'or AuthenticatedUsers group access — "authenticated" meaning any AWS account in the world. A bucket ACL ' +
    'is high (critical when it grants write); a single object is medium.',
  attack: ['T1537', 'T1530'],
  tactic: 'TA0010',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['PutBucketAcl', 'PutObjectAcl', 'PutObject', 'CopyObject', 'CreateMultipartUpload'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const { pub, write } = aclExposure(raw);
    if (!pub) return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    const onBucket = eventNameOf(raw) === 'PutBucketAcl';
    return {
      severity: onBucket ? (write ? 'critical' : 'high') : 'medium',
      risk: onBucket ? (write ? 80 : 50) : 25,
      entities: bucket ? [resourceEntity(bucketArn(bucket))] : [],
      evidence: {
        bucket,
        key: (ctStr(raw, 'requestParameters.key') ?? '').slice(0, 200),
        public_write: write,
      },
    };
  },
  cases: [
    {
      name: 'bucket ACL grants AllUsers read',
      fires: true,
      records: [
        ct({
          name: 'PutBucketAcl',
          source: 's3',
          params: {
            bucketName: 'marketing-assets',
            acl: '',
            AccessControlPolicy: {
              AccessControlList: {
                Grant: [
                  {
                    Grantee: {
                      'xsi:type': 'CanonicalUser',
                      ID: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
                    },
                    Permission: 'FULL_CONTROL',
                  },
                  {
                    Grantee: { 'xsi:type': 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' },
                    Permission: 'READ',
                  },
                ],
              },
              Owner: { ID: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' },
            },
          },
        }),
      ],
    },
    {
      name: 'object uploaded with canned public-read',
      fires: true,
      records: [
        ct({
          name: 'PutObject',
          source: 's3',
          params: { bucketName: 'finance-reports', key: 'q1/payroll.xlsx', 'x-amz-acl': 'public-read' },
          data: true,
        }),
      ],
    },
    {
      name: 'bucket-owner-full-control on upload',
      fires: false,
      records: [
        ct({
          name: 'PutObject',
          source: 's3',
          params: {
            bucketName: 'finance-reports',
            key: 'q1/payroll.xlsx',
            'x-amz-acl': 'bucket-owner-full-control',
          },
          data: true,
        }),
      ],
    },
    {
      name: 'private canned ACL on the bucket',
      fires: false,
      records: [
        ct({
          name: 'PutBucketAcl',
          source: 's3',
          params: { bucketName: 'marketing-assets', acl: '', 'x-amz-acl': ['private'] },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const PAB_FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];

const pabRemoved: Detection = {
  id: 'aws.s3.public_access_block_removed',
  title: 'S3 Block Public Access turned off',
  description:
    'Block Public Access was deleted or one of its four switches set to false, for a bucket or for the whole ' +
    'account. It is the guardrail that keeps a careless or malicious policy/ACL from exposing data; removing it ' +
    'is usually the step just before a bucket is opened. Account-wide changes are high.',
  attack: ['T1537', 'T1562'],
  tactic: 'TA0010',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: [
    'DeleteBucketPublicAccessBlock',
    'PutBucketPublicAccessBlock',
    'DeleteAccountPublicAccessBlock',
    'PutAccountPublicAccessBlock',
    'DeletePublicAccessBlock',
    'PutPublicAccessBlock',
  ],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const name = eventNameOf(raw);
    const source = eventSourceOf(raw);
    if (source !== 's3.amazonaws.com' && source !== 's3-control.amazonaws.com') return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName');
    const accountWide = !bucket;
    let disabled: string[];
    if (name.startsWith('Delete')) disabled = ['all'];
    else {
      disabled = PAB_FLAGS.filter(
        (f) =>
          ctFalse(raw, `requestParameters.PublicAccessBlockConfiguration.${f}`) ||
          ctFalse(raw, `requestParameters.publicAccessBlock.PublicAccessBlockConfiguration.${f}`),
      );
    }
    if (disabled.length === 0) return undefined;
    return {
      severity: accountWide ? 'high' : 'medium',
      risk: accountWide ? 50 : 25,
      entities: bucket ? [resourceEntity(bucketArn(bucket))] : [],
      evidence: {
        scope: accountWide ? 'account' : 'bucket',
        bucket: bucket ?? '',
        disabled: disabled.join(','),
      },
    };
  },
  cases: [
    {
      name: 'bucket public access block deleted',
      fires: true,
      records: [
        ct({
          name: 'DeleteBucketPublicAccessBlock',
          source: 's3',
          params: {
            bucketName: 'corporate-documents',
            Host: 'corporate-documents.s3.amazonaws.com',
            publicAccessBlock: '',
          },
        }),
      ],
    },
    {
      name: 'account-level block policy switched off',
      fires: true,
      records: [
        ct({
          name: 'PutAccountPublicAccessBlock',
          source: 's3',
          params: {
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: false,
              RestrictPublicBuckets: false,
            },
          },
        }),
      ],
    },
    {
      name: 'block public access enabled on a bucket',
      fires: false,
      records: [
        ct({
          name: 'PutBucketPublicAccessBlock',
          source: 's3',
          params: {
            bucketName: 'corporate-documents',
            publicAccessBlock: '',
            PublicAccessBlockConfiguration: {
              xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            },
          },
        }),
      ],
    },
    {
      name: 'deletion denied',
      fires: false,
      records: [
        ct({
          name: 'DeleteBucketPublicAccessBlock',
          source: 's3',
          params: { bucketName: 'corporate-documents' },
          error: 'AccessDenied',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const replication: Detection = {
  id: 'aws.s3.replication_to_foreign_account',
  title: 'Bucket replicated to an account outside the organisation',
  description:
    'PutBucketReplication configured a rule whose destination account is not one of ours. From then on S3 itself ' +
    'copies every new (and, with batch replication, existing) object to that account — exfiltration that keeps ' +
    'running without the intruder.',
  attack: ['T1537'],
  tactic: 'TA0010',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['PutBucketReplication'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const foreign = new Set<string>();
    const destinations: string[] = [];
    for (const rule of ctList(raw, 'requestParameters.ReplicationConfiguration.Rule')) {
      const account = ctStr(rule, 'Destination.Account');
      const f = account ? foreignAccount(account, ctx, raw) : undefined;
      if (f) {
        foreign.add(f);
        destinations.push(ctStr(rule, 'Destination.Bucket') ?? '');
      }
    }
    if (foreign.size === 0) return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    return {
      entities: [...[...foreign].map(accountEntity), ...(bucket ? [resourceEntity(bucketArn(bucket))] : [])],
      evidence: {
        bucket,
        foreign_accounts: [...foreign].join(','),
        destination: destinations.join(',').slice(0, 200),
      },
    };
  },
  cases: [
    {
      name: 'replication to a foreign account with owner override',
      fires: true,
      records: [
        ct({
          name: 'PutBucketReplication',
          source: 's3',
          params: {
            bucketName: 'customer-data',
            replication: '',
            ReplicationConfiguration: {
              Role: 'arn:aws:iam::111122223333:role/s3-replication',
              Rule: {
                ID: 'backup',
                Status: 'Enabled',
                Priority: 1,
                Filter: { Prefix: '' },
                DeleteMarkerReplication: { Status: 'Disabled' },
                Destination: {
                  Bucket: 'arn:aws:s3:::totally-legit-backup',
                  Account: '444455556666',
                  AccessControlTranslation: { Owner: 'Destination' },
                },
              },
            },
          },
        }),
      ],
    },
    {
      name: 'replication to the DR account of the organisation',
      fires: false,
      records: [
        ct({
          name: 'PutBucketReplication',
          source: 's3',
          params: {
            bucketName: 'customer-data',
            ReplicationConfiguration: {
              Role: 'arn:aws:iam::111122223333:role/s3-replication',
              Rule: [
                {
                  ID: 'dr',
                  Status: 'Enabled',
                  Destination: { Bucket: 'arn:aws:s3:::customer-data-dr', Account: '123456789012' },
                },
              ],
            },
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const RESTORES = new Set([
  'RestoreDBInstanceFromDBSnapshot',
  'RestoreDBInstanceToPointInTime',
  'RestoreDBClusterFromSnapshot',
  'RestoreDBClusterToPointInTime',
  'RestoreDBInstanceFromS3',
]);

const rdsPublic: Detection = {
  id: 'aws.rds.instance_exposed_publicly',
  title: 'Database made reachable from the internet',
  description:
    'An existing database was switched to PubliclyAccessible, or a snapshot / point-in-time copy was restored as ' +
    'a publicly accessible instance. Restoring a copy with a new master password and an internet endpoint is a ' +
    'known way to walk away with a database. Restores are high; modifications medium.',
  attack: ['T1537', 'T1530'],
  tactic: 'TA0010',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['ModifyDBInstance', 'ModifyDBCluster', ...RESTORES],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const pub =
      ctTrue(raw, 'requestParameters.publiclyAccessible') ||
      ctTrue(raw, 'responseElements.publiclyAccessible');
    if (!pub) return undefined;
    const restore = RESTORES.has(eventNameOf(raw));
    const id =
      ctStr(raw, 'requestParameters.dBInstanceIdentifier') ??
      ctStr(raw, 'requestParameters.dBClusterIdentifier') ??
      ctStr(raw, 'requestParameters.targetDBInstanceIdentifier') ??
      '';
    const arn = ctStr(raw, 'responseElements.dBInstanceArn') ?? ctStr(raw, 'responseElements.dBClusterArn');
    return {
      severity: restore ? 'high' : 'medium',
      risk: restore ? 50 : 25,
      entities: arn ? [resourceEntity(arn)] : [],
      evidence: { database: id, restore },
    };
  },
  cases: [
    {
      name: 'snapshot restored as a public instance',
      fires: true,
      records: [
        ct({
          name: 'RestoreDBInstanceFromDBSnapshot',
          source: 'rds',
          actor: iamUser('johndoe'),
          params: {
            dBInstanceIdentifier: 'restored-copy',
            dBSnapshotIdentifier: 'prod-nightly',
            dBInstanceClass: 'db.t3.medium',
          },
          response: {
            dBInstanceIdentifier: 'restored-copy',
            dBInstanceArn: 'arn:aws:rds:us-east-1:111122223333:db:restored-copy',
            dBInstanceStatus: 'creating',
            publiclyAccessible: true,
          },
        }),
      ],
    },
    {
      name: 'production instance switched to public',
      fires: true,
      records: [
        ct({
          name: 'ModifyDBInstance',
          source: 'rds',
          params: { dBInstanceIdentifier: 'production-db', publiclyAccessible: true, applyImmediately: true },
          response: { dBInstanceIdentifier: 'production-db', publiclyAccessible: true },
        }),
      ],
    },
    {
      name: 'instance made private',
      fires: false,
      records: [
        ct({
          name: 'ModifyDBInstance',
          source: 'rds',
          params: { dBInstanceIdentifier: 'production-db', publiclyAccessible: false },
          response: { dBInstanceIdentifier: 'production-db', publiclyAccessible: false },
        }),
      ],
    },
    {
      name: 'restore into a private subnet',
      fires: false,
      records: [
        ct({
          name: 'RestoreDBInstanceFromDBSnapshot',
          source: 'rds',
          params: { dBInstanceIdentifier: 'restored-copy', dBSnapshotIdentifier: 'prod-nightly' },
          response: { dBInstanceIdentifier: 'restored-copy', publiclyAccessible: false },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const DL_ID = 'aws.s3.bulk_object_download';
const bulkDownload: Detection = {
  id: DL_ID,
  title: 'Bulk download of S3 objects from outside the organisation',
  description:
    'One principal read 250 or more distinct objects within ten minutes from a network outside the ' +
    'organisation (S3 data events). Applications inside the VPC are excluded by network; a person or stolen key ' +
    'syncing a bucket to somewhere else is what remains. Low, raised to medium for very large pulls.',
  attack: ['T1530'],
  tactic: 'TA0009',
  severity: 'low',
  risk: 15,
  sources: ['cloudtrail'],
  triggers: ['GetObject'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw) || !fromUntrustedNetwork(raw, ctx)) return undefined;
    const who = principalOf(raw);
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    const key = ctStr(raw, 'requestParameters.key');
    if (!who || !key) return undefined;
    const t = timeOf(ev);
    const wkey = `${DL_ID}|${who}`;
    const n = ctx.window.distinct(wkey, `${bucket}/${key}`, t, TEN_MIN);
    const tier = reachedTier(ctx, wkey, n, t, TEN_MIN, [
      { min: 250, severity: 'low', risk: 15 },
      { min: 900, severity: 'medium', risk: 25 },
    ]);
    return tier
      ? {
          severity: tier.severity,
          risk: tier.risk,
          entities: bucket ? [resourceEntity(bucketArn(bucket))] : [],
          evidence: { distinct_objects: n, last_bucket: bucket },
        }
      : undefined;
  },
  cases: [
    {
      name: 'a user key downloads 250 documents from a home network',
      fires: true,
      records: burst(250, (i) => ({
        name: 'GetObject',
        source: 's3',
        actor: iamUser('analyst-7'),
        ip: '81.2.69.160',
        params: { bucketName: 'hr-documents', key: `contracts/2023/${i}.pdf` },
        data: true,
        at: i * 2,
      })),
    },
    {
      name: 'the same download from the office network',
      fires: false,
      records: burst(250, (i) => ({
        name: 'GetObject',
        source: 's3',
        actor: iamUser('analyst-7'),
        ip: '10.8.1.5',
        params: { bucketName: 'hr-documents', key: `contracts/2023/${i}.pdf` },
        data: true,
        at: i * 2,
      })),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const S3_DATA_READS = [
  'GetObject',
  'CopyObject',
  'UploadPartCopy',
  'ListObjects',
  'ListObjectsV2',
  'ListObjectVersions',
  'ListBucket',
];

const EXT_ID = 'aws.s3.external_account_data_access';
const externalAccess: Detection = {
  id: EXT_ID,
  title: 'Our bucket read by an account outside the organisation',
  description:
    'An S3 data event in one of our accounts shows objects being read or listed by a principal from an ' +
    'account that is not ours, or anonymously. After a bucket policy or ACL has been opened this is the data ' +
    'actually leaving; vendors with legitimate cross-account access should be added to the organisation list ' +
    'or suppressed. One signal per outside account and bucket per hour.',
  attack: ['T1537', 'T1530'],
  tactic: 'TA0010',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: S3_DATA_READS,
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || eventSourceOf(raw) !== 's3.amazonaws.com' || isAwsServiceActor(raw))
      return undefined;
    const callerAccount =
      ctStr(raw, 'userIdentity.accountId') ?? accountFromArn(ctStr(raw, 'userIdentity.arn') ?? '') ?? '';
    const anonymous =
      callerAccount === 'anonymous' || ctStr(raw, 'userIdentity.principalId') === 'ANONYMOUS_PRINCIPAL';
    const foreign = anonymous ? undefined : foreignAccount(callerAccount, ctx, raw);
    if (!anonymous && !foreign) return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    if (!once(ctx, `${EXT_ID}|${callerAccount}|${bucket}`, timeOf(ev), 60 * MINUTE)) return undefined;
    return {
      entities: [
        ...(foreign ? [accountEntity(foreign)] : []),
        ...(bucket ? [resourceEntity(bucketArn(bucket))] : []),
      ],
      evidence: { bucket, caller_account: anonymous ? 'anonymous' : callerAccount, api: eventNameOf(raw) },
    };
  },
  cases: [
    {
      name: 'an unknown account downloads from our bucket',
      fires: true,
      records: [
        ct({
          name: 'GetObject',
          source: 's3',
          actor: { type: 'AWSAccount', principalId: 'AIDA6ON6E4XEGITEXAMPLE', accountId: '444455556666' },
          account: '111122223333',
          ip: '3.120.8.19',
          params: { bucketName: 'customer-data', key: 'exports/customers.csv' },
          data: true,
          extra: {
            resources: [
              { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::customer-data/exports/customers.csv' },
              { accountId: '111122223333', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::customer-data' },
            ],
          },
        }),
      ],
    },
    {
      name: 'our other org account reading it',
      fires: false,
      records: [
        ct({
          name: 'GetObject',
          source: 's3',
          actor: { type: 'AWSAccount', principalId: 'AIDA6ON6E4XEGITEXAMPLE', accountId: '123456789012' },
          account: '111122223333',
          params: { bucketName: 'customer-data', key: 'exports/customers.csv' },
          data: true,
        }),
      ],
    },
    {
      name: 'our own role reading it',
      fires: false,
      records: [
        ct({
          name: 'GetObject',
          source: 's3',
          actor: roleSession('etl', 'nightly'),
          params: { bucketName: 'customer-data', key: 'exports/customers.csv' },
          data: true,
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const exportTask: Detection = {
  id: 'aws.ec2.instance_exported',
  title: 'Instance or image exported to S3',
  description:
    'CreateInstanceExportTask, ExportImage or CreateStoreImageTask wrote a complete disk image of an instance or ' +
    'AMI into an S3 bucket as a downloadable file. Rarely needed in day-to-day work, it turns a server into an ' +
    'object that can be copied anywhere; high when the bucket belongs to an outside account.',
  attack: ['T1537'],
  tactic: 'TA0010',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['CreateInstanceExportTask', 'ExportImage', 'CreateStoreImageTask'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const bucket =
      ctStr(raw, 'requestParameters.exportToS3.s3Bucket') ??
      ctStr(raw, 'requestParameters.exportToS3Task.s3Bucket') ??
      ctStr(raw, 'requestParameters.s3ExportLocation.s3Bucket') ??
      ctStr(raw, 'requestParameters.bucket') ??
      '';
    const owner = ctStr(raw, 'requestParameters.exportToS3.s3BucketOwner') ?? '';
    const foreign = owner ? foreignAccount(owner, ctx, raw) : undefined;
    const source =
      ctStr(raw, 'requestParameters.instanceId') ?? ctStr(raw, 'requestParameters.imageId') ?? '';
    const entities = [
      ...(foreign ? [accountEntity(foreign)] : []),
      ...(bucket ? [resourceEntity(bucketArn(bucket))] : []),
    ];
    const evidence = { api: eventNameOf(raw), source, bucket, foreign_owner: foreign ?? '' };
    return foreign ? { severity: 'high', risk: 50, entities, evidence } : { entities, evidence };
  },
  cases: [
    {
      name: 'instance exported as a VMDK to a bucket',
      fires: true,
      records: [
        ct({
          name: 'CreateInstanceExportTask',
          source: 'ec2',
          params: {
            instanceId: 'i-0a1b2c3d4e5f60718',
            targetEnvironment: 'vmware',
            exportToS3: {
              diskImageFormat: 'VMDK',
              containerFormat: 'ova',
              s3Bucket: 'tmp-exports-7781',
              s3Prefix: 'vm/',
            },
          },
          response: { exportTask: { exportTaskId: 'export-i-0a1b2c3d4e5f60718', state: 'active' } },
        }),
      ],
    },
    {
      name: 'export refused',
      fires: false,
      records: [
        ct({
          name: 'CreateInstanceExportTask',
          source: 'ec2',
          params: { instanceId: 'i-0a1b2c3d4e5f60718', exportToS3: { s3Bucket: 'tmp-exports-7781' } },
          error: 'Client.NotExportable',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

/** Calls that capture an instance's disks (or a volume) as an image or snapshot, or copy one. */
const CAPTURES = ['CreateImage', 'CopyImage', 'CreateSnapshot', 'CreateSnapshots', 'CopySnapshot'];
const CAPTURE_ID = 'aws.ec2.disk_image_captured_by_person';

const captureDetection: Detection = {
  id: CAPTURE_ID,
  title: 'Instance disks captured or copied as an image or snapshot by hand',
  description:
    'A person (or instance credentials used interactively) created an AMI or snapshot of an instance or ' +
    'volume, or copied one. An image holds the whole disk — code, keys, data — in a form that can be shared ' +
    'with another account, copied to a region nobody watches, or launched with a key the intruder holds: the ' +
    'staging step before snapshot and AMI exfiltration. Backup jobs and AMI pipelines do this as AWS services ' +
    'or IaC and are ignored; done by hand it is a notable change (medium on the timeline, low risk, once per ' +
    'principal per hour). A copy re-encrypted under a KMS key of an account outside the organisation is ' +
    'high: only that account can read or share the copy.',
  attack: ['T1578.001', 'T1074.002'],
  tactic: 'TA0009',
  severity: 'medium',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: CAPTURES,
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || eventSourceOf(raw) !== 'ec2.amazonaws.com' || isAwsServiceActor(raw))
      return undefined;
    if (!isInteractiveOrStolen(raw)) return undefined;
    const name = eventNameOf(raw);
    const source =
      ctStr(raw, 'requestParameters.instanceId') ??
      ctStr(raw, 'requestParameters.instanceSpecification.instanceId') ??
      ctStr(raw, 'requestParameters.volumeId') ??
      ctStr(raw, 'requestParameters.sourceImageId') ??
      ctStr(raw, 'requestParameters.sourceSnapshotId') ??
      '';
    const created = ctStr(raw, 'responseElements.imageId') ?? ctStr(raw, 'responseElements.snapshotId') ?? '';
    const kmsKey = ctStr(raw, 'requestParameters.kmsKeyId') ?? '';
    const foreignKey = kmsKey.startsWith('arn:') ? foreignAccount(kmsKey, ctx, raw) : undefined;
    const evidence = {
      api: name,
      source,
      created,
      source_region: ctStr(raw, 'requestParameters.sourceRegion') ?? '',
      ...(foreignKey ? { kms_key_account: foreignKey } : {}),
    };
    const entities = [
      ...(source ? [resourceEntity(source)] : []),
      ...(created ? [resourceEntity(created)] : []),
    ];
    if (foreignKey)
      return { severity: 'high', risk: 50, entities: [...entities, accountEntity(foreignKey)], evidence };
    if (!once(ctx, `${CAPTURE_ID}|${principalOf(raw) ?? ''}`, timeOf(ev), 60 * MINUTE)) return undefined;
    return { entities, evidence };
  },
  cases: [
    {
      name: 'an AMI of a server created from the console',
      fires: true,
      records: [
        ct({
          name: 'CreateImage',
          source: 'ec2',
          actor: roleSession('PlatformAdmin', 'sam.ortiz'),
          ip: 'AWS Internal',
          ua: 'AWS Internal',
          params: { instanceId: 'i-0a9b8c7d6e5f43210', name: 'db-host-copy', noReboot: true },
          response: { imageId: 'ami-0f1e2d3c4b5a69788' },
          extra: { sessionCredentialFromConsole: true },
        }),
      ],
    },
    {
      name: 'snapshot copied under an outside KMS key',
      fires: true,
      records: [
        ct({
          name: 'CopySnapshot',
          source: 'ec2',
          actor: iamUser('backup-admin'),
          params: {
            sourceSnapshotId: 'snap-0123456789abcdef0',
            sourceRegion: 'eu-west-1',
            encrypted: true,
            kmsKeyId: 'arn:aws:kms:eu-west-1:999988887777:key/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
          },
          response: { snapshotId: 'snap-0fedcba9876543210' },
        }),
      ],
    },
    {
      name: 'AWS Backup creating the nightly image',
      fires: false,
      records: [
        ct({
          name: 'CreateImage',
          source: 'ec2',
          actor: serviceDriven('backup.amazonaws.com', 'AWSBackupDefaultServiceRole'),
          params: { instanceId: 'i-0a9b8c7d6e5f43210', name: 'AwsBackup_i-0a9b8c7d6e5f43210' },
          response: { imageId: 'ami-0aa11bb22cc33dd44' },
        }),
      ],
    },
    {
      name: 'an image pipeline role baking an AMI',
      fires: false,
      records: [
        ct({
          name: 'CreateImage',
          source: 'ec2',
          actor: roleSession('packer-builder', 'build-2291'),
          params: { instanceId: 'i-0b1c2d3e4f5a6b7c8', name: 'golden-2024-05-14' },
          response: { imageId: 'ami-0bb22cc33dd44ee55' },
        }),
      ],
    },
    {
      name: 'image creation refused',
      fires: false,
      records: [
        ct({
          name: 'CreateImage',
          source: 'ec2',
          actor: iamUser('intern'),
          params: { instanceId: 'i-0a9b8c7d6e5f43210', name: 'x' },
          error: 'Client.UnauthorizedOperation',
        }),
      ],
    },
  ],
};

export const AWS_EXFILTRATION: readonly Detection[] = [
  ebsShare,
  rdsShare,
  amiShareDetection,
  s3Policy,
  resourcePolicy,
  aclPublic,
  pabRemoved,
  replication,
  rdsPublic,
  bulkDownload,
  externalAccess,
  exportTask,
  captureDetection,
];
