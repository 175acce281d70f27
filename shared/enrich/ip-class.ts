import ipaddr from 'ipaddr.js';
import { type Address, canonicalAddress, parseAddress } from './address.ts';
import { BoundedCache } from './bounded-cache.ts';

/** What kind of network address a record's source is, as far as routing is concerned. */
export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link_local'
  | 'carrier_nat'
  | 'reserved'
  | 'multicast'
  | 'unspecified';

export type IpClass =
  | {
      kind: AddressClass;
      /** Canonical spelling: IPv4-mapped IPv6 is unwrapped, IPv6 is RFC 5952. */
      ip: string;
      version: 4 | 6;
      /** The EC2 instance metadata service: a request from it means credentials taken from an instance. */
      instanceMetadata?: true;
    }
  /** CloudTrail's `sourceIPAddress` when an AWS service called on a principal's behalf. */
  | { kind: 'aws_service'; service: string }
  /** CloudTrail's literal for calls AWS makes from its own network, with no service named. */
  | { kind: 'aws_internal' }
  | { kind: 'invalid' };

/** The longest DNS name; anything longer is neither an address nor a service principal. */
const MAX_HOSTNAME_LENGTH = 253;
const CACHE_CAPACITY = 10_000;

const AWS_INTERNAL = 'AWS Internal';
/** `ec2.amazonaws.com`, `delivery.logs.amazonaws.com`, and the China partition's `.amazonaws.com.cn`. */
const AWS_SERVICE_PRINCIPAL = /^([a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)*)\.amazonaws\.com(?:\.cn)?$/i;

/** IMDS over IPv4, and over IPv6 on Nitro instances. */
const INSTANCE_METADATA = new Set(['169.254.169.254', 'fd00:ec2::254']);

/**
 * ipaddr.js range names → Vigil's classes. Transition and anycast ranges (6to4, Teredo, NAT64,
 * AS112, AMT) are globally routed, so they count as public; identifier and benchmarking ranges
 * are not routed, so reserved.
 */
const CLASS_OF_RANGE: Record<string, AddressClass> = {
  unicast: 'public',
  unspecified: 'unspecified',
  broadcast: 'reserved',
  multicast: 'multicast',
  linkLocal: 'link_local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier_nat',
  private: 'private',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
  reserved: 'reserved',
  as112: 'public',
  as112v6: 'public',
  amt: 'public',
  '6to4': 'public',
  teredo: 'public',
  rfc6052: 'public',
  rfc6145: 'reserved',
  discard: 'reserved',
  benchmarking: 'reserved',
  deprecatedOrchid: 'reserved',
  orchid2: 'reserved',
  droneRemoteIdProtocolEntityTags: 'reserved',
  segmentRouting: 'reserved',
};

/** IANA's global unicast block; ipaddr.js calls all unlisted IPv6 space `unicast`, most of it unassigned. */
const IPV6_GLOBAL_UNICAST: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('2000::'), 3];

const INVALID: IpClass = Object.freeze({ kind: 'invalid' });
const memo = new BoundedCache<string, IpClass>(CACHE_CAPACITY);

/**
 * Classifies the raw source-address string of a record (CloudTrail `sourceIPAddress` and the like).
 * Total and memoised: called about once per event, and the same few addresses recur. Results are
 * frozen because they are shared between callers.
 */
export function classifyAddress(raw: string): IpClass {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_HOSTNAME_LENGTH) return INVALID;
  return memo.getOrCompute(raw, (key) => Object.freeze(classifyUncached(key)));
}

function classifyUncached(raw: string): IpClass {
  if (raw === AWS_INTERNAL) return { kind: 'aws_internal' };
  const address = parseAddress(raw);
  if (address) return classifyParsed(address);
  const service = AWS_SERVICE_PRINCIPAL.exec(raw)?.[1];
  return service ? { kind: 'aws_service', service: service.toLowerCase() } : INVALID;
}

function classifyParsed(address: Address): IpClass {
  const ip = canonicalAddress(address);
  const version = address.kind() === 'ipv4' ? 4 : 6;
  const kind = classOf(address);
  return INSTANCE_METADATA.has(ip) ? { kind, ip, version, instanceMetadata: true } : { kind, ip, version };
}

function classOf(address: Address): AddressClass {
  // Unknown range names (a newer ipaddr.js) fall to reserved: better not geolocate what we don't understand.
  const kind = CLASS_OF_RANGE[address.range()] ?? 'reserved';
  if (kind === 'public' && address.kind() === 'ipv6' && !address.match(IPV6_GLOBAL_UNICAST))
    return 'reserved';
  return kind;
}
