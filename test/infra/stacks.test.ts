import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build.ts';

// One synth of the default (dev) app, with real esbuild bundling, shared by every assertion here.
let stateful: Template;
let compute: Template;
let bundleDir: string;

type Resource = { Properties: Record<string, unknown> } & Record<string, unknown>;
const resources = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.findResources(type) as Record<string, Resource>);
const logicalIdOf = (template: Template, type: string, idPrefix: string): string => {
  const match = resources(template, type).find(([id]) => id.startsWith(idPrefix));
  if (!match) throw new Error(`no ${type} whose logical id starts with ${idPrefix}`);
  return match[0];
};
/** A cross-stack reference to an attribute of a resource of the stateful stack. */
const importOf = (statefulLogicalId: string) =>
  Match.objectLike({
    'Fn::ImportValue': Match.stringLikeRegexp(`ExportsOutput(FnGetAtt|Ref)${statefulLogicalId}`),
  });
/** Statements of an IAM, queue or bucket policy, or of a key policy. */
const statementsOf = (resource: Resource): Record<string, unknown>[] => {
  const document = resource.Properties.PolicyDocument ?? resource.Properties.KeyPolicy;
  return (document as { Statement: Record<string, unknown>[] }).Statement;
};
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

beforeAll(() => {
  const vigil = buildApp();
  stateful = Template.fromStack(vigil.stateful);
  compute = Template.fromStack(vigil.compute);
  const assembly = vigil.app.synth();
  const assets = JSON.parse(readFileSync(join(assembly.directory, 'VigilCompute.assets.json'), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const code = Object.values(assets.files).find((file) => file.source.path.startsWith('asset.'));
  if (!code) throw new Error('no bundled function code among the compute assets');
  bundleDir = join(assembly.directory, code.source.path);
});

describe('stateful stack', () => {
  it('has one customer-managed key with rotation enabled', () => {
    stateful.resourceCountIs('AWS::KMS::Key', 1);
    stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('lets AWS services use the key only for Vigil resources', () => {
    const [, key] = resources(stateful, 'AWS::KMS::Key')[0]!;
    const serviceStatements = statementsOf(key).filter((s) => (s.Principal as { Service?: unknown }).Service);
    expect(serviceStatements.map((s) => s.Sid).sort()).toEqual([
      'CloudWatchLogsForVigilLogGroups',
      'EventBridgeDeadLettersOfVigilRules',
      'S3NotificationsOfBulkIngestBucket',
    ]);
    for (const statement of serviceStatements) {
      expect(statement.Condition, `${statement.Sid} must be conditioned`).toBeDefined();
    }
    const bySid = (sid: string) => serviceStatements.find((s) => s.Sid === sid)!;
    expect(JSON.stringify(bySid('CloudWatchLogsForVigilLogGroups').Condition)).toContain(
      ':log-group:/vigil/dev/*',
    );
    expect(bySid('EventBridgeDeadLettersOfVigilRules').Action).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
    expect(bySid('S3NotificationsOfBulkIngestBucket').Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('keeps one single-table design table, encrypted with the CMK, with PITR and TTL', () => {
    stateful.resourceCountIs('AWS::DynamoDB::Table', 1);
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::KMS::Key', 'Encryption'), 'Arn'] },
      },
    });
  });

  it('lets the dev stage tear its data stores down', () => {
    stateful.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('creates the external bus without a resource policy when no producer account is configured', () => {
    stateful.hasResourceProperties('AWS::Events::EventBus', { Name: 'vigil-dev-external' });
    stateful.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });

  it('encrypts every queue with the CMK and keeps dead letters 14 days', () => {
    const keyArn = { 'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::KMS::Key', 'Encryption'), 'Arn'] };
    const queues = resources(stateful, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(4);
    for (const [, queue] of queues) expect(queue.Properties.KmsMasterKeyId).toEqual(keyArn);
    const deadLetterQueues = queues.filter(([id]) => /DeadLetters/.test(id));
    expect(deadLetterQueues.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'BulkIngestDeadLetters',
      'IngestDeadLettersNormaliseAsyncFailures',
      'IngestDeadLettersRuleTargets',
    ]);
    for (const [, queue] of deadLetterQueues)
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('refuses plain-HTTP access to every queue and bucket', () => {
    const policies = [
      ...resources(stateful, 'AWS::SQS::QueuePolicy'),
      ...resources(stateful, 'AWS::S3::BucketPolicy'),
    ];
    expect(policies).toHaveLength(6);
    for (const [id, policy] of policies) {
      const denyInsecure = statementsOf(policy).find(
        (s) =>
          s.Effect === 'Deny' &&
          JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
      );
      expect(denyInsecure, id).toBeDefined();
    }
  });

  it('admits to the rule-target DLQ only EventBridge, on behalf of exactly the ingest rules', () => {
    const [, policy] = resources(stateful, 'AWS::SQS::QueuePolicy').find(([id]) =>
      id.startsWith('IngestDeadLettersRuleTargets'),
    )!;
    const allows = statementsOf(policy).filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]!.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(allows[0]!.Action).toBe('sqs:SendMessage');
    const sourceArns = (allows[0]!.Condition as { ArnEquals: { 'aws:SourceArn': unknown[] } }).ArnEquals[
      'aws:SourceArn'
    ].map((arn) => JSON.stringify(arn));
    // A rule's ARN is rule/<name> on the default bus and rule/<bus>/<name> on any other bus.
    const ruleArnSuffixes = resources(compute, 'AWS::Events::Rule').map(([, rule]) =>
      rule.Properties.EventBusName === undefined
        ? `:rule/${rule.Properties.Name}"`
        : `:rule/vigil-dev-external/${rule.Properties.Name}"`,
    );
    expect(sourceArns).toHaveLength(ruleArnSuffixes.length);
    for (const suffix of ruleArnSuffixes)
      expect(sourceArns.some((arn) => arn.endsWith(`${suffix}]]}`))).toBe(true);
    expect(sourceArns.join()).not.toContain('*');
  });

  it('redrives bulk messages to their DLQ after 5 receives, with a visibility of at least 6x the consumer timeout', () => {
    const [, fn] = resources(compute, 'AWS::Lambda::Function')[0]!;
    const [, bulk] = resources(stateful, 'AWS::SQS::Queue').find(([id]) => id.startsWith('BulkIngestQueue'))!;
    expect(bulk.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: {
        'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::SQS::Queue', 'BulkIngestDeadLetters'), 'Arn'],
      },
      maxReceiveCount: 5,
    });
    expect(bulk.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * Number(fn.Properties.Timeout));
  });

  it('admits S3 notifications to the bulk queue only from the bulk bucket of this account', () => {
    const [, policy] = resources(stateful, 'AWS::SQS::QueuePolicy').find(([id]) =>
      id.startsWith('BulkIngestQueue'),
    )!;
    const allow = statementsOf(policy).find((s) => s.Effect === 'Allow')!;
    expect(allow.Principal).toEqual({ Service: 's3.amazonaws.com' });
    expect(allow.Condition).toEqual({
      ArnEquals: { 'aws:SourceArn': expect.anything() },
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
    expect(JSON.stringify(allow.Condition)).toContain(':s3:::vigil-dev-bulk-');
  });

  it('keeps bulk objects private, versioned, KMS-encrypted and access-logged, and notifies the queue', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['vigil-dev-bulk-'])] }),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::KMS::Key', 'Encryption'), 'Arn'] },
            },
          }),
        ],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalIdOf(stateful, 'AWS::S3::Bucket', 'BulkIngestAccessLogs') },
      },
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Event: 's3:ObjectCreated:*',
            Queue: { 'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::SQS::Queue', 'BulkIngestQueue'), 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('compute stack', () => {
  it.each([
    ['AWS API Call via CloudTrail', [{ prefix: 'aws.' }]],
    ['AWS Console Sign In via CloudTrail', ['aws.signin']],
    ['GuardDuty Finding', ['aws.guardduty']],
    ['Security Hub Findings - Imported', ['aws.securityhub']],
  ])('routes "%s" from the default bus by source and detail-type', (detailType, source) => {
    compute.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: Match.exact({ source, 'detail-type': [detailType] }),
    });
  });

  it('routes partner and vigil.ingest sources from the external bus', () => {
    compute.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: importOf('ExternalBusesExternal'),
      EventPattern: Match.exact({ source: [{ prefix: 'aws.partner/' }, { prefix: 'vigil.ingest.' }] }),
    });
    compute.resourceCountIs('AWS::Events::Rule', 5);
  });

  it('gives every rule target a retry policy and the rule-target DLQ', () => {
    for (const [id, rule] of resources(compute, 'AWS::Events::Rule')) {
      const targets = rule.Properties.Targets as Record<string, unknown>[];
      expect(targets, id).toHaveLength(1);
      expect(targets[0]!.RetryPolicy, id).toEqual({
        MaximumRetryAttempts: 20,
        MaximumEventAgeInSeconds: 7200,
      });
      expect(targets[0]!.DeadLetterConfig, id).toEqual({
        Arn: {
          'Fn::ImportValue': expect.stringContaining('ExportsOutputFnGetAttIngestDeadLettersRuleTargets'),
        },
      });
    }
  });

  it('runs the normaliser on Node.js 22 or newer, arm64, traced, with its settings in the environment', () => {
    compute.resourceCountIs('AWS::Lambda::Function', 1);
    compute.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: Match.stringLikeRegexp('^nodejs(2[2-9]|[3-9][0-9])\\.x$'),
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({
        LogGroup: { Ref: logicalIdOf(compute, 'AWS::Logs::LogGroup', 'Normalise') },
      }),
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'normalise',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_LOGGER_LOG_EVENT: 'false',
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: importOf('EventStoreTable'),
        },
      },
    });
  });

  it('bundles the handler as ESM with a require shim and a source map', () => {
    const bundle = readFileSync(join(bundleDir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith('import { createRequire as vigilCreateRequire }')).toBe(true);
    expect(readFileSync(join(bundleDir, 'index.mjs.map'), 'utf8').length).toBeGreaterThan(0);
  });

  it('writes logs to an encrypted log group with the configured retention', () => {
    compute.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/vigil/dev/normalise',
      RetentionInDays: 90,
      KmsKeyId: importOf('EncryptionKey'),
    });
  });

  it('sends failed async invocations to the on-failure DLQ after 2 retries', () => {
    compute.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: Match.anyValue(),
      DestinationConfig: { OnFailure: { Destination: importOf('IngestDeadLettersNormaliseAsyncFailures') } },
    });
  });

  it('consumes the bulk queue in batches, reporting item failures', () => {
    compute.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: importOf('BulkIngestQueue'),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.anyValue(),
    });
  });

  it('grants no wildcard action, and a wildcard resource only to X-Ray', () => {
    compute.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    for (const [id, policy] of resources(compute, 'AWS::IAM::Policy')) {
      for (const statement of statementsOf(policy)) {
        expect(
          asList(statement.Action).filter((a) => String(a).includes('*')),
          id,
        ).toEqual([]);
        if (statement.Resource === '*') {
          expect(
            asList(statement.Action).every((a) => String(a).startsWith('xray:')),
            id,
          ).toBe(true);
        }
      }
    }
  });

  it('scopes the key grants of the function to the service using the key', () => {
    const kmsStatements = resources(compute, 'AWS::IAM::Policy')
      .flatMap(([, policy]) => statementsOf(policy))
      .filter((s) => asList(s.Action).some((a) => String(a).startsWith('kms:')));
    expect(kmsStatements.length).toBeGreaterThan(0);
    for (const statement of kmsStatements) {
      expect(statement.Condition).toEqual({ StringEquals: { 'kms:ViaService': expect.anything() } });
    }
  });
});

describe('tags', () => {
  it('marks every taggable resource of both stacks as Vigil-managed', () => {
    for (const template of [stateful, compute]) {
      for (const [id, resource] of Object.entries(template.toJSON().Resources as Record<string, Resource>)) {
        if (!('Tags' in resource.Properties)) continue;
        expect(resource.Properties.Tags, id).toEqual(
          expect.arrayContaining([{ Key: 'vigil:managed', Value: 'true' }]),
        );
      }
    }
  });

  it.each([
    ['stateful', 'AWS::DynamoDB::Table', 'EventStore'],
    ['stateful', 'AWS::SQS::Queue', 'IngestDeadLetters'],
    ['compute', 'AWS::Lambda::Function', 'Normalise'],
    ['compute', 'AWS::Events::Rule', 'Ingest'],
  ])('names the capability construct of a %s %s as its component', (stack, type, component) => {
    (stack === 'stateful' ? stateful : compute).hasResourceProperties(type, {
      Tags: Match.arrayWith([{ Key: 'vigil:component', Value: component }]),
    });
  });
});
