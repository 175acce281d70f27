import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { guardDutySeverity } from '../../../shared/normalise/aws-finding.ts';
import { normaliseGuardDuty } from '../../../shared/normalise/guardduty.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import type { NormaliseContext } from '../../../shared/normalise/types.ts';
import type { OcsfEvent } from '../../../shared/ocsf/types.ts';
import { loadOcsfSchema, validateOcsf } from '../../../shared/ocsf/validate.ts';

const DATA = path.resolve(process.cwd(), '../shared/data');
const schema = loadOcsfSchema(path.join(DATA, 'ocsf/schema-1.1.0.compiled.json'));
const ctx: NormaliseContext = { enrich: () => {} };

type Json = Record<string, unknown>;

const lines = (file: string): Json[] =>
  readFileSync(path.join(DATA, 'labelled', file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

const findings = lines('panther_aws_guardduty.ndjson').map((l) => l.event as Json);
const envelopes = lines('guardduty_findings_eventbridge.ndjson').map((l) => l.event as Json);

const finding = (severity: number, sample = false): Json => {
  const found = findings.find(
    (f) =>
      f.severity === severity &&
      ((f.service as Json).additionalInfo as Json).sample === (sample || undefined),
  );
  if (!found) throw new Error(`no GuardDuty finding of severity ${severity}`);
  return structuredClone(found);
};

function normaliseValid(record: Json): OcsfEvent {
  const result = normaliseGuardDuty(record, ctx);
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`);
  expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
  expect(result.event.source).toBe('guardduty');
  return result.event.ocsf;
}

/**
 * The labelled findings are all one IAM finding without a `resource`. These add the resource and
 * action blocks GuardDuty's finding format documents (AccessKeyDetails, InstanceDetails,
 * RemoteIpDetails, …), with documentation addresses, to the real finding.
 */
function withAccessKeyAndRemoteIp(): Json {
  const f = finding(8);
  f.type = 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom';
  f.resource = {
    resourceType: 'AccessKey',
    accessKeyDetails: {
      accessKeyId: 'ASIASZ4SI7REXAMPLE',
      principalId: 'AROASZ4SI7REXAMPLE:alice',
      userName: 'alice',
      userType: 'AssumedRole',
    },
  };
  const service = f.service as Json;
  service.action = {
    actionType: 'AWS_API_CALL',
    awsApiCallAction: {
      api: 'ListBuckets',
      serviceName: 's3.amazonaws.com',
      callerType: 'Remote IP',
      remoteIpDetails: {
        ipAddressV4: '198.51.100.7',
        organization: { asn: '64496', asnOrg: 'Example Org', isp: 'Example ISP', org: 'Example Org' },
        country: { countryCode: 'US', countryName: 'United States' },
        city: { cityName: 'Ashburn' },
        geoLocation: { lat: 39.0438, lon: -77.4874 },
      },
    },
  };
  return f;
}

function withInstanceAndProbe(): Json {
  const f = finding(5);
  f.type = 'Recon:EC2/PortProbeUnprotectedPort';
  f.resource = {
    resourceType: 'Instance',
    instanceDetails: {
      instanceId: 'i-99999999',
      instanceType: 'm3.xlarge',
      networkInterfaces: [{ privateIpAddress: '10.0.0.1', publicIp: '203.0.113.10' }],
    },
  };
  const service = f.service as Json;
  service.action = {
    actionType: 'PORT_PROBE',
    portProbeAction: {
      blocked: false,
      portProbeDetails: [
        {
          localPortDetails: { port: 22, portName: 'SSH' },
          localIpDetails: { ipAddressV4: '10.0.0.1' },
          remoteIpDetails: { ipAddressV4: '192.0.2.44', country: { countryName: 'Nowhere' } },
        },
        { localPortDetails: { port: 3389 }, remoteIpDetails: { ipAddressV4: '075.050.255.67' } },
      ],
    },
  };
  return f;
}

describe('GuardDuty findings → Detection Finding (2004)', () => {
  it('maps the labelled IAM finding', () => {
    const record = finding(8);
    const event = normaliseValid(record);
    expect(event).toMatchObject({
      class_uid: 2004,
      class_name: 'Detection Finding',
      category_uid: 2,
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200401,
      severity_id: 4,
      severity: 'High',
      status_id: 1,
      status: 'New',
      action_id: 1,
      disposition_id: 15,
      count: 1,
      time: Date.parse('2020-02-14T18:12:22.316Z'),
      message: record.title,
      metadata: {
        version: '1.1.0',
        // The finding id, versioned by its update time: each version of a finding is its own event.
        uid: `eeb88ab56556eb7771b266670dddee5a@${Date.parse('2020-02-14T18:12:22.316Z')}`,
        original_time: '2020-02-14T18:12:22.316Z',
        product: { vendor_name: 'AWS', name: 'GuardDuty' },
        profiles: ['cloud', 'security_control'],
      },
      cloud: { provider: 'AWS', region: 'us-east-1', account: { uid: '123456789012' } },
      finding_info: {
        uid: record.arn,
        title: record.title,
        desc: record.description,
        types: ['PrivilegeEscalation:IAMUser/AdministrativePermissions'],
        created_time: Date.parse('2020-02-14T18:12:22.316Z'),
        modified_time: Date.parse('2020-02-14T18:12:22.316Z'),
        first_seen_time: Date.parse('2020-02-14T17:59:17Z'),
        last_seen_time: Date.parse('2020-02-14T17:59:17Z'),
      },
    });
    // The call came through CloudFormation: the evidence names the service, not an address.
    expect(event.evidences).toEqual([
      {
        api: { operation: 'PutRolePolicy', service: { name: 'iam.amazonaws.com' } },
        src_endpoint: { svc_name: 'cloudformation.amazonaws.com', domain: 'cloudformation.amazonaws.com' },
      },
    ]);
    expect(event.unmapped?.service).toBe(record.service);
    expect(event).not.toHaveProperty('actor');
  });

  it('maps GuardDuty severity bands', () => {
    expect(normaliseValid(finding(1)).severity_id).toBe(2);
    expect(normaliseValid(finding(5)).severity_id).toBe(3);
    expect(normaliseValid(finding(8)).severity_id).toBe(4);
    const bands: Array<[number | undefined, number]> = [
      [1, 2],
      [3.9, 2],
      [4, 3],
      [6.9, 3],
      [7, 4],
      [8.9, 4],
      [9, 5],
      [10, 5],
      [undefined, 0],
      [-1, 0],
    ];
    for (const [score, id] of bands) expect([score, guardDutySeverity(score)]).toEqual([score, id]);
    const asText = finding(8);
    asText.severity = '8.0';
    expect(normaliseValid(asText).severity_id).toBe(4);
  });

  it('gives the same event inside an EventBridge envelope', () => {
    const [viaEnvelope] = normalise(envelopes[0], ctx);
    const direct = normaliseGuardDuty((envelopes[0] as Json).detail, ctx);
    expect(viaEnvelope?.ok && direct.ok).toBe(true);
    expect(viaEnvelope?.ok && viaEnvelope.event.ocsf).toEqual(direct.ok && direct.event.ocsf);
  });

  it('makes the principal behind an access-key finding the actor and a resource', () => {
    const event = normaliseValid(withAccessKeyAndRemoteIp());
    expect(event.actor?.user).toEqual({
      uid: 'AROASZ4SI7REXAMPLE:alice',
      name: 'alice',
      type: 'AssumedRole',
      type_id: 99,
      credential_uid: 'ASIASZ4SI7REXAMPLE',
      account: { uid: '123456789012' },
    });
    expect(event.metadata.profiles).toContain('host');
    expect(event.resources).toEqual([
      { uid: 'ASIASZ4SI7REXAMPLE', type: 'AwsIamAccessKey', region: 'us-east-1', cloud_partition: 'aws' },
      {
        uid: 'AROASZ4SI7REXAMPLE:alice',
        name: 'alice',
        type: 'AwsIamRole',
        region: 'us-east-1',
        cloud_partition: 'aws',
      },
    ]);
    expect(event.evidences).toEqual([
      {
        api: { operation: 'ListBuckets', service: { name: 's3.amazonaws.com' } },
        src_endpoint: {
          ip: '198.51.100.7',
          location: { country: 'US', city: 'Ashburn', coordinates: [-77.4874, 39.0438], isp: 'Example ISP' },
        },
      },
    ]);
  });

  it('maps an instance and port probes, skipping addresses that are not valid IPs', () => {
    const event = normaliseValid(withInstanceAndProbe());
    expect(event.resources?.[0]).toMatchObject({ uid: 'i-99999999', type: 'AwsEc2Instance' });
    expect(event.resources?.[0]?.data).toMatchObject({ instanceType: 'm3.xlarge' });
    // A country name is not an ISO code: the second prober's leading-zero address is no ip_t.
    expect(event.evidences).toEqual([
      { src_endpoint: { ip: '192.0.2.44' }, dst_endpoint: { ip: '10.0.0.1', port: 22 } },
    ]);
    expect(event.action_id).toBe(1);
  });

  it('reports a blocked connection as Denied / Blocked', () => {
    const f = finding(5);
    (f.service as Json).action = {
      actionType: 'NETWORK_CONNECTION',
      networkConnectionAction: {
        blocked: true,
        connectionDirection: 'OUTBOUND',
        localIpDetails: { ipAddressV4: '10.0.0.1' },
        localPortDetails: { port: 49152 },
        remoteIpDetails: { ipAddressV4: '203.0.113.99' },
        remotePortDetails: { port: 443 },
      },
    };
    const event = normaliseValid(f);
    expect(event).toMatchObject({
      action_id: 2,
      action: 'Denied',
      disposition_id: 2,
      disposition: 'Blocked',
    });
    expect(event.evidences).toEqual([
      { src_endpoint: { ip: '10.0.0.1', port: 49152 }, dst_endpoint: { ip: '203.0.113.99', port: 443 } },
    ]);
  });

  it('an updated finding is Update, an archived one Close with status Archived', () => {
    const updated = finding(8);
    updated.updatedAt = '2020-02-15T09:00:00.000Z';
    expect(normaliseValid(updated)).toMatchObject({
      activity_id: 2,
      time: Date.parse('2020-02-15T09:00:00.000Z'),
    });
    const archived = finding(8);
    (archived.service as Json).archived = true;
    expect(normaliseValid(archived)).toMatchObject({ activity_id: 3, status_id: 99, status: 'Archived' });
  });

  it('rejects what is not a finding, saying which field is wrong', () => {
    const reason = (record: unknown) => {
      const result = normaliseGuardDuty(record, ctx);
      if (result.ok) throw new Error('expected a rejection');
      expect(result.error).toBeInstanceOf(ValidationError);
      return result.error.message;
    };
    expect(reason({})).toBe('guardduty: id and arn missing or not strings');
    expect(reason([finding(8)])).toBe('guardduty: finding is not a JSON object');
    const untitled = finding(8);
    delete untitled.title;
    expect(reason(untitled)).toBe('guardduty: title missing or not a string');
    const undated = finding(8);
    undated.createdAt = 'yesterday';
    undated.updatedAt = null;
    expect(reason(undated)).toBe('guardduty: updatedAt and createdAt missing or not dates');
  });
});
