import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { asffSeverity } from '../../../shared/normalise/aws-finding.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { normaliseSecurityHub } from '../../../shared/normalise/securityhub.ts';
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
    .map((line) => JSON.parse(line).event);

const bare = lines('panther_aws_securityhub_asff.ndjson');
const envelopes = lines('securityhub_findings_eventbridge.ndjson');
const enveloped = envelopes.map((e) => ((e.detail as Json).findings as Json[])[0] as Json);

const find = (what: string, match: (f: Json) => boolean): Json => {
  const found = [...bare, ...enveloped].find(match);
  if (!found) throw new Error(`no ASFF finding: ${what}`);
  return structuredClone(found);
};

const workflow = (f: Json): unknown => (f.Workflow as Json | undefined)?.Status;

function normaliseValid(record: Json): OcsfEvent {
  const result = normaliseSecurityHub(record, ctx);
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`);
  expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
  expect(result.event.source).toBe('securityhub');
  return result.event.ocsf;
}

describe('Security Hub (ASFF) findings → Detection Finding (2004)', () => {
  it('maps a partner product’s finding with its actor, remote address and resources', () => {
    const record = find('DecoyDetector', (f) => f.ProductName === 'DecoyDetector');
    const event = normaliseValid(record);
    expect(event).toMatchObject({
      class_uid: 2004,
      activity_id: 1,
      severity_id: 4,
      severity: 'High',
      status_id: 1,
      status: 'New',
      time: Date.UTC(2024, 4, 24, 22, 53, 24),
      metadata: {
        uid: `${record.Id}@${Date.UTC(2024, 4, 24, 22, 53, 24)}`,
        product: { vendor_name: 'Custom', name: 'DecoyDetector', uid: record.ProductArn },
        profiles: ['cloud', 'security_control', 'host'],
      },
      cloud: { provider: 'AWS', region: 'us-east-1', account: { uid: '123456789012' } },
      finding_info: {
        uid: record.Id,
        title: record.Title,
        types: ['Unusual Behaviors'],
        product_uid: record.ProductArn,
        analytic: { uid: 'dynamodb.amazonaws.com', type_id: 1 },
      },
    });
    expect(event.evidences).toEqual([
      {
        api: { operation: 'Scan', service: { name: 'dynamodb.amazonaws.com' } },
        src_endpoint: { ip: '11.111.11.111' },
      },
    ]);
    expect(event.actor).toEqual({
      user: {
        uid: 'ABC9ONWNS3155VIEJC8U:john.doe',
        type: 'AssumedRole',
        type_id: 99,
        credential_uid: 'ABC9ONWNS3155VIEJC8U',
        account: { uid: '123456789012' },
      },
      session: {
        created_time: Date.UTC(2024, 4, 24, 22, 32, 38),
        is_mfa: false,
        issuer: 'arn:aws:iam::123456789012:user/tester',
      },
    });
    expect(event.resources?.map((r) => [r.type, r.uid])).toEqual([
      ['AwsDynamoDbTable', '<id>'],
      ['AwsIamAccessKey', 'ABC9ONWNS3155VIEJC8U'],
      ['AwsIamRole', 'arn:aws:iam::123456789012:user/tester'],
    ]);
    expect(event.unmapped?.ProductFields).toBe(record.ProductFields);
  });

  it('maps a Security Hub control finding: rule, remediation, compliance kept', () => {
    const record = find(
      'RDS.7',
      (f) =>
        f.GeneratorId === 'aws-foundational-security-best-practices/v/1.0.0/RDS.7' && f.Region !== undefined,
    );
    const event = normaliseValid(record);
    expect(event).toMatchObject({
      severity_id: 2,
      disposition_id: 15,
      metadata: { product: { vendor_name: 'AWS', name: 'Security Hub' } },
      finding_info: {
        analytic: { uid: 'aws-foundational-security-best-practices/v/1.0.0/RDS.7', type: 'Rule' },
        first_seen_time: Date.parse('2021-10-28T20:33:28.959Z'),
        last_seen_time: Date.parse('2021-10-28T20:33:36.803Z'),
      },
      remediation: {
        desc: 'For directions on how to fix this issue, consult the AWS Security Hub Foundational Security Best Practices documentation.',
        references: ['https://docs.aws.amazon.com/console/securityhub/RDS.7/remediation'],
      },
    });
    expect(event.resources).toEqual([
      {
        uid: 'arn:aws:rds:us-east-1:111122223333:dbcluster/cluster-EXAMPLEG664WF6JS47KIS52OFQ',
        type: 'AwsRdsDbCluster',
        region: 'us-east-1',
        cloud_partition: 'aws',
      },
    ]);
    expect(event.unmapped?.Compliance).toEqual({ Status: 'FAILED' });
  });

  it('takes status and activity from Workflow and RecordState', () => {
    const resolvedArchived = normaliseValid(
      find('resolved and archived', (f) => workflow(f) === 'RESOLVED' && f.RecordState === 'ARCHIVED'),
    );
    expect(resolvedArchived).toMatchObject({
      status_id: 4,
      status: 'Resolved',
      activity_id: 3,
      activity_name: 'Close',
    });
    const notified = normaliseValid(
      find('notified', (f) => workflow(f) === 'NOTIFIED' && f.RecordState === 'ACTIVE'),
    );
    expect(notified).toMatchObject({ status_id: 2, status: 'In Progress' });
    // A passed check reports nothing wrong: no "Detected" disposition.
    expect(notified).not.toHaveProperty('disposition_id');
    const updated = normaliseValid(
      find('updated after creation', (f) => workflow(f) === 'NEW' && f.UpdatedAt !== f.CreatedAt),
    );
    expect(updated.activity_id).toBe(2);
  });

  it('uses Severity.Label first, then Normalized, then the provider’s label', () => {
    const relabelled = normaliseValid(
      find(
        'label overrides score',
        (f) => (f.Severity as Json).Label === 'CRITICAL' && (f.Severity as Json).Normalized === 0,
      ),
    );
    expect(relabelled.severity_id).toBe(5);
    expect(asffSeverity({ Normalized: 40 }, undefined)).toBe(3);
    expect(asffSeverity({ Normalized: 0 }, undefined)).toBe(1);
    expect(asffSeverity({ Normalized: 95 }, undefined)).toBe(5);
    expect(asffSeverity({ Normalized: 101 }, undefined)).toBe(0);
    expect(asffSeverity(undefined, { Severity: { Label: 'LOW' } })).toBe(2);
    expect(asffSeverity('HIGH', null)).toBe(0);
  });

  it('fills a missing Region and ProductName from the product ARN and the default product', () => {
    const record = find(
      'no Region, eu-west-1 product',
      (f) => f.Region === undefined && String(f.ProductArn).includes(':eu-west-1:'),
    );
    const event = normaliseValid(record);
    expect(event.cloud?.region).toBe('eu-west-1');
    expect(event.metadata.product.name).toBe('Security Hub');
  });

  it('keeps vulnerabilities, malware and process details in unmapped', () => {
    const record = find('with vulnerabilities', (f) => Array.isArray(f.Vulnerabilities));
    const event = normaliseValid(record);
    expect(event.unmapped?.Vulnerabilities).toBe(record.Vulnerabilities);
    expect(event.unmapped?.Malware).toBe(record.Malware);
  });

  it('normalises every finding of the EventBridge file through the dispatcher', () => {
    let valid = 0;
    for (const envelope of envelopes) {
      const results = normalise(envelope, ctx);
      expect(results).toHaveLength(((envelope.detail as Json).findings as Json[]).length);
      for (const result of results) {
        if (!result.ok) throw new Error(result.error.message);
        expect(validateOcsf(result.event.ocsf, schema)).toEqual([]);
        valid++;
      }
    }
    expect(valid).toBe(envelopes.length);
  });

  it('rejects what is not a finding, saying which field is wrong', () => {
    const reason = (record: unknown) => {
      const result = normaliseSecurityHub(record, ctx);
      if (result.ok) throw new Error('expected a rejection');
      expect(result.error).toBeInstanceOf(ValidationError);
      expect(result.error.source).toBe('normalise.securityhub');
      return result.error.message;
    };
    expect(reason('finding')).toBe('securityhub: finding is not a JSON object');
    expect(reason({})).toBe('securityhub: Id missing or not a string');
    const untitled = find('any', () => true);
    untitled.Title = 42;
    expect(reason(untitled)).toBe('securityhub: Title missing or not a string');
    const undated = find('any', () => true);
    delete undated.UpdatedAt;
    undated.CreatedAt = '2024-05-24';
    expect(reason(undated)).toBe('securityhub: UpdatedAt and CreatedAt missing or not dates');
  });
});
