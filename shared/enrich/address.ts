import ipaddr from 'ipaddr.js';

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Longest textual IPv6 address with an embedded IPv4 tail (45) plus room for a zone id. */
const MAX_ADDRESS_LENGTH = 64;

/**
 * Dotted decimal with no leading zeros. ipaddr.js (like inet_aton) also reads `0x7f.1`, `127.1`,
 * `2130706433` and octal octets; real logs never mean those, and a leading zero is ambiguous:
 * CloudTrail has carried `075.050.255.67`, which is 75.50.255.67 to a person but 61.40.255.67 to an
 * octal parser. Guessing either way would geolocate or match intel against the wrong host, so such
 * strings are not addresses.
 */
const DOTTED_DECIMAL = /^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/;

/** The IPv4 tail of a transitional IPv6 form (`::ffff:1.2.3.4`), without any zone id. */
const IPV4_TAIL = /:([^:%]*\.[^:%]*)(?:%.*)?$/;

/**
 * Parses an address the way a SOC should read it: dotted-decimal IPv4 or IPv6, nothing looser.
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) comes back as the IPv4 address it carries, so both spellings
 * of one host classify, geolocate and match intel alike. Never throws.
 */
export function parseAddress(raw: string): Address | undefined {
  if (raw.length === 0 || raw.length > MAX_ADDRESS_LENGTH) return undefined;
  try {
    if (raw.includes(':')) return parseIpv6(raw);
    return DOTTED_DECIMAL.test(raw) ? ipaddr.IPv4.parse(raw) : undefined;
  } catch {
    return undefined;
  }
}

function parseIpv6(raw: string): Address | undefined {
  const tail = IPV4_TAIL.exec(raw)?.[1];
  if (tail !== undefined && !DOTTED_DECIMAL.test(tail)) return undefined;
  if (!ipaddr.IPv6.isValid(raw)) return undefined;
  const address = ipaddr.IPv6.parse(raw);
  return address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

/** The one spelling used as a key: dotted decimal, or RFC 5952 IPv6 without a zone id. */
export function canonicalAddress(address: Address): string {
  if (address.kind() === 'ipv4') return address.toString();
  const text = (address as ipaddr.IPv6).toRFC5952String();
  const zone = text.indexOf('%');
  return zone === -1 ? text : text.slice(0, zone);
}

/** IPv4 as an unsigned 32-bit number. */
export const ipv4ToNumber = (address: ipaddr.IPv4): number =>
  address.octets.reduce((n, octet) => n * 256 + octet, 0);

/** IPv6 as an unsigned 128-bit bigint. */
export const ipv6ToBigInt = (address: ipaddr.IPv6): bigint =>
  address.parts.reduce((n, part) => (n << 16n) | BigInt(part), 0n);
