import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../../shared/enrich/ip-class.ts';

const DATA = path.resolve(process.cwd(), '../shared/data');

/** Every distinct CloudTrail `sourceIPAddress` in the labelled set. */
function cloudTrailSourceAddresses(): string[] {
  const lines = readFileSync(path.join(DATA, 'labelled/panther_aws_cloudtrail.ndjson'), 'utf8').split('\n');
  const values = lines.filter((l) => l.trim()).map((l) => JSON.parse(l).event?.sourceIPAddress);
  return [...new Set(values.filter((v): v is string => typeof v === 'string'))];
}

describe('classifyAddress', () => {
  it('refuses leading-zero octets, which real CloudTrail carries and which parse differently as octal', () => {
    expect(classifyAddress('075.050.255.67')).toEqual({ kind: 'invalid' });
    expect(classifyAddress('10.0.0.01')).toEqual({ kind: 'invalid' });
    // The same host written without the zeros is an ordinary public address.
    expect(classifyAddress('75.50.255.67')).toMatchObject({ kind: 'public', version: 4 });
  });

  it("recognises CloudTrail's 'AWS Internal' literal, exactly", () => {
    expect(classifyAddress('AWS Internal')).toEqual({ kind: 'aws_internal' });
    expect(classifyAddress('aws internal')).toEqual({ kind: 'invalid' });
  });

  it('names the service of an AWS service principal', () => {
    expect(classifyAddress('ec2.amazonaws.com')).toEqual({ kind: 'aws_service', service: 'ec2' });
    expect(classifyAddress('lambda.amazonaws.com')).toEqual({ kind: 'aws_service', service: 'lambda' });
    expect(classifyAddress('athena.amazonaws.com')).toEqual({ kind: 'aws_service', service: 'athena' });
    expect(classifyAddress('delivery.logs.amazonaws.com')).toEqual({
      kind: 'aws_service',
      service: 'delivery.logs',
    });
    expect(classifyAddress('EC2.AmazonAWS.com')).toEqual({ kind: 'aws_service', service: 'ec2' });
    expect(classifyAddress('ec2.amazonaws.com.cn')).toEqual({ kind: 'aws_service', service: 'ec2' });
    expect(classifyAddress('amazonaws.com')).toEqual({ kind: 'invalid' });
    expect(classifyAddress('ec2.amazonaws.com.evil.example')).toEqual({ kind: 'invalid' });
  });

  it('marks the instance metadata service, over IPv4 and IPv6', () => {
    expect(classifyAddress('169.254.169.254')).toEqual({
      kind: 'link_local',
      ip: '169.254.169.254',
      version: 4,
      instanceMetadata: true,
    });
    expect(classifyAddress('fd00:ec2::254')).toMatchObject({
      kind: 'private',
      version: 6,
      instanceMetadata: true,
    });
    expect(classifyAddress('169.254.10.1')).toEqual({ kind: 'link_local', ip: '169.254.10.1', version: 4 });
  });

  it.each([
    ['10.0.1.100', 'private'],
    ['172.15.255.255', 'public'],
    ['172.16.0.0', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', 'public'],
    ['192.168.7.7', 'private'],
    ['127.0.0.1', 'loopback'],
    ['100.63.255.255', 'public'],
    ['100.64.0.0', 'carrier_nat'],
    ['100.127.255.255', 'carrier_nat'],
    ['100.128.0.0', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['203.0.113.50', 'reserved'],
    ['198.51.100.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
  ])('IPv4 %s is %s', (raw, kind) => {
    expect(classifyAddress(raw)).toEqual({ kind, ip: raw, version: 4 });
  });

  it.each([
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link_local'],
    ['fc00::1', 'private'],
    ['fdff:ffff::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    // Outside 2000::/3 and unassigned, though ipaddr.js calls it unicast.
    ['4000::1', 'reserved'],
    ['2001:4860:4860::8888', 'public'],
    ['2600:2600:2600:2600:2600:2600:2600:2600', 'public'],
  ])('IPv6 %s is %s', (raw, kind) => {
    expect(classifyAddress(raw)).toEqual({ kind, ip: raw, version: 6 });
  });

  it('gives IPv6 in its RFC 5952 spelling and drops a zone id', () => {
    expect(classifyAddress('2001:0DB8:0000::0001')).toEqual({
      kind: 'reserved',
      ip: '2001:db8::1',
      version: 6,
    });
    expect(classifyAddress('fe80::1%eth0')).toEqual({ kind: 'link_local', ip: 'fe80::1', version: 6 });
  });

  it('unwraps IPv4-mapped IPv6 to the IPv4 address it carries', () => {
    expect(classifyAddress('::ffff:8.8.8.8')).toEqual({ kind: 'public', ip: '8.8.8.8', version: 4 });
    expect(classifyAddress('::FFFF:10.0.0.1')).toEqual({ kind: 'private', ip: '10.0.0.1', version: 4 });
    expect(classifyAddress('::ffff:a9fe:a9fe')).toEqual({
      kind: 'link_local',
      ip: '169.254.169.254',
      version: 4,
      instanceMetadata: true,
    });
    expect(classifyAddress('::ffff:010.0.0.1')).toEqual({ kind: 'invalid' });
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1.2.3.4/32',
    ' 1.2.3.4',
    '0x7f.0.0.1',
    '127.1',
    '2130706433',
    '1:2:3:4:5:6:7:8:9',
    '<Victim source IP>',
    'x'.repeat(100_000),
  ])('%j is invalid', (raw) => {
    expect(classifyAddress(raw)).toEqual({ kind: 'invalid' });
  });

  it('is total over values that are not strings at run time', () => {
    for (const value of [undefined, null, 42, {}, ['1.2.3.4']]) {
      expect(classifyAddress(value as unknown as string)).toEqual({ kind: 'invalid' });
    }
  });

  it('memoises: the same raw string gives the same frozen result object', () => {
    const first = classifyAddress('52.42.146.205');
    expect(classifyAddress('52.42.146.205')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('classifies every source address in the labelled CloudTrail records by its form', () => {
    const values = cloudTrailSourceAddresses();
    const kinds = new Set<string>();
    for (const raw of values) {
      const result = classifyAddress(raw);
      kinds.add(result.kind);
      if (/^(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*)){3}$/.test(raw)) {
        expect(result, raw).toMatchObject({ ip: raw, version: 4 });
      } else if (raw.endsWith('.amazonaws.com')) {
        expect(result, raw).toEqual({ kind: 'aws_service', service: raw.slice(0, -'.amazonaws.com'.length) });
      } else if (raw === 'AWS Internal') {
        expect(result).toEqual({ kind: 'aws_internal' });
      } else {
        expect(result, raw).toEqual({ kind: 'invalid' });
      }
    }
    expect([...kinds]).toEqual(
      expect.arrayContaining(['public', 'private', 'reserved', 'aws_service', 'aws_internal']),
    );
  });
});
