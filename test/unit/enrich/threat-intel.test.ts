import { existsSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  fileIndicatorSource,
  readIndicatorFileSync,
  SAMPLE_INDICATORS_PATH,
} from '../../../shared/enrich/indicator-file.ts';
import {
  buildIntelMatcher,
  type Indicator,
  lazyIntelMatcher,
  parseIndicators,
} from '../../../shared/enrich/threat-intel.ts';
import { ValidationError } from '../../../shared/errors.ts';

const ndjson = (...lines: unknown[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
const cidr = (value: string): Indicator => ({ type: 'cidr', value, source: 'test' });
const matcherOf = (...lines: unknown[]) => {
  const load = parseIndicators(ndjson(...lines));
  expect(load.errors).toEqual([]);
  return buildIntelMatcher(load.indicators);
};
const values = (found: readonly Indicator[]) => found.map((i) => i.value).sort();

describe('parseIndicators', () => {
  it('keeps good lines and reports each bad one by line number, without echoing its content', () => {
    const text = ndjson(
      { type: 'ip', value: '192.0.2.66', source: 'feed-a', confidence: 90, description: 'c2' },
      'not json at all SECRET-TOKEN',
      '',
      { type: 'url', value: 'http://x.example', source: 'feed-a' },
      { type: 'ip', value: '075.050.255.67', source: 'feed-a' },
      { type: 'cidr', value: '203.0.113.0/33', source: 'feed-a' },
      { type: 'domain', value: 'localhost', source: 'feed-a' },
      { type: 'ip', value: '192.0.2.1', source: 'feed-a', confidence: 101 },
      { type: 'ip', value: '192.0.2.2' },
      { type: 'domain', value: 'C2.Example.COM.', source: 'feed-b' },
    );
    const { indicators, errors } = parseIndicators(text);

    expect(indicators).toEqual([
      { type: 'ip', value: '192.0.2.66', source: 'feed-a', confidence: 90, description: 'c2' },
      { type: 'domain', value: 'c2.example.com', source: 'feed-b' },
    ]);
    expect(errors.map((e) => e.context.line)).toEqual([2, 4, 5, 6, 7, 8, 9]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.source).toBe('enrich.threat-intel');
      expect(error.message).toMatch(/^line \d+: \S/);
      expect(error.message).not.toContain('SECRET-TOKEN');
    }
    expect(errors[0]?.message).toBe('line 2: not valid JSON');
    expect(errors[2]?.message).toContain('value: not a dotted-decimal IPv4 or an IPv6 address');
    expect(errors[5]?.message).toContain('confidence');
    expect(errors[6]?.message).toContain('source');
  });

  it('stores values canonically: masked CIDR, RFC 5952 IPv6, lower-case domain', () => {
    const { indicators } = parseIndicators(
      ndjson(
        cidr('203.0.113.9/24'),
        cidr('2001:DB8:0BAD:1::/48'),
        { type: 'ip', value: '::ffff:192.0.2.7', source: 't' },
        { type: 'ip', value: '2001:0db8::0001', source: 't' },
        { type: 'domain', value: 'Phish.Example.NET', source: 't' },
      ),
    );
    expect(indicators.map((i) => i.value)).toEqual([
      '203.0.113.0/24',
      '2001:db8:bad::/48',
      '192.0.2.7',
      '2001:db8::1',
      'phish.example.net',
    ]);
  });

  it('accepts CRLF line endings', () => {
    const { indicators, errors } = parseIndicators(
      `${ndjson(cidr('10.0.0.0/8'))}\r\n${ndjson(cidr('11.0.0.0/8'))}\r\n`,
    );
    expect(errors).toEqual([]);
    expect(values(indicators)).toEqual(['10.0.0.0/8', '11.0.0.0/8']);
  });
});

describe('the shipped sample indicators', () => {
  it('load without errors, from a path that does not depend on the working directory', () => {
    expect(path.isAbsolute(SAMPLE_INDICATORS_PATH)).toBe(true);
    expect(existsSync(SAMPLE_INDICATORS_PATH)).toBe(true);
    const { indicators, errors } = readIndicatorFileSync(SAMPLE_INDICATORS_PATH);
    expect(errors).toEqual([]);
    expect(new Set(indicators.map((i) => i.type))).toEqual(new Set(['ip', 'cidr', 'domain']));
  });

  it('are all marked as samples and use documentation ranges and example domains only', () => {
    const { indicators } = readIndicatorFileSync(SAMPLE_INDICATORS_PATH);
    const documentation = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'].map((r) =>
      ipaddr.parseCIDR(r),
    );
    for (const indicator of indicators) {
      expect(indicator.source).toBe('vigil-sample');
      expect(indicator.description).toMatch(/^SAMPLE ONLY/);
      if (indicator.type === 'domain') {
        expect(indicator.value).toMatch(/\.example\.(com|net|org)$/);
      } else {
        const address = ipaddr.parse(indicator.value.split('/')[0] ?? '');
        expect(
          documentation.some((range) => address.kind() === range[0].kind() && address.match(range)),
        ).toBe(true);
      }
    }
  });

  it('load through the file source port too; a missing file is a ValidationError', async () => {
    const load = await fileIndicatorSource(SAMPLE_INDICATORS_PATH).load();
    expect(load).toEqual(readIndicatorFileSync(SAMPLE_INDICATORS_PATH));
    await expect(fileIndicatorSource('/nonexistent/indicators.ndjson').load()).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('buildIntelMatcher: IPv4', () => {
  const matcher = matcherOf(
    cidr('203.0.113.0/24'),
    cidr('10.1.2.128/25'),
    cidr('10.0.0.0/8'),
    cidr('8.8.8.8/32'),
    { type: 'ip', value: '192.0.2.66', source: 'test' },
  );

  it.each([
    ['203.0.113.0', ['203.0.113.0/24']],
    ['203.0.113.255', ['203.0.113.0/24']],
    ['203.0.112.255', []],
    ['203.0.114.0', []],
    ['10.1.2.127', ['10.0.0.0/8']],
    ['10.1.2.128', ['10.0.0.0/8', '10.1.2.128/25']],
    ['10.1.2.255', ['10.0.0.0/8', '10.1.2.128/25']],
    ['11.0.0.0', []],
    ['8.8.8.8', ['8.8.8.8/32']],
    ['8.8.8.9', []],
    ['192.0.2.66', ['192.0.2.66']],
    ['192.0.2.67', []],
    ['::ffff:203.0.113.7', ['203.0.113.0/24']],
    ['203.000.113.7', []],
    ['not an address', []],
  ])('%s matches %j', (ip, expected) => {
    expect(values(matcher.matchIp(ip))).toEqual(expected);
  });

  it('a /0 covers every IPv4 address and no IPv6 one', () => {
    const everything = matcherOf(cidr('0.0.0.0/0'));
    expect(values(everything.matchIp('255.255.255.255'))).toEqual(['0.0.0.0/0']);
    expect(values(everything.matchIp('0.0.0.0'))).toEqual(['0.0.0.0/0']);
    expect(everything.matchIp('::1')).toEqual([]);
  });
});

describe('buildIntelMatcher: IPv6', () => {
  const matcher = matcherOf(cidr('2001:db8:bad::/48'), cidr('2001:db8::/32'), cidr('fd00:ec2::254/128'));

  it.each([
    ['2001:db8:bad::', ['2001:db8::/32', '2001:db8:bad::/48']],
    ['2001:db8:bad:ffff:ffff:ffff:ffff:ffff', ['2001:db8::/32', '2001:db8:bad::/48']],
    ['2001:db8:bac:ffff:ffff:ffff:ffff:ffff', ['2001:db8::/32']],
    ['2001:db8:bae::', ['2001:db8::/32']],
    ['2001:db9::', []],
    ['2001:DB8:0BAD::1', ['2001:db8::/32', '2001:db8:bad::/48']],
    ['fd00:ec2::254', ['fd00:ec2::254/128']],
    ['fd00:ec2::255', []],
    ['203.0.113.1', []],
  ])('%s matches %j', (ip, expected) => {
    expect(values(matcher.matchIp(ip))).toEqual(expected);
  });

  it('a /0 covers every IPv6 address and no IPv4 one', () => {
    const everything = matcherOf(cidr('::/0'));
    expect(values(everything.matchIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'))).toEqual(['::/0']);
    expect(everything.matchIp('8.8.8.8')).toEqual([]);
  });
});

describe('buildIntelMatcher: ranges agree with ipaddr.js for any address and prefix', () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
  const v6 = fc
    .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
    .map((p) => p.map((x) => x.toString(16)).join(':'));

  const agreesWithIpaddr = (ranges: [string, number][], probe: string) => {
    const matcher = buildIntelMatcher(ranges.map(([a, len]) => cidr(`${a}/${len}`)));
    const address = ipaddr.parse(probe);
    const expected = ranges.filter(([a, len]) => {
      const network = ipaddr.parse(a);
      return network.kind() === address.kind() && address.match(network, len);
    }).length;
    expect(matcher.matchIp(probe)).toHaveLength(expected);
  };

  it('IPv4', () => {
    const range = fc.tuple(v4, fc.integer({ min: 0, max: 32 }));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 20 }), v4, (ranges, probe) => agreesWithIpaddr(ranges, probe)),
      { numRuns: 2000 },
    );
    // A probe inside one of the ranges, so matches are actually exercised.
    fc.assert(
      fc.property(range, ([a, len]) => {
        expect(buildIntelMatcher([cidr(`${a}/${len}`)]).matchIp(a)).toHaveLength(1);
      }),
      { numRuns: 1000 },
    );
  });

  it('IPv6', () => {
    const range = fc.tuple(v6, fc.integer({ min: 0, max: 128 }));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 20 }), v6, (ranges, probe) => agreesWithIpaddr(ranges, probe)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(range, ([a, len]) => {
        expect(buildIntelMatcher([cidr(`${a}/${len}`)]).matchIp(a)).toHaveLength(1);
      }),
      { numRuns: 1000 },
    );
  });

  it('stays correct with thousands of ranges of mixed lengths', () => {
    const ranges: Indicator[] = [];
    for (let i = 0; i < 5000; i++)
      ranges.push(cidr(`${(i * 7919) % 224}.${i % 256}.${(i * 31) % 256}.0/${16 + (i % 9)}`));
    const matcher = buildIntelMatcher(ranges);
    const probe = '100.42.77.5';
    const expected = ranges.filter((r) => {
      const [network, len] = ipaddr.parseCIDR(r.value);
      return ipaddr.parse(probe).match(network, len);
    });
    expect(values(matcher.matchIp(probe))).toEqual(values(expected));
  });
});

describe('buildIntelMatcher: domains', () => {
  const matcher = matcherOf(
    { type: 'domain', value: 'c2.example.com', source: 'test' },
    { type: 'domain', value: 'phish.example.net', source: 'test' },
  );

  it.each([
    ['c2.example.com', ['c2.example.com']],
    ['C2.Example.Com.', ['c2.example.com']],
    ['a.b.c2.example.com', ['c2.example.com']],
    ['notc2.example.com', []],
    ['example.com', []],
    ['c2.example.com.evil.test', []],
    ['phish.example.net', ['phish.example.net']],
    ['', []],
  ])('%j matches %j', (host, expected) => {
    expect(values(matcher.matchDomain(host))).toEqual(expected);
  });

  it('ignores names longer than DNS allows', () => {
    expect(matcher.matchDomain(`${'a.'.repeat(200)}c2.example.com`)).toEqual([]);
  });
});

describe('lazyIntelMatcher', () => {
  it('loads on first use, once, and reports rejected lines', () => {
    let loads = 0;
    const reported: unknown[] = [];
    const matcher = lazyIntelMatcher(
      () => {
        loads++;
        return parseIndicators(ndjson(cidr('203.0.113.0/24'), '{"type":"ip"}'));
      },
      (e) => reported.push(e),
    );
    expect(loads).toBe(0);
    expect(values(matcher.matchIp('203.0.113.1'))).toEqual(['203.0.113.0/24']);
    expect(matcher.matchDomain('c2.example.com')).toEqual([]);
    expect(loads).toBe(1);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(ValidationError);
  });

  it('reports a failed load and matches nothing', () => {
    const reported: unknown[] = [];
    const matcher = lazyIntelMatcher(
      () => readIndicatorFileSync('/nonexistent/indicators.ndjson'),
      (e) => reported.push(e),
    );
    expect(matcher.matchIp('203.0.113.1')).toEqual([]);
    expect(matcher.size).toBe(0);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(ValidationError);
  });
});
