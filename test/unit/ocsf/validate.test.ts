import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOcsfSchema, MAX_DEPTH, MAX_PROBLEMS, validateOcsf } from '../../../shared/ocsf/validate.ts';

const DATA = path.resolve(process.cwd(), '../shared/data');
const SCHEMA_PATH = path.join(DATA, 'ocsf/schema-1.1.0.compiled.json');
const schema = loadOcsfSchema(SCHEMA_PATH);

/** A minimal valid API Activity (6003) event with the cloud profile. */
const apiActivity = (): Record<string, unknown> => ({
  class_uid: 6003,
  category_uid: 6,
  activity_id: 1,
  type_uid: 600301,
  severity_id: 1,
  time: 1_700_000_000_000,
  metadata: { version: '1.1.0', product: { vendor_name: 'Vigil', name: 'test' } },
  cloud: { provider: 'AWS' },
  actor: { user: { name: 'alice' } },
  api: { operation: 'CreateUser' },
  src_endpoint: { ip: '203.0.113.7' },
});

/** Sets `value` at a dotted path of a fresh valid event. */
function withValue(dotted: string, value: unknown, event = apiActivity()): Record<string, unknown> {
  const parts = dotted.split('.');
  let node = event;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
  return event;
}

describe('validateOcsf: valid events', () => {
  it('accepts a minimal API Activity event', () => {
    expect(validateOcsf(apiActivity(), schema)).toEqual([]);
  });

  it('accepts a fuller event: nested objects, arrays, enums, json_t data and free unmapped', () => {
    const event = apiActivity();
    Object.assign(event, {
      time_dt: '2023-11-14T22:13:20.000Z',
      message: 'created a user',
      status_id: 1,
      actor: {
        user: { name: 'alice', uid: 'AIDA1', email_addr: 'alice@example.com', type_id: 1 },
        session: { uid: 's1' },
      },
      src_endpoint: {
        ip: '2001:db8::1',
        port: 443,
        location: { country: 'US', coordinates: [-122.4, 37.8] },
      },
      http_request: { http_method: 'POST', user_agent: 'aws-cli/2' },
      resources: [
        { uid: 'arn:aws:iam::1:user/bob', type: 'AWS::IAM::User', data: { any: ['thing', 1, null] } },
      ],
      unmapped: { 'anything.goes': { deep: [1, { x: null }] } },
    });
    expect(validateOcsf(event, schema)).toEqual([]);
  });

  it('accepts a Base Event (class 0) with the cloud profile it declares', () => {
    const event = {
      class_uid: 0,
      category_uid: 0,
      activity_id: 99,
      type_uid: 99,
      severity_id: 0,
      time: 0,
      time_dt: '1970-01-01T00:00:00Z',
      metadata: { version: '1.1.0', product: { vendor_name: 'Vigil', name: 'generic' } },
      cloud: { provider: 'Azure' },
    };
    expect(validateOcsf(event, schema)).toEqual([]);
  });

  it('loads the schema once per path', () => {
    expect(loadOcsfSchema(SCHEMA_PATH)).toBe(schema);
    expect(schema.version).toBe('1.1.0');
    expect(schema.classes.get(3002)?.name).toBe('authentication');
  });
});

describe('validateOcsf: each rule catches its violation', () => {
  it('rejects non-objects and unknown or missing classes', () => {
    expect(validateOcsf([], schema)).toEqual(['$: expected an OCSF event object, got array']);
    expect(validateOcsf(null, schema)).toEqual(['$: expected an OCSF event object, got null']);
    expect(validateOcsf(withValue('class_uid', 9999), schema)).toEqual([
      '$.class_uid: unknown class 9999 in OCSF 1.1.0',
    ]);
    const { class_uid: _, ...noClass } = apiActivity();
    expect(validateOcsf(noClass, schema)).toEqual(['$.class_uid: required integer class id, got undefined']);
  });

  it('reports required attributes missing at the top and in nested objects', () => {
    const event = apiActivity();
    delete event.time;
    delete (event.metadata as { product: Record<string, unknown> }).product.vendor_name;
    delete event.cloud;
    expect(validateOcsf(event, schema)).toEqual([
      '$.time: missing; required by api_activity',
      '$.cloud: missing; required by api_activity',
      '$.metadata.product.vendor_name: missing; required by product',
    ]);
  });

  it('reports attributes unknown to the class or object', () => {
    const event = withValue('actor.user.nickname', 'al', withValue('finding_info', {}));
    expect(validateOcsf(event, schema)).toEqual([
      '$.actor.user.nickname: not an attribute of user',
      '$.finding_info: not an attribute of api_activity',
    ]);
  });

  it.each([
    ['message', 5, '$.message: expected string_t, got number 5'],
    ['severity_id', 1.5, '$.severity_id: expected integer_t, got number 1.5'],
    ['count', 2 ** 31, '$.count: expected integer_t, got number 2147483648 (out of 32-bit range)'],
    ['time', '2024-01-01T00:00:00Z', '$.time: expected timestamp_t, got string "2024-01-01T00:00:00Z"'],
    ['src_endpoint.port', 70_000, '$.src_endpoint.port: port_t 70000 outside [0, 65535]'],
    [
      'src_endpoint.location.coordinates',
      [1, 'x'],
      '$.src_endpoint.location.coordinates[1]: expected float_t, got string "x"',
    ],
    ['actor.session.is_mfa', 'yes', '$.actor.session.is_mfa: expected boolean_t, got string "yes"'],
    ['resources', { uid: 'r' }, '$.resources: expected an array of resource_details, got object'],
    ['actor', 'alice', '$.actor: expected actor object, got string "alice"'],
    ['unmapped', ['a'], '$.unmapped: expected object object, got array'],
    ['message', null, '$.message: expected string_t, got null'],
  ])('type of %s', (at, value, problem) => {
    expect(validateOcsf(withValue(at, value), schema)).toEqual([problem]);
  });

  it('caps strings at their max_len', () => {
    const problems = validateOcsf(withValue('message', 'x'.repeat(65_536)), schema);
    expect(problems).toEqual(['$.message: string_t longer than 65535 characters (65536)']);
  });

  it.each([
    ['time_dt', '2024-01-01', 'datetime_t'],
    ['actor.user.email_addr', 'alice@', 'email_t'],
    ['src_endpoint.hostname', 'bad host!', 'hostname_t'],
    ['src_endpoint.mac', '00:11:22', 'mac_t'],
    ['actor.session.uuid', 'x0f8fad5b-d9cb-469f-a165-70867728950ey', 'uuid_t'],
  ])('applies the %s pattern of %s', (at, value, type) => {
    expect(validateOcsf(withValue(at, value), schema)).toEqual([
      `$.${at}: not a valid ${type}: string "${value}"`,
    ]);
  });

  it('validates IPs exactly, not by the loose ip_t pattern in the file', () => {
    // The file's pattern accepts "1x2x3x4" and padded addresses; neither is an IP.
    for (const bad of ['1x2x3x4', ' 1.2.3.4', '1.2.3.256', 'unknown']) {
      expect(validateOcsf(withValue('src_endpoint.ip', bad), schema)).toEqual([
        `$.src_endpoint.ip: not a valid ip_t: string ${JSON.stringify(bad)}`,
      ]);
    }
    for (const good of ['10.0.0.1', '::ffff:1.2.3.4', 'fe80::1']) {
      expect(validateOcsf(withValue('src_endpoint.ip', good), schema)).toEqual([]);
    }
  });

  it('checks enum values numerically for ids and literally for strings', () => {
    expect(validateOcsf(withValue('severity_id', 7), schema)).toEqual([
      '$.severity_id: number 7 is not one of the enum values 0, 1, 2, 3, 4, 5, 6, 99',
    ]);
    expect(validateOcsf(withValue('http_request.http_method', 'FETCH'), schema)).toEqual([
      '$.http_request.http_method: string "FETCH" is not one of the enum values OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT',
    ]);
    expect(validateOcsf(withValue('severity_id', 99), schema)).toEqual([]);
  });

  it('requires type_uid = class_uid * 100 + activity_id', () => {
    const event = withValue('activity_id', 3); // type_uid still says Create (600301)
    expect(validateOcsf(event, schema)).toEqual([
      '$.type_uid: must be class_uid * 100 + activity_id = 600303, got 600301',
    ]);
  });

  it('enforces the schema constraints (at_least_one, just_one)', () => {
    expect(validateOcsf(withValue('actor.user', {}), schema)).toEqual([
      '$.actor.user: user needs at least one of account, name, uid',
    ]);
    expect(validateOcsf(withValue('src_endpoint', { port: 443 }), schema)).toEqual([
      '$.src_endpoint: network_endpoint needs at least one of ip, uid, name, hostname, svc_name, instance_uid, interface_uid, interface_name',
    ]);
    const authentication: Record<string, unknown> = {
      ...apiActivity(),
      class_uid: 3002,
      category_uid: 3,
      type_uid: 300201,
      user: { name: 'alice' },
    };
    delete authentication.api;
    delete authentication.src_endpoint;
    expect(validateOcsf(authentication, schema)).toEqual([
      '$: authentication needs at least one of service, dst_endpoint',
    ]);
    const authorizeSession: Record<string, unknown> = {
      ...authentication,
      class_uid: 3003,
      type_uid: 300301,
      privileges: ['SeDebugPrivilege'],
      group: { name: 'Administrators' },
    };
    expect(validateOcsf(authorizeSession, schema)).toEqual([
      '$: authorize_session needs exactly one of privileges, group',
    ]);
    delete authorizeSession.group;
    expect(validateOcsf(authorizeSession, schema)).toEqual([]);
  });

  it('stops at a bounded depth on recursive objects, even on a cycle', () => {
    const root: Record<string, unknown> = { pid: 0 };
    let process = root;
    for (let i = 1; i < 100; i++) {
      const parent = { pid: i };
      process.parent_process = parent;
      process = parent;
    }
    const deep = validateOcsf(withValue('actor.process', root), schema);
    expect(deep).toHaveLength(1);
    expect(deep[0]).toMatch(
      new RegExp(`^\\$\\.actor\\.process(\\.parent_process)+: nested deeper than ${MAX_DEPTH} objects`),
    );

    const cyclic: Record<string, unknown> = { pid: 1 };
    cyclic.parent_process = cyclic;
    expect(validateOcsf(withValue('actor.process', cyclic), schema)).toHaveLength(1);
  });

  it('lists at most MAX_PROBLEMS problems, then says there are more', () => {
    const event = apiActivity();
    for (let i = 0; i < 500; i++) event[`junk${i}`] = i;
    const problems = validateOcsf(event, schema);
    expect(problems).toHaveLength(MAX_PROBLEMS + 1);
    expect(problems.at(-1)).toBe('… further problems not listed');
  });
});

describe('validateOcsf on real OCSF from Amazon Security Lake', () => {
  it('finds the Parquet-export artefacts in the Security Lake EKS sample', () => {
    // The sample was exported from Parquet: nulls for absent fields, `{"array": [...]}` wrappers,
    // user groups as bare strings, an IP with zero-padded octets.
    const file = path.join(DATA, 'samples/security-lake-ocsf/samples/1.1.0/EKS/test.ndjson');
    const event = JSON.parse(readFileSync(file, 'utf8').trim());
    const problems = validateOcsf(event, schema);
    expect(problems).toContain('$.resources: expected an array of resource_details, got object');
    expect(problems).toContain('$.api.response.message: expected string_t, got null');
    expect(problems).toContain(
      '$.actor.user.groups[0]: expected group object, got string "system:bootstrappers"',
    );
    expect(problems).toContain('$.src_endpoint.ip: not a valid ip_t: string "12.000.22.33"');
    // Its class, type_uid, metadata and cloud profile are right: nothing is reported there.
    expect(problems.filter((p) => /^\$\.(class_uid|type_uid|metadata|cloud)\b/.test(p))).toEqual([]);
  });
});
