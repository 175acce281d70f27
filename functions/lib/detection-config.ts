/**
 * What the deployment knows about itself, read from the environment CDK sets at cold start:
 *
 *   ORG_ACCOUNTS   comma-separated 12-digit account ids of the organisation (CDK always includes
 *                  the deploying account). Required: a function without it is miswired.
 *   TRUSTED_CIDRS  comma-separated CIDR ranges of the organisation's networks (offices, VPN, NAT
 *                  egress). Optional; empty means none beyond the private ranges.
 *
 * Private ranges (RFC 1918, IPv6 unique-local) are always trusted: in CloudTrail a private source
 * address means the call came through a VPC endpoint from inside one of the organisation's VPCs,
 * never from the internet. That is also what the local runtime assumes (local/detection-runtime.ts),
 * so `vigil detect` and the deployed detections agree on the same stream.
 *
 * infra/config.ts validates the CDK configuration with the same parsers, so whatever synthesizes
 * also starts.
 */
import ipaddr from 'ipaddr.js';
import type { DetectionConfig } from '../../shared/detect/types.ts';
import { type Address, canonicalAddress, parseAddress } from '../../shared/enrich/address.ts';
import { BoundedCache } from '../../shared/enrich/bounded-cache.ts';
import { classifyAddress } from '../../shared/enrich/ip-class.ts';
import { ValidationError } from '../../shared/errors.ts';
import { requireEnv } from './env.ts';

const SOURCE = 'functions.detection-config';
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

const entries = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');

function parseList<T>(name: string, value: string | undefined, parse: (text: string) => Parsed<T>): T[] {
  const out: T[] = [];
  for (const [i, text] of entries(value).entries()) {
    const parsed = parse(text);
    if (!parsed.ok)
      throw new ValidationError(`environment variable ${name}, entry ${i + 1}: ${parsed.problem}`, SOURCE);
    out.push(parsed.value);
  }
  return out;
}

/** Reads and validates ORG_ACCOUNTS and TRUSTED_CIDRS; throws a ValidationError naming the variable and entry. */
export function detectionConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DetectionConfig {
  const accounts = parseList(
    'ORG_ACCOUNTS',
    requireEnv('ORG_ACCOUNTS', "the organisation's AWS account ids", env),
    parseAccountId,
  );
  if (accounts.length === 0)
    throw new ValidationError('environment variable ORG_ACCOUNTS names no account id', SOURCE);
  const cidrs = parseList('TRUSTED_CIDRS', env.TRUSTED_CIDRS, parseCidr);
  return { orgAccounts: new Set(accounts), isTrustedNetwork: trustedNetworks(cidrs) };
}
