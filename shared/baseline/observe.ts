/**
 * Behavioural baselines, the decision: given a batch and the stored profiles of its principals,
 * what each profile learns and which first-seen values deserve a signal. Pure: event time only,
 * no clock, no I/O.
 */
import { baseFacts } from '../detect/engine.ts';
import { entitiesOf } from '../detect/entities.ts';
import type { Severity, Signal, Tactic } from '../detect/types.ts';
import type { NormalisedEvent } from '../normalise/types.ts';
import type { BaselinePolicy } from './policy.ts';
import {
  clipValue,
  DIMENSIONS,
  type Dimension,
  emptyValues,
  eventUidOf,
  flagKey,
  observationsOf,
  type PrincipalProfile,
  type ProfileUpdate,
  principalOf,
} from './profile.ts';

const DAY_MS = 86_400_000;
/** OCSF Authentication: a sign-in from a new country is the "impossible" login analysts look for first. */
const AUTHENTICATION = 3002;

export interface BaselineRule {
  id: string;
  title: string;
  severity: Severity;
  risk: number;
  tactic: Tactic;
  attack: string[];
}

/**
 * One rule per dimension. Risks are small on purpose: scoring caps all baseline risk of an entity
 * (`baselineCap`) and never counts it toward tactic progression, so rarity colours an incident
 * that detections open rather than opening one.
 */
export const BASELINE_RULES: Record<Dimension, BaselineRule> = {
  country: {
    id: 'baseline.new_country',
    title: 'Principal active from a country never seen for it',
    severity: 'low',
    risk: 10,
    tactic: 'TA0001',
    attack: ['T1078.004'],
  },
  asn: {
    id: 'baseline.new_asn',
    title: 'Principal active from a network (ASN) never seen for it',
    severity: 'low',
    risk: 8,
    tactic: 'TA0001',
    attack: ['T1078.004'],
  },
  region: {
    id: 'baseline.new_region',
    title: 'Principal active in a region never seen for it',
    severity: 'low',
    risk: 8,
    // Unused regions are where attackers run miners and hide resources from the usual dashboards.
    tactic: 'TA0005',
    attack: ['T1535'],
  },
  user_agent: {
    id: 'baseline.new_user_agent_family',
    title: 'Principal using a tool (user agent family) never seen for it',
    severity: 'low',
    risk: 5,
    // Stolen keys are typically replayed from the attacker's own tooling.
    tactic: 'TA0001',
    attack: ['T1078.004'],
  },
  service: {
    id: 'baseline.new_service',
    title: 'Principal calling an AWS service never seen for it',
    severity: 'info',
    risk: 3,
    tactic: 'TA0007',
    attack: ['T1526'],
  },
  api: {
    id: 'baseline.new_api',
    title: 'Principal calling an API never seen for it',
    severity: 'info',
    risk: 1,
    // A first call is context, not a technique: the detections name the technique when there is one.
    tactic: 'TA0007',
    attack: [],
  },
  ip: {
    id: 'baseline.new_ip',
    title: 'Principal active from a source IP never seen for it',
    severity: 'info',
    risk: 1,
    tactic: 'TA0001',
    attack: ['T1078.004'],
  },
};

export interface Observation {
  /** One per principal that has something to write; none for a principal whose batch brought nothing new. */
  updates: ProfileUpdate[];
  signals: Signal[];
}

interface Working {
  stored: PrincipalProfile | undefined;
  values: Record<Dimension, Set<string>>;
  firstSeen: number;
  events: number;
  add: Partial<Record<Dimension, string[]>>;
  flag: ProfileUpdate['flag'];
  batchFirst: number;
  batchLast: number;
  batchEvents: number;
}

function working(stored: PrincipalProfile | undefined): Working {
  const values = emptyValues();
  if (stored) for (const d of DIMENSIONS) for (const v of stored.values[d]) values[d].add(v);
  return {
    stored,
    values,
    firstSeen: stored?.first_seen ?? Number.POSITIVE_INFINITY,
    events: stored?.events ?? 0,
    add: {},
    flag: [],
    batchFirst: Number.POSITIVE_INFINITY,
    batchLast: Number.NEGATIVE_INFINITY,
    batchEvents: 0,
  };
}

function signalFor(ev: NormalisedEvent, dimension: Dimension, value: string, ageMs: number): Signal {
  const rule = BASELINE_RULES[dimension];
  const eventUid = eventUidOf(ev);
  const severity: Severity =
    dimension === 'country' && ev.ocsf.class_uid === AUTHENTICATION ? 'medium' : rule.severity;
  return {
    id: `${rule.id}|${eventUid}`,
    rule_id: rule.id,
    title: rule.title,
    severity,
    risk: rule.risk,
    attack: rule.attack,
    tactic: rule.tactic,
    // Always 'baseline', whatever the severity: that is what keeps it under the baseline cap.
    origin: 'baseline',
    source: ev.source,
    time: ev.ocsf.time,
    event_uid: eventUid,
    entities: entitiesOf(ev),
    evidence: { ...baseFacts(ev), dimension, value, profile_age_days: Math.floor(ageMs / DAY_MS) },
  };
}

/**
 * Learns a batch into its principals' profiles and flags values never seen after learning.
 *
 * - Events are taken in event-time order (ties on event id), so a batch's outcome does not depend
 *   on the order it arrived in, and the first event carrying a value is the one flagged for it.
 * - Learning is per principal, by event time: an event is judged against the profile as it stood
 *   including everything before it, and a principal learns until it is `learningMs` old AND has
 *   `minEvents` events.
 * - A value flagged once is recorded, so it never fires again for that principal; a batch
 *   delivered again re-emits its own flags (same signal ids) and writes nothing new.
 */
export function observe(
  events: readonly NormalisedEvent[],
  profiles: ReadonlyMap<string, PrincipalProfile>,
  policy: BaselinePolicy,
): Observation {
  const observed: { ev: NormalisedEvent; principal: string; uid: string }[] = [];
  for (const ev of events) {
    const principal = principalOf(ev);
    if (principal !== undefined) observed.push({ ev, principal, uid: eventUidOf(ev) });
  }
  observed.sort((a, b) => a.ev.ocsf.time - b.ev.ocsf.time || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));

  const quiet = new Set(policy.quiet);
  const state = new Map<string, Working>();
  const signals: Signal[] = [];
  const emitted = new Set<string>();

  for (const { ev, principal, uid } of observed) {
    let w = state.get(principal);
    if (!w) {
      w = working(profiles.get(principal));
      state.set(principal, w);
    }
    const t = ev.ocsf.time;
    const before = w.events;
    w.events++;
    w.batchEvents++;
    w.firstSeen = Math.min(w.firstSeen, t);
    w.batchFirst = Math.min(w.batchFirst, t);
    w.batchLast = Math.max(w.batchLast, t);
    const age = t - w.firstSeen;
    const learning = before < policy.minEvents || age < policy.learningMs;
    const flagUid = clipValue(uid);

    for (const [dimension, value] of observationsOf(ev)) {
      const known = w.values[dimension];
      if (known.has(value)) {
        // Redelivery: the value was learned by an earlier delivery of this very event.
        if (w.stored?.flagged.get(flagKey(dimension, value)) === flagUid) {
          const s = signalFor(ev, dimension, value, age);
          if (!emitted.has(s.id)) {
            emitted.add(s.id);
            signals.push(s);
          }
        }
        continue;
      }
      if (known.size >= policy.caps[dimension]) continue;
      known.add(value);
      const added = w.add[dimension];
      if (added) added.push(value);
      else w.add[dimension] = [value];
      if (learning || quiet.has(dimension)) continue;
      w.flag.push({ dimension, value, event_uid: flagUid });
      const s = signalFor(ev, dimension, value, age);
      emitted.add(s.id);
      signals.push(s);
    }
  }

  const updates: ProfileUpdate[] = [];
  for (const [principal, w] of state) {
    const stored = w.stored;
    const lowers = stored !== undefined && w.batchFirst < stored.first_seen;
    const needed =
      stored === undefined ||
      Object.keys(w.add).length > 0 ||
      w.flag.length > 0 ||
      lowers ||
      // The count decides learning until it reaches minEvents, so until then every batch writes
      // it: at most minEvents writes per principal ever, mostly in batches that learn values
      // anyway. Past minEvents the count is no longer needed and stops being written.
      stored.events < policy.minEvents ||
      w.batchLast - stored.refreshed_at >= policy.refreshMs;
    if (!needed) continue;
    updates.push({
      principal,
      creates: stored === undefined,
      add: w.add,
      flag: w.flag,
      first_seen: w.batchFirst,
      lowers_first_seen: lowers,
      events: w.batchEvents,
      refreshed_at: Math.max(w.batchLast, stored?.refreshed_at ?? Number.NEGATIVE_INFINITY),
    });
  }
  return { updates, signals };
}
