import { BoundedCache } from '../enrich/bounded-cache.ts';
import type { NormalisedEvent } from '../normalise/types.ts';
import { entitiesOf } from './entities.ts';
import type { Detection, DetectionContext, Signal } from './types.ts';

/** The key a detection's `triggers` refer to, read from the raw record of each source. */
export function triggerKey(ev: NormalisedEvent): string | undefined {
  const raw = ev.raw as Record<string, unknown> | null;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const key =
    ev.source === 'cloudtrail'
      ? (raw.eventName ?? raw.eventname)
      : ev.source === 'okta'
        ? (raw.eventType ?? raw.eventtype)
        : ev.source === 'github'
          ? raw.action
          : undefined;
  return typeof key === 'string' ? key : undefined;
}

const MAX_FACT = 256;
const clip = (v: string) => (v.length > MAX_FACT ? `${v.slice(0, MAX_FACT)}…` : v);

/**
 * What every signal says about its event, so an incident can show its evidence without keeping
 * whole events: the operation, who, from where. Strings are clipped: log content is hostile and
 * signals are stored and shown.
 */
export function baseFacts(ev: NormalisedEvent): Record<string, string | number | boolean> {
  const o = ev.ocsf;
  const facts: Record<string, string | number | boolean> = { source: ev.source, class_uid: o.class_uid };
  const operation = o.api?.operation ?? o.finding_info?.title ?? o.activity_name;
  if (operation) facts.operation = clip(operation);
  if (o.api?.service?.name) facts.service = clip(o.api.service.name);
  const actor = o.actor?.user?.name ?? o.actor?.user?.uid;
  if (actor) facts.actor = clip(actor);
  if (o.src_endpoint?.ip) facts.src_ip = o.src_endpoint.ip;
  if (o.src_endpoint?.location?.country) facts.country = clip(o.src_endpoint.location.country);
  if (o.cloud?.region) facts.region = clip(o.cloud.region);
  if (o.http_request?.user_agent) facts.user_agent = clip(o.http_request.user_agent);
  if (o.status) facts.status = clip(o.status);
  return facts;
}

export interface DetectionEngine {
  /** Runs every applicable detection on one event; a detection that throws is reported, not fatal. */
  run(ev: NormalisedEvent, ctx: DetectionContext): Signal[];
  readonly detections: readonly Detection[];
  /** Detection ids that threw, with the count, since the engine was built (a bug to surface, not hide). */
  readonly faults: Map<string, number>;
}

/**
 * The detections of one source, sorted by how they choose their events: by listed trigger keys, on
 * every event, or by a key test. The candidate list of each key is merged from the three on first
 * sight and kept.
 */
interface SourceIndex {
  readonly triggered: ReadonlyMap<string, readonly Detection[]>;
  /** Untriggered detections that run on every event of the source. */
  readonly everyEvent: readonly Detection[];
  /** Untriggered detections narrowed by `acceptsKey`. */
  readonly keyed: readonly Detection[];
  /** Candidate lists built so far, per key: bounded, since keys come from hostile input. */
  readonly lists: BoundedCache<string, readonly Detection[]>;
  /** Builds a key's list; made once per source, so a lookup allocates no closure. */
  readonly listFor: (key: string) => readonly Detection[];
}

/** Distinct keys whose candidate lists are kept per source; a real account uses a few thousand APIs. */
const MAX_KEYS = 8_192;
/**
 * Longest key whose list is kept: API names and event types are a few dozen characters, and keys
 * come from records, so a stream of huge distinct keys must not fill the cache with them.
 */
const MAX_KEPT_KEY_LENGTH = 256;

/**
 * The list of one key: the triggered detections, then the every-event ones, then the keyed ones
 * accepting it. A key test that throws lets its detection run (failing closed: the detection's own
 * checks then decide), rather than silently dropping it for that key.
 */
function listFor(index: Omit<SourceIndex, 'lists' | 'listFor'>, key: string): readonly Detection[] {
  const triggered = index.triggered.get(key);
  const keyed = index.keyed.filter((d) => {
    try {
      return d.acceptsKey?.(key) === true;
    } catch {
      return true;
    }
  });
  if (triggered === undefined && keyed.length === 0) return index.everyEvent;
  return [...(triggered ?? []), ...index.everyEvent, ...keyed];
}

/**
 * Builds the per-source, per-trigger index once, so each event meets only the handful of
 * detections that can fire on it rather than the whole catalogue. A key's list is merged on first
 * sight and kept, so the per-event work is two map lookups and no allocation.
 */
export function buildEngine(detections: readonly Detection[]): DetectionEngine {
  const sources = new Map<
    string,
    { triggered: Map<string, Detection[]>; everyEvent: Detection[]; keyed: Detection[] }
  >();
  for (const d of detections) {
    for (const source of d.sources) {
      let s = sources.get(source);
      if (!s) {
        s = { triggered: new Map(), everyEvent: [], keyed: [] };
        sources.set(source, s);
      }
      if (d.triggers) {
        for (const t of d.triggers) {
          const list = s.triggered.get(t);
          if (list) list.push(d);
          else s.triggered.set(t, [d]);
        }
      } else if (d.acceptsKey) s.keyed.push(d);
      else s.everyEvent.push(d);
    }
  }
  const index = new Map<string, SourceIndex>();
  for (const [source, s] of sources) {
    index.set(source, { ...s, lists: new BoundedCache(MAX_KEYS), listFor: (key) => listFor(s, key) });
  }
  const faults = new Map<string, number>();

  return {
    detections,
    faults,
    run(ev, ctx) {
      const forSource = index.get(ev.source);
      if (forSource === undefined) return [];
      const key = triggerKey(ev);
      const candidates =
        key === undefined
          ? forSource.everyEvent
          : key.length <= MAX_KEPT_KEY_LENGTH
            ? forSource.lists.getOrCompute(key, forSource.listFor)
            : forSource.listFor(key);
      if (candidates.length === 0) return [];
      const signals: Signal[] = [];
      for (const d of candidates) {
        let hit: ReturnType<Detection['detect']>;
        try {
          hit = d.detect(ev, ctx);
        } catch {
          faults.set(d.id, (faults.get(d.id) ?? 0) + 1);
          continue;
        }
        if (!hit) continue;
        const eventUid = ev.ocsf.metadata.uid ?? `${ev.source}:${ev.ocsf.time}`;
        const entities = entitiesOf(ev);
        for (const e of hit.entities ?? []) {
          if (!entities.some((x) => x.type === e.type && x.id === e.id)) entities.push(e);
        }
        signals.push({
          id: `${d.id}|${eventUid}`,
          rule_id: d.id,
          title: d.title,
          severity: hit.severity ?? d.severity,
          risk: hit.risk ?? d.risk,
          attack: d.attack,
          tactic: d.tactic,
          origin: d.id.startsWith('sigma.') ? 'sigma' : 'detection',
          source: ev.source,
          time: ev.ocsf.time,
          event_uid: eventUid,
          entities,
          evidence: { ...baseFacts(ev), ...hit.evidence },
          ...(d.attribution ? { attribution: d.attribution } : {}),
        });
      }
      return signals;
    },
  };
}
