// Every registered detection’s metadata and cases are run by catalogue.test.ts; this file tests the helpers and behaviour beyond the cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ct, FOREIGN, ORG, RISK, who } from '../../../shared/detect/catalogue/aws-helpers-a.ts';
import {
  AWS_OPERATIONS,
  portSpan,
  reachOf,
  securityGroupGrants,
} from '../../../shared/detect/catalogue/aws-operations.ts';
import { buildEngine } from '../../../shared/detect/engine.ts';
import type { Signal } from '../../../shared/detect/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

const ctx = { enrich: () => {} };

/** Signals of the last record, run in order through the real normaliser and the engine. */
function signals(records: unknown[], detections = AWS_OPERATIONS): Signal[] {
  const engine = buildEngine(detections);
  const context = freshContext();
  let last: Signal[] = [];
  for (const record of records) {
    for (const r of normalise(record, ctx)) {
      if (!r.ok) throw new Error(`record does not normalise: ${r.error.message}`);
      last = engine.run(r.event, context);
    }
  }
  expect(engine.faults.size).toBe(0);
  return last;
}

const severityOf = (id: string, records: unknown[]) =>
  signals(records).find((s) => s.rule_id === id)?.severity;

describe('address ranges and ports', () => {
  it('tells the world from the internet from internal space', () => {
    expect(reachOf('0.0.0.0/0')).toBe('world');
    expect(reachOf('::/0')).toBe('world');
    expect(reachOf('0.0.0.0/1')).toBe('world');
    expect(reachOf('128.0.0.0/1')).toBe('world');
    expect(reachOf('198.51.100.7/32')).toBe('internet');
    expect(reachOf('2001:db8::/64')).toBe('internet');
    expect(reachOf('10.0.0.0/16')).toBe('internal');
    expect(reachOf('127.0.0.1/32')).toBe('internal');
    expect(reachOf('fd00::/8')).toBe('internal');
    expect(reachOf('not-a-cidr')).toBeUndefined();
    expect(reachOf('10.0.0.0/33')).toBeUndefined();
  });

  it('finds admin ports inside ranges, all ports for protocol -1, none for ICMP', () => {
    expect(portSpan('tcp', 22, 22)?.admin).toEqual(['ssh']);
    expect(portSpan('6', '3300', '3400')?.admin).toEqual(['mysql', 'rdp']);
    expect(portSpan('tcp', 443, 443)?.admin).toEqual([]);
    expect(portSpan('-1', undefined, undefined)?.all).toBe(true);
    expect(portSpan('tcp', 0, 65535)?.all).toBe(true);
    expect(portSpan('icmp', -1, -1)).toBeUndefined();
    // A protocol that is an object (here one without a prototype, which String() cannot print) names no protocol.
    expect(portSpan(Object.create(null), 22, 22)).toBeUndefined();
    expect(portSpan({ toString: () => 'tcp' }, 22, 22)).toBeUndefined();
  });

  it('reads grants in the current, legacy and ModifySecurityGroupRules shapes, lower-case keys too', () => {
    const current = {
      requestparameters: {
        ippermissions: {
          items: [
            { ipprotocol: 'tcp', fromport: 22, toport: 22, ipranges: { items: [{ cidrip: '0.0.0.0/0' }] } },
          ],
        },
      },
    };
    expect(securityGroupGrants(current).map((g) => g.reach)).toEqual(['world']);
    const legacy = {
      requestParameters: { cidrIp: '203.0.113.9/32', ipProtocol: 'tcp', fromPort: 5432, toPort: 5432 },
    };
    expect(securityGroupGrants(legacy)[0]?.ports.admin).toEqual(['postgres']);
    const modify = {
      eventName: 'ModifySecurityGroupRules',
      requestParameters: { R: { SecurityGroupRule: { CidrIpv6: '::/0', IpProtocol: '-1' } } },
    };
    expect(securityGroupGrants(modify).map((g) => g.cidr)).toEqual(['::/0']);
  });
});

describe('severity follows what a change opens and who made it', () => {
  const ingress = (identity: Record<string, unknown>, cidr: string, port: number, extra = {}) =>
    ct({
      source: 'ec2',
      name: 'AuthorizeSecurityGroupIngress',
      identity,
      params: {
        groupId: 'sg-1',
        ipPermissions: {
          items: [
            { ipProtocol: 'tcp', fromPort: port, toPort: port, ipRanges: { items: [{ cidrIp: cidr }] } },
          ],
        },
      },
      ...extra,
    });
  const SG = 'aws.ec2.security_group_opened';

  it('world on an admin port is high, on a web port medium', () => {
    expect(severityOf(SG, [ingress(who.user('dev1'), '0.0.0.0/0', 22)])).toBe('high');
    expect(severityOf(SG, [ingress(who.user('dev1'), '0.0.0.0/0', 443)])).toBe('medium');
  });

  it('IaC exposing SSH to the world is one step lower, and quiet on web ports', () => {
    expect(
      severityOf(SG, [ingress(who.cfn(), '0.0.0.0/0', 22, { ip: 'cloudformation.amazonaws.com' })]),
    ).toBe('medium');
    expect(
      severityOf(SG, [ingress(who.cfn(), '0.0.0.0/0', 443, { ip: 'cloudformation.amazonaws.com' })]),
    ).toBe('low');
  });

  it('one internet address on SSH by hand is medium; internal sources are low', () => {
    expect(severityOf(SG, [ingress(who.sso('Admin', 'kim@example.com'), '198.51.100.7/32', 22)])).toBe(
      'medium',
    );
    expect(severityOf(SG, [ingress(who.sso('Admin', 'kim@example.com'), '127.0.0.1/32', 22)])).toBe('low');
    expect(severityOf(SG, [ingress(who.sso('Admin', 'kim@example.com'), '10.1.0.0/16', 5432)])).toBe('low');
  });

  it('any range typed into the console by a person is a notable change: medium, low risk', () => {
    const console = { ua: 'console.ec2.amazonaws.com' };
    for (const cidr of ['127.0.0.1/32', '10.1.0.0/16', '0.0.0.0/16']) {
      const s = signals([ingress(who.role('TestAdmin', 'alan'), cidr, 443, console)]).find(
        (x) => x.rule_id === SG,
      );
      expect(s?.severity, cidr).toBe('medium');
      expect(s?.risk, cidr).toBe(RISK.low);
    }
    // The same change by a workload from the console's look-alike agent stays quiet; failed calls too.
    expect(
      signals([ingress(who.role('mesh-controller', 'reconcile-1'), '10.1.0.0/16', 443)]).some(
        (x) => x.rule_id === SG,
      ),
    ).toBe(false);
    expect(
      signals([
        ingress(who.role('TestAdmin', 'alan'), '0.0.0.0/16', 443, {
          ...console,
          error: 'UnauthorizedOperation',
        }),
      ]).some((x) => x.rule_id === SG),
    ).toBe(false);
  });

  it('a Lambda function deleted by hand is medium with low risk; other changes by hand stay low', () => {
    const L = 'aws.lambda.function_changed_by_person';
    const change = (name: string, identity: Record<string, unknown>) =>
      ct({ source: 'lambda', name, identity, params: { functionName: 'orders-worker' } });
    const deleted = signals([change('DeleteFunction20150331', who.user('myUserName'))]).find(
      (x) => x.rule_id === L,
    );
    expect(deleted?.severity).toBe('medium');
    expect(deleted?.risk).toBe(RISK.low);
    expect(severityOf(L, [change('UpdateFunctionConfiguration20150331v2', who.user('myUserName'))])).toBe(
      'low',
    );
    expect(severityOf(L, [change('DeleteFunction20150331', who.user('DeployRole'))])).toBeUndefined();
  });

  it('a default route through an internet gateway is medium; other routes by people low', () => {
    const route = (params: Record<string, unknown>) =>
      ct({ source: 'ec2', name: 'CreateRoute', identity: who.user('dev1'), params });
    const R = 'aws.ec2.route_table_changed';
    expect(
      severityOf(R, [
        route({ routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-1' }),
      ]),
    ).toBe('medium');
    expect(
      severityOf(R, [
        route({
          routeTableId: 'rtb-1',
          destinationCidrBlock: '10.9.0.0/16',
          vpcPeeringConnectionId: 'pcx-1',
        }),
      ]),
    ).toBe('low');
  });

  it('an RDS snapshot copied in-region by hand is low, across regions medium', () => {
    const copy = (params: Record<string, unknown>) =>
      ct({ source: 'rds', name: 'CopyDBSnapshot', identity: who.user('dev1'), region: 'us-west-2', params });
    const C = 'aws.rds.snapshot_copied';
    expect(severityOf(C, [copy({ sourceDBSnapshotIdentifier: 'a', targetDBSnapshotIdentifier: 'b' })])).toBe(
      'low',
    );
    expect(
      severityOf(C, [
        copy({
          sourceDBSnapshotIdentifier: `arn:aws:rds:us-east-1:${ORG}:snapshot:a`,
          targetDBSnapshotIdentifier: 'b',
        }),
      ]),
    ).toBe('medium');
  });

  it('a peering with an outside account is medium and names that account', () => {
    const s = signals([
      ct({
        source: 'ec2',
        name: 'CreateVpcPeeringConnection',
        identity: who.user('dev1'),
        params: { vpcId: 'vpc-1', peerOwnerId: FOREIGN },
      }),
    ]).find((x) => x.rule_id === 'aws.ec2.vpc_connectivity_changed');
    expect(s?.severity).toBe('medium');
    expect(s?.entities).toContainEqual({ type: 'account', id: FOREIGN });
  });

  it('a refused EnableRegion is low, a successful one medium', () => {
    const enable = (error?: string) =>
      ct({
        source: 'account',
        name: 'EnableRegion',
        identity: who.user('alice'),
        params: { RegionName: 'ap-east-1' },
        ...(error ? { error } : {}),
      });
    expect(severityOf('aws.account.region_enabled', [enable()])).toBe('medium');
    expect(severityOf('aws.account.region_enabled', [enable('AccessDenied')])).toBe('low');
  });
});

describe('AWS operations detections are total over hostile records', () => {
  const triggers = [...new Set(AWS_OPERATIONS.flatMap((d) => d.triggers ?? []))];
  const sources = ['ec2', 'rds', 's3', 'ecr', 'lambda', 'iam', 'macie2', 'bedrock', 'account'];
  const value = fc.oneof(
    fc.string(),
    fc.constantFrom('0.0.0.0/0', '::/0', '%E0%A4%A', '-1', 'ARCHIVE', 'NONE', `arn:aws:s3:::b`, FOREIGN),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      value,
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(
        fc.constantFrom(
          'items',
          'ipRanges',
          'cidrIp',
          'CidrIpv4',
          'fromPort',
          'toPort',
          'ipProtocol',
          'ARN',
          'accountId',
          'rules',
          'destinations',
          'registryId',
          'x',
        ),
        tie('node'),
        { maxKeys: 5 },
      ),
    ),
  })).node;

  it('does not fault on a permission whose protocol has no prototype (found by the property below)', () => {
    const record = ct({
      source: 'ec2',
      name: 'AuthorizeSecurityGroupIngress',
      identity: who.user('fuzz'),
      params: { ipPermissions: [{ ipProtocol: Object.create(null) }] },
    });
    const engine = buildEngine(AWS_OPERATIONS);
    for (const r of normalise(record, ctx)) if (r.ok) engine.run(r.event, freshContext());
    expect(engine.faults.size).toBe(0);
  });

  it('never throws and never faults the engine', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...triggers),
        fc.constantFrom(...sources),
        tree,
        tree,
        (name, source, params, resources) => {
          const record = ct({
            source,
            name,
            identity: who.user('fuzz'),
            params: { nested: params, ipPermissions: params },
          });
          (record as Record<string, unknown>).resources = resources;
          const engine = buildEngine(AWS_OPERATIONS);
          for (const r of normalise(record, ctx)) if (r.ok) engine.run(r.event, freshContext());
          expect(engine.faults.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('S3 copies into outside buckets', () => {
  it('survives a malformed copy source and still reads the destination owner', () => {
    const s = signals([
      ct({
        source: 's3',
        name: 'CopyObject',
        identity: who.role('app', 'worker-1'),
        params: { bucketName: 'drop', key: 'k', 'x-amz-copy-source': '%E0%A4%A/k' },
        extra: { resources: [{ accountId: FOREIGN, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::drop' }] },
      }),
    ]);
    expect(s.find((x) => x.rule_id === 'aws.s3.object_copied_to_foreign_bucket')?.severity).toBe('high');
  });
});
