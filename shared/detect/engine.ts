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

/** The candidates of one source: per trigger key, the triggered detections followed by the untriggered ones. */
interface SourceIndex {
  readonly byKey: Map<string, readonly Detection[]>;
  readonly untriggered: readonly Detection[];
}

/**
 * Builds the per-source, per-trigger index once, so each event meets only the handful of
 * detections that can fire on it rather than the whole catalogue. Each list is merged at build
 * time (triggered detections, then the untriggered ones of the source), so the per-event work is
 * two map lookups and no allocation. Keys come from hostile input, but only the keys some
 * detection names are stored; any other key meets the untriggered list.
 */
export function buildEngine(detections: readonly Detection[]): DetectionEngine {
  const byTrigger = new Map<string, Map<string, Detection[]>>();
  const untriggered = new Map<string, Detection[]>();
  const add = <K>(map: Map<K, Detection[]>, key: K, d: Detection) => {
    const list = map.get(key);
    if (list) list.push(d);
    else map.set(key, [d]);
  };
  for (const d of detections) {
    for (const source of d.sources) {
      if (d.triggers) {
        let keys = byTrigger.get(source);
        if (!keys) {
          keys = new Map();
          byTrigger.set(source, keys);
        }
        for (const t of d.triggers) add(keys, t, d);
      } else add(untriggered, source, d);
    }
  }
  const none: readonly Detection[] = [];
  const index = new Map<string, SourceIndex>();
  for (const source of new Set([...byTrigger.keys(), ...untriggered.keys()])) {
    const rest = untriggered.get(source) ?? none;
    const byKey = new Map<string, readonly Detection[]>();
    for (const [key, list] of byTrigger.get(source) ?? []) byKey.set(key, [...list, ...rest]);
    index.set(source, { byKey, untriggered: rest });
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
        key === undefined ? forSource.untriggered : (forSource.byKey.get(key) ?? forSource.untriggered);
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
