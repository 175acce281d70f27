import type { OcsfEnrichment, OcsfEvent } from '../ocsf/types.ts';
import { BoundedCache } from './bounded-cache.ts';
import { GEOLITE2_PROVIDER, type GeoLookup, geoipCountryLookup } from './geo.ts';
import { readIndicatorFileSync, SAMPLE_INDICATORS_PATH } from './indicator-file.ts';
import { classifyAddress, type IpClass } from './ip-class.ts';
import { type Indicator, type IntelMatcher, lazyIntelMatcher } from './threat-intel.ts';

export type { GeoLookup } from './geo.ts';
export { GEOLITE2_ATTRIBUTION, geoipCountryLookup } from './geo.ts';
export { fileIndicatorSource, SAMPLE_INDICATORS_PATH } from './indicator-file.ts';
export type { AddressClass, IpClass } from './ip-class.ts';
export { classifyAddress } from './ip-class.ts';
export type { Indicator, IndicatorLoad, IndicatorSource, IntelMatcher } from './threat-intel.ts';
export { buildIntelMatcher, parseIndicators } from './threat-intel.ts';

/** Matches `NormaliseContext.enrich`: adds to a finished event in place, never throws. */
export type Enricher = (event: OcsfEvent) => void;

export interface EnricherDeps {
  geo: GeoLookup;
  intel: IntelMatcher;
  /** `provider` named on geolocation; defaults to the GeoLite2 adapter's name. */
  geoProvider?: string;
  /** Told of provider faults (a database that failed to load, a bad indicator line); enrichment goes on without them. */
  onError?: (error: unknown) => void;
}

/** OCSF `enrichment.type` values Vigil emits. */
export const EnrichmentType = {
  IpClass: 'ip_class',
  Location: 'location',
  ThreatIntel: 'threat_intel',
} as const;

const VIGIL_PROVIDER = 'vigil';
const CACHE_CAPACITY = 10_000;
/** Longer strings are never an address or a DNS name; they are classified but not cached. */
const MAX_CACHED_KEY_LENGTH = 253;
const ENDPOINTS = ['src_endpoint', 'dst_endpoint'] as const;
/** Where normalisers put a name instead of an address: CloudTrail service principals, DNS names. */
const HOST_ATTRIBUTES = ['domain', 'hostname', 'svc_name'] as const;

/** One enriched attribute of an endpoint (`src_endpoint.ip`, …) with the finished enrichments per value. */
interface Attribute {
  key: 'ip' | (typeof HOST_ATTRIBUTES)[number];
  /** `src_endpoint.ip` and friends, built once rather than per event. */
  name: string;
  kind: 'ip' | 'host';
  finished: BoundedCache<string, Finished>;
}

interface EndpointSlot {
  ip: Attribute;
  domain: Attribute;
  hostname: Attribute;
  service: Attribute;
}

const attribute = (prefix: string, key: Attribute['key']): Attribute => ({
  key,
  name: `${prefix}.${key}`,
  kind: key === 'ip' ? 'ip' : 'host',
  finished: new BoundedCache<string, Finished>(CACHE_CAPACITY),
});

const endpointSlot = (prefix: (typeof ENDPOINTS)[number]): EndpointSlot => ({
  ip: attribute(prefix, 'ip'),
  domain: attribute(prefix, 'domain'),
  hostname: attribute(prefix, 'hostname'),
  service: attribute(prefix, 'svc_name'),
});

/** An enrichment minus the attribute it is about: computed once per distinct value, shared between events. */
type EnrichmentTemplate = Readonly<Omit<OcsfEnrichment, 'name' | 'value'>>;

interface Facts {
  templates: readonly EnrichmentTemplate[];
  country?: string;
}

/** The enrichments for one attribute and value, finished and frozen. */
interface Finished {
  entries: readonly OcsfEnrichment[];
  country?: string;
}

const ignore = (): void => {};

export const noEnrichment: Enricher = () => {};

/**
 * Builds the enricher: for `src_endpoint` and `dst_endpoint`, the IP's class, its country (public
 * addresses only) and threat-intel matches; for names (`domain`, `hostname`, `svc_name`), the AWS
 * service class and domain intel matches. Results per distinct value are memoised in bounded caches,
 * so a steady stream costs one Map lookup per address or name.
 */
export function makeEnricher(deps: EnricherDeps): Enricher {
  const reported = deps.onError ?? ignore;
  const onError = (e: unknown): void => {
    try {
      reported(e);
    } catch {
      // The reporter is the caller's; a fault in it must not make enrichment throw.
    }
  };
  const geoProvider = deps.geoProvider ?? GEOLITE2_PROVIDER;
  const addresses = new BoundedCache<string, Facts>(CACHE_CAPACITY);
  const hosts = new BoundedCache<string, Facts>(CACHE_CAPACITY);

  const guarded = <T>(lookup: () => T, fallback: T): T => {
    try {
      return lookup();
    } catch (e) {
      onError(e);
      return fallback;
    }
  };

  const addressFacts = (ip: string): Facts => {
    const ipClass = classifyAddress(ip);
    const templates: EnrichmentTemplate[] = [classTemplate(ipClass, ip)];
    if (!('ip' in ipClass)) return freezeFacts(templates);
    const country =
      ipClass.kind === 'public' ? guarded(() => deps.geo(ipClass.ip)?.country, undefined) : undefined;
    if (country)
      templates.push({ type: EnrichmentType.Location, provider: geoProvider, data: freeze({ country }) });
    const matches = guarded(() => deps.intel.matchIp(ipClass.ip), []);
    templates.push(...matches.map(intelTemplate));
    return freezeFacts(templates, country);
  };

  const hostFacts = (host: string): Facts => {
    const hostClass = classifyAddress(host);
    const isAws = hostClass.kind === 'aws_service' || hostClass.kind === 'aws_internal';
    const templates: EnrichmentTemplate[] = isAws ? [classTemplate(hostClass, host)] : [];
    templates.push(...guarded(() => deps.intel.matchDomain(host), []).map(intelTemplate));
    return freezeFacts(templates);
  };

  // The finished enrichment objects for one attribute (`src_endpoint.ip`, …) and value are the same
  // for every event, so they are built once, frozen and shared: an event costs a Map lookup and
  // a push, not an allocation per enrichment.
  const build = (attribute: Attribute, value: string): Finished => {
    const name = attribute.name;
    const f = attribute.kind === 'ip' ? addressFactsCached(value) : hostFactsCached(value);
    const entries = freeze(f.templates.map((t) => freeze({ name, value, ...t })));
    return freeze(f.country ? { entries, country: f.country } : { entries });
  };
  const finishedFor = (attribute: Attribute, value: string): Finished => {
    if (value.length > MAX_CACHED_KEY_LENGTH) return build(attribute, value);
    const hit = attribute.finished.get(value);
    if (hit !== undefined) return hit;
    const done = build(attribute, value);
    attribute.finished.set(value, done);
    return done;
  };
  const addressFactsCached = (ip: string) => cached(addresses, ip, addressFacts);
  const hostFactsCached = (host: string) => cached(hosts, host, hostFacts);
  const src = endpointSlot('src_endpoint');
  const dst = endpointSlot('dst_endpoint');

  /** Per-event enrichment lists start empty, and most events have one list to copy: `found` is only made when there is something to hold. */
  const enrichHost = (
    attribute: Attribute,
    host: string,
    found: OcsfEnrichment[] | undefined,
  ): OcsfEnrichment[] | undefined => collect(found, finishedFor(attribute, host).entries);

  const enrichEndpoint = (
    slot: EndpointSlot,
    endpoint: unknown,
    found: OcsfEnrichment[] | undefined,
  ): OcsfEnrichment[] | undefined => {
    if (!isRecord(endpoint)) return found;
    // Attributes read by name, not by a computed key: this runs for every event.
    const { ip, domain, hostname, svc_name: service } = endpoint;
    if (typeof ip === 'string' && ip !== '') {
      const done = finishedFor(slot.ip, ip);
      found = collect(found, done.entries);
      if (done.country) setCountry(endpoint, done.country, geoProvider);
    }
    // A normaliser may put one service principal in both `domain` and `svc_name`: one entry says it.
    const isDomain = typeof domain === 'string' && domain !== '';
    if (isDomain) found = enrichHost(slot.domain, domain, found);
    const isHostname = typeof hostname === 'string' && hostname !== '' && hostname !== domain;
    if (isHostname) found = enrichHost(slot.hostname, hostname, found);
    if (
      typeof service === 'string' &&
      service !== '' &&
      service !== domain &&
      !(isHostname && service === hostname)
    )
      found = enrichHost(slot.service, service, found);
    return found;
  };

  return (event) => {
    const fields: unknown = event;
    if (!isRecord(fields)) return;
    try {
      const found = enrichEndpoint(
        dst,
        fields.dst_endpoint,
        enrichEndpoint(src, fields.src_endpoint, undefined),
      );
      if (found !== undefined) attach(event, found);
    } catch (e) {
      // A normaliser handed over something odd (a frozen or malformed event): enrichment is optional, ingest is not.
      onError(e);
    }
  };
}

/**
 * The enricher wired for the demo and tests: GeoLite2 country lookup and the sample indicator file,
 * both loaded on first use only. Production handlers build theirs with `makeEnricher` over their
 * own indicator source.
 */
export function defaultEnricher(options: Pick<EnricherDeps, 'onError'> = {}): Enricher {
  const onError = options.onError ?? ignore;
  return makeEnricher({
    geo: geoipCountryLookup(),
    intel: lazyIntelMatcher(() => readIndicatorFileSync(SAMPLE_INDICATORS_PATH), onError),
    geoProvider: GEOLITE2_PROVIDER,
    onError,
  });
}

function cached(cache: BoundedCache<string, Facts>, key: string, compute: (key: string) => Facts): Facts {
  return key.length > MAX_CACHED_KEY_LENGTH ? compute(key) : cache.getOrCompute(key, compute);
}

function classTemplate(ipClass: IpClass, raw: string): EnrichmentTemplate {
  return { type: EnrichmentType.IpClass, provider: VIGIL_PROVIDER, data: freeze(classData(ipClass, raw)) };
}

function classData(ipClass: IpClass, raw: string): Record<string, unknown> {
  switch (ipClass.kind) {
    case 'aws_service':
      return { class: ipClass.kind, service: ipClass.service };
    case 'aws_internal':
    case 'invalid':
      return { class: ipClass.kind };
    default:
      return {
        class: ipClass.kind,
        version: ipClass.version,
        // Only when it differs: an IPv4-mapped or uncompressed IPv6 spelling of the address.
        ...(ipClass.ip !== raw && { canonical: ipClass.ip }),
        ...(ipClass.instanceMetadata && { instance_metadata: true }),
      };
  }
}

function intelTemplate(indicator: Indicator): EnrichmentTemplate {
  const data = {
    indicator_type: indicator.type,
    indicator: indicator.value,
    ...(indicator.confidence !== undefined && { confidence: indicator.confidence }),
    ...(indicator.description !== undefined && { description: indicator.description }),
  };
  return { type: EnrichmentType.ThreatIntel, provider: indicator.source, data: freeze(data) };
}

/** Fills `location` only where the normaliser left none: the source's own geolocation knows better. */
function setCountry(endpoint: Record<string, unknown>, country: string, provider: string): void {
  const location = endpoint.location;
  if (location === undefined) endpoint.location = { country, provider };
  else if (isRecord(location) && location.country === undefined && location.provider === undefined) {
    location.country = country;
    location.provider = provider;
  }
}

/**
 * `found` with `entries` added. The first entries are copied by spreading: `found` becomes the
 * event's own array while `entries` is frozen and shared, and slice() on a frozen array takes a
 * slow path in V8 that costs more than the rest of an event's enrichment.
 */
function collect(
  found: OcsfEnrichment[] | undefined,
  entries: readonly OcsfEnrichment[],
): OcsfEnrichment[] | undefined {
  if (entries.length === 0) return found;
  if (found === undefined) return [...entries];
  for (const e of entries) found.push(e);
  return found;
}

/** Adds what was found (never empty) to the event's enrichments. */
function attach(event: OcsfEvent, found: OcsfEnrichment[]): void {
  const existing: unknown = event.enrichments;
  if (existing === undefined) event.enrichments = found;
  else if (Array.isArray(existing)) existing.push(...found);
}

// Shared between events, so frozen: a consumer mutating one event's enrichment cannot touch another's.
const freeze = <T extends object>(value: T): Readonly<T> => Object.freeze(value);
const freezeFacts = (templates: EnrichmentTemplate[], country?: string): Facts =>
  freeze(country ? { templates: freeze(templates), country } : { templates: freeze(templates) });

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
