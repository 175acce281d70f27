import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  buildIntelMatcher,
  defaultEnricher,
  EnrichmentType,
  type GeoLookup,
  geoipCountryLookup,
  makeEnricher,
  noEnrichment,
} from '../../../shared/enrich/index.ts';
import { readIndicatorFileSync, SAMPLE_INDICATORS_PATH } from '../../../shared/enrich/indicator-file.ts';
import type { OcsfEnrichment, OcsfEvent } from '../../../shared/ocsf/types.ts';

const DATA = path.resolve(process.cwd(), '../shared/data');

const schema = JSON.parse(readFileSync(path.join(DATA, 'ocsf/schema-1.1.0.compiled.json'), 'utf8'));
type AttributeSpec = { requirement: string };
const attributesOf = (object: string): Record<string, AttributeSpec> => schema.objects[object].attributes;

/** Real CloudTrail records from the labelled set, keyed by their source address. */
const cloudTrailBySource = new Map<string, Record<string, unknown>>(
  readFileSync(path.join(DATA, 'labelled/panther_aws_cloudtrail.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l).event)
    .map((e) => [e.sourceIPAddress, e]),
);

/** The OCSF shape a CloudTrail normaliser gives a record: just what enrichment reads. */
function apiActivityFrom(sourceAddress: string, overrides: Partial<OcsfEvent> = {}): OcsfEvent {
  const record = cloudTrailBySource.get(sourceAddress);
  if (!record) throw new Error(`no labelled CloudTrail record from ${sourceAddress}`);
  const isHost = /[a-z]/i.test(sourceAddress);
  return {
    class_uid: 6003,
    category_uid: 6,
    activity_id: 99,
    type_uid: 600399,
    severity_id: 1,
    time: Date.parse(String(record.eventTime)),
    metadata: {
      version: '1.1.0',
      product: { name: 'CloudTrail', vendor_name: 'AWS' },
      uid: String(record.eventID),
    },
    src_endpoint:
      isHost && sourceAddress !== 'AWS Internal' ? { domain: sourceAddress } : { ip: sourceAddress },
    ...overrides,
  };
}

const sampleIntel = () => buildIntelMatcher(readIndicatorFileSync(SAMPLE_INDICATORS_PATH).indicators);
const realEnricher = () => makeEnricher({ geo: geoipCountryLookup(), intel: sampleIntel() });
const ofType = (event: OcsfEvent, type: string) => (event.enrichments ?? []).filter((e) => e.type === type);

/** Every enrichment has the OCSF-required attributes and nothing the schema does not define. */
function expectSchemaShape(enrichments: OcsfEnrichment[]) {
  const attributes = attributesOf('enrichment');
  const required = Object.keys(attributes).filter((k) => attributes[k]?.requirement === 'required');
  for (const enrichment of enrichments) {
    expect(Object.keys(attributes)).toEqual(expect.arrayContaining(Object.keys(enrichment)));
    for (const key of required) expect(enrichment).toHaveProperty(key);
    expect(typeof enrichment.name).toBe('string');
    expect(typeof enrichment.value).toBe('string');
    expect(JSON.parse(JSON.stringify(enrichment.data))).toEqual(enrichment.data);
  }
}

describe('makeEnricher', () => {
  it('classifies a real CloudTrail source in a documentation range and matches it to the sample intel', () => {
    const event = apiActivityFrom('203.0.113.50');
    realEnricher()(event);

    expect(event.enrichments).toEqual([
      {
        name: 'src_endpoint.ip',
        value: '203.0.113.50',
        type: 'ip_class',
        provider: 'vigil',
        data: { class: 'reserved', version: 4 },
      },
      {
        name: 'src_endpoint.ip',
        value: '203.0.113.50',
        type: 'threat_intel',
        provider: 'vigil-sample',
        data: expect.objectContaining({
          indicator_type: 'cidr',
          indicator: '203.0.113.0/24',
          confidence: 80,
        }),
      },
    ]);
    // Not a public address: no geolocation.
    expect(event.src_endpoint?.location).toBeUndefined();
    expectSchemaShape(event.enrichments ?? []);
  });

  it('geolocates a real public CloudTrail source into src_endpoint.location', () => {
    const event = apiActivityFrom('52.42.146.205');
    realEnricher()(event);

    const location = event.src_endpoint?.location;
    expect(location?.country).toMatch(/^[A-Z]{2}$/);
    expect(location?.provider).toMatch(/GeoLite2/);
    expect(Object.keys(attributesOf('location'))).toEqual(
      expect.arrayContaining(Object.keys(location ?? {})),
    );
    expect(ofType(event, EnrichmentType.Location)).toEqual([
      expect.objectContaining({
        name: 'src_endpoint.ip',
        value: '52.42.146.205',
        data: { country: location?.country },
      }),
    ]);
    expect(ofType(event, EnrichmentType.IpClass)[0]?.data).toEqual({ class: 'public', version: 4 });
    expectSchemaShape(event.enrichments ?? []);
  });

  it('names the service for a CloudTrail service principal and says nothing of geography', () => {
    const event = apiActivityFrom('cloudformation.amazonaws.com');
    realEnricher()(event);
    expect(event.enrichments).toEqual([
      {
        name: 'src_endpoint.domain',
        value: 'cloudformation.amazonaws.com',
        type: 'ip_class',
        provider: 'vigil',
        data: { class: 'aws_service', service: 'cloudformation' },
      },
    ]);
    expect(event.src_endpoint?.location).toBeUndefined();
  });

  it('says once what a name is when a normaliser put it in both domain and svc_name', () => {
    const event = apiActivityFrom('autoscaling.amazonaws.com', {
      src_endpoint: { domain: 'autoscaling.amazonaws.com', svc_name: 'autoscaling.amazonaws.com' },
    });
    realEnricher()(event);
    expect(event.enrichments?.map((e) => [e.name, e.data])).toEqual([
      ['src_endpoint.domain', { class: 'aws_service', service: 'autoscaling' }],
    ]);
  });

  it("classifies 'AWS Internal' wherever a normaliser put it", () => {
    const inIp = apiActivityFrom('AWS Internal');
    const inSvcName = apiActivityFrom('AWS Internal', { src_endpoint: { svc_name: 'AWS Internal' } });
    const enrich = realEnricher();
    enrich(inIp);
    enrich(inSvcName);
    expect(inIp.enrichments?.map((e) => [e.name, e.data])).toEqual([
      ['src_endpoint.ip', { class: 'aws_internal' }],
    ]);
    expect(inSvcName.enrichments?.map((e) => [e.name, e.data])).toEqual([
      ['src_endpoint.svc_name', { class: 'aws_internal' }],
    ]);
  });

  it('flags the instance metadata address and gives the canonical form of an IPv4-mapped address', () => {
    const event = apiActivityFrom('10.0.1.100', {
      src_endpoint: { ip: '::ffff:169.254.169.254' },
      dst_endpoint: { ip: '10.0.1.100' },
    });
    realEnricher()(event);
    expect(event.enrichments?.map((e) => [e.name, e.data])).toEqual([
      [
        'src_endpoint.ip',
        { class: 'link_local', version: 4, canonical: '169.254.169.254', instance_metadata: true },
      ],
      ['dst_endpoint.ip', { class: 'private', version: 4 }],
    ]);
  });

  it('matches intel on a destination domain and its IPv6 address', () => {
    const event = apiActivityFrom('1.2.3.4', {
      dst_endpoint: { ip: '2001:db8:bad::53', domain: 'beacon.c2.example.com' },
    });
    realEnricher()(event);
    const intel = ofType(event, EnrichmentType.ThreatIntel).map((e) => [
      e.name,
      e.value,
      (e.data as { indicator: string }).indicator,
    ]);
    expect(intel).toEqual([
      ['dst_endpoint.ip', '2001:db8:bad::53', '2001:db8:bad::/48'],
      ['dst_endpoint.domain', 'beacon.c2.example.com', 'c2.example.com'],
    ]);
  });

  it('labels a leading-zero address invalid rather than guessing which host it is', () => {
    const event = apiActivityFrom('203.0.113.50', { src_endpoint: { ip: '075.050.255.67' } });
    realEnricher()(event);
    expect(event.enrichments?.map((e) => e.data)).toEqual([{ class: 'invalid' }]);
    expect(event.src_endpoint?.location).toBeUndefined();
  });

  it('keeps a location the source already gave, and enrichments already there', () => {
    const event = apiActivityFrom('52.42.146.205', {
      src_endpoint: { ip: '8.8.8.8', location: { country: 'FR', city: 'Paris', provider: 'GuardDuty' } },
      enrichments: [{ name: 'x', value: 'y', data: {} }],
    });
    realEnricher()(event);
    expect(event.src_endpoint?.location).toEqual({ country: 'FR', city: 'Paris', provider: 'GuardDuty' });
    expect(event.enrichments?.[0]).toEqual({ name: 'x', value: 'y', data: {} });
    expect(ofType(event, EnrichmentType.Location)[0]?.data).toEqual({ country: 'US' });
  });

  it('asks geolocation once per address and only for public ones', () => {
    const geo = vi.fn<GeoLookup>(() => ({ country: 'NZ' }));
    const enrich = makeEnricher({ geo, intel: buildIntelMatcher([]) });
    for (let i = 0; i < 50; i++) {
      for (const ip of ['52.42.146.205', '10.0.1.100', '203.0.113.50', '::1'])
        enrich(apiActivityFrom('1.2.3.4', { src_endpoint: { ip } }));
    }
    expect(geo.mock.calls).toEqual([['52.42.146.205']]);
  });

  it('shares frozen data between events, so one event cannot change another', () => {
    const enrich = realEnricher();
    const [a, b] = [apiActivityFrom('203.0.113.50'), apiActivityFrom('203.0.113.50')];
    enrich(a);
    enrich(b);
    // The finished enrichment objects are shared (built once per address), hence frozen throughout;
    // each event has its own array, so adding to one event's enrichments leaves the other alone.
    const [first] = a.enrichments ?? [];
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.data)).toBe(true);
    expect(() => {
      (first as { value: string }).value = 'tampered';
    }).toThrow(TypeError);
    expect(a.enrichments).not.toBe(b.enrichments);
    a.enrichments?.push({ name: 'x', value: 'y', data: {} });
    expect(b.enrichments?.some((e) => e.name === 'x')).toBe(false);
    expect(b.enrichments?.[0]?.value).toBe('203.0.113.50');
  });

  it('goes on without a provider that fails, and reports the fault', () => {
    const onError = vi.fn();
    const enrich = makeEnricher({
      geo: () => {
        throw new Error('geo down');
      },
      intel: sampleIntel(),
      onError,
    });
    const event = apiActivityFrom('52.42.146.205');
    enrich(event);
    expect(event.enrichments?.map((e) => e.type)).toEqual(['ip_class']);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('never throws, whatever a normaliser handed over', () => {
    const onError = vi.fn();
    const enrich = makeEnricher({ geo: geoipCountryLookup(), intel: sampleIntel(), onError });
    const odd: unknown[] = [
      null,
      'event',
      {},
      { src_endpoint: null },
      { src_endpoint: 'x' },
      { src_endpoint: { ip: 42, domain: ['a'] } },
      { src_endpoint: { ip: '8.8.8.8', location: 'nowhere' }, enrichments: 'none' },
      { src_endpoint: [{ ip: '8.8.8.8' }] },
      Object.freeze({ src_endpoint: Object.freeze({ ip: '203.0.113.1' }) }),
    ];
    for (const event of odd) expect(() => enrich(event as OcsfEvent)).not.toThrow();
    // The frozen event is the one that could not take its enrichments.
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(TypeError);

    const throwingReporter = makeEnricher({
      geo: geoipCountryLookup(),
      intel: sampleIntel(),
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect(() => throwingReporter(odd.at(-1) as OcsfEvent)).not.toThrow();
  });
});

describe('noEnrichment', () => {
  it('leaves the event as it was', () => {
    const event = apiActivityFrom('52.42.146.205');
    const before = structuredClone(event);
    noEnrichment(event);
    expect(event).toEqual(before);
  });
});

describe('defaultEnricher', () => {
  it('finds its sample indicators from any working directory', () => {
    const cwd = process.cwd();
    const event = apiActivityFrom('198.51.100.200');
    process.chdir(tmpdir());
    try {
      defaultEnricher()(event);
    } finally {
      process.chdir(cwd);
    }
    expect(
      ofType(event, EnrichmentType.ThreatIntel).map((e) => (e.data as { indicator: string }).indicator),
    ).toEqual(['198.51.100.0/24']);
  });
});
