import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { type Address, canonicalAddress, ipv4ToNumber, ipv6ToBigInt, parseAddress } from './address.ts';

const SOURCE = 'enrich.threat-intel';

/** A line longer than this is not an indicator; refusing it early keeps a corrupt file cheap to read. */
const MAX_LINE_LENGTH = 4096;
const MAX_DOMAIN_LENGTH = 253;
/** At least two labels: a bare TLD as an indicator would flag every name under it. */
const DOMAIN = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const normaliseDomain = (host: string): string =>
  (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();

/** `203.0.113.9/24` is accepted as `203.0.113.0/24`: feeds often carry a host address with the mask. */
function canonicalCidr(text: string): string | undefined {
  const slash = text.lastIndexOf('/');
  const address = parseAddress(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (slash < 0 || !address || !/^\d{1,3}$/.test(lengthText)) return undefined;
  const length = Number(lengthText);
  if (length > (address.kind() === 'ipv4' ? 32 : 128)) return undefined;
  return `${canonicalAddress(networkOf(address, length))}/${length}`;
}

function networkOf(address: Address, length: number): Address {
  const bytes = address.toByteArray().map((byte, i) => {
    const bitsKept = Math.min(8, Math.max(0, length - i * 8));
    return byte & (0xff00 >> bitsKept) & 0xff;
  });
  return ipaddr.fromByteArray(bytes);
}

const common = {
  source: z.string().trim().min(1).max(200),
  confidence: z.number().int().min(0).max(100).optional(),
  description: z.string().max(1000).optional(),
};

const IndicatorSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ip'),
    value: z.string().transform((value, ctx) => {
      const address = parseAddress(value);
      if (address) return canonicalAddress(address);
      ctx.addIssue({ code: 'custom', message: 'not a dotted-decimal IPv4 or an IPv6 address' });
      return z.NEVER;
    }),
    ...common,
  }),
  z.object({
    type: z.literal('cidr'),
    value: z.string().transform((value, ctx) => {
      const cidr = canonicalCidr(value);
      if (cidr) return cidr;
      ctx.addIssue({ code: 'custom', message: 'not an address/prefix-length range' });
      return z.NEVER;
    }),
    ...common,
  }),
  z.object({
    type: z.literal('domain'),
    value: z
      .string()
      .max(MAX_DOMAIN_LENGTH)
      .transform(normaliseDomain)
      .refine((domain) => DOMAIN.test(domain), 'not a domain name with at least two labels'),
    ...common,
  }),
]);

/** One threat-intel indicator, its value in canonical form (lower-case domain, masked CIDR). */
export type Indicator = z.output<typeof IndicatorSchema>;

export interface IndicatorLoad {
  indicators: Indicator[];
  /** One per rejected line; the message names the line number and the fault, never the line's content. */
  errors: ValidationError[];
}

/**
 * Where indicators come from. The NDJSON file is one source; a DynamoDB table written by a feed
 * importer can implement the same port later, and the matcher does not change.
 */
export interface IndicatorSource {
  readonly name: string;
  load(): Promise<IndicatorLoad>;
}

/** Parses NDJSON indicators. Blank lines are skipped; every other bad line is reported, none dropped. */
export function parseIndicators(text: string): IndicatorLoad {
  const load: IndicatorLoad = { indicators: [], errors: [] };
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '') return;
    const parsed = parseLine(line);
    if (typeof parsed === 'string') {
      const lineNumber = index + 1;
      load.errors.push(new ValidationError(`line ${lineNumber}: ${parsed}`, SOURCE, { line: lineNumber }));
    } else {
      load.indicators.push(parsed);
    }
  });
  return load;
}

/** The indicator, or why the line is not one. */
function parseLine(line: string): Indicator | string {
  if (line.length > MAX_LINE_LENGTH) return `longer than ${MAX_LINE_LENGTH} characters`;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  const result = IndicatorSchema.safeParse(json);
  if (result.success) return result.data;
  return result.error.issues
    .map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`)
    .join('; ');
}

/** Answers "is this address or name a known indicator?" in memory, built once per data set. */
export interface IntelMatcher {
  readonly size: number;
  /** Every indicator whose IP or CIDR covers `ip`; empty for anything that is not an address. */
  matchIp(ip: string): readonly Indicator[];
  /** Every domain indicator equal to `host` or to one of its parent domains. */
  matchDomain(host: string): readonly Indicator[];
}

const NO_MATCH: readonly Indicator[] = Object.freeze([]);

/** Ranges of one prefix length: a masked address looks its range up in one Map access. */
interface PrefixTable<N> {
  mask: N;
  networks: Map<N, Indicator[]>;
}

export function buildIntelMatcher(indicators: readonly Indicator[]): IntelMatcher {
  const exact = new Map<string, Indicator[]>();
  const domains = new Map<string, Indicator[]>();
  const v4 = new Map<number, PrefixTable<number>>();
  const v6 = new Map<number, PrefixTable<bigint>>();

  for (const indicator of indicators) {
    if (indicator.type === 'ip') append(exact, indicator.value, indicator);
    else if (indicator.type === 'domain') append(domains, indicator.value, indicator);
    else addRange(indicator, v4, v6);
  }
  // Thousands of ranges fall into at most 33 + 129 prefix lengths, so a lookup is a few dozen Map gets.
  const v4Tables = [...v4.values()];
  const v6Tables = [...v6.values()];

  return {
    size: indicators.length,
    matchIp(ip) {
      const address = typeof ip === 'string' ? parseAddress(ip) : undefined;
      if (!address) return NO_MATCH;
      const found = [...(exact.get(canonicalAddress(address)) ?? [])];
      if (address.kind() === 'ipv4') {
        const n = ipv4ToNumber(address as ipaddr.IPv4);
        for (const table of v4Tables) found.push(...(table.networks.get(maskV4(n, table.mask)) ?? []));
      } else {
        const n = ipv6ToBigInt(address as ipaddr.IPv6);
        for (const table of v6Tables) found.push(...(table.networks.get(n & table.mask) ?? []));
      }
      return found.length === 0 ? NO_MATCH : found;
    },
    matchDomain(host) {
      if (typeof host !== 'string' || host.length > MAX_DOMAIN_LENGTH + 1 || domains.size === 0)
        return NO_MATCH;
      const found: Indicator[] = [];
      for (let name = normaliseDomain(host); name.includes('.'); name = name.slice(name.indexOf('.') + 1)) {
        found.push(...(domains.get(name) ?? []));
      }
      return found.length === 0 ? NO_MATCH : found;
    },
  };
}

const maskV4 = (n: number, mask: number): number => (n & mask) >>> 0;

function addRange(
  indicator: Indicator,
  v4: Map<number, PrefixTable<number>>,
  v6: Map<number, PrefixTable<bigint>>,
): void {
  const [network = '', lengthText = ''] = indicator.value.split('/');
  const address = parseAddress(network);
  const length = Number(lengthText);
  if (!address) return;
  if (address.kind() === 'ipv4') {
    // `<< 32` is `<< 0` in JavaScript, so /0 needs its own mask.
    const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
    const table = v4.get(length) ?? { mask, networks: new Map() };
    v4.set(length, table);
    append(table.networks, maskV4(ipv4ToNumber(address as ipaddr.IPv4), mask), indicator);
  } else {
    const mask = ((1n << BigInt(length)) - 1n) << BigInt(128 - length);
    const table = v6.get(length) ?? { mask, networks: new Map() };
    v6.set(length, table);
    append(table.networks, ipv6ToBigInt(address as ipaddr.IPv6) & mask, indicator);
  }
}

function append<K>(map: Map<K, Indicator[]>, key: K, indicator: Indicator): void {
  const list = map.get(key);
  if (list) list.push(indicator);
  else map.set(key, [indicator]);
}

/**
 * A matcher whose indicators load on first use (see `lazyOnce` for why). Rejected lines, and a
 * load that fails outright, go to `onError`; a failed load leaves an empty matcher.
 */
export function lazyIntelMatcher(load: () => IndicatorLoad, onError: (error: unknown) => void): IntelMatcher {
  let matcher: IntelMatcher | undefined;
  const get = (): IntelMatcher => {
    if (matcher) return matcher;
    try {
      const loaded = load();
      for (const error of loaded.errors) onError(error);
      matcher = buildIntelMatcher(loaded.indicators);
    } catch (e) {
      matcher = buildIntelMatcher([]);
      onError(e);
    }
    return matcher;
  };
  return {
    get size() {
      return get().size;
    },
    matchIp: (ip) => get().matchIp(ip),
    matchDomain: (host) => get().matchDomain(host),
  };
}
