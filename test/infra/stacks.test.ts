import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoringPolicyFromEnv } from '../../functions/lib/scoring-config.ts';
import { buildApp } from '../../infra/build.ts';
import { DEFAULT_POLICY } from '../../shared/correlate/policy.ts';
import { DEFAULT_MODEL_ID } from '../../shared/narrate/converse.ts';

// One synth of the default (dev) app, with real esbuild bundling, shared by every assertion here.
let stateful: Template;
let compute: Template;
/** The bundled code of each function, by the prefix of its logical id. */
let bundleDirs: { normalise: string; correlate: string; narrate: string };
let vigil: ReturnType<typeof buildApp>;

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
/** Every statement of the IAM policies attached to the role of the function whose logical id starts with `fnPrefix`. */
const roleStatementsOf = (fnPrefix: string): Record<string, unknown>[] => {
  const [, fn] = resources(compute, 'AWS::Lambda::Function').find(([id]) => id.startsWith(fnPrefix))!;
  const role = JSON.stringify({
    Ref: (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
  });
  return resources(compute, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === role))
    .flatMap(([, policy]) => statementsOf(policy));
};
const sqsStatements = (statements: Record<string, unknown>[]) =>
  statements.filter((s) => asList(s.Action).some((a) => String(a).startsWith('sqs:')));

beforeAll(() => {
  vigil = buildApp();
  stateful = Template.fromStack(vigil.stateful);
  compute = Template.fromStack(vigil.compute);
  const assembly = vigil.app.synth();
  const assets = JSON.parse(readFileSync(join(assembly.directory, 'VigilCompute.assets.json'), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const codeOf = (idPrefix: string): string => {
    const [, fn] = resources(compute, 'AWS::Lambda::Function').find(([id]) => id.startsWith(idPrefix))!;
    const hash = String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
    const code = assets.files[hash];
    if (!code) throw new Error(`no bundled code for ${idPrefix} among the compute assets`);
    return join(assembly.directory, code.source.path);
  };
  bundleDirs = {
    normalise: codeOf('NormaliseFunction'),
    correlate: codeOf('CorrelationCorrelateFunction'),
    narrate: codeOf('NarrationNarrateFunction'),
  };
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
    // The single table, and the response stage's append-only audit table (test/infra/response.test.ts).
    stateful.resourceCountIs('AWS::DynamoDB::Table', 2);
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
    expect(queues).toHaveLength(8);
    for (const [, queue] of queues) expect(queue.Properties.KmsMasterKeyId).toEqual(keyArn);
    const deadLetterQueues = queues.filter(([id]) => /DeadLetters/.test(id));
    expect(deadLetterQueues.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'BulkIngestDeadLetters',
      'IngestDeadLettersNormaliseAsyncFailures',
      'IngestDeadLettersRuleTargets',
      'NarrateDeadLetters',
      'SignalsDeadLetters',
    ]);
    for (const [, queue] of deadLetterQueues)
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('refuses plain-HTTP access to every queue and bucket', () => {
    const policies = [
      ...resources(stateful, 'AWS::SQS::QueuePolicy'),
      ...resources(stateful, 'AWS::S3::BucketPolicy'),
    ];
    expect(policies).toHaveLength(10);
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
    const [, fn] = resources(compute, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('NormaliseFunction'),
    )!;
    const [, bulk] = resources(stateful, 'AWS::SQS::Queue').find(([id]) => id.startsWith('BulkIngestQueue'))!;
    expect(bulk.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: {
        'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::SQS::Queue', 'BulkIngestDeadLetters'), 'Arn'],
      },
      maxReceiveCount: 5,
    });
    expect(bulk.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * Number(fn.Properties.Timeout));
  });

  it('keeps narrate requests 14 days and redrives them to their DLQ after 5 receives, with a visibility of at least 6x the narrator timeout', () => {
    const [, fn] = resources(compute, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('NarrationNarrateFunction'),
    )!;
    const [, narrate] = resources(stateful, 'AWS::SQS::Queue').find(([id]) => id.startsWith('NarrateQueue'))!;
    expect(narrate.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: {
        'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::SQS::Queue', 'NarrateDeadLetters'), 'Arn'],
      },
      maxReceiveCount: 5,
    });
    expect(narrate.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(narrate.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * Number(fn.Properties.Timeout));
  });

  it('keeps signals 14 days and redrives them to their DLQ after 5 receives, with a visibility of at least 6x the correlator timeout', () => {
    const [, fn] = resources(compute, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('CorrelationCorrelateFunction'),
    )!;
    const [, signals] = resources(stateful, 'AWS::SQS::Queue').find(([id]) => id.startsWith('SignalsQueue'))!;
    expect(signals.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: {
        'Fn::GetAtt': [logicalIdOf(stateful, 'AWS::SQS::Queue', 'SignalsDeadLetters'), 'Arn'],
      },
      maxReceiveCount: 5,
    });
    expect(signals.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(signals.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * Number(fn.Properties.Timeout));
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
    // normalise, correlate, narrate, and the response stage's 11 (test/infra/response.test.ts).
    compute.resourceCountIs('AWS::Lambda::Function', 14);
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
          SIGNALS_QUEUE_URL: importOf('SignalsQueue'),
          // The deploying account is always the organisation's; no trusted range configured.
          ORG_ACCOUNTS: { Ref: 'AWS::AccountId' },
          TRUSTED_CIDRS: '',
        },
      },
    });
  });

  it('runs the correlator with the table, and nothing of detection, in its environment', () => {
    compute.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: Match.stringLikeRegexp('^nodejs(2[2-9]|[3-9][0-9])\\.x$'),
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: 60,
      LoggingConfig: Match.objectLike({
        LogGroup: { Ref: logicalIdOf(compute, 'AWS::Logs::LogGroup', 'CorrelationCorrelate') },
      }),
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'correlate',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_LOGGER_LOG_EVENT: 'false',
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: importOf('EventStoreTable'),
          NARRATE_QUEUE_URL: importOf('NarrateQueue'),
        },
      },
    });
    compute.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/vigil/dev/correlate',
      RetentionInDays: 90,
      KmsKeyId: importOf('EncryptionKey'),
    });
  });

  it.each(['normalise', 'correlate', 'narrate'] as const)(
    'bundles the %s handler as ESM with a require shim and a source map',
    (fn) => {
      const bundle = readFileSync(join(bundleDirs[fn], 'index.mjs'), 'utf8');
      expect(bundle.startsWith('import { createRequire as vigilCreateRequire }')).toBe(true);
      expect(readFileSync(join(bundleDirs[fn], 'index.mjs.map'), 'utf8').length).toBeGreaterThan(0);
    },
  );

  it('ships the enrichment data next to the normaliser bundle, where import.meta.url resolves', () => {
    const dir = bundleDirs.normalise;
    expect(readFileSync(join(dir, 'data', 'indicators.sample.ndjson'), 'utf8')).toEqual(
      readFileSync('shared/enrich/data/indicators.sample.ndjson', 'utf8'),
    );
    for (const file of ['geoip-country.dat', 'geoip-country6.dat'])
      expect(existsSync(join(dir, 'node_modules', 'geoip-country', 'data', file)), file).toBe(true);
    // The copied package, with its dependencies, really loads and answers from the bundle folder
    // (Node 22 from node_modules/.bin, as Lambda would run it).
    const country = execFileSync(
      process.execPath,
      ['-e', "process.stdout.write(String(require('geoip-country').lookup('8.8.8.8')?.country))"],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(country).toBe('US');
    // geoip-country is loaded from node_modules at run time, never inlined without its data.
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('geoip-country.dat');
  });

  it('ships no Sigma rules unless sigmaRulesDir is configured (see sigma-rules.test.ts for when it is)', () => {
    expect(vigil.compute.sigmaRules).toBeUndefined();
    expect(existsSync(join(bundleDirs.normalise, 'sigma-rules'))).toBe(false);
  });

  it('leaves the correlator on the default scoring unless scoring is configured', () => {
    const [, fn] = resources(compute, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('CorrelationCorrelateFunction'),
    )!;
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).filter((k) => k.startsWith('SCORING_'))).toEqual([]);
  });

  it('ships no enrichment data with the correlator, which does not enrich', () => {
    expect(existsSync(join(bundleDirs.correlate, 'node_modules'))).toBe(false);
    expect(existsSync(join(bundleDirs.correlate, 'data'))).toBe(false);
  });

  it('keeps class names in the bundle, so errors log as ValidationError rather than a minified name', () => {
    expect(readFileSync(join(bundleDirs.normalise, 'index.mjs'), 'utf8')).toContain('"ValidationError"');
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

  it('consumes the signals queue with the correlator in large batches gathered over a window, reporting item failures', () => {
    compute.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: importOf('SignalsQueue'),
      FunctionName: { Ref: logicalIdOf(compute, 'AWS::Lambda::Function', 'CorrelationCorrelateFunction') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    compute.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
  });

  it('lets the normaliser only send to the signals queue, and the correlator only consume it and send to the narrate queue', () => {
    const onSignals = (st: Record<string, unknown>) =>
      /SignalsQueue[0-9A-F]+Arn/.test(JSON.stringify(st.Resource));
    const normaliseSqs = sqsStatements(roleStatementsOf('NormaliseFunction'));
    for (const st of normaliseSqs) expect(st.Resource).not.toBe('*');
    // Its other SQS grants are the bulk queue it consumes and its async on-failure destination.
    expect(normaliseSqs.filter(onSignals).map((st) => st.Action)).toEqual(['sqs:SendMessage']);

    const correlateSqs = sqsStatements(roleStatementsOf('CorrelationCorrelateFunction'));
    expect(correlateSqs).toHaveLength(2);
    const onNarrate = (st: Record<string, unknown>) =>
      /NarrateQueue[0-9A-F]+Arn/.test(JSON.stringify(st.Resource));
    expect(correlateSqs.filter(onNarrate).map((st) => st.Action)).toEqual(['sqs:SendMessage']);
    const consumed = correlateSqs.filter(onSignals);
    expect(consumed).toHaveLength(1);
    expect(asList(consumed[0]!.Action).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
  });

  it('consumes the narrate queue with the narrator in small batches, reporting item failures, and lets it only consume', () => {
    compute.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: importOf('NarrateQueue'),
      FunctionName: { Ref: logicalIdOf(compute, 'AWS::Lambda::Function', 'NarrationNarrateFunction') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 4,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    const narrateSqs = sqsStatements(roleStatementsOf('NarrationNarrateFunction'));
    expect(narrateSqs).toHaveLength(1);
    expect(JSON.stringify(narrateSqs[0]!.Resource)).toMatch(/NarrateQueue[0-9A-F]+Arn/);
    expect(asList(narrateSqs[0]!.Action)).not.toContain('sqs:SendMessage');
  });

  it('runs the narrator with the table and the configured model in its environment', () => {
    compute.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'narrate',
          TABLE_NAME: importOf('EventStoreTable'),
          MODEL_ID: DEFAULT_MODEL_ID,
        }),
      },
    });
  });

  it('lets only the narrator call Bedrock, InvokeModel on the default global profile and its model only', () => {
    const bedrockOf = (fn: string) =>
      roleStatementsOf(fn).filter((st) => asList(st.Action).some((a) => String(a).startsWith('bedrock:')));
    expect(bedrockOf('NormaliseFunction')).toEqual([]);
    expect(bedrockOf('CorrelationCorrelateFunction')).toEqual([]);
    const statements = bedrockOf('NarrationNarrateFunction');
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Action).toBe('bedrock:InvokeModel');
    const model = DEFAULT_MODEL_ID.replace(/^global\./, '');
    // Fn::Join of strings and pseudo-parameter Refs, flattened as `<AWS::Region>`.
    const flat = (r: unknown): string =>
      typeof r === 'string'
        ? r
        : ((r as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? [])
            .map((p) => (typeof p === 'string' ? p : `<${(p as { Ref: string }).Ref}>`))
            .join('');
    expect(asList(statements[0]!.Resource).map(flat).sort()).toEqual([
      `arn:<AWS::Partition>:bedrock:::foundation-model/${model}`,
      `arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/${model}`,
      `arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:inference-profile/${DEFAULT_MODEL_ID}`,
    ]);
  });

  it('lets the normaliser use the key through SQS only for data keys: GenerateDataKey and Decrypt', () => {
    const viaSqs = roleStatementsOf('NormaliseFunction').filter((st) =>
      JSON.stringify(st.Condition ?? {}).includes('"sqs."'),
    );
    expect([...new Set(viaSqs.flatMap((st) => asList(st.Action)))].sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
  });

  it('gives the correlator read-write item access to the table, and its index for queries only', () => {
    const statements = roleStatementsOf('CorrelationCorrelateFunction');
    const resource = (st: Record<string, unknown>) => JSON.stringify(st.Resource);
    const onTable = statements.filter((st) =>
      /^\{"Fn::ImportValue":"[^"]*EventStoreTable[0-9A-F]+Arn[0-9A-F]+"\}$/.test(resource(st)),
    );
    const onIndex = statements.filter((st) => resource(st).includes('/index/gsi1'));
    expect(onIndex.map((st) => st.Action)).toEqual(['dynamodb:Query']);
    expect(onTable.flatMap((st) => asList(st.Action)).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
  });

  it('consumes the bulk queue in batches, reporting item failures', () => {
    compute.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: importOf('BulkIngestQueue'),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.anyValue(),
    });
  });

  it('grants no wildcard action, and a wildcard resource only to X-Ray and reads without resource-level permissions', () => {
    // Read calls the service authorises on `*` only; denies on `*` (tag-conditioned) only narrow.
    const READ_ONLY_ON_ANY = new Set([
      'ec2:DescribeInstances',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeSnapshots',
      'ec2:DescribeNetworkAcls',
      'autoscaling:DescribeAutoScalingInstances',
    ]);
    const STATE_MACHINE_LOGS = new Set([
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
    ]);
    compute.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    for (const [id, policy] of resources(compute, 'AWS::IAM::Policy')) {
      for (const statement of statementsOf(policy)) {
        expect(
          asList(statement.Action).filter((a) => String(a).includes('*')),
          id,
        ).toEqual([]);
        if (statement.Resource === '*' && statement.Effect !== 'Deny') {
          // Step Functions logging delivers through CloudWatch Logs APIs that take no resource.
          const stateMachineLogs = (a: string) =>
            id.startsWith('ResponseStateMachineRole') && STATE_MACHINE_LOGS.has(a);
          expect(
            asList(statement.Action).every(
              (a) =>
                String(a).startsWith('xray:') ||
                READ_ONLY_ON_ANY.has(String(a)) ||
                stateMachineLogs(String(a)),
            ),
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
      // The one direct use: sealing approval task tokens, bound to an approval id as encryption context.
      if (asList(statement.Action).join() === 'kms:Encrypt')
        expect(statement.Condition).toEqual({
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['approval_id'] },
        });
      else expect(statement.Condition).toEqual({ StringEquals: { 'kms:ViaService': expect.anything() } });
    }
  });
});

describe('scoring configured', () => {
  it('gives the correlator the threshold and window, which its cold start turns into the policy', () => {
    const configured = buildApp({
      'aws:cdk:bundling-stacks': [],
      vigil: { scoring: { threshold: 150, windowHours: 12 } },
    });
    const template = Template.fromStack(configured.compute);
    const [, fn] = resources(template, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('CorrelationCorrelateFunction'),
    )!;
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ SCORING_THRESHOLD: '150', SCORING_WINDOW_HOURS: '12' });
    const policy = scoringPolicyFromEnv(variables as NodeJS.ProcessEnv);
    expect(policy).toEqual({ ...DEFAULT_POLICY, threshold: 150, windowMs: 12 * 3_600_000 });
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
    ['stateful', 'AWS::SQS::Queue', 'Signals'],
    ['compute', 'AWS::Lambda::Function', 'Correlation'],
    ['compute', 'AWS::Lambda::EventSourceMapping', 'Correlation'],
  ])('names the capability construct of a %s %s as its component', (stack, type, component) => {
    (stack === 'stateful' ? stateful : compute).hasResourceProperties(type, {
      Tags: Match.arrayWith([{ Key: 'vigil:component', Value: component }]),
    });
  });
});
