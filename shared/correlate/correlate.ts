import { createHash } from 'node:crypto';
import type { Signal } from '../detect/types.ts';
import type { ScoringPolicy } from './policy.ts';
import { type OpenReason, scoreEntity } from './score.ts';
import { matchSuppression } from './suppress.ts';
import {
  type EntityKey,
  type EntityState,
  entityKey,
  isStrong,
  type StoredSignal,
  type Suppression,
} from './types.ts';

/**
 * Most signals one entity's record keeps; older ones go first (the incident keeps its own copy).
 * Strong entities keep whole signals (an incident's story is built from them); weak ones (IPs,
 * accounts, resources) keep compact entries, so both stay far below DynamoDB's 400 KB item limit.
 */
export const MAX_SIGNALS_PER_STRONG_ENTITY = 150;
export const MAX_SIGNALS_PER_WEAK_ENTITY = 400;
const capOf = (key: EntityKey) =>
  key.startsWith('principal:') || key.startsWith('access_key:')
    ? MAX_SIGNALS_PER_STRONG_ENTITY
    : MAX_SIGNALS_PER_WEAK_ENTITY;

export interface EntityWrite {
  key: EntityKey;
  add: StoredSignal[];
  /** Signal ids to drop: aged out of retention or over the per-entity cap. */
  remove: string[];
  /** Link the entity to this incident (only if it has none). */
  link?: string;
  /** TTL, epoch seconds. */
  expiresAt: number;
}

export interface IncidentWrite {
  id: string;
  anchor: EntityKey;
  /** Set when this batch opens the incident. */
  opened?: { reason: OpenReason; at: number };
  add: StoredSignal[];
  link: EntityKey[];
}

export interface CorrelationPlan {
  entityWrites: EntityWrite[];
  incidentWrites: IncidentWrite[];
  stats: { signals: number; duplicates: number; suppressed: number; opened: number; joined: number };
}

export interface CorrelationInput {
  signals: Signal[];
  /** States of every entity of the batch's signals and of the strong entities one hop from them. */
  states: ReadonlyMap<EntityKey, EntityState>;
  suppressions: readonly Suppression[];
  policy: ScoringPolicy;
  now: number;
}

/** Deterministic: the same anchor and generation always name the same incident, on any replay. */
export const incidentId = (anchor: EntityKey, generation: number): string =>
  `inc-${createHash('sha256').update(`${anchor}\u0000${generation}`).digest('hex').slice(0, 16)}`;

const byTimeThenId = (a: Signal, b: Signal) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Principal first, then access key; ties broken by id so the anchor never depends on arrival order. */
const anchorOf = (s: Signal): EntityKey | undefined => {
  const strong = s.entities.filter(isStrong).map(entityKey).sort();
  return strong.find((k) => k.startsWith('principal:')) ?? strong[0];
};

/**
 * Plans what one batch of signals changes: which entities gain which signals, which incidents
 * open or grow, which entities join them. Pure; the store applies the plan with idempotent writes
 * (a signal id is written once per record whatever the delivery count), so replaying a stream,
 * duplicating it or shuffling it converges on the same incidents and totals.
 */
export function planCorrelation(input: CorrelationInput): CorrelationPlan {
  const { policy, now } = input;
  const work = new Map<EntityKey, EntityState>();
  const state = (key: EntityKey): EntityState => {
    let s = work.get(key);
    if (!s) {
      const loaded = input.states.get(key);
      s = loaded ? { ...loaded, signals: [...loaded.signals] } : { key, signals: [], generation: 0 };
      work.set(key, s);
    }
    return s;
  };
  const adds = new Map<EntityKey, StoredSignal[]>();
  const links = new Map<EntityKey, string>();
  const incidents = new Map<string, IncidentWrite>();
  const stats = { signals: 0, duplicates: 0, suppressed: 0, opened: 0, joined: 0 };

  const unique = new Map<string, Signal>();
  for (const s of input.signals) unique.set(s.id, s);
  stats.duplicates = input.signals.length - unique.size;

  const attach = (incident: IncidentWrite, s: StoredSignal) => {
    if (!incident.add.some((x) => x.id === s.id)) incident.add.push(s);
  };
  const linkTo = (id: string, key: EntityKey, incident: IncidentWrite) => {
    const s = state(key);
    if (s.incident) return;
    s.incident = id;
    links.set(key, id);
    if (!incident.link.includes(key)) incident.link.push(key);
  };
  const incidentWrite = (id: string, anchor: EntityKey): IncidentWrite => {
    let w = incidents.get(id);
    if (!w) {
      w = { id, anchor, add: [], link: [] };
      incidents.set(id, w);
    }
    return w;
  };

  for (const signal of [...unique.values()].sort(byTimeThenId)) {
    stats.signals++;
    const suppression = matchSuppression(signal, input.suppressions, now);
    const stored: StoredSignal = {
      ...signal,
      detected_at: now,
      ...(suppression ? { suppressed: { suppression_id: suppression.id, reason: suppression.reason } } : {}),
    };
    if (suppression) stats.suppressed++;

    let fresh = false;
    for (const e of signal.entities) {
      const key = entityKey(e);
      const s = state(key);
      if (s.signals.some((x) => x.id === stored.id)) continue;
      s.signals.push(stored);
      fresh = true;
      const list = adds.get(key);
      if (list) list.push(stored);
      else adds.set(key, [stored]);
    }
    if (!fresh && signal.entities.length > 0) stats.duplicates++;
    if (suppression) continue;

    const strongKeys = signal.entities.filter(isStrong).map(entityKey).sort();
    const linked = strongKeys.map((k) => state(k).incident).find((x) => x !== undefined);
    if (linked) {
      const anchor = incidents.get(linked)?.anchor ?? anchorOf(signal) ?? '';
      const w = incidentWrite(linked, anchor);
      attach(w, stored);
      for (const k of strongKeys) linkTo(linked, k, w);
      stats.joined++;
      continue;
    }

    // Any strong entity of the signal may be the one that crosses (a key-only finding can tip a
    // principal's key over the threshold), so each is scored.
    let crossing: { key: EntityKey; reason: OpenReason } | undefined;
    for (const k of strongKeys) {
      const score = scoreEntity(state(k).signals, policy, k);
      if (score.opens) {
        crossing = { key: k, reason: score.opens };
        break;
      }
    }
    if (!crossing) continue;

    // The actor cluster: the crossing entity's strong neighbours. The incident is anchored on its
    // smallest principal, so the id does not depend on which signal happened to arrive last; a
    // cluster with no principal yet waits until one shows up in any signal.
    const cluster = new Set<EntityKey>(strongKeys);
    for (const s of state(crossing.key).signals)
      for (const e of s.entities) if (isStrong(e)) cluster.add(entityKey(e));
    const anchor = [...cluster].filter((k) => k.startsWith('principal:')).sort()[0];
    if (!anchor) continue;
    const existing = state(anchor).incident;
    if (existing) {
      const w = incidentWrite(existing, anchor);
      attach(w, stored);
      for (const k of strongKeys) linkTo(existing, k, w);
      stats.joined++;
      continue;
    }

    const id = incidentId(anchor, state(anchor).generation);
    const w = incidentWrite(id, anchor);
    w.opened = { reason: crossing.reason, at: now };
    stats.opened++;
    // The story so far: the signals of every entity in the cluster (a GuardDuty finding filed
    // under the same access key joins its principal's CloudTrail timeline here).
    const story = new Map<string, StoredSignal>();
    for (const k of cluster) {
      const loaded = work.get(k) ?? input.states.get(k);
      for (const s of loaded?.signals ?? []) if (!s.suppressed) story.set(s.id, s);
    }
    linkTo(id, anchor, w);
    const members = new Set<EntityKey>();
    for (const s of [...story.values()].sort(byTimeThenId)) {
      attach(w, s);
      for (const e of s.entities) if (isStrong(e)) members.add(entityKey(e));
    }
    // Every actor the story names joins it, whatever order its signals arrived in.
    for (const k of [...members].sort()) linkTo(id, k, w);
  }

  const entityWrites: EntityWrite[] = [];
  for (const [key, s] of work) {
    const added = adds.get(key) ?? [];
    const link = links.get(key);
    if (added.length === 0 && !link) continue;
    const latest = Math.max(...s.signals.map((x) => x.time));
    const sorted = [...s.signals].sort(byTimeThenId);
    const remove = new Set<string>();
    for (const x of sorted) if (x.time < latest - policy.retentionMs) remove.add(x.id);
    const kept = sorted.filter((x) => !remove.has(x.id));
    for (const x of kept.slice(0, Math.max(0, kept.length - capOf(key)))) remove.add(x.id);
    entityWrites.push({
      key,
      add: added.filter((x) => !remove.has(x.id)),
      remove: [...remove].filter((id) => !added.some((a) => a.id === id)),
      ...(link ? { link } : {}),
      // TTL from the later of event time and now: replayed old data must not expire on arrival.
      expiresAt: Math.ceil((Math.max(latest, now) + policy.retentionMs) / 1000),
    });
  }
  return { entityWrites, incidentWrites: [...incidents.values()], stats };
}
