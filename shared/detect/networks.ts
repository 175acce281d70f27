/**
 * The organisation's networks and accounts as detections see them: strict parsers for account ids
 * and CIDR ranges (used by the CDK configuration, the Lambda's cold start and the local runtime, so
 * whatever synthesizes also starts and `vigil detect` agrees with the deployment), and the
 * trusted-network predicate. Private ranges are always trusted: in CloudTrail a private source
 * address means a call through a VPC endpoint from inside the organisation, never the internet.
 */
import ipaddr from 'ipaddr.js';
import { type Address, canonicalAddress, parseAddress } from '../enrich/address.ts';
import { BoundedCache } from '../enrich/bounded-cache.ts';
import { classifyAddress } from '../enrich/ip-class.ts';

const ACCOUNT_ID = /^\d{12}$/;
/**
 * Narrower than any range an organisation holds: a shorter prefix would trust a large part of the
 * internet and silence every "used from outside" detection.
 */
const WIDEST_PREFIX = { ipv4: 8, ipv6: 16 } as const;
const CACHE_CAPACITY = 10_000;

export interface Cidr {
  /** The network address (host bits zero). */
  network: Address;
  prefix: number;
  /** Canonical spelling, e.g. `203.0.113.0/24`, `2001:db8::/32`. */
  text: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Config values are not secret, but they are echoed into messages: keep them short and printable. */
const shown = (text: string): string => JSON.stringify(text.length > 48 ? `${text.slice(0, 48)}…` : text);

export function parseAccountId(text: string): Parsed<string> {
  return ACCOUNT_ID.test(text)
    ? { ok: true, value: text }
    : { ok: false, problem: `${shown(text)} is not a 12-digit AWS account id` };
}

/** A CIDR range written as a network address and a prefix length; anything looser is refused. */
export function parseCidr(text: string): Parsed<Cidr> {
  const slash = text.indexOf('/');
  if (slash === -1)
    return {
      ok: false,
      problem: `${shown(text)} has no prefix length (a single address is written /32 or /128)`,
    };
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address)
    return {
      ok: false,
      problem: `${shown(text)} does not start with an IPv4 (dotted decimal) or IPv6 address`,
    };
  const kind = address.kind();
  const max = kind === 'ipv4' ? 32 : 128;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max))
    return { ok: false, problem: `${shown(text)} has a prefix length outside 0-${max}` };
  if (prefix < WIDEST_PREFIX[kind])
    return {
      ok: false,
      problem: `${shown(text)} is wider than /${WIDEST_PREFIX[kind]}: it would trust a large part of the internet`,
    };
  const network =
    kind === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${canonicalAddress(address)}/${prefix}`);
  const canonical = `${canonicalAddress(network)}/${prefix}`;
  if (canonicalAddress(network) !== canonicalAddress(address))
    return { ok: false, problem: `${shown(text)} has host bits set (did you mean ${canonical}?)` };
  return { ok: true, value: { network, prefix, text: canonical } };
}

/** True for private addresses and addresses inside one of `cidrs`; false for anything that is not an address. */
export function trustedNetworks(cidrs: readonly Cidr[]): (ip: string) => boolean {
  const memo = new BoundedCache<string, boolean>(CACHE_CAPACITY);
  const decide = (ip: string): boolean => {
    if (classifyAddress(ip).kind === 'private') return true;
    const address = parseAddress(ip);
    if (!address) return false;
    return cidrs.some((c) => c.network.kind() === address.kind() && address.match(c.network, c.prefix));
  };
  return (ip) => (ip.length > 64 ? false : memo.getOrCompute(ip, decide));
}
