import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build.ts';

const PRODUCERS = ['111111111111', '222222222222'];
const OKTA = 'aws.partner/okta.com/org123/okta-logs';
const ORG_ACCOUNTS = ['333333333333', '444444444444'];
const TRUSTED = ['203.0.113.0/24', '2001:db8::/32'];

// A prod deployment with producer accounts and a partner source. Bundling is skipped: these
// assertions are about the templates, and stacks.test.ts already exercises the bundle.
let stateful: Template;
let compute: Template;

beforeAll(() => {
  const vigil = buildApp({
    'aws:cdk:bundling-stacks': [],
    vigil: {
      stage: 'prod',
      logRetentionDays: 365,
      externalSourceAccounts: PRODUCERS,
      partnerEventSources: [OKTA],
      orgAccounts: ORG_ACCOUNTS,
      trustedCidrs: TRUSTED,
    },
  });
  stateful = Template.fromStack(vigil.stateful);
  compute = Template.fromStack(vigil.compute);
});

describe('prod stage', () => {
  it('turns on deletion protection for the table', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });

  it.each([['AWS::KMS::Key'], ['AWS::DynamoDB::Table'], ['AWS::S3::Bucket'], ['AWS::SQS::Queue']])(
    'retains every %s on delete and on replacement',
    (type) => {
      const all = Object.entries(stateful.findResources(type));
      expect(all.length).toBeGreaterThan(0);
      for (const [id, resource] of all) {
        expect(resource.DeletionPolicy, id).toBe('Retain');
        expect(resource.UpdateReplacePolicy, id).toBe('Retain');
      }
    },
  );

  it.each(['normalise', 'correlate'])('retains the %s log group, which holds evidence too', (name) => {
    compute.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ RetentionInDays: 365, LogGroupName: `/vigil/prod/${name}` }),
    });
  });
});

describe('detection settings', () => {
  it('gives the normaliser the deploying account plus the configured org accounts, and the trusted ranges', () => {
    const [fn] = Object.values(
      compute.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'normalise' } } },
      }),
    );
    const variables = fn!.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables.ORG_ACCOUNTS).toEqual({
      'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, `,${ORG_ACCOUNTS.join(',')}`]],
    });
    expect(variables.TRUSTED_CIDRS).toBe(TRUSTED.join(','));
  });
});

describe('external producers', () => {
  it('lets exactly the configured accounts PutEvents on the external bus, and nobody else', () => {
    const policies = Object.values(stateful.findResources('AWS::Events::EventBusPolicy'));
    expect(policies).toHaveLength(1);
    const statement = policies[0]!.Properties.Statement as Record<string, unknown>;
    expect(statement.Effect).toBe('Allow');
    expect(statement.Action).toBe('events:PutEvents');
    expect(statement.Condition).toBeUndefined();
    const principals = (statement.Principal as { AWS: unknown[] }).AWS.map((p) => JSON.stringify(p));
    expect(principals).toHaveLength(PRODUCERS.length);
    for (const account of PRODUCERS)
      expect(principals.some((p) => p.includes(`:iam::${account}:root`))).toBe(true);
    expect(JSON.stringify(statement.Principal)).not.toContain('"*"');
  });

  it('creates a partner bus for the partner source and routes it to the normaliser with the same target settings', () => {
    const partnerBus = Object.entries(
      stateful.findResources('AWS::Events::EventBus', {
        Properties: { EventSourceName: OKTA, Name: OKTA },
      }),
    );
    expect(partnerBus).toHaveLength(1);
    compute.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { 'Fn::ImportValue': Match.stringLikeRegexp(`ExportsOutputRef${partnerBus[0]![0]}`) },
      EventPattern: Match.exact({ source: [OKTA] }),
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
        }),
      ],
    });
  });

  it('admits the partner rule to the rule-target DLQ and its key', () => {
    const partnerRule = Object.values(
      compute.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: [OKTA] } },
      }),
    )[0]!;
    const arnSuffix = `:rule/${OKTA}/${partnerRule.Properties.Name}`;
    expect(JSON.stringify(stateful.findResources('AWS::SQS::QueuePolicy'))).toContain(arnSuffix);
    expect(JSON.stringify(stateful.findResources('AWS::KMS::Key'))).toContain(arnSuffix);
  });
});
