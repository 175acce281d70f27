/**
 * A principal's behavioural profile: what it has been seen doing, as bounded first-seen sets per
 * dimension. Pure model and extraction; learning and flagging live in observe.ts, storage in the
 * store adapter.
 */
import { entitiesOf } from '../detect/entities.ts';
import type { NormalisedEvent } from '../normalise/types.ts';
import { userAgentFamily } from './user-agent.ts';

/**
 * The habits a profile keeps.
 *   api         `service:operation` (CloudTrail `iam.amazonaws.com:CreateUser`, Okta `okta:user.session.start`)
 *   service     api.service.name (CloudTrail eventSource); sources without one have none
 *   region      cloud.region
 *   ip          src_endpoint.ip
 *   country     src_endpoint.location.country (enrichment's GeoLite2 lookup, or the source's own)
 *   asn         `AS<n>`, only where the source states it (see `asnOf`): no ASN database ships
 *   user_agent  the family of http_request.user_agent (user-agent.ts), never the raw string
 */
export const DIMENSIONS = ['api', 'service', 'region', 'ip', 'country', 'asn', 'user_agent'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface PrincipalProfile {
  principal: string;
  /** Earliest event time seen (ms): learning runs from here. */
  first_seen: number;
  /**
   * Events counted. Exact until it reaches the policy's `minEvents` (every batch writes it until
   * then), a lower bound after (only batches with something new write) and over-counted by
   * redelivery. It only feeds the "enough events to stop learning" test, which it answers right.
   */
  events: number;
  /** Latest event time of the batches that wrote the profile: drives the periodic refresh. */
  refreshed_at: number;
  values: Record<Dimension, ReadonlySet<string>>;
  /**
   * `dimension:value` → uid of the event that was flagged for the value after learning. A batch
   * delivered again finds its values already known; this is how it re-emits the same signals
   * (same ids, so correlation counts them once) instead of losing them.
   */
  flagged: ReadonlyMap<string, string>;
}

/** What one batch adds to one principal's profile; the store applies it as one idempotent write. */
export interface ProfileUpdate {
  principal: string;
  /**
   * True when no live profile was loaded: the store creates the item whole, replacing any expired
   * remnant that DynamoDB's TTL has not yet deleted (merging into it would resurrect stale habits).
   */
  creates: boolean;
  /** Values first seen in this batch, per dimension (only dimensions with something new). */
  add: Partial<Record<Dimension, string[]>>;
  /** Values flagged in this batch, with the event that carried each first. */
  flag: { dimension: Dimension; value: string; event_uid: string }[];
  /** Earliest event time of the principal in this batch. */
  first_seen: number;
  /** True when `first_seen` is earlier than the stored profile's (a late event): the store lowers it. */
  lowers_first_seen: boolean;
  /** Events of the principal in this batch. */
  events: number;
  /** Latest event time of the principal in this batch, or the stored one if later. */
  refreshed_at: number;
}

/** Values longer than this are clipped: log content is hostile and profiles are stored. */
export const MAX_VALUE_LENGTH = 128;
/**
 * Principals longer than this are not profiled. IAM ARNs stay far below it; anything longer is
 * hostile, and clipping would merge distinct principals. Keeps `BASELINE#<principal>` inside
 * DynamoDB's 2048-byte partition key even in 3-byte UTF-8.
 */
export const MAX_PRINCIPAL_LENGTH = 512;

export const clipValue = (v: string): string =>
  v.length > MAX_VALUE_LENGTH ? v.slice(0, MAX_VALUE_LENGTH) : v;
/** The key of a flagged value; dimensions hold no colon, so the first one splits it back. */
export const flagKey = (dimension: Dimension, value: string): string => `${dimension}:${value}`;

/** The event id signals are keyed on, as the detection engine derives it. */
export const eventUidOf = (ev: NormalisedEvent): string =>
  ev.ocsf.metadata.uid ?? `${ev.source}:${ev.ocsf.time}`;

export const emptyValues = (): Record<Dimension, Set<string>> => ({
  api: new Set(),
  service: new Set(),
  region: new Set(),
  ip: new Set(),
  country: new Set(),
  asn: new Set(),
  user_agent: new Set(),
});

/**
 * The principal an event is about, as correlation keys it (entitiesOf), so a baseline signal lands
 * on the same entity as the detections. Findings (OCSF category 2) report *about* a principal;
 * they are not its behaviour, and learning a finding's attacker IP would make it "known".
 */
export function principalOf(ev: NormalisedEvent): string | undefined {
  if (ev.ocsf.category_uid === 2 || !Number.isFinite(ev.ocsf.time)) return undefined;
  const principal = entitiesOf(ev).find((e) => e.type === 'principal')?.id;
  return principal && principal.length <= MAX_PRINCIPAL_LENGTH ? principal : undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The ASN of the event's source, where the source itself states it. No offline ASN database is
 * installed, so only Okta's `securityContext.asNumber` fills it today (Panther's export
 * lower-cases the key). GuardDuty's `remoteIpDetails.organization.asn` also names one, but
 * findings are not behaviour (see principalOf). An enrichment step with an ASN database would
 * slot in here.
 */
export function asnOf(ev: NormalisedEvent): string | undefined {
  if (ev.source !== 'okta' || !isRecord(ev.raw)) return undefined;
  const context = ev.raw.securityContext ?? ev.raw.securitycontext;
  if (!isRecord(context)) return undefined;
  const n = context.asNumber ?? context.asnumber;
  const digits = typeof n === 'number' ? String(n) : typeof n === 'string' ? n.trim() : '';
  // 32-bit AS numbers: at most 10 digits; anything else is not an ASN.
  return /^\d{1,10}$/.test(digits) && Number(digits) > 0 ? `AS${Number(digits)}` : undefined;
}

/** The (dimension, value) pairs an event shows, clipped, in a fixed dimension order. */
export function observationsOf(ev: NormalisedEvent): [Dimension, string][] {
  const o = ev.ocsf;
  const out: [Dimension, string][] = [];
  const put = (d: Dimension, v: string | undefined) => {
    if (typeof v === 'string' && v !== '') out.push([d, clipValue(v)]);
  };
  const service = o.api?.service?.name;
  if (o.api?.operation) put('api', `${service ?? ev.source}:${o.api.operation}`);
  put('service', service);
  put('region', o.cloud?.region);
  put('ip', o.src_endpoint?.ip);
  put('country', o.src_endpoint?.location?.country);
  put('asn', asnOf(ev));
  const ua = o.http_request?.user_agent;
  if (typeof ua === 'string') put('user_agent', userAgentFamily(ua));
  return out;
}

/**
 * A profile after an update, with DynamoDB's semantics (set union, first flag wins, min
 * first_seen, summed events): the reference the memory store and the tests hold the adapter to.
 * Caps are not re-applied here, as DynamoDB's ADD does not apply them either. A `creates` update
 * replaces the profile (the adapter's conditional put; a live item there means a concurrent
 * creator won, and the adapter merges instead — not modelled here).
 */
export function applyUpdate(existing: PrincipalProfile | undefined, update: ProfileUpdate): PrincipalProfile {
  const profile = update.creates ? undefined : existing;
  const values = emptyValues();
  for (const d of Object.keys(values) as Dimension[]) {
    for (const v of profile?.values[d] ?? []) values[d].add(v);
    for (const v of update.add[d] ?? []) values[d].add(v);
  }
  const flagged = new Map(profile?.flagged ?? []);
  for (const f of update.flag) {
    const key = flagKey(f.dimension, f.value);
    if (!flagged.has(key)) flagged.set(key, f.event_uid);
  }
  return {
    principal: update.principal,
    first_seen: Math.min(profile?.first_seen ?? Number.POSITIVE_INFINITY, update.first_seen),
    events: (profile?.events ?? 0) + update.events,
    refreshed_at: Math.max(profile?.refreshed_at ?? Number.NEGATIVE_INFINITY, update.refreshed_at),
    values,
    flagged,
  };
}
