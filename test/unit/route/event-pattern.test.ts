/**
 * EventBridge event-pattern semantics, operator by operator: what must match and what must not.
 * Where the documentation leaves a case open, the test names the decision taken (see the header of
 * shared/route/event-pattern.ts).
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { compilePattern, matches } from '../../../shared/route/event-pattern.ts';

/** Asserts, for one pattern, which events match and which do not. */
function expectMatches(pattern: unknown, yes: unknown[], no: unknown[]): void {
  const matcher = compilePattern(pattern);
  for (const event of yes) expect(matcher(event), `should match ${JSON.stringify(event)}`).toBe(true);
  for (const event of no) expect(matcher(event), `should not match ${JSON.stringify(event)}`).toBe(false);
}

/** A leaf pattern on `detail.v`, and events carrying `v` (or nothing) there. */
const onV = (...values: unknown[]) => ({ detail: { v: values } });
const withV = (v: unknown) => ({ detail: { v } });
const MISSING = { detail: {} };

/** Asserts that compiling throws a ValidationError at `path` whose message contains `why`. */
function expectInvalid(pattern: unknown, path: string, why: string | RegExp): void {
  let thrown: unknown;
  try {
    compilePattern(pattern);
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `${JSON.stringify(pattern)} should be rejected`).toBeInstanceOf(ValidationError);
  const error = thrown as ValidationError;
  expect(error.kind).toBe('validation');
  expect(error.source).toBe('route.event-pattern');
  expect(error.context.path).toBe(path);
  expect(error.message).toContain(`invalid event pattern at ${path}:`);
  if (typeof why === 'string') expect(error.message).toContain(why);
  else expect(error.message).toMatch(why);
}

describe('literal values', () => {
  it('ANDs the keys of the pattern, ORs the values of a leaf, and ignores keys the pattern does not name', () => {
    const pattern = {
      source: ['aws.ec2', 'aws.s3'],
      'detail-type': ['EC2 Instance State-change Notification'],
    };
    expectMatches(
      pattern,
      [
        { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', account: '1' },
        { source: 'aws.s3', 'detail-type': 'EC2 Instance State-change Notification' },
      ],
      [
        { source: 'aws.ec2' },
        { 'detail-type': 'EC2 Instance State-change Notification' },
        { source: 'aws.lambda', 'detail-type': 'EC2 Instance State-change Notification' },
      ],
    );
  });

  it('compares strings exactly and case-sensitively', () => {
    expectMatches(
      { source: ['aws.ec2'] },
      [{ source: 'aws.ec2' }],
      [{ source: 'AWS.EC2' }, { source: 'aws.ec2 ' }, { source: 'aws.ec' }, { source: '' }],
    );
    expectMatches({ source: [''] }, [{ source: '' }], [{ source: null }, {}, { source: ' ' }]);
  });

  it('compares numbers by value (300 matches 300.0 and 3.0e2) and never matches a numeric string', () => {
    expectMatches(
      onV(300),
      [withV(300), JSON.parse('{"detail":{"v":300.0}}'), JSON.parse('{"detail":{"v":3.0e2}}')],
      [withV('300'), withV(301), withV(300.5), MISSING, withV(null)],
    );
    expectMatches(onV('5'), [withV('5')], [withV(5), withV(5.0)]);
    expectMatches(onV(0), [withV(0), withV(-0)], [withV(false), withV('0'), withV(null)]);
  });

  it('matches booleans and null only by their JSON type', () => {
    expectMatches(onV(true), [withV(true)], [withV('true'), withV(1), withV(false), MISSING]);
    expectMatches(onV(false), [withV(false)], [withV(0), withV(''), withV(null), MISSING]);
    // Null and the empty string are not interchangeable (EventBridge documents this).
    expectMatches(onV(null), [withV(null)], [withV(''), withV('null'), MISSING, withV(0), withV(false)]);
  });

  it('descends nested pattern objects into nested event objects', () => {
    expectMatches(
      { detail: { instance: { state: { name: ['running'] } } } },
      [{ detail: { instance: { state: { name: 'running', code: 16 } } } }],
      [
        { detail: { instance: { state: { name: 'stopped' } } } },
        { detail: { instance: { state: 'running' } } },
        { detail: { instance: {} } },
        { detail: 'running' },
        {},
      ],
    );
  });

  it('never matches an object where the pattern has a leaf, nor a scalar where it has an object', () => {
    expectMatches({ detail: ['x'] }, [{ detail: 'x' }], [{ detail: { x: 'x' } }, { detail: [{ v: 'x' }] }]);
    expectMatches({ detail: { v: ['x'] } }, [{ detail: { v: 'x' } }], [{ detail: 'x' }, { detail: ['x'] }]);
  });

  it('reads only own fields of the event, never inherited ones', () => {
    expectMatches({ constructor: { name: ['Object'] } }, [{ constructor: { name: 'Object' } }], [{}, []]);
    expectMatches(
      { toString: [{ exists: true }] },
      [{ toString: 'x' }],
      [{}, Object.create({ toString: 'x' })],
    );
    expectMatches({ __proto__x: ['a'] }, [{ __proto__x: 'a' }], [{}]);
  });
});

describe('arrays in the event', () => {
  it('matches a leaf when any element matches (the intersection of the two arrays is non-empty)', () => {
    const ec2 = 'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f';
    expectMatches(
      { resources: [ec2, 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] },
      [
        { resources: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x', ec2] },
        { resources: ec2 },
      ],
      [{ resources: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x'] }, { resources: [] }],
    );
  });

  it('traverses arrays of objects at any depth', () => {
    expectMatches(
      { detail: { items: { name: ['a'] } } },
      [
        { detail: { items: [{ name: 'b' }, { name: 'a' }] } },
        { detail: { items: { name: 'a' } } },
        { detail: { items: [[{ name: 'b' }], [{ name: 'a' }]] } },
        { detail: { items: [{ name: ['c', 'a'] }] } },
      ],
      [
        { detail: { items: [{ name: 'b' }, { title: 'a' }] } },
        { detail: { items: [] } },
        { detail: { items: ['a'] } },
        { detail: { items: [{ name: { name: 'a' } }] } },
      ],
    );
    expectMatches(
      { detail: { findings: { Resources: { Type: ['AwsS3Bucket'] } } } },
      [
        {
          detail: {
            findings: [{ Resources: [{ Type: 'AwsIamRole' }] }, { Resources: [{ Type: 'AwsS3Bucket' }] }],
          },
        },
      ],
      [{ detail: { findings: [{ Resources: [{ Type: 'AwsIamRole' }] }, { Resources: [] }] } }],
    );
  });

  it('flattens nested arrays of scalars and ignores objects mixed into a leaf array', () => {
    expectMatches(
      onV('x'),
      [withV([['y'], ['x']]), withV([{ v: 'y' }, 'x'])],
      [withV([{ v: 'x' }]), withV([[]])],
    );
  });

  it('requires the keys under one array to be satisfied by the same element (array-consistent matching)', () => {
    const employees = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    expect(matches({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
    // Keys outside the array are free of that constraint.
    expect(matches({ team: ['x'], employees: { lastName: ['Jones'] } }, { ...employees, team: 'x' })).toBe(
      true,
    );
    // Nested arrays: the inner element must sit in the chosen outer element.
    const nested = {
      a: [
        { id: 1, b: [{ c: 'x' }] },
        { id: 2, b: [{ c: 'y' }] },
      ],
    };
    expect(matches({ a: { id: [1], b: { c: ['x'] } } }, nested)).toBe(true);
    expect(matches({ a: { id: [1], b: { c: ['y'] } } }, nested)).toBe(false);
  });
});

describe('prefix, suffix and equals-ignore-case', () => {
  it('prefix matches the start of a string and nothing else', () => {
    expectMatches(
      { time: [{ prefix: '2017-10-02' }] },
      [{ time: '2017-10-02T18:43:48Z' }, { time: '2017-10-02' }, { time: ['2020', '2017-10-02T00:00:00Z'] }],
      [
        { time: '2017-10-03T18:43:48Z' },
        { time: 'x2017-10-02' },
        { time: '2017-10-0' },
        { time: 20171002 },
        {},
      ],
    );
    expectMatches(onV({ prefix: '5' }), [withV('50')], [withV(50), withV(5)]);
  });

  it('prefix with equals-ignore-case ignores the case of the prefix only', () => {
    expectMatches(
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      [
        { detail: { service: 'EventBridge' } },
        { detail: { service: 'EVENTB' } },
        { detail: { service: 'eventbus' } },
      ],
      [{ detail: { service: 'Event' } }, { detail: { service: 'xeventb' } }, { detail: {} }],
    );
  });

  it('suffix matches the end of a string, with or without equals-ignore-case', () => {
    expectMatches(
      { FileName: [{ suffix: '.png' }] },
      [{ FileName: 'image.png' }, { FileName: '.png' }, { FileName: ['a.jpg', 'b.png'] }],
      [{ FileName: 'image.PNG' }, { FileName: 'image.png.jpg' }, { FileName: 'png' }, {}],
    );
    expectMatches(
      { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] },
      [{ FileName: 'image.PNG' }, { FileName: 'image.Png' }],
      [{ FileName: 'image.jpg' }, { FileName: 7 }],
    );
  });

  it('equals-ignore-case matches a whole string in any case, and only strings', () => {
    expectMatches(
      { Name: [{ 'equals-ignore-case': 'alice' }] },
      [{ Name: 'Alice' }, { Name: 'ALICE' }, { Name: 'alice' }, { Name: ['bob', 'aLiCe'] }],
      [{ Name: 'Alice ' }, { Name: 'alic' }, { Name: 'Alicia' }, {}, { Name: null }],
    );
    expectMatches(onV({ 'equals-ignore-case': 'true' }), [withV('TRUE')], [withV(true)]);
  });

  it('an empty prefix or suffix matches any string but no other type', () => {
    expectMatches(onV({ prefix: '' }), [withV(''), withV('x')], [withV(1), withV(null), MISSING]);
    expectMatches(onV({ suffix: '' }), [withV('x')], [withV(true), MISSING]);
  });
});

describe('anything-but', () => {
  it('matches any present value except the excluded one, and never a missing field', () => {
    expectMatches(
      { detail: { state: [{ 'anything-but': 'initializing' }] } },
      [{ detail: { state: 'running' } }, { detail: { state: 'Initializing' } }, { detail: { state: '' } }],
      [{ detail: { state: 'initializing' } }, { detail: {} }, {}],
    );
  });

  it('matches values of another type: a number, a boolean or null is never an excluded string', () => {
    expectMatches(
      onV({ 'anything-but': 'initializing' }),
      [withV(5), withV(true), withV(null)],
      [withV({ state: 'running' }), withV([{ state: 'x' }])],
    );
    expectMatches(
      onV({ 'anything-but': [100, 200] }),
      [withV('100'), withV(null)],
      [withV(100), withV(200.0)],
    );
  });

  it('on an array in the event, matches when any element is not excluded', () => {
    const pattern = onV({ 'anything-but': ['stopped', 'overloaded'] });
    expectMatches(
      pattern,
      [withV(['stopped', 'running']), withV(['running']), withV([['stopped'], ['x']])],
      [withV(['stopped']), withV(['stopped', 'overloaded']), withV([]), withV([{ a: 'running' }])],
    );
  });

  it('takes a list of strings or a number or a list of numbers', () => {
    expectMatches(
      { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      [{ detail: { state: 'running' } }],
      [{ detail: { state: 'stopped' } }, { detail: { state: 'overloaded' } }],
    );
    expectMatches(onV({ 'anything-but': 123 }), [withV(124), withV('123')], [withV(123), withV(123.0)]);
    expectMatches(
      onV({ 'anything-but': [100, 200, 300] }),
      [withV(150), withV(0)],
      [withV(100), withV(300), JSON.parse('{"detail":{"v":2e2}}')],
    );
  });

  it('applies to a prefix or a suffix (strings only)', () => {
    expectMatches(
      { Region: [{ 'anything-but': { prefix: 'us-' } }] },
      [
        { Region: 'eu-west-1' },
        { Region: 'US-east-1' },
        { Region: 7 },
        { Region: ['us-east-1', 'ap-south-1'] },
      ],
      [{ Region: 'us-east-1' }, { Region: ['us-east-1', 'us-west-2'] }, {}],
    );
    expectMatches(
      { FileName: [{ 'anything-but': { suffix: '.png' } }] },
      [{ FileName: 'a.jpg' }, { FileName: 'a.PNG' }, { FileName: null }],
      [{ FileName: 'a.png' }, {}],
    );
  });

  it('applies to equals-ignore-case, with a string or a list', () => {
    expectMatches(
      { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
      [{ state: 'running' }, { state: 3 }],
      [{ state: 'INITIALIZING' }, { state: 'Initializing' }, {}],
    );
    expectMatches(
      { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OVERLOADED'] } }] },
      [{ state: 'running' }],
      [{ state: 'stopped' }, { state: 'overloaded' }],
    );
  });

  it('applies to a wildcard, with a string or a list', () => {
    expectMatches(
      { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      [{ FilePath: '/usr/bin/ls' }, { FilePath: 'lib/x' }],
      [{ FilePath: '/usr/lib/libc.so' }, { FilePath: '/lib/' }, {}],
    );
    expectMatches(
      { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*.tmp'] } }] },
      [{ FilePath: '/etc/passwd' }],
      [{ FilePath: '/usr/lib/x' }, { FilePath: 'a.tmp' }],
    );
  });
});

describe('numeric', () => {
  it('matches a range with one or two comparisons, on JSON numbers only', () => {
    expectMatches(
      { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
      [5, 0.000001, 1, 4.5, 5.0].map((v) => ({ detail: { 'c-count': v } })),
      [0, -1, 5.000001, 6, '3', null, true, undefined].map((v) => ({ detail: { 'c-count': v } })),
    );
    expectMatches({ d: [{ numeric: ['<', 10] }] }, [{ d: 9.99 }, { d: -5e9 }], [{ d: 10 }, { d: '9' }]);
    expectMatches({ d: [{ numeric: ['<=', 10] }] }, [{ d: 10 }], [{ d: 10.000001 }]);
    expectMatches({ d: [{ numeric: ['>', 10] }] }, [{ d: 10.000001 }], [{ d: 10 }]);
    expectMatches({ d: [{ numeric: ['>=', 10] }] }, [{ d: 10 }], [{ d: 9.999999 }]);
    expectMatches({ d: [{ numeric: ['>=', 0, '<', 1] }] }, [{ d: 0 }, { d: 0.5 }], [{ d: 1 }, { d: -0.1 }]);
  });

  it('= compares numerically (3.018e2 is 301.8)', () => {
    expectMatches(
      { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
      [{ detail: { 'x-limit': 301.8 } }, JSON.parse('{"detail":{"x-limit":301.80}}')],
      [{ detail: { 'x-limit': 301.81 } }, { detail: { 'x-limit': '301.8' } }],
    );
  });

  it('matches an array when any element is in range', () => {
    expectMatches(
      onV({ numeric: ['<', 5] }),
      [withV([10, 3]), withV([[7], [1]])],
      [withV([10, 20]), withV([])],
    );
  });

  it('ignores event numbers outside the range EventBridge compares (±5e9)', () => {
    expectMatches(onV({ numeric: ['>', 0] }), [withV(5e9)], [withV(5e9 + 1), withV(1e300)]);
    expectMatches(onV({ numeric: ['<', 0] }), [withV(-5e9)], [withV(-6e9)]);
  });
});

describe('exists', () => {
  it('exists: true matches any present leaf, null included', () => {
    expectMatches(
      onV({ exists: true }),
      [withV('x'), withV(''), withV(0), withV(false), withV(null), withV(['a']), withV([null])],
      [MISSING, {}, withV({ c1: 100 }), withV([]), withV([{ c1: 100 }]), withV({})],
    );
  });

  it('exists: false matches a missing field, and a field that is not a leaf (docs: only leaf nodes exist)', () => {
    expectMatches(
      { detail: { 'c-count': [{ exists: false }] } },
      [
        { detail: { state: ['initializing', 'running'] } },
        { detail: { state: 'running', 'c-count': { c1: 100 } } },
        { detail: { 'c-count': [] } },
        { detail: { 'c-count': [{ c1: 100 }] } },
        { detail: 'scalar' },
        {},
      ],
      [{ detail: { 'c-count': 5 } }, { detail: { 'c-count': null } }, { detail: { 'c-count': ['a'] } }],
    );
  });

  it('inside an array of objects, exists: false holds in the element its siblings matched', () => {
    const pattern = { items: { name: ['a'], deleted: [{ exists: false }] } };
    expectMatches(
      pattern,
      [{ items: [{ name: 'a', deleted: true }, { name: 'a' }] }, { items: [{ name: 'b' }, { name: 'a' }] }],
      [{ items: [{ name: 'a', deleted: true }, { name: 'b' }] }, { items: [] }],
    );
  });

  it('with no positive sibling to pick an element, exists: false must hold in every element', () => {
    const pattern = { items: { deleted: [{ exists: false }] } };
    expectMatches(
      pattern,
      [{ items: [{ name: 'a' }, { name: 'b' }] }, { items: [] }, { items: [{}] }, {}],
      [{ items: [{ name: 'a' }, { deleted: false }] }, { items: { deleted: null } }],
    );
  });

  it('ORs exists: false with the other values of its array', () => {
    expectMatches(
      onV({ exists: false }, 'a'),
      [MISSING, withV('a'), withV(['b', 'a'])],
      [withV('b'), withV(null)],
    );
    expectMatches(onV({ exists: false }, { exists: true }), [MISSING, withV('x'), withV({})], []);
  });
});

describe('cidr', () => {
  it('matches IPv4 addresses in the block', () => {
    expectMatches(
      { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
      ['10.0.0.0', '10.0.0.33', '10.0.0.255'].map((ip) => ({ detail: { sourceIPAddress: ip } })),
      [
        ...[
          '10.0.1.1',
          '9.255.255.255',
          '10.0.0.256',
          '10.0.0',
          '10.0.0.1 ',
          '010.0.0.1',
          'ip-10-0-0-1',
          '::1',
        ],
        167772161,
        null,
      ].map((ip) => ({ detail: { sourceIPAddress: ip } })),
    );
    expectMatches(onV({ cidr: '0.0.0.0/0' }), [withV('255.255.255.255'), withV('0.0.0.0')], [withV('::')]);
    expectMatches(onV({ cidr: '203.0.113.7/32' }), [withV('203.0.113.7')], [withV('203.0.113.8')]);
    expectMatches(onV({ cidr: '172.16.0.0/12' }), [withV('172.31.255.1')], [withV('172.32.0.1')]);
  });

  it('matches IPv6 addresses in the block, in any spelling, and never mixes the families', () => {
    expectMatches(
      onV({ cidr: '2001:db8::/32' }),
      [
        withV('2001:db8::1'),
        withV('2001:DB8:0:0:0:0:0:FF'),
        withV('2001:0db8:ffff::'),
        withV(['::1', '2001:db8::']),
      ],
      // A dotted IPv4 tail or a zone is not an address spelling EventBridge recognises.
      [
        withV('2001:db9::1'),
        withV('10.0.0.1'),
        withV('::ffff:10.0.0.1'),
        withV('2001:db8::1%eth0'),
        withV('x'),
      ],
    );
    // An IPv4-mapped IPv6 address in hex is read as its IPv4 address (as EventBridge's Java parser
    // reads it); the deprecated IPv4-compatible form is not.
    expectMatches(
      onV({ cidr: '10.0.0.0/8' }),
      [withV('10.1.2.3'), withV('::ffff:a01:203')],
      [withV('::a01:203'), withV('::ffff:10.1.2.3')],
    );
    expectMatches(onV({ cidr: '::/0' }), [withV('::ffff:a01:203:0')], [withV('::ffff:a01:203')]);
    expectMatches(onV({ cidr: '::1/128' }), [withV('::1'), withV('0:0:0:0:0:0:0:1')], [withV('::2')]);
  });
});

describe('wildcard', () => {
  it('* matches any run of characters, none included', () => {
    expectMatches(
      { source: [{ wildcard: 'Simple*Service' }] },
      [{ source: 'SimpleService' }, { source: 'SimpleQueueService' }, { source: 'Simple*Service' }],
      [
        { source: 'simpleService' },
        { source: 'SimpleServices' },
        { source: 'ASimpleService' },
        { source: 5 },
      ],
    );
    expectMatches(onV({ wildcard: '*' }), [withV(''), withV('anything')], [withV(1), withV(null), MISSING]);
    expectMatches(
      onV({ wildcard: 'dir/*.png' }),
      [withV('dir/a.png'), withV('dir/x/y.png')],
      [withV('dir/a.jpg')],
    );
    expectMatches(
      onV({ wildcard: 'a*b*c' }),
      [withV('abc'), withV('aXbYc'), withV('abbc')],
      [withV('acb'), withV('ab')],
    );
    // Segments between stars are placed leftmost, which never loses a match.
    expectMatches(
      onV({ wildcard: '*ab*ab' }),
      [withV('abab'), withV('xabyabab')],
      [withV('aba'), withV('ab')],
    );
    expectMatches(onV({ wildcard: 'a*a' }), [withV('aa'), withV('aba')], [withV('a')]);
    expectMatches(onV({ wildcard: 'exact' }), [withV('exact')], [withV('exactly'), withV('EXACT')]);
  });

  it('\\* is a literal asterisk and \\\\ a literal backslash', () => {
    expectMatches(onV({ wildcard: 'a\\*b' }), [withV('a*b')], [withV('axb'), withV('ab'), withV('a\\*b')]);
    expectMatches(onV({ wildcard: 'a\\\\b' }), [withV('a\\b')], [withV('ab'), withV('a\\\\b')]);
    expectMatches(onV({ wildcard: '\\**' }), [withV('*'), withV('*x')], [withV('x*')]);
    expectMatches(onV({ wildcard: '*\\*' }), [withV('x*'), withV('*')], [withV('*x')]);
  });

  it('treats regular-expression syntax as plain text', () => {
    expectMatches(onV({ wildcard: 'a.c' }), [withV('a.c')], [withV('abc')]);
    expectMatches(onV({ wildcard: '(x+)+$*' }), [withV('(x+)+$'), withV('(x+)+$y')], [withV('xxx')]);
    expectMatches(onV({ wildcard: '[a-z]*' }), [withV('[a-z]0')], [withV('b')]);
    // A long hostile value is answered promptly (no backtracking blow-up).
    const started = Date.now();
    expect(matches(onV({ wildcard: '*a*a*a*a*a*b' }), withV('a'.repeat(20_000)))).toBe(false);
    expect(matches(onV({ wildcard: '*ab*' }), withV('a'.repeat(200_000)))).toBe(false);
    expect(matches(onV({ wildcard: 'a*a*a*a*a*a' }), withV('a'.repeat(200_000)))).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('$or', () => {
  it('ORs alternatives combined with the sibling keys (docs: source AND (metricName OR namespace))', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };
    expectMatches(
      pattern,
      [
        { source: 'aws.cloudwatch', metricName: 'CPUUtilization' },
        { source: 'aws.cloudwatch', namespace: 'AWS/ES' },
        { source: 'aws.cloudwatch', metricName: 'x', namespace: 'AWS/EC2' },
      ],
      [
        { source: 'aws.ec2', metricName: 'CPUUtilization' },
        { source: 'aws.cloudwatch', metricName: 'x', namespace: 'y' },
        { source: 'aws.cloudwatch' },
      ],
    );
  });

  it('nests: an alternative may AND several keys and hold its own $or', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    };
    const base = { source: 'aws.cloudwatch' };
    expectMatches(
      pattern,
      [
        { ...base, metricName: 'CPUUtilization' },
        { ...base, metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 },
        { ...base, metricType: 'MetricType', namespace: 'AWS/EC2', metricId: 1234 },
        { ...base, scope: 'Service' },
      ],
      [
        { ...base, metricType: 'MetricType', namespace: 'AWS/EC2' },
        { ...base, metricType: 'MetricType', metricId: 1234 },
        { source: 'aws.ec2', scope: 'Service' },
      ],
    );
  });

  it('works at any object level, and two $or at different levels both apply', () => {
    const pattern = {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    };
    expectMatches(
      pattern,
      [
        { metricName: 'CPUUtilization', detail: { source: 'aws.cloudwatch' } },
        { namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } },
      ],
      [
        { metricName: 'CPUUtilization', detail: { source: 'aws.ec2' } },
        { detail: { source: 'aws.cloudwatch' } },
      ],
    );
  });

  it('an alternative may reach into the same nested object as a sibling key', () => {
    const pattern = {
      detail: { eventSource: ['iam.amazonaws.com'] },
      $or: [{ detail: { eventName: [{ prefix: 'Delete' }] } }, { detail: { errorCode: [{ exists: true }] } }],
    };
    expectMatches(
      pattern,
      [
        { detail: { eventSource: 'iam.amazonaws.com', eventName: 'DeleteRole' } },
        { detail: { eventSource: 'iam.amazonaws.com', eventName: 'GetRole', errorCode: 'AccessDenied' } },
      ],
      [
        { detail: { eventSource: 'iam.amazonaws.com', eventName: 'GetRole' } },
        { detail: { eventSource: 's3.amazonaws.com', eventName: 'DeleteBucket' } },
      ],
    );
  });

  it('keeps array consistency inside an array of objects', () => {
    const pattern = { items: { $or: [{ a: ['1'], b: ['1'] }, { c: ['1'] }] } };
    expectMatches(
      pattern,
      [{ items: [{ a: '1' }, { a: '1', b: '1' }] }, { items: [{ c: '1' }] }],
      [{ items: [{ a: '1' }, { b: '1' }] }],
    );
  });
});

describe('invalid patterns are rejected with the path of the fault', () => {
  it('rejects a pattern that is not a JSON object', () => {
    expectInvalid(['source'], '(root)', 'a pattern must be a JSON object, got an array');
    expectInvalid(null, '(root)', 'got null');
    expectInvalid(42, '(root)', 'got number 42');
    expectInvalid('{"source": [', '(root)', 'not valid JSON');
    expectInvalid('"aws.ec2"', '(root)', 'must be a JSON object');
  });

  it('accepts the JSON text of a pattern, as CloudFormation may carry it', () => {
    expect(matches('{"source":["aws.ec2"]}', { source: 'aws.ec2' })).toBe(true);
  });

  it('rejects empty objects, empty arrays, scalars in place of arrays, and nested arrays', () => {
    expectInvalid({}, '(root)', 'empty objects are not allowed');
    expectInvalid({ detail: {} }, 'detail', 'empty objects are not allowed');
    expectInvalid({ detail: { state: [] } }, 'detail.state', 'empty arrays are not allowed');
    expectInvalid({ source: 'aws.ec2' }, 'source', 'must map to an object or an array');
    expectInvalid({ detail: { n: 5 } }, 'detail.n', 'got number 5');
    expectInvalid({ source: [['aws.ec2']] }, 'source[0]', 'nested arrays are not allowed');
    expectInvalid({ source: [Number.NaN] }, 'source[0]', 'must be finite');
    expectInvalid({ source: [undefined] }, 'source[0]', 'got nothing');
    expectInvalid({ 'a.b': { 'x y': [[]] } }, '["a.b"]["x y"][0]', 'nested arrays');
  });

  it('rejects unknown operators and operator objects with other than one key', () => {
    expectInvalid(
      { detail: { state: ['a', { prefx: 'x' }] } },
      'detail.state[1]',
      'unknown operator "prefx"',
    );
    expectInvalid({ s: [{ prefix: 'a', suffix: 'b' }] }, 's[0]', 'exactly one key, got 2 (prefix, suffix)');
    expectInvalid({ s: [{}] }, 's[0]', 'exactly one key, got 0');
    expectInvalid({ s: [{ regex: 'a.*' }] }, 's[0]', 'unknown operator "regex"');
  });

  it('rejects wrong operand types for prefix, suffix, equals-ignore-case and exists', () => {
    expectInvalid({ s: [{ prefix: 5 }] }, 's[0].prefix', 'prefix takes a string');
    expectInvalid(
      { s: [{ prefix: { 'equals-ignore-case': 5 } }] },
      's[0].prefix.equals-ignore-case',
      'string',
    );
    expectInvalid({ s: [{ suffix: { wildcard: 'x' } }] }, 's[0].suffix', 'suffix takes a string or');
    expectInvalid({ s: [{ 'equals-ignore-case': ['a'] }] }, 's[0].equals-ignore-case', 'got an array');
    expectInvalid({ s: [{ exists: 'true' }] }, 's[0].exists', 'exists takes true or false');
    expectInvalid({ s: [{ exists: null }] }, 's[0].exists', 'got null');
  });

  it('rejects anything-but operands EventBridge does not take', () => {
    expectInvalid({ s: [{ 'anything-but': null }] }, 's[0].anything-but', 'anything-but takes');
    expectInvalid({ s: [{ 'anything-but': true }] }, 's[0].anything-but', 'got boolean true');
    expectInvalid({ s: [{ 'anything-but': [] }] }, 's[0].anything-but', 'at least one value');
    expectInvalid({ s: [{ 'anything-but': ['a', 1] }] }, 's[0].anything-but', 'only strings or only numbers');
    expectInvalid({ s: [{ 'anything-but': [null] }] }, 's[0].anything-but', 'only strings or only numbers');
    expectInvalid(
      { s: [{ 'anything-but': { prefix: '' } }] },
      's[0].anything-but.prefix',
      'must not be empty',
    );
    expectInvalid({ s: [{ 'anything-but': { suffix: 3 } }] }, 's[0].anything-but.suffix', 'takes a string');
    expectInvalid(
      { s: [{ 'anything-but': { numeric: ['>', 1] } }] },
      's[0].anything-but',
      'does not take "numeric"',
    );
    expectInvalid(
      { s: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] },
      's[0].anything-but',
      'exactly one key',
    );
    expectInvalid(
      { s: [{ 'anything-but': { 'equals-ignore-case': [] } }] },
      's[0].anything-but.equals-ignore-case',
      'non-empty list',
    );
    expectInvalid(
      { s: [{ 'anything-but': { wildcard: ['ok*', 'bad**'] } }] },
      's[0].anything-but.wildcard[1]',
      'consecutive *',
    );
    expectInvalid({ s: [{ 'anything-but': 1e10 }] }, 's[0].anything-but', 'outside the numeric range');
  });

  it('rejects malformed numeric comparisons and empty ranges', () => {
    expectInvalid({ n: [{ numeric: '>0' }] }, 'n[0].numeric', 'numeric takes an array');
    expectInvalid({ n: [{ numeric: ['>'] }] }, 'n[0].numeric', 'got 1 items');
    expectInvalid({ n: [{ numeric: ['>', 0, '<'] }] }, 'n[0].numeric', 'got 3 items');
    expectInvalid({ n: [{ numeric: ['!=', 0] }] }, 'n[0].numeric[0]', 'unknown numeric operator');
    expectInvalid(
      { n: [{ numeric: ['>', '5'] }] },
      'n[0].numeric[1]',
      'expected a number, got the string "5"',
    );
    expectInvalid({ n: [{ numeric: ['<', 5, '>', 0] }] }, 'n[0].numeric[0]', 'starts with its lower bound');
    expectInvalid({ n: [{ numeric: ['=', 5, '<', 9] }] }, 'n[0].numeric[0]', 'starts with its lower bound');
    expectInvalid({ n: [{ numeric: ['>', 0, '>', 5] }] }, 'n[0].numeric[2]', 'ends with its upper bound');
    expectInvalid({ n: [{ numeric: ['>', 5, '<', 5] }] }, 'n[0].numeric', 'empty numeric range');
    expectInvalid({ n: [{ numeric: ['>=', 9, '<=', 1] }] }, 'n[0].numeric', 'empty numeric range');
    expectInvalid({ n: [{ numeric: ['>', 0, '<', 1e10] }] }, 'n[0].numeric[3]', 'outside the numeric range');
    expectInvalid({ n: [{ numeric: ['>', 0.0000001] }] }, 'n[0].numeric[1]', 'more than 6 decimal places');
    expect(() => compilePattern({ n: [{ numeric: ['>', 0.000001, '<=', 5e9] }] })).not.toThrow();
  });

  it('rejects malformed CIDR blocks', () => {
    expectInvalid({ ip: [{ cidr: 10 }] }, 'ip[0].cidr', 'cidr takes a string');
    expectInvalid({ ip: [{ cidr: '10.0.0.0' }] }, 'ip[0].cidr', 'is not a CIDR block');
    expectInvalid({ ip: [{ cidr: '10.0.0.0/8/8' }] }, 'ip[0].cidr', 'is not a CIDR block');
    expectInvalid({ ip: [{ cidr: '10.0.0.0/ 8' }] }, 'ip[0].cidr', 'is not a CIDR block');
    expectInvalid({ ip: [{ cidr: '10.0.0.0/33' }] }, 'ip[0].cidr', '/33 is too long for IPv4');
    expectInvalid({ ip: [{ cidr: '2001:db8::/129' }] }, 'ip[0].cidr', '/129 is too long for IPv6');
    expectInvalid({ ip: [{ cidr: '10.0.0.300/24' }] }, 'ip[0].cidr', 'not an IPv4 or IPv6 address');
    expectInvalid({ ip: [{ cidr: 'example.com/24' }] }, 'ip[0].cidr', 'not an IPv4 or IPv6 address');
    expectInvalid({ ip: [{ cidr: '10.0.0.1/24' }] }, 'ip[0].cidr', 'host bits set; the block is 10.0.0.0/24');
    expectInvalid({ ip: [{ cidr: '2001:db8::1/32' }] }, 'ip[0].cidr', 'the block is 2001:db8::/32');
  });

  it('rejects wildcards with ** or a stray backslash', () => {
    expectInvalid({ f: [{ wildcard: 'a**b' }] }, 'f[0].wildcard', 'consecutive * are not allowed');
    expectInvalid({ f: [{ wildcard: '**' }] }, 'f[0].wildcard', 'consecutive *');
    expectInvalid({ f: [{ wildcard: 'a\\b' }] }, 'f[0].wildcard', 'a backslash escapes only * or \\');
    expectInvalid({ f: [{ wildcard: 'a\\' }] }, 'f[0].wildcard', 'a backslash escapes only');
    expectInvalid({ f: [{ wildcard: 5 }] }, 'f[0].wildcard', 'wildcard takes a string');
  });

  it('rejects malformed $or', () => {
    expectInvalid({ $or: { a: ['1'] } }, '$or', '$or must be an array of pattern objects');
    expectInvalid({ $or: [{ a: ['1'] }] }, '$or', 'at least 2 alternatives, got 1');
    expectInvalid({ $or: [{ a: ['1'] }, ['b']] }, '$or[1]', 'must be a pattern object, got an array');
    expectInvalid({ $or: [{ a: ['1'] }, {}] }, '$or[1]', 'empty objects are not allowed');
    expectInvalid({ d: { $or: [{ a: ['1'] }, { b: [] }] } }, 'd.$or[1].b', 'empty arrays');
    expectInvalid({ $or: [{ a: ['1'] }, { prefix: ['b'] }] }, '$or[1].prefix', '"prefix" is an operator');
    expectInvalid({ $or: [{ a: ['1'] }, { d: { numeric: ['b'] } }] }, '$or[1].d.numeric', 'is an operator');
    expectInvalid({ a: ['1'], $or: [{ a: ['2'] }, { b: ['1'] }] }, 'a', 'matched twice in one combination');
  });

  it('still accepts operator names as plain field names outside $or', () => {
    expect(
      matches({ prefix: ['x'], detail: { numeric: [1] } }, { prefix: 'x', detail: { numeric: 1 } }),
    ).toBe(true);
  });

  it('bounds the $or expansion', () => {
    const or = { $or: [{ a: ['1'] }, { b: ['1'] }, { c: ['1'] }, { d: ['1'] }] };
    const big = { k1: or, k2: or, k3: or, k4: or, k5: or };
    expectInvalid(big, 'k5', 'more than 1000 $or combinations');
    expect(() => compilePattern({ k1: or, k2: or, k3: or, k4: or })).not.toThrow();
  });
});

describe('the matcher is total', () => {
  it('answers false, never throws, for values that are not events', () => {
    const matcher = compilePattern({ source: ['aws.ec2'], detail: { v: [{ exists: true }] } });
    for (const event of [
      undefined,
      null,
      0,
      'aws.ec2',
      true,
      [],
      [{ source: 'aws.ec2' }],
      () => 1,
      Symbol('x'),
    ]) {
      expect(matcher(event)).toBe(false);
    }
  });

  it('survives cycles, throwing getters, proxies and deep nesting', () => {
    const matcher = compilePattern({ a: { b: ['x'] }, c: [{ exists: false }] });
    const cyclicArray: unknown[] = [];
    cyclicArray.push(cyclicArray, { b: 'x' });
    expect(matcher({ a: cyclicArray })).toBe(true);
    const cyclicObject: Record<string, unknown> = { b: 'y' };
    cyclicObject.self = cyclicObject;
    expect(matcher({ a: cyclicObject })).toBe(false);
    const leafCycle: unknown[] = ['y'];
    leafCycle.push(leafCycle);
    expect(compilePattern({ a: ['x'] })({ a: leafCycle })).toBe(false);
    expect(compilePattern({ a: [{ exists: false }] })({ a: leafCycle })).toBe(false);
    const getter = Object.defineProperty({}, 'a', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(matcher(getter)).toBe(false);
    const proxy = new Proxy(
      {},
      {
        has: () => {
          throw new Error('boom');
        },
        getOwnPropertyDescriptor: () => {
          throw new Error('boom');
        },
      },
    );
    expect(matcher(proxy)).toBe(false);
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(typeof matcher({ a: deep })).toBe('boolean');
  });
});
