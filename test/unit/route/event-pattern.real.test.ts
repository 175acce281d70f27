/**
 * Vigil's own ingest rules, as CDK renders them into the template (AWS::Events::Rule EventPattern),
 * matched against real records from the shared test data; and operator patterns of the kind a SOC
 * writes, checked against plain-code oracles over the same records.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Rule } from 'aws-cdk-lib/aws-events';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { parseVigilConfig } from '../../../infra/config.ts';
import { ingestRoutes } from '../../../infra/ingest-routes.ts';
import { compilePattern } from '../../../shared/route/event-pattern.ts';
import { labelledEvents } from '../../support/data.ts';

type Json = Record<string, unknown>;

const PARTNER_SOURCE = 'aws.partner/okta.com/00o1abcd2EFGH3ijk4l5/vigil-system-log';

/** Each ingest route's EventPattern exactly as the synthesized template carries it, by route id. */
function renderedPatterns(): Map<string, unknown> {
  const routes = ingestRoutes(parseVigilConfig({ partnerEventSources: [PARTNER_SOURCE] }));
  const stack = new Stack();
  for (const route of routes) new Rule(stack, route.id, { eventPattern: route.eventPattern });
  const rules = Object.entries(
    Template.fromStack(stack).findResources('AWS::Events::Rule') as Record<string, { Properties: Json }>,
  );
  return new Map(
    routes.map((route) => {
      const found = rules.find(([logicalId]) => logicalId.startsWith(route.id));
      if (!found) throw new Error(`no rule rendered for route ${route.id}`);
      return [route.id, found[1].Properties.EventPattern];
    }),
  );
}

const PATTERNS = renderedPatterns();
const ROUTES = [...PATTERNS].map(([id, pattern]) => ({ id, match: compilePattern(pattern) }));
const PARTNER_ROUTE = [...PATTERNS.keys()].find((id) => id.startsWith('Partner')) ?? 'no partner route';

/** The envelope EventBridge puts around a CloudTrail record on the default bus. */
const CLOUDTRAIL_DETAIL_TYPES: Record<string, string> = {
  AwsApiCall: 'AWS API Call via CloudTrail',
  AwsConsoleSignIn: 'AWS Console Sign In via CloudTrail',
  AwsServiceEvent: 'AWS Service Event via CloudTrail',
};
const viaEventBridge = (record: Json): Json => ({
  version: '0',
  id: '6f87d04b-9f74-4f04-a780-7acf4b0a9b38',
  'detail-type': CLOUDTRAIL_DETAIL_TYPES[String(record.eventType)],
  source: `aws.${String(record.eventSource).split('.')[0]}`,
  account: record.recipientAccountId ?? '123456789012',
  time: record.eventTime,
  region: record.awsRegion ?? 'us-east-1',
  resources: [],
  detail: record,
});

const cloudTrail = (labelledEvents('panther_aws_cloudtrail.ndjson') as Json[])
  .filter(
    (r) => typeof r.eventSource === 'string' && Object.hasOwn(CLOUDTRAIL_DETAIL_TYPES, String(r.eventType)),
  )
  .map(viaEventBridge);
const apiCalls = cloudTrail.filter((e) => e['detail-type'] === 'AWS API Call via CloudTrail');
const signIns = cloudTrail.filter((e) => e['detail-type'] === 'AWS Console Sign In via CloudTrail');
const guardDuty = labelledEvents('guardduty_findings_eventbridge.ndjson') as Json[];
const securityHub = labelledEvents('securityhub_findings_eventbridge.ndjson') as Json[];
/** Okta System Log records as the Okta partner source delivers them to its partner bus. */
const okta = (labelledEvents('panther_okta_systemlog.ndjson') as Json[]).slice(0, 20).map((detail) => ({
  version: '0',
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  'detail-type': 'SystemLog',
  source: PARTNER_SOURCE,
  account: '123456789012',
  time: '2024-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
}));
/** GitHub audit records as Vigil's own webhook producer puts them on the external bus. */
const github = (labelledEvents('panther_github_audit.ndjson') as Json[]).slice(0, 20).map((detail) => ({
  version: '0',
  id: 'a1b2c3d4-0000-4000-8000-000000000002',
  'detail-type': 'GitHub Audit Log Event',
  source: 'vigil.ingest.github',
  account: '123456789012',
  time: '2024-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
}));

const routesOf = (event: unknown): string[] => ROUTES.filter((r) => r.match(event)).map((r) => r.id);
const detailOf = (event: Json): Json => event.detail as Json;

describe("Vigil's ingest rules, as synthesized", () => {
  it('renders the patterns the template carries', () => {
    expect(Object.fromEntries(PATTERNS)).toEqual({
      CloudTrailApiCall: { source: [{ prefix: 'aws.' }], 'detail-type': ['AWS API Call via CloudTrail'] },
      ConsoleSignIn: { source: ['aws.signin'], 'detail-type': ['AWS Console Sign In via CloudTrail'] },
      GuardDutyFinding: { source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] },
      SecurityHubFinding: {
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Imported'],
      },
      ExternalSources: { source: [{ prefix: 'aws.partner/' }, { prefix: 'vigil.ingest.' }] },
      [PARTNER_ROUTE]: { source: [PARTNER_SOURCE] },
    });
  });

  it('has real records of every kind to route', () => {
    expect(apiCalls.length).toBeGreaterThan(200);
    expect(signIns.length).toBeGreaterThan(10);
    expect(guardDuty).toHaveLength(6);
    expect(securityHub).toHaveLength(135);
    expect(okta).toHaveLength(20);
    expect(github).toHaveLength(20);
  });

  it('routes each CloudTrail API call to the CloudTrail rule only', () => {
    for (const event of apiCalls)
      expect(routesOf(event), String(detailOf(event).eventName)).toEqual(['CloudTrailApiCall']);
  });

  it('routes console sign-ins to the sign-in rule only', () => {
    for (const event of signIns) expect(routesOf(event)).toEqual(['ConsoleSignIn']);
  });

  it('routes no CloudTrail service event: no rule subscribes to that detail-type', () => {
    const serviceEvent = { ...(apiCalls[0] as Json), 'detail-type': 'AWS Service Event via CloudTrail' };
    expect(routesOf(serviceEvent)).toEqual([]);
  });

  it('routes GuardDuty and Security Hub findings to their own rules only', () => {
    for (const event of guardDuty) expect(routesOf(event)).toEqual(['GuardDutyFinding']);
    for (const event of securityHub) expect(routesOf(event)).toEqual(['SecurityHubFinding']);
  });

  it("routes partner and Vigil's own ingest events by source (the bus then decides which rule sees them)", () => {
    for (const event of okta) expect(routesOf(event)).toEqual(['ExternalSources', PARTNER_ROUTE]);
    for (const event of github) expect(routesOf(event)).toEqual(['ExternalSources']);
  });

  it('lets no look-alike source through', () => {
    const call = apiCalls[0] as Json;
    const finding = guardDuty[0] as Json;
    const partner = github[0] as Json;
    for (const source of ['aws', 'AWS.ec2', 'Aws.ec2', 'awsx.ec2', ' aws.ec2', 'vigil.ingest.github']) {
      expect(routesOf({ ...call, source }), source).toEqual(
        source.startsWith('vigil.') ? ['ExternalSources'] : [],
      );
    }
    for (const source of [
      'vigil.ingest',
      'vigil.ingestx.github',
      'aws.partner',
      'AWS.partner/x',
      'Vigil.ingest.x',
    ]) {
      expect(routesOf({ ...partner, source }), source).toEqual([]);
    }
    expect(routesOf({ ...finding, source: 'aws.GuardDuty' })).toEqual([]);
    expect(routesOf({ ...finding, 'detail-type': 'GuardDuty Finding ' })).toEqual([]);
    expect(routesOf({ ...call, source: undefined })).toEqual([]);
    expect(routesOf({ ...call, source: ['aws.ec2'] })).toEqual(['CloudTrailApiCall']);
    expect(routesOf(call.detail)).toEqual([]);
  });
});

/** Checks a pattern against every record, with a plain-code oracle; both outcomes must occur. */
function agreesWithOracle(pattern: unknown, events: Json[], oracle: (event: Json) => boolean): void {
  const match = compilePattern(pattern);
  let yes = 0;
  for (const event of events) {
    const expected = oracle(event);
    expect(match(event), JSON.stringify(event).slice(0, 300)).toBe(expected);
    if (expected) yes++;
  }
  expect(yes, 'some records match').toBeGreaterThan(0);
  expect(yes, 'some records do not match').toBeLessThan(events.length);
}

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

describe('operator patterns over real records', () => {
  it('numeric: GuardDuty findings of high severity (>= 7), and of medium severity [4, 7)', () => {
    const severity = (e: Json) => detailOf(e).severity as number;
    agreesWithOracle(
      { source: ['aws.guardduty'], detail: { severity: [{ numeric: ['>=', 7] }] } },
      guardDuty,
      (e) => severity(e) >= 7,
    );
    agreesWithOracle(
      { detail: { severity: [{ numeric: ['>=', 4, '<', 7] }] } },
      guardDuty,
      (e) => severity(e) >= 4 && severity(e) < 7,
    );
  });

  it('prefix and wildcard: GuardDuty finding types', () => {
    const all = [...guardDuty, ...securityHub.slice(0, 5)];
    const type = (e: Json) => detailOf(e).type;
    agreesWithOracle({ detail: { type: [{ prefix: 'PrivilegeEscalation:' }] } }, all, (e) =>
      String(type(e)).startsWith('PrivilegeEscalation:'),
    );
    agreesWithOracle({ detail: { type: [{ wildcard: '*:IAMUser/*' }] } }, all, (e) =>
      String(type(e)).includes(':IAMUser/'),
    );
  });

  it('arrays of objects: Security Hub findings by severity label and workflow, in the same finding', () => {
    const findings = (e: Json) => detailOf(e).findings as Json[];
    const label = (f: Json) => (f.Severity as Json | undefined)?.Label;
    agreesWithOracle(
      { source: ['aws.securityhub'], detail: { findings: { Severity: { Label: ['CRITICAL', 'HIGH'] } } } },
      securityHub,
      (e) => findings(e).some((f) => ['CRITICAL', 'HIGH'].includes(String(label(f)))),
    );
    agreesWithOracle(
      {
        detail: {
          findings: {
            Severity: { Label: [{ 'anything-but': 'INFORMATIONAL' }] },
            Workflow: { Status: ['NEW'] },
            RecordState: ['ACTIVE'],
          },
        },
      },
      securityHub,
      (e) =>
        findings(e).some(
          (f) =>
            label(f) !== 'INFORMATIONAL' &&
            (f.Workflow as Json | undefined)?.Status === 'NEW' &&
            f.RecordState === 'ACTIVE',
        ),
    );
  });

  it('array consistency: two real findings in one event do not combine their fields', () => {
    const pick = (labelWanted: string, status: string) =>
      securityHub
        .flatMap((e) => detailOf(e).findings as Json[])
        .find((f) => (f.Severity as Json).Label === labelWanted && (f.Workflow as Json).Status === status);
    const critical = pick('CRITICAL', 'RESOLVED');
    const low = pick('LOW', 'NEW');
    expect(critical && low).toBeTruthy();
    const event = { ...(securityHub[0] as Json), detail: { findings: [critical, low] } };
    const match = (label: string, status: string) =>
      compilePattern({
        detail: { findings: { Severity: { Label: [label] }, Workflow: { Status: [status] } } },
      })(event);
    expect(match('CRITICAL', 'RESOLVED')).toBe(true);
    expect(match('LOW', 'NEW')).toBe(true);
    expect(match('CRITICAL', 'NEW')).toBe(false);
    expect(match('LOW', 'RESOLVED')).toBe(false);
  });

  it('cidr: CloudTrail calls from private networks, against ipaddr.js as the oracle', () => {
    const ip = (e: Json) => detailOf(e).sourceIPAddress;
    agreesWithOracle(
      {
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          sourceIPAddress: [{ cidr: '10.0.0.0/8' }, { cidr: '172.16.0.0/12' }, { cidr: '192.168.0.0/16' }],
        },
      },
      apiCalls,
      (e) => {
        const v = ip(e);
        return (
          typeof v === 'string' &&
          ipaddr.IPv4.isValidFourPartDecimal(v) &&
          ipaddr.parse(v).range() === 'private'
        );
      },
    );
  });

  it('anything-but suffix and exists: callers that are not AWS services, and calls that failed', () => {
    agreesWithOracle(
      { detail: { sourceIPAddress: [{ 'anything-but': { suffix: '.amazonaws.com' } }] } },
      apiCalls,
      (e) => {
        const v = detailOf(e).sourceIPAddress;
        return isScalar(v) && !(typeof v === 'string' && v.endsWith('.amazonaws.com'));
      },
    );
    agreesWithOracle({ detail: { errorCode: [{ exists: true }] } }, apiCalls, (e) =>
      isScalar(detailOf(e).errorCode),
    );
    agreesWithOracle(
      { detail: { errorCode: [{ exists: false }] } },
      apiCalls,
      (e) => detailOf(e).errorCode === undefined,
    );
  });

  it('$or with siblings, equals-ignore-case and nested objects: IAM policy changes and root activity', () => {
    const name = (e: Json) => String(detailOf(e).eventName);
    agreesWithOracle(
      {
        source: ['aws.iam'],
        $or: [
          { detail: { eventName: [{ wildcard: 'Put*Policy' }, { prefix: 'Attach' }] } },
          { detail: { eventName: [{ suffix: 'AccessKey' }], errorCode: [{ exists: false }] } },
        ],
      },
      apiCalls,
      (e) =>
        e.source === 'aws.iam' &&
        ((name(e).startsWith('Put') && name(e).endsWith('Policy')) ||
          name(e).startsWith('Attach') ||
          (name(e).endsWith('AccessKey') && detailOf(e).errorCode === undefined)),
    );
    agreesWithOracle(
      {
        detail: {
          userIdentity: { type: ['Root'] },
          eventSource: [{ 'equals-ignore-case': 'SIGNIN.AMAZONAWS.COM' }],
        },
      },
      cloudTrail,
      (e) =>
        (detailOf(e).userIdentity as Json | undefined)?.type === 'Root' &&
        String(detailOf(e).eventSource).toLowerCase() === 'signin.amazonaws.com',
    );
  });
});
