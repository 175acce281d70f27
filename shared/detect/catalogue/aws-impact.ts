/**
 * Impact on AWS: destruction (mass deletion, key deletion, lifecycle wipes), cloud ransomware
 * (re-encryption under keys we do not hold), removal of recovery options, and resource hijacking
 * (GPU and multi-region launches for mining).
 */
import type { NormalisedEvent } from '../../normalise/types.ts';
import type { Detection, DetectionContext, Hit } from '../types.ts';
import { actorClass, RISK } from './aws-helpers-a.ts';
import {
  accountEntity,
  bucketArn,
  burst,
  ct,
  ctFalse,
  ctGet,
  ctItems,
  ctList,
  ctNum,
  ctStr,
  ctTrue,
  eventNameOf,
  foreignAccount,
  iamUser,
  instanceArn,
  isAwsServiceActor,
  isDryRun,
  MINUTE,
  notableCaller,
  once,
  principalOf,
  reachedTier,
  resourceEntity,
  roleSession,
  safeDecode,
  serviceDriven,
  succeeded,
  timeOf,
} from './aws-helpers-b.ts';

const TEN_MIN = 10 * MINUTE;
const DAY = 24 * 60 * MINUTE;

// ---------------------------------------------------------------------------------------------

const OBJDEL_ID = 'aws.s3.mass_object_deletion';
const massObjectDeletion: Detection = {
  id: OBJDEL_ID,
  title: 'Mass deletion of S3 objects',
  description:
    'One principal deleted many objects within ten minutes (DeleteObject calls plus the keys of DeleteObjects ' +
    'batches): 200+ objects is medium (cleanup jobs do this too), 900+ high. Deleting specific versions removes ' +
    'them for good even on versioned buckets, which is what wipers and ransomware do and applications rarely ' +
    'need, so 50+ version deletions are high on their own. CloudTrail does not record the keys of a ' +
    'DeleteObjects batch (each may remove up to 1,000 objects), so such batches are also counted as calls: five ' +
    'within ten minutes are medium, twenty high. Lifecycle expiry runs as the S3 service and is ignored.',
  attack: ['T1485'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['DeleteObject', 'DeleteObjects'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const batch = ctList(raw, 'requestParameters.delete.Object');
    const isBatch = eventNameOf(raw) === 'DeleteObjects';
    const objects = isBatch ? Math.max(1, batch.length) : 1;
    const versions = isBatch
      ? batch.filter((o) => ctStr(o, 'VersionId')).length
      : ctStr(raw, 'requestParameters.versionId')
        ? 1
        : 0;
    const t = timeOf(ev);
    const key = `${OBJDEL_ID}|${who}`;
    const count = (k: string, times: number): number => {
      let n = 0;
      for (let i = 0; i < Math.min(times, 1000); i++) n = ctx.window.count(k, t, TEN_MIN);
      return n;
    };
    const n = count(key, objects);
    const v = versions > 0 ? count(`${key}|versions`, versions) : 0;
    // A batch whose keys the record does not carry: how many objects it removed is unknown.
    const b = isBatch && batch.length === 0 ? count(`${key}|batches`, 1) : 0;
    const byObjects = reachedTier(ctx, key, n, t, TEN_MIN, [
      { min: 200, severity: 'medium', risk: 25 },
      { min: 900, severity: 'high', risk: 50 },
    ]);
    const byVersions = reachedTier(ctx, `${key}|versions`, v, t, TEN_MIN, [
      { min: 50, severity: 'high', risk: 50 },
    ]);
    const byBatches =
      b > 0
        ? reachedTier(ctx, `${key}|batches`, b, t, TEN_MIN, [
            { min: 5, severity: 'medium', risk: 25 },
            { min: 20, severity: 'high', risk: 50 },
          ])
        : undefined;
    const tier = byVersions ?? byObjects ?? byBatches;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    return tier
      ? {
          severity: tier.severity,
          risk: tier.risk,
          entities: bucket ? [resourceEntity(bucketArn(bucket))] : [],
          evidence: { objects_deleted: n, versions_deleted: v, unlisted_batches: b, last_bucket: bucket },
        }
      : undefined;
  },
  cases: [
    {
      name: 'four DeleteObjects batches of 50 keys',
      fires: true,
      records: burst(4, (i) => ({
        name: 'DeleteObjects',
        source: 's3',
        actor: iamUser('compromised-user'),
        params: {
          bucketName: 'production-data',
          delete: {
            Quiet: true,
            Object: Array.from({ length: 50 }, (_, k) => ({ Key: `docs/${i}-${k}.pdf` })),
          },
        },
        data: true,
        at: i * 30,
      })),
    },
    {
      name: 'fifty object versions deleted one by one',
      fires: true,
      records: burst(50, (i) => ({
        name: 'DeleteObject',
        source: 's3',
        actor: roleSession('stratus-victim', 'attacker'),
        params: { bucketName: 'backups', key: `db/dump-${i}.sql.gz`, versionId: `3HL4kqtJvjVBH40Nrjfkd${i}` },
        data: true,
        at: i * 2,
      })),
    },
    {
      name: 'five DeleteObjects batches whose keys CloudTrail did not record',
      fires: true,
      records: burst(5, (i) => ({
        name: 'DeleteObjects',
        source: 's3',
        actor: iamUser('compromised-user'),
        params: { bucketName: 'production-data', Host: 'production-data.s3.amazonaws.com', delete: '' },
        data: true,
        at: i * 20,
      })),
    },
    {
      name: 'a person deleting a selection in the console twice (two unlisted batches)',
      fires: false,
      records: burst(2, (i) => ({
        name: 'DeleteObjects',
        source: 's3',
        actor: roleSession('AWSReservedSSO_Developer_0a1b2c3d4e5f6789', 'ana.silva'),
        params: { bucketName: 'team-share', Host: 'team-share.s3.amazonaws.com', delete: '' },
        data: true,
        at: i * 90,
      })),
    },
    {
      name: 'an application deleting a handful of temp files',
      fires: false,
      records: burst(20, (i) => ({
        name: 'DeleteObject',
        source: 's3',
        params: { bucketName: 'app-tmp', key: `tmp/${i}` },
        data: true,
        at: i * 10,
      })),
    },
    {
      name: 'lifecycle expiration by the S3 service',
      fires: false,
      records: burst(4, (i) => ({
        name: 'DeleteObjects',
        source: 's3',
        actor: { type: 'AWSService', invokedBy: 's3.amazonaws.com' },
        params: {
          bucketName: 'logs',
          delete: { Object: Array.from({ length: 60 }, (_, k) => ({ Key: `old/${i}-${k}` })) },
        },
        data: true,
        at: i * 30,
      })),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

/** Destructive APIs and how to name what each destroys. */
const DESTROYERS: Record<string, (raw: unknown) => string[]> = {
  TerminateInstances: (raw) =>
    ctItems(raw, 'requestParameters.instancesSet')
      .map((i) => ctStr(i, 'instanceId') ?? '')
      .filter((x) => x),
  DeleteBucket: (raw) => [ctStr(raw, 'requestParameters.bucketName') ?? ''],
  DeleteDBInstance: (raw) => [ctStr(raw, 'requestParameters.dBInstanceIdentifier') ?? ''],
  DeleteDBCluster: (raw) => [ctStr(raw, 'requestParameters.dBClusterIdentifier') ?? ''],
  DeleteSnapshot: (raw) => [ctStr(raw, 'requestParameters.snapshotId') ?? ''],
  DeleteDBSnapshot: (raw) => [ctStr(raw, 'requestParameters.dBSnapshotIdentifier') ?? ''],
  DeleteDBClusterSnapshot: (raw) => [ctStr(raw, 'requestParameters.dBClusterSnapshotIdentifier') ?? ''],
  DeleteVolume: (raw) => [ctStr(raw, 'requestParameters.volumeId') ?? ''],
  DeregisterImage: (raw) => [ctStr(raw, 'requestParameters.imageId') ?? ''],
  DeleteFileSystem: (raw) => [ctStr(raw, 'requestParameters.fileSystemId') ?? ''],
  DeleteTable: (raw) => [ctStr(raw, 'requestParameters.tableName') ?? ''],
  DeleteFunction: (raw) => [ctStr(raw, 'requestParameters.functionName') ?? ''],
  DeleteFunction20150331: (raw) => [ctStr(raw, 'requestParameters.functionName') ?? ''],
  DeleteRepository: (raw) => [ctStr(raw, 'requestParameters.repositoryName') ?? ''],
};

const MASSDEL_ID = 'aws.resource.mass_deletion';
const massDeletion: Detection = {
  id: MASSDEL_ID,
  title: 'Many data-bearing resources destroyed by one principal',
  description:
    'One principal terminated or deleted ten or more distinct instances, buckets, databases, snapshots, ' +
    'volumes, images, file systems, tables, functions or repositories within ten minutes. Scaling and stack ' +
    'teardowns run as AWS services and are ignored; a person destroying this much this fast is either a ' +
    'disaster or an attacker.',
  attack: ['T1485'],
  tactic: 'TA0040',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: Object.keys(DESTROYERS),
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const name = eventNameOf(raw);
    if (!who) return undefined;
    const targets = (DESTROYERS[name]?.(raw) ?? []).filter((x) => x !== '').map((x) => `${name}:${x}`);
    if (targets.length === 0) return undefined;
    const t = timeOf(ev);
    const key = `${MASSDEL_ID}|${who}`;
    let n = 0;
    for (const target of targets) n = ctx.window.distinct(key, target, t, TEN_MIN);
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [
      { min: 10, severity: 'high', risk: 50 },
      { min: 50, severity: 'critical', risk: 80 },
    ]);
    return tier
      ? { severity: tier.severity, risk: tier.risk, evidence: { distinct_resources: n, last_api: name } }
      : undefined;
  },
  cases: [
    {
      name: 'instances, volumes and snapshots destroyed in minutes',
      fires: true,
      records: [
        ct({
          name: 'TerminateInstances',
          source: 'ec2',
          actor: iamUser('contractor'),
          params: {
            instancesSet: {
              items: ['i-01', 'i-02', 'i-03', 'i-04'].map((id) => ({ instanceId: `${id}abcdef0123456` })),
            },
          },
        }),
        ...burst(3, (i) => ({
          name: 'DeleteVolume',
          source: 'ec2',
          actor: iamUser('contractor'),
          params: { volumeId: `vol-0${i}abcdef01234567` },
          at: 20 + i * 5,
        })),
        ...burst(3, (i) => ({
          name: 'DeleteSnapshot',
          source: 'ec2',
          actor: iamUser('contractor'),
          params: { snapshotId: `snap-0${i}abcdef0123456` },
          at: 60 + i * 5,
        })),
      ],
    },
    {
      name: 'Auto Scaling terminating a whole group',
      fires: false,
      records: [
        ct({
          name: 'TerminateInstances',
          source: 'ec2',
          actor: serviceDriven('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling'),
          params: {
            instancesSet: {
              items: Array.from({ length: 12 }, (_, i) => ({ instanceId: `i-0${i}abcdef012345678` })),
            },
          },
        }),
      ],
    },
    {
      name: 'an engineer terminating three test instances',
      fires: false,
      records: [
        ct({
          name: 'TerminateInstances',
          source: 'ec2',
          params: {
            instancesSet: {
              items: [{ instanceId: 'i-0aaa' }, { instanceId: 'i-0bbb' }, { instanceId: 'i-0ccc' }],
            },
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const KMS_KEY_FIELDS = [
  'requestParameters.x-amz-server-side-encryption-aws-kms-key-id',
  'requestParameters.SSEKMSKeyId',
  'responseElements.x-amz-server-side-encryption-aws-kms-key-id',
];

const FOREIGN_OBJ_ID = 'aws.s3.object_encrypted_with_foreign_kms_key';
const foreignKmsObject: Detection = {
  id: FOREIGN_OBJ_ID,
  title: 'S3 objects encrypted with a KMS key from another account',
  description:
    'An object was written or copied with SSE-KMS using a key whose ARN belongs to an account outside the ' +
    'organisation. Re-encrypting data under a key the attacker controls, then revoking our access to it, is ' +
    'the cloud-native ransomware play. High for one object; critical once ten objects are affected.',
  attack: ['T1486'],
  tactic: 'TA0040',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['CopyObject', 'PutObject', 'CreateMultipartUpload'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const keyArn = KMS_KEY_FIELDS.map((p) => ctStr(raw, p)).find((v) => v?.startsWith('arn:'));
    const foreign = keyArn ? foreignAccount(keyArn, ctx, raw) : undefined;
    if (!foreign || !keyArn) return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    const who = principalOf(raw) ?? '';
    const t = timeOf(ev);
    const n = ctx.window.distinct(
      `${FOREIGN_OBJ_ID}|${who}`,
      `${bucket}/${ctStr(raw, 'requestParameters.key') ?? ''}`,
      t,
      TEN_MIN,
    );
    const critical = n >= 10 && once(ctx, `${FOREIGN_OBJ_ID}|${who}|crit`, t, TEN_MIN);
    if (!critical && !once(ctx, `${FOREIGN_OBJ_ID}|${who}|first`, t, TEN_MIN)) return undefined;
    return {
      severity: critical ? 'critical' : 'high',
      risk: critical ? 80 : 50,
      entities: [
        accountEntity(foreign),
        resourceEntity(keyArn),
        ...(bucket ? [resourceEntity(bucketArn(bucket))] : []),
      ],
      evidence: { bucket, kms_key: keyArn, key_account: foreign, objects: n },
    };
  },
  cases: [
    {
      name: 'in-place copy under an outside KMS key',
      fires: true,
      records: [
        ct({
          name: 'CopyObject',
          source: 's3',
          params: {
            bucketName: 'victim-data-bucket',
            key: 'important-file.txt',
            'x-amz-copy-source': 'victim-data-bucket/important-file.txt',
            'x-amz-server-side-encryption': 'aws:kms',
            'x-amz-server-side-encryption-aws-kms-key-id':
              'arn:aws:kms:us-east-1:999999999999:key/6f1c2d9e-0000-4000-8000-0123456789ab',
          },
          data: true,
        }),
      ],
    },
    {
      name: 'copy under our own key',
      fires: false,
      records: [
        ct({
          name: 'CopyObject',
          source: 's3',
          params: {
            bucketName: 'victim-data-bucket',
            key: 'important-file.txt',
            'x-amz-copy-source': 'victim-data-bucket/important-file.txt',
            'x-amz-server-side-encryption': 'aws:kms',
            'x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:us-east-1:111122223333:key/developer',
          },
          data: true,
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const SSEC_ID = 'aws.s3.object_reencrypted_with_customer_key';
const ssecCopy: Detection = {
  id: SSEC_ID,
  title: 'S3 objects rewritten with a customer-provided key (SSE-C)',
  description:
    'CopyObject rewrote objects with SSE-C, i.e. under an encryption key that AWS does not keep and only the ' +
    'caller knows. Copying existing plain objects onto themselves this way (seen in 2025 S3 ransomware ' +
    "campaigns) makes them unreadable without the attacker's key. Medium for one copy, high when the copy is " +
    'in place, critical once twenty objects are affected. Uploads (PutObject, multipart) with SSE-C are how ' +
    'applications built on SSE-C write, so they count only when a person, an unidentified caller or a ' +
    'workload outside the trusted networks writes twenty or more distinct objects within ten minutes ' +
    '(download and re-upload under a new key): medium, high from a hundred.',
  attack: ['T1486'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['CopyObject', 'UploadPartCopy', 'PutObject', 'CreateMultipartUpload'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!ctStr(raw, 'requestParameters.x-amz-server-side-encryption-customer-algorithm')) return undefined;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const name = eventNameOf(raw);
    if (name === 'PutObject' || name === 'CreateMultipartUpload') return ssecUploads(raw, ev, ctx);
    // Re-keying objects that were already SSE-C is routine key rotation.
    if (ctStr(raw, 'requestParameters.x-amz-copy-source-server-side-encryption-customer-algorithm'))
      return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    const key = ctStr(raw, 'requestParameters.key') ?? '';
    const source = safeDecode(ctStr(raw, 'requestParameters.x-amz-copy-source') ?? '').replace(/^\//, '');
    const inPlace = source.split('?')[0] === `${bucket}/${key}`;
    const who = principalOf(raw) ?? '';
    const t = timeOf(ev);
    const wkey = `${SSEC_ID}|${who}`;
    const n = ctx.window.distinct(wkey, `${bucket}/${key}`, t, TEN_MIN);
    const evidence = { bucket, in_place: inPlace, objects: n };
    const entities = bucket ? [resourceEntity(bucketArn(bucket))] : [];
    const tier = reachedTier(ctx, wkey, n, t, TEN_MIN, [{ min: 20, severity: 'critical', risk: 80 }]);
    if (tier) return { severity: tier.severity, risk: tier.risk, entities, evidence };
    if (!once(ctx, `${wkey}|first`, t, TEN_MIN)) return undefined;
    return inPlace ? { severity: 'high', risk: 50, entities, evidence } : { entities, evidence };
  },
  cases: [
    {
      name: 'object copied onto itself with SSE-C',
      fires: true,
      records: [
        ct({
          name: 'CopyObject',
          source: 's3',
          actor: iamUser('Alice', '111122223333', 'AKIA4EXAMPLEALICE001'),
          params: {
            bucketName: 'example-bucket',
            key: 'finance/ledger.csv',
            'x-amz-copy-source': 'example-bucket/finance/ledger.csv',
            'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          },
          data: true,
        }),
      ],
    },
    {
      name: 'ordinary copy without customer keys',
      fires: false,
      records: [
        ct({
          name: 'CopyObject',
          source: 's3',
          params: {
            bucketName: 'example-bucket',
            key: 'archive/ledger.csv',
            'x-amz-copy-source': 'example-bucket/finance/ledger.csv',
          },
          data: true,
        }),
      ],
    },
    {
      name: 'twenty objects re-uploaded with SSE-C from outside the trusted networks',
      fires: true,
      records: burst(20, (i) => ({
        name: 'PutObject',
        source: 's3',
        actor: iamUser('Alice', '111122223333', 'AKIA4EXAMPLEALICE001'),
        ip: '198.51.100.23',
        params: {
          bucketName: 'example-bucket',
          key: `finance/ledger-${i}.csv`,
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
        },
        data: true,
        at: i * 2,
      })),
    },
    {
      name: 'an application inside the VPC writing its SSE-C objects',
      fires: false,
      records: burst(30, (i) => ({
        name: 'PutObject',
        source: 's3',
        actor: roleSession('vault-writer', 'task-8f2e'),
        ip: '10.0.7.21',
        params: {
          bucketName: 'vault',
          key: `blobs/${i}`,
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
        },
        data: true,
        at: i * 2,
      })),
    },
    {
      name: 'rotating the customer key of an already SSE-C object',
      fires: false,
      records: [
        ct({
          name: 'CopyObject',
          source: 's3',
          params: {
            bucketName: 'vault',
            key: 'blob-1',
            'x-amz-copy-source': 'vault/blob-1',
            'x-amz-server-side-encryption-customer-algorithm': 'AES256',
            'x-amz-copy-source-server-side-encryption-customer-algorithm': 'AES256',
          },
          data: true,
        }),
      ],
    },
  ],
};

/** Uploads under a customer key: a download and re-upload sweep by a notable caller (see the description). */
function ssecUploads(raw: unknown, ev: NormalisedEvent, ctx: DetectionContext): Hit | undefined {
  const caller = notableCaller(raw, ctx);
  if (caller === undefined) return undefined;
  const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
  const key = ctStr(raw, 'requestParameters.key') ?? '';
  const t = timeOf(ev);
  const wkey = `${SSEC_ID}|upload|${principalOf(raw) ?? ''}`;
  const n = ctx.window.distinct(wkey, `${bucket}/${key}`, t, TEN_MIN);
  const tier = reachedTier(ctx, wkey, n, t, TEN_MIN, [
    { min: 20, severity: 'medium', risk: 25 },
    { min: 100, severity: 'high', risk: 50 },
  ]);
  if (!tier) return undefined;
  return {
    severity: tier.severity,
    risk: tier.risk,
    entities: bucket ? [resourceEntity(bucketArn(bucket))] : [],
    evidence: { bucket, uploads: n, caller },
  };
}

// ---------------------------------------------------------------------------------------------

const bucketEncryptionForeign: Detection = {
  id: 'aws.s3.bucket_encryption_foreign_key',
  title: 'Bucket default encryption set to a KMS key from another account',
  description:
    'PutBucketEncryption made a KMS key owned by an account outside the organisation the default for new ' +
    'objects. Everything written afterwards can only be read while that outside key stays available to us — ' +
    'a set-up step of cloud ransomware.',
  attack: ['T1486'],
  tactic: 'TA0040',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['PutBucketEncryption'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    for (const rule of ctList(raw, 'requestParameters.ServerSideEncryptionConfiguration.Rule')) {
      const keyId = ctStr(rule, 'ApplyServerSideEncryptionByDefault.KMSMasterKeyID') ?? '';
      const foreign = foreignAccount(keyId, ctx, raw);
      if (!foreign) continue;
      const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
      return {
        entities: [
          accountEntity(foreign),
          resourceEntity(keyId),
          ...(bucket ? [resourceEntity(bucketArn(bucket))] : []),
        ],
        evidence: { bucket, kms_key: keyId, key_account: foreign },
      };
    }
    return undefined;
  },
  cases: [
    {
      name: 'default key switched to an outside account',
      fires: true,
      records: [
        ct({
          name: 'PutBucketEncryption',
          source: 's3',
          params: {
            bucketName: 'backups',
            encryption: '',
            ServerSideEncryptionConfiguration: {
              xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
              Rule: {
                ApplyServerSideEncryptionByDefault: {
                  SSEAlgorithm: 'aws:kms',
                  KMSMasterKeyID:
                    'arn:aws:kms:us-east-1:999999999999:key/2f4c6e8a-1111-4222-8333-444455556666',
                },
                BucketKeyEnabled: true,
              },
            },
          },
        }),
      ],
    },
    {
      name: 'default key in our own account',
      fires: false,
      records: [
        ct({
          name: 'PutBucketEncryption',
          source: 's3',
          params: {
            bucketName: 'backups',
            ServerSideEncryptionConfiguration: {
              Rule: [
                {
                  ApplyServerSideEncryptionByDefault: {
                    SSEAlgorithm: 'aws:kms',
                    KMSMasterKeyID:
                      'arn:aws:kms:us-east-1:111122223333:key/2f4c6e8a-1111-4222-8333-444455556666',
                  },
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

const ebsDefaultKeyForeign: Detection = {
  id: 'aws.ec2.ebs_default_key_foreign',
  title: 'EBS default encryption key set to a key from another account',
  description:
    'ModifyEbsDefaultKmsKeyId made a KMS key from an account outside the organisation the default for every new ' +
    'EBS volume and snapshot copy in the region. Disks created afterwards depend on a key someone else controls.',
  attack: ['T1486'],
  tactic: 'TA0040',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['ModifyEbsDefaultKmsKeyId'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const keyId = ctStr(raw, 'requestParameters.kmsKeyId') ?? ctStr(raw, 'responseElements.kmsKeyId') ?? '';
    const foreign = foreignAccount(keyId, ctx, raw);
    if (!foreign) return undefined;
    return {
      entities: [accountEntity(foreign), resourceEntity(keyId)],
      evidence: { kms_key: keyId, key_account: foreign },
    };
  },
  cases: [
    {
      name: 'foreign key made the EBS default',
      fires: true,
      records: [
        ct({
          name: 'ModifyEbsDefaultKmsKeyId',
          source: 'ec2',
          params: { kmsKeyId: 'arn:aws:kms:eu-west-1:999999999999:key/0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff' },
          response: {
            kmsKeyId: 'arn:aws:kms:eu-west-1:999999999999:key/0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff',
          },
          region: 'eu-west-1',
        }),
      ],
    },
    {
      name: 'our own alias made the default',
      fires: false,
      records: [
        ct({ name: 'ModifyEbsDefaultKmsKeyId', source: 'ec2', params: { kmsKeyId: 'alias/ebs-default' } }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const kmsDestruction: Detection = {
  id: 'aws.kms.key_destruction',
  title: 'KMS key disabled or scheduled for deletion',
  description:
    'A customer-managed KMS key was disabled, scheduled for deletion, or had its imported key material deleted. ' +
    'Everything encrypted under it becomes unreadable — at once for a disabled key, for ever once deletion ' +
    'completes. Attackers use it for destruction and extortion; even when legitimate it deserves a second look.',
  attack: ['T1485'],
  tactic: 'TA0040',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['ScheduleKeyDeletion', 'DisableKey', 'DeleteImportedKeyMaterial'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const keyId = ctStr(raw, 'responseElements.keyId') ?? ctStr(raw, 'requestParameters.keyId') ?? '';
    const days = ctNum(raw, 'requestParameters.pendingWindowInDays');
    return {
      entities: keyId.startsWith('arn:') ? [resourceEntity(keyId)] : [],
      evidence: { api: eventNameOf(raw), key: keyId, ...(days !== undefined ? { pending_days: days } : {}) },
    };
  },
  cases: [
    {
      name: 'key scheduled for deletion in seven days',
      fires: true,
      records: [
        ct({
          name: 'ScheduleKeyDeletion',
          source: 'kms',
          params: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', pendingWindowInDays: 7 },
          response: {
            keyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
            deletionDate: 'May 21, 2024, 9:00:00 AM',
            keyState: 'PendingDeletion',
            pendingWindowInDays: 7,
          },
        }),
      ],
    },
    {
      name: 'disable attempt on a missing key',
      fires: false,
      records: [
        ct({ name: 'DisableKey', source: 'kms', params: { keyId: '1' }, error: 'NotFoundException' }),
      ],
    },
    {
      name: 'CloudFormation deleting a stack-owned key',
      fires: false,
      records: [
        ct({
          name: 'ScheduleKeyDeletion',
          source: 'kms',
          actor: serviceDriven('cloudformation.amazonaws.com', 'cfn-exec'),
          params: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', pendingWindowInDays: 30 },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const REGIONS_ID = 'aws.ec2.multi_region_instance_launch';
const multiRegion: Detection = {
  id: REGIONS_ID,
  title: 'Instances launched in many regions by one principal',
  description:
    'One principal attempted RunInstances in three or more regions within thirty minutes. Teams deploy to the ' +
    'regions they use; spreading launches over many (often never-used) regions to get past per-region quotas ' +
    'and monitoring is a hallmark of cryptomining with stolen credentials. Failed attempts count.',
  attack: ['T1496.001', 'T1535'],
  tactic: 'TA0040',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['RunInstances'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const region = ctStr(raw, 'awsRegion');
    if (!who || !region) return undefined;
    const t = timeOf(ev);
    const key = `${REGIONS_ID}|${who}`;
    const n = ctx.window.distinct(key, region, t, 30 * MINUTE);
    const tier = reachedTier(ctx, key, n, t, 30 * MINUTE, [
      { min: 3, severity: 'high', risk: 50 },
      { min: 8, severity: 'critical', risk: 80 },
    ]);
    return tier
      ? { severity: tier.severity, risk: tier.risk, evidence: { distinct_regions: n, last_region: region } }
      : undefined;
  },
  cases: [
    {
      name: 'launches in three regions within five minutes',
      fires: true,
      records: ['us-east-1', 'ap-southeast-1', 'sa-east-1'].map((region, i) =>
        ct({
          name: 'RunInstances',
          source: 'ec2',
          actor: iamUser('terraform-old'),
          region,
          params: {
            instanceType: 'c5.24xlarge',
            instancesSet: { items: [{ imageId: 'ami-0abc', minCount: 1, maxCount: 20 }] },
          },
          error: i === 1 ? 'Client.InstanceLimitExceeded' : undefined,
          at: i * 100,
        }),
      ),
    },
    {
      name: 'deployments in the two home regions',
      fires: false,
      records: ['us-east-1', 'eu-west-1', 'us-east-1', 'eu-west-1'].map((region, i) =>
        ct({ name: 'RunInstances', source: 'ec2', region, params: { instanceType: 'm5.large' }, at: i * 60 }),
      ),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

/** Accelerated and FPGA families favoured for mining (and rarely needed by most workloads). */
const GPU_FAMILY = /^(ml\.)?(p\d|g\d|gr\d|inf\d|trn\d|dl\d|vt\d|f\d)[a-z0-9-]*\./i;

/** An instance type as CloudTrail carries it: a string, or (some exporters) an object holding the value. */
function typeAt(record: unknown, path: string): string | undefined {
  const v = ctGet(record, path);
  if (typeof v === 'string') return v;
  for (const k of ['value', 'Value']) {
    const inner = ctGet(v, k);
    if (typeof inner === 'string') return inner;
  }
  return undefined;
}

function launchedType(raw: unknown): string {
  const name = eventNameOf(raw);
  if (name === 'CreateTrainingJob') return typeAt(raw, 'requestParameters.resourceConfig.instanceType') ?? '';
  if (name === 'CreateNotebookInstance') return typeAt(raw, 'requestParameters.instanceType') ?? '';
  const asked = typeAt(raw, 'requestParameters.instanceType');
  if (asked) return asked;
  // Launch-template and fleet launches name no type in the request; the launched instances carry it.
  for (const item of ctItems(raw, 'responseElements.instancesSet').slice(0, 50)) {
    const launched = typeAt(item, 'instanceType');
    if (launched) return launched;
  }
  return '';
}

const GPU_ID = 'aws.ec2.gpu_instance_launch';
const gpuLaunch: Detection = {
  id: GPU_ID,
  title: 'GPU or accelerated compute launched',
  description:
    'RunInstances (or a SageMaker notebook or training job) asked for GPU/accelerator capacity (p, g, inf, trn, ' +
    'dl, vt, f families), or for twenty or more instances in one call. This is what cryptominers buy with ' +
    'stolen credentials. Launches by a person or workload — including failed or dry-run attempts, which show ' +
    'intent — are medium. Launches made by AWS on our behalf (Auto Scaling, EC2 Fleet, Spot, EKS node groups) ' +
    'count too, since a miner who creates a GPU Auto Scaling group or fleet gets the instances launched by the ' +
    'service: medium on the timeline but low risk, once a day per account, region and type, so a legitimate ' +
    'GPU fleet does not build risk on its own. Failed service launches are ignored.',
  attack: ['T1496.001'],
  tactic: 'TA0040',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: ['RunInstances', 'CreateNotebookInstance', 'CreateTrainingJob'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    const type = launchedType(raw);
    const maxCount = Math.max(
      0,
      ...ctItems(raw, 'requestParameters.instancesSet').map((i) => ctNum(i, 'maxCount') ?? 0),
    );
    const gpu = GPU_FAMILY.test(type);
    if (!gpu && maxCount < 20) return undefined;
    const evidence = {
      instance_type: type,
      max_count: maxCount,
      failed: !succeeded(raw),
      dry_run: isDryRun(raw),
    };
    const region = ctStr(raw, 'awsRegion') ?? '';
    if (isAwsServiceActor(raw)) {
      const account = ctStr(raw, 'recipientAccountId') ?? '';
      if (!succeeded(raw) || !once(ctx, `${GPU_ID}|service|${account}|${region}|${type}`, timeOf(ev), DAY))
        return undefined;
      return { severity: 'medium', risk: RISK.low, evidence: { ...evidence, launched_by_service: true } };
    }
    // A retry loop or a fleet of identical calls is one story: one signal per principal, region and type.
    if (!once(ctx, `${GPU_ID}|${principalOf(raw) ?? ''}|${region}|${type}`, timeOf(ev), TEN_MIN))
      return undefined;
    return { severity: 'medium', risk: 25, evidence };
  },
  cases: [
    {
      name: 'a role tries ten p2.xlarge instances and is refused',
      fires: true,
      records: [
        ct({
          name: 'RunInstances',
          source: 'ec2',
          actor: roleSession('stratus-red-team-ec2lui-role', 'aws-go-sdk-1722511821294449000'),
          params: {
            instanceType: 'p2.xlarge',
            instancesSet: { items: [{ imageId: 'ami-0aCBbfd13bdb1d1E4', minCount: 1, maxCount: 10 }] },
          },
          error: 'Client.UnauthorizedOperation',
        }),
      ],
    },
    {
      name: 'Auto Scaling bringing up a GPU node',
      fires: true,
      records: [
        ct({
          name: 'RunInstances',
          source: 'ec2',
          actor: serviceDriven('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling'),
          params: {
            instanceType: { value: 'g5.2xlarge' },
            instancesSet: { items: [{ minCount: 1, maxCount: 1 }] },
          },
        }),
      ],
    },
    {
      name: 'SageMaker training job on p3',
      fires: true,
      records: [
        ct({
          name: 'CreateTrainingJob',
          source: 'sagemaker',
          params: {
            trainingJobName: 'x1',
            resourceConfig: { instanceType: 'ml.p3.16xlarge', instanceCount: 4, volumeSizeInGB: 50 },
          },
        }),
      ],
    },
    {
      name: 'a fleet launch whose type is only in the response',
      fires: true,
      records: [
        ct({
          name: 'RunInstances',
          source: 'ec2',
          actor: serviceDriven('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling'),
          params: {
            launchTemplate: { launchTemplateId: 'lt-0a1b2c3d4e5f60718', version: '3' },
            instancesSet: { items: [{ minCount: 1, maxCount: 1 }] },
          },
          response: {
            instancesSet: { items: [{ instanceId: 'i-0f9e8d7c6b5a43210', instanceType: 'g4dn.xlarge' }] },
          },
        }),
      ],
    },
    {
      name: 'a failed GPU launch by Auto Scaling (capacity)',
      fires: false,
      records: [
        ct({
          name: 'RunInstances',
          source: 'ec2',
          actor: serviceDriven('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling'),
          params: { instanceType: 'p4d.24xlarge', instancesSet: { items: [{ minCount: 1, maxCount: 1 }] } },
          error: 'Server.InsufficientInstanceCapacity',
        }),
      ],
    },
    {
      name: 'an instance type that is neither string nor value object',
      fires: false,
      records: [
        ct({
          name: 'RunInstances',
          source: 'ec2',
          params: { instanceType: { family: 'p3', size: 2 }, instancesSet: { items: [{ maxCount: 1 }] } },
        }),
      ],
    },
    {
      name: 'a general-purpose instance',
      fires: false,
      records: [
        ct({
          name: 'RunInstances',
          source: 'ec2',
          params: {
            instanceType: 'm5.xlarge',
            instancesSet: { items: [{ imageId: 'ami-05074c40f29040248', minCount: 1, maxCount: 1 }] },
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const HARD_RECOVERY_LOSS = new Set([
  'DeleteBackupVault',
  'DeleteBackupVaultLockConfiguration',
  'DeleteDBInstanceAutomatedBackup',
  'DeleteDBClusterAutomatedBackup',
]);

const backupDeletion: Detection = {
  id: 'aws.backup.recovery_data_deleted',
  title: 'Backups or recovery settings destroyed',
  description:
    'Recovery data was removed by a person: AWS Backup recovery points, plans, vaults or vault locks, RDS ' +
    'automated backups, Data Lifecycle Manager policies, or automated RDS backups switched off (retention 0). ' +
    'Ransomware operators and saboteurs remove the way back before striking. Vaults, vault locks and ' +
    'automated backups are high; single recovery points and plans medium. Deletions by AWS Backup itself ' +
    '(retention expiry) are ignored.',
  attack: ['T1490'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: [
    'DeleteRecoveryPoint',
    'DeleteBackupPlan',
    'DeleteBackupSelection',
    'DeleteLifecyclePolicy',
    'ModifyDBInstance',
    'ModifyDBCluster',
    ...HARD_RECOVERY_LOSS,
  ],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const name = eventNameOf(raw);
    if (name === 'ModifyDBInstance' || name === 'ModifyDBCluster') {
      if (ctNum(raw, 'requestParameters.backupRetentionPeriod') !== 0) return undefined;
      return {
        severity: 'high',
        risk: 50,
        evidence: {
          api: name,
          database:
            ctStr(raw, 'requestParameters.dBInstanceIdentifier') ??
            ctStr(raw, 'requestParameters.dBClusterIdentifier') ??
            '',
          backup_retention: 0,
        },
      };
    }
    if (name === 'DeleteLifecyclePolicy' && !ctStr(raw, 'requestParameters.policyId')) return undefined;
    const hard = HARD_RECOVERY_LOSS.has(name);
    const target =
      ctStr(raw, 'requestParameters.recoveryPointArn') ??
      ctStr(raw, 'requestParameters.backupVaultName') ??
      ctStr(raw, 'requestParameters.backupPlanId') ??
      ctStr(raw, 'requestParameters.dbiResourceId') ??
      ctStr(raw, 'requestParameters.dbClusterResourceId') ??
      ctStr(raw, 'requestParameters.policyId') ??
      '';
    return hard
      ? { severity: 'high', risk: 50, evidence: { api: name, target } }
      : { evidence: { api: name, target } };
  },
  cases: [
    {
      name: 'automated RDS backups deleted from a Tor exit',
      fires: true,
      records: [
        ct({
          name: 'DeleteDBInstanceAutomatedBackup',
          source: 'rds',
          actor: roleSession('CompromisedRole', 'attacker'),
          ip: '185.220.101.50',
          params: { dbiResourceId: 'db-ABCDEF1234567890' },
          response: { dbiResourceId: 'db-ABCDEF1234567890', status: 'deleting' },
        }),
      ],
    },
    {
      name: 'recovery point deleted by hand',
      fires: true,
      records: [
        ct({
          name: 'DeleteRecoveryPoint',
          source: 'backup',
          params: {
            backupVaultName: 'prod-vault',
            recoveryPointArn: 'arn:aws:ec2:us-east-1::snapshot/snap-0a1b2c3d4e5f60718',
          },
        }),
      ],
    },
    {
      name: 'automated backups switched off',
      fires: true,
      records: [
        ct({
          name: 'ModifyDBInstance',
          source: 'rds',
          params: { dBInstanceIdentifier: 'orders-db', backupRetentionPeriod: 0, applyImmediately: true },
        }),
      ],
    },
    {
      name: 'AWS Backup expiring a recovery point',
      fires: false,
      records: [
        ct({
          name: 'DeleteRecoveryPoint',
          source: 'backup',
          actor: serviceDriven('backup.amazonaws.com', 'AWSServiceRoleForBackup'),
          params: {
            backupVaultName: 'prod-vault',
            recoveryPointArn: 'arn:aws:ec2:us-east-1::snapshot/snap-0a1b2c3d4e5f60718',
          },
        }),
      ],
    },
    {
      name: 'retention extended to 14 days',
      fires: false,
      records: [
        ct({
          name: 'ModifyDBInstance',
          source: 'rds',
          params: { dBInstanceIdentifier: 'orders-db', backupRetentionPeriod: 14 },
        }),
      ],
    },
    {
      name: 'deletion denied',
      fires: false,
      records: [
        ct({
          name: 'DeleteDBInstanceAutomatedBackup',
          source: 'rds',
          params: { dbiResourceId: 'db-ABCDEF1234567890' },
          error: 'AccessDenied',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const rdsDeleted: Detection = {
  id: 'aws.rds.database_deleted',
  title: 'Database deleted',
  description:
    'A database instance or cluster was deleted. Destroying a database is the point of a wiper and takes a ' +
    'service down even when a copy remains, so every deletion goes on the timeline (medium). With a final ' +
    'snapshot it is a notable change at low risk (decommissioning looks the same); with SkipFinalSnapshot but ' +
    'automated backups retained, medium risk; with SkipFinalSnapshot and the automated backups deleted too ' +
    '(which DeleteAutomatedBackups does by default) nothing is left to restore: high. Deletions by IaC count one ' +
    'step lower (ephemeral environments are torn down that way); CloudFormation stack teardowns, AWS services ' +
    'and failed calls are ignored.',
  attack: ['T1485', 'T1490'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['DeleteDBInstance', 'DeleteDBCluster'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const skipped = ctTrue(raw, 'requestParameters.skipFinalSnapshot');
    // RDS removes automated backups with the database unless told to retain them.
    const backupsToo = !ctFalse(raw, 'requestParameters.deleteAutomatedBackups');
    const db =
      ctStr(raw, 'requestParameters.dBInstanceIdentifier') ??
      ctStr(raw, 'requestParameters.dBClusterIdentifier') ??
      '';
    const arn = ctStr(raw, 'responseElements.dBInstanceArn') ?? ctStr(raw, 'responseElements.dBClusterArn');
    const entities = arn ? [resourceEntity(arn)] : [];
    const evidence = {
      database: db,
      final_snapshot: !skipped,
      automated_backups_deleted: skipped && backupsToo,
    };
    const tiers: readonly (Pick<Hit, 'severity' | 'risk'> | undefined)[] = [
      undefined,
      { severity: 'medium', risk: RISK.low },
      { severity: 'medium', risk: 25 },
      { severity: 'high', risk: 50 },
    ];
    const level = (skipped ? (backupsToo ? 3 : 2) : 1) - (actorClass(raw) === 'automation' ? 1 : 0);
    const tier = tiers[level];
    return tier ? { ...tier, entities, evidence } : undefined;
  },
  cases: [
    {
      name: 'customer database deleted with its backups',
      fires: true,
      records: [
        ct({
          name: 'DeleteDBInstance',
          source: 'rds',
          actor: iamUser('contractor'),
          params: {
            dBInstanceIdentifier: 'customer-data-db',
            skipFinalSnapshot: true,
            deleteAutomatedBackups: true,
          },
          response: { dBInstanceIdentifier: 'customer-data-db', dBInstanceStatus: 'deleting' },
        }),
      ],
    },
    {
      name: 'cluster deleted with a final snapshot',
      fires: true,
      records: [
        ct({
          name: 'DeleteDBCluster',
          source: 'rds',
          params: {
            dBClusterIdentifier: 'aurora-cluster-prod',
            skipFinalSnapshot: false,
            finalDBClusterSnapshotIdentifier: 'aurora-cluster-prod-final',
          },
          response: { dBClusterIdentifier: 'aurora-cluster-prod', status: 'deleting' },
        }),
      ],
    },
    {
      name: 'instance deleted without a snapshot, automated backups retained',
      fires: true,
      records: [
        ct({
          name: 'DeleteDBInstance',
          source: 'rds',
          actor: roleSession('DBARole', 'ops-priya'),
          params: {
            dBInstanceIdentifier: 'legacy-crm',
            skipFinalSnapshot: true,
            deleteAutomatedBackups: false,
          },
        }),
      ],
    },
    {
      name: 'a pipeline tearing down a preview database with a final snapshot',
      fires: false,
      records: [
        ct({
          name: 'DeleteDBInstance',
          source: 'rds',
          actor: roleSession('terraform-preview', 'pr-4412'),
          params: {
            dBInstanceIdentifier: 'preview-4412',
            skipFinalSnapshot: false,
            finalDBSnapshotIdentifier: 'preview-4412-final',
          },
        }),
      ],
    },
    {
      name: 'deletion denied',
      fires: false,
      records: [
        ct({
          name: 'DeleteDBInstance',
          source: 'rds',
          params: { dBInstanceIdentifier: 'production-db', skipFinalSnapshot: true },
          error: 'AccessDenied',
        }),
      ],
    },
    {
      name: 'CloudFormation removing a stack database',
      fires: false,
      records: [
        ct({
          name: 'DeleteDBInstance',
          source: 'rds',
          actor: serviceDriven('cloudformation.amazonaws.com', 'cfn-exec'),
          params: { dBInstanceIdentifier: 'preview-123-db', skipFinalSnapshot: true },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const STOP_ID = 'aws.ec2.mass_instance_stop';
const massStop: Detection = {
  id: STOP_ID,
  title: 'Many instances stopped by one principal',
  description:
    'One principal stopped ten or more distinct instances within ten minutes. Outside scheduled start/stop ' +
    'automation this takes services down, and stopping is also the first step of swapping disks or user data.',
  attack: ['T1489'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['StopInstances'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const ids = ctItems(raw, 'requestParameters.instancesSet')
      .map((i) => ctStr(i, 'instanceId') ?? '')
      .filter((x) => x);
    const t = timeOf(ev);
    const key = `${STOP_ID}|${who}`;
    let n = 0;
    for (const id of ids) n = ctx.window.distinct(key, id, t, TEN_MIN);
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [{ min: 10, severity: 'medium', risk: 25 }]);
    return tier
      ? {
          severity: tier.severity,
          risk: tier.risk,
          entities: ids.slice(0, 10).map((id) => resourceEntity(instanceArn(raw, id))),
          evidence: { distinct_instances: n },
        }
      : undefined;
  },
  cases: [
    {
      name: 'ten production instances stopped in one call',
      fires: true,
      records: [
        ct({
          name: 'StopInstances',
          source: 'ec2',
          params: {
            instancesSet: {
              items: Array.from({ length: 10 }, (_, i) => ({ instanceId: `i-0${i}1234567890abcde` })),
            },
            force: false,
          },
        }),
      ],
    },
    {
      name: 'two dev instances stopped for the night',
      fires: false,
      records: [
        ct({
          name: 'StopInstances',
          source: 'ec2',
          params: { instancesSet: { items: [{ instanceId: 'i-0a' }, { instanceId: 'i-0b' }] } },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const versioningOff: Detection = {
  id: 'aws.s3.versioning_protection_removed',
  title: 'Bucket versioning suspended or MFA delete disabled',
  description:
    'PutBucketVersioning suspended versioning or switched off MFA delete. Versioning is what lets overwritten or ' +
    'deleted objects be recovered; turning it off right before mass deletion or re-encryption removes that ' +
    'safety net.',
  attack: ['T1490'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['PutBucketVersioning'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const status = ctStr(raw, 'requestParameters.VersioningConfiguration.Status');
    const mfa = ctStr(raw, 'requestParameters.VersioningConfiguration.MfaDelete');
    const suspended = status === 'Suspended';
    const mfaOff = mfa === 'Disabled';
    if (!suspended && !mfaOff) return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    return {
      entities: bucket ? [resourceEntity(bucketArn(bucket))] : [],
      evidence: { bucket, versioning_suspended: suspended, mfa_delete_disabled: mfaOff },
    };
  },
  cases: [
    {
      name: 'versioning suspended on the backup bucket',
      fires: true,
      records: [
        ct({
          name: 'PutBucketVersioning',
          source: 's3',
          params: {
            bucketName: 'critical-data-bucket',
            versioning: '',
            VersioningConfiguration: { Status: 'Suspended' },
          },
        }),
      ],
    },
    {
      name: 'versioning enabled',
      fires: false,
      records: [
        ct({
          name: 'PutBucketVersioning',
          source: 's3',
          params: { bucketName: 'critical-data-bucket', VersioningConfiguration: { Status: 'Enabled' } },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

function wholeBucketRule(rule: unknown): boolean {
  const prefix = ctStr(rule, 'Prefix') ?? ctStr(rule, 'Filter.Prefix');
  const filter = ctGet(rule, 'Filter');
  const hasNarrowing =
    (prefix !== undefined && prefix !== '') ||
    (typeof filter === 'object' &&
      filter !== null &&
      ('Tag' in filter || 'And' in filter || 'ObjectSizeGreaterThan' in filter));
  return !hasNarrowing;
}

const lifecycleWipe: Detection = {
  id: 'aws.s3.lifecycle_mass_expiration',
  title: 'Lifecycle rule set to expire the whole bucket within a day',
  description:
    'A bucket lifecycle configuration was written with an enabled rule covering the whole bucket that expires ' +
    'objects (or their old versions) after at most one day. S3 then deletes the data itself, with no delete ' +
    'calls to alert on: a low-noise way to destroy a bucket. High when old versions are expired too.',
  attack: ['T1485'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['PutBucketLifecycle', 'PutBucketLifecycleConfiguration'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    let current = false;
    let noncurrent = false;
    for (const rule of ctList(raw, 'requestParameters.LifecycleConfiguration.Rule')) {
      if (ctStr(rule, 'Status') !== 'Enabled' || !wholeBucketRule(rule)) continue;
      const days = ctNum(rule, 'Expiration.Days');
      if ((days !== undefined && days <= 1) || ctStr(rule, 'Expiration.Date')) current = true;
      const oldDays = ctNum(rule, 'NoncurrentVersionExpiration.NoncurrentDays');
      if (oldDays !== undefined && oldDays <= 1) noncurrent = true;
    }
    if (!current && !noncurrent) return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    const evidence = { bucket, expires_current: current, expires_old_versions: noncurrent };
    const entities = bucket ? [resourceEntity(bucketArn(bucket))] : [];
    return noncurrent ? { severity: 'high', risk: 50, entities, evidence } : { entities, evidence };
  },
  cases: [
    {
      name: 'expire everything after one day, old versions too',
      fires: true,
      records: [
        ct({
          name: 'PutBucketLifecycle',
          source: 's3',
          params: {
            bucketName: 'customer-data',
            lifecycle: '',
            LifecycleConfiguration: {
              xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
              Rule: {
                ID: 'cleanup',
                Filter: { Prefix: '' },
                Status: 'Enabled',
                Expiration: { Days: 1 },
                NoncurrentVersionExpiration: { NoncurrentDays: 1 },
              },
            },
          },
        }),
      ],
    },
    {
      name: 'one-day expiry of a temp prefix',
      fires: false,
      records: [
        ct({
          name: 'PutBucketLifecycle',
          source: 's3',
          params: {
            bucketName: 'customer-data',
            LifecycleConfiguration: {
              Rule: [{ ID: 'tmp', Filter: { Prefix: 'tmp/' }, Status: 'Enabled', Expiration: { Days: 1 } }],
            },
          },
        }),
      ],
    },
    {
      name: 'archive to Glacier after 90 days',
      fires: false,
      records: [
        ct({
          name: 'PutBucketLifecycle',
          source: 's3',
          params: {
            bucketName: 'customer-data',
            LifecycleConfiguration: {
              Rule: {
                ID: 'archive',
                Filter: {},
                Status: 'Enabled',
                Transition: { Days: 90, StorageClass: 'GLACIER' },
              },
            },
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const IAMDEL_ID = 'aws.iam.mass_identity_deletion';
const massIdentityDeletion: Detection = {
  id: IAMDEL_ID,
  title: 'Many IAM identities or their credentials deleted',
  description:
    'One principal deleted five or more distinct IAM users, roles, console passwords or access keys within ten ' +
    'minutes. Locking the owners out of their own account is how intruders keep control during extortion or ' +
    'sabotage. Stack teardowns by CloudFormation are ignored.',
  attack: ['T1531'],
  tactic: 'TA0040',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['DeleteUser', 'DeleteRole', 'DeleteLoginProfile', 'DeleteAccessKey'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const target = ctStr(raw, 'requestParameters.userName') ?? ctStr(raw, 'requestParameters.roleName');
    if (!who || !target) return undefined;
    const t = timeOf(ev);
    const key = `${IAMDEL_ID}|${who}`;
    const n = ctx.window.distinct(key, target, t, TEN_MIN);
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [{ min: 5, severity: 'high', risk: 50 }]);
    return tier
      ? { severity: tier.severity, risk: tier.risk, evidence: { distinct_identities: n } }
      : undefined;
  },
  cases: [
    {
      name: 'five admins lose their console passwords',
      fires: true,
      records: burst(5, (i) => ({
        name: 'DeleteLoginProfile',
        source: 'iam',
        actor: iamUser('backdoor-admin'),
        params: { userName: `admin-${i}` },
        at: i * 10,
      })),
    },
    {
      name: 'key rotation for one user',
      fires: false,
      records: burst(3, (i) => ({
        name: 'DeleteAccessKey',
        source: 'iam',
        params: { userName: 'ci-bot', accessKeyId: `AKIA4EXAMPLEOLDKEY0${i}` },
        at: i * 10,
      })),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const hostedZoneDeleted: Detection = {
  id: 'aws.route53.hosted_zone_deleted',
  title: 'Route 53 hosted zone deleted',
  description:
    'A hosted zone was deleted, taking every DNS record of the domain with it: an immediate outage for whatever ' +
    'the domain serves, and an opening for takeover of its name servers. Rare in normal operations.',
  attack: ['T1485'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['DeleteHostedZone'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    return { evidence: { hosted_zone: ctStr(raw, 'requestParameters.id') ?? '' } };
  },
  cases: [
    {
      name: 'zone deleted by a user key',
      fires: true,
      records: [
        ct({
          name: 'DeleteHostedZone',
          source: 'route53',
          actor: iamUser('dns-admin'),
          params: { id: 'Z0123456789ABCDEFGHIJ' },
        }),
      ],
    },
    {
      name: 'zone deleted by CloudFormation stack removal',
      fires: false,
      records: [
        ct({
          name: 'DeleteHostedZone',
          source: 'route53',
          actor: serviceDriven('cloudformation.amazonaws.com', 'cfn-exec'),
          params: { id: 'Z0123456789ABCDEFGHIJ' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const RANSOM_NOTE =
  /(how[_\-\s]?to[_\-\s]?(decrypt|restore|recover|get[_\-\s]?back)|decrypt[_\-\s]?(instructions?|your|my|files|me)|restore[_\-\s]?(my|your)?[_\-\s]?files|recover[_\-\s]?(my|your)?[_\-\s]?(files|data)|(your|all)[_\-\s]?files[_\-\s]?(are|were)[_\-\s]?encrypted|files[_\-\s]?encrypted|ransom|_readme_|!+readme!+|readme[_\-\s]?(to|for)[_\-\s]?(decrypt|restore|recover))/i;

const ransomNote: Detection = {
  id: 'aws.s3.ransom_note_uploaded',
  title: 'Ransom note uploaded to S3',
  description:
    'An object was uploaded whose file name matches the instructions notes extortion groups leave behind ' +
    '("HOW_TO_DECRYPT", "RESTORE_FILES", "your files are encrypted", "…ransom…"). Usually the last visible ' +
    'step after data was copied out, deleted or re-encrypted.',
  attack: ['T1486', 'T1485'],
  tactic: 'TA0040',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['PutObject', 'CopyObject', 'CompleteMultipartUpload'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const key = ctStr(raw, 'requestParameters.key') ?? '';
    const base = key.split('/').pop() ?? '';
    if (!RANSOM_NOTE.test(base)) return undefined;
    const bucket = ctStr(raw, 'requestParameters.bucketName') ?? '';
    return {
      entities: bucket ? [resourceEntity(bucketArn(bucket))] : [],
      evidence: { bucket, key: key.slice(0, 200) },
    };
  },
  cases: [
    {
      name: 'HOW_TO_DECRYPT_FILES.txt dropped into a data bucket',
      fires: true,
      records: [
        ct({
          name: 'PutObject',
          source: 's3',
          actor: iamUser('compromised-user'),
          params: { bucketName: 'production-data', key: 'documents/financial/HOW_TO_DECRYPT_FILES.txt' },
          data: true,
        }),
      ],
    },
    {
      name: 'a README in a repository mirror',
      fires: false,
      records: [
        ct({
          name: 'PutObject',
          source: 's3',
          params: { bucketName: 'artifacts', key: 'libs/crypto/README.md' },
          data: true,
        }),
      ],
    },
    {
      name: 'a quarterly report',
      fires: false,
      records: [
        ct({
          name: 'PutObject',
          source: 's3',
          params: { bucketName: 'my-company-bucket', key: 'reports/quarterly-report.pdf' },
          data: true,
        }),
      ],
    },
  ],
};

export const AWS_IMPACT: readonly Detection[] = [
  massObjectDeletion,
  massDeletion,
  foreignKmsObject,
  ssecCopy,
  bucketEncryptionForeign,
  ebsDefaultKeyForeign,
  kmsDestruction,
  multiRegion,
  gpuLaunch,
  backupDeletion,
  rdsDeleted,
  massStop,
  versioningOff,
  lifecycleWipe,
  massIdentityDeletion,
  hostedZoneDeleted,
  ransomNote,
];
