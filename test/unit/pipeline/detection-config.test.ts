import { describe, expect, it } from 'vitest';
import { detectionConfigFromEnv } from '../../../functions/lib/detection-config.ts';
import { parseCidr } from '../../../shared/detect/networks.ts';
import { ValidationError } from '../../../shared/errors.ts';

const messageOf = (env: NodeJS.ProcessEnv): string => {
  try {
    detectionConfigFromEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).message;
  }
  throw new Error('expected the environment to be rejected');
};

describe('detectionConfigFromEnv', () => {
  it('reads the organisation accounts and trusted ranges CDK sets', () => {
    const config = detectionConfigFromEnv({
      ORG_ACCOUNTS: '111122223333, 444455556666',
      TRUSTED_CIDRS: '203.0.113.0/24,2001:db8:1::/48',
    });
    expect([...config.orgAccounts]).toEqual(['111122223333', '444455556666']);
    expect(config.isTrustedNetwork('203.0.113.77')).toBe(true);
    expect(config.isTrustedNetwork('203.0.114.1')).toBe(false);
    expect(config.isTrustedNetwork('2001:db8:1:ff::9')).toBe(true);
    expect(config.isTrustedNetwork('2001:db8:2::9')).toBe(false);
  });

  it('trusts the private ranges with no CIDR configured, and nothing public', () => {
    const config = detectionConfigFromEnv({ ORG_ACCOUNTS: '111122223333', TRUSTED_CIDRS: '' });
    for (const ip of ['10.1.2.3', '172.16.0.9', '192.168.1.1', 'fd00::1'])
      expect(config.isTrustedNetwork(ip), ip).toBe(true);
    for (const ip of ['198.51.100.7', '8.8.8.8', '2001:db8::1', '100.64.0.1'])
      expect(config.isTrustedNetwork(ip), ip).toBe(false);
  });

  it('treats what is not an address as untrusted, and matches IPv4-mapped IPv6 as IPv4', () => {
    const config = detectionConfigFromEnv({ ORG_ACCOUNTS: '111122223333', TRUSTED_CIDRS: '203.0.113.0/24' });
    for (const value of ['ec2.amazonaws.com', 'AWS Internal', '', 'x'.repeat(500), '203.0.113.077'])
      expect(config.isTrustedNetwork(value), value).toBe(false);
    expect(config.isTrustedNetwork('::ffff:203.0.113.5')).toBe(true);
  });

  it.each([
    [{}, 'ORG_ACCOUNTS is not set'],
    [{ ORG_ACCOUNTS: ' , ' }, 'ORG_ACCOUNTS names no account id'],
    [
      { ORG_ACCOUNTS: '111122223333,12345' },
      'ORG_ACCOUNTS, entry 2: "12345" is not a 12-digit AWS account id',
    ],
    [
      { ORG_ACCOUNTS: '111122223333', TRUSTED_CIDRS: '203.0.113.7' },
      'TRUSTED_CIDRS, entry 1: "203.0.113.7" has no prefix length',
    ],
    [
      { ORG_ACCOUNTS: '111122223333', TRUSTED_CIDRS: '203.0.113.0/24,10.1.2.3/8' },
      'entry 2: "10.1.2.3/8" has host bits set (did you mean 10.0.0.0/8?)',
    ],
    [
      { ORG_ACCOUNTS: '111122223333', TRUSTED_CIDRS: '0.0.0.0/0' },
      'would trust a large part of the internet',
    ],
    [{ ORG_ACCOUNTS: '111122223333', TRUSTED_CIDRS: '2000::/3' }, 'would trust a large part of the internet'],
    [{ ORG_ACCOUNTS: '111122223333', TRUSTED_CIDRS: '203.0.113.0/33' }, 'prefix length outside 0-32'],
    [
      { ORG_ACCOUNTS: '111122223333', TRUSTED_CIDRS: 'office/24' },
      'does not start with an IPv4 (dotted decimal) or IPv6 address',
    ],
    [{ ORG_ACCOUNTS: '111122223333', TRUSTED_CIDRS: '010.0.0.0/8' }, 'does not start with an IPv4'],
  ])('rejects %j, naming the variable and the entry', (env, message) => {
    expect(messageOf(env)).toContain(message);
  });
});

describe('parseCidr', () => {
  it('gives the canonical spelling', () => {
    const parsed = parseCidr('2001:0db8:0000::/32');
    expect(parsed).toMatchObject({ ok: true, value: { text: '2001:db8::/32', prefix: 32 } });
    expect(parseCidr('198.51.100.7/32')).toMatchObject({ ok: true, value: { text: '198.51.100.7/32' } });
  });
});
