/**
 * The suppression loop's arithmetic: from an analyst's false-positive verdict on a signal of an
 * incident view, the suppression `suppressionFromVerdict` makes of it, and a backtest — how many
 * stored signals (in how many incidents) that suppression would have silenced. Pure.
 *
 * Matching is `matchSuppression` itself, called with each stored signal rebuilt as a `Signal`
 * (rule id, time, the event of its evidence item, its entities), so the backtest can never drift
 * from what correlation does to new signals.
 *
 * Which entities a signal named. `matchSuppression` and `suppressionFromVerdict` look at the
 * signal's own entities, and an `IncidentView` signal does not carry them (view.ts keeps rule,
 * title, scores, ATT&CK, time and evidence ids). What the view does say:
 *
 * - the incident's entities are exactly the union of its signals' entities (summariseIncident),
 *   so they are a superset of every one of its signals' entities;
 * - evidence facts are display facts (`actor` is a user name, not the principal ARN; access keys and
 *   accounts appear only when a detection chose to add them), so they cannot rebuild entities.
 *
 * So, per signal: its own `entities` when the view carries them (`exact`); otherwise the
 * incident's entities (`exact: false`). With the superset the backtest is an upper bound ("at
 * most N"): a signal is counted when its rule matches and the pattern matches any entity of its
 * incident. The proposal's scope is chosen as suppressionFromVerdict would choose it on the
 * superset (the most specific entity type present), and only when the incident holds exactly one
 * entity of that type — with two principals in the incident, which one this signal named cannot be
 * told, and no suppression is proposed rather than a guessed one. The smallest change to view.ts
 * that makes all of this exact is `entities: s.entities` on each view signal; this module already
 * reads it when present.
 */
import { createHash } from 'node:crypto';
import { matchSuppression, suppressionFromVerdict } from '../correlate/suppress.ts';
import type { Suppression } from '../correlate/types.ts';
import type { IncidentView } from '../correlate/view.ts';
import type { EntityRef, Signal } from '../detect/types.ts';
import { isVigilError } from '../errors.ts';
import type { SourceKind } from '../normalise/types.ts';

/** A view signal, with its own entities when the view carries them. */
export type BacktestSignal = IncidentView['signals'][number] & { entities?: readonly EntityRef[] };

/** What the backtest and the proposal read of an incident view. */
export interface BacktestIncident {
  id: string;
  entities: readonly EntityRef[];
  evidence: IncidentView['evidence'];
  signals: readonly BacktestSignal[];
}

export interface SignalEntities {
  entities: EntityRef[];
  /** True when these are the signal's own entities; false when they are its incident's (a superset). */
  exact: boolean;
}

export function signalEntities(incident: BacktestIncident, signal: BacktestSignal): SignalEntities {
  return signal.entities
    ? { entities: [...signal.entities], exact: true }
    : { entities: [...incident.entities], exact: false };
}

const SOURCE_KINDS: Record<SourceKind, true> = {
  cloudtrail: true,
  guardduty: true,
  securityhub: true,
  okta: true,
  github: true,
  generic: true,
};
const isSourceKind = (s: string): s is SourceKind => Object.hasOwn(SOURCE_KINDS, s);

/** The view signal as the `Signal` correlation saw, with the given entities. */
export function asSignal(
  incident: BacktestIncident,
  signal: BacktestSignal,
  entities: readonly EntityRef[],
): Signal {
  const item = incident.evidence.find((e) => e.id === signal.evidence[0]);
  const source = item?.source ?? 'generic';
  return {
    id: signal.id,
    rule_id: signal.rule_id,
    title: signal.title,
    severity: signal.severity,
    risk: signal.risk,
    attack: [...signal.attack],
    tactic: signal.tactic,
    origin: signal.origin,
    source: isSourceKind(source) ? source : 'generic',
    time: Date.parse(signal.time),
    event_uid: item?.event_uid ?? '',
    entities: [...entities],
    evidence: { ...(item?.facts ?? {}) },
    ...(signal.attribution ? { attribution: signal.attribution } : {}),
  };
}

export interface BacktestResult {
  /** Distinct stored signals the suppression matches (an upper bound unless `exact`). */
  signals: number;
  /** Incidents holding at least one of them. */
  incidents: number;
  incidentIds: string[];
  /** Distinct signals looked at: every stored signal with an event time at or before `now`. */
  considered: number;
  /**
   * True when every signal of the suppression's rule carried its own entities, so `signals` is
   * exactly what the suppression would have silenced; false when incident entities stood in for
   * some of them, and `signals` is an upper bound.
   */
  exact: boolean;
}

/**
 * How many past signals `suppression` would have silenced had it been live when they arrived:
 * every stored signal with an event time at or before `now`, each counted once (by id) even if
 * two incidents keep a copy, matched by `matchSuppression` at `now` — so a suppression already
 * expired at `now` silences nothing, as it would silence nothing new. The judged signal itself is
 * among the stored signals and is counted.
 */
export function backtest(
  suppression: Suppression,
  incidents: readonly BacktestIncident[],
  now: number,
): BacktestResult {
  const seen = new Set<string>();
  const matched = new Set<string>();
  const incidentIds: string[] = [];
  let exact = true;
  for (const incident of incidents) {
    let hit = false;
    for (const signal of incident.signals) {
      if (!(Date.parse(signal.time) <= now)) continue;
      seen.add(signal.id);
      const { entities, exact: own } = signalEntities(incident, signal);
      if (!matchSuppression(asSignal(incident, signal, entities), [suppression], now)) continue;
      hit = true;
      matched.add(signal.id);
      // Only signals of the rule can be silenced; for them alone a stand-in entity set matters.
      if (!own) exact = false;
    }
    if (hit) incidentIds.push(incident.id);
  }
  return {
    signals: matched.size,
    incidents: incidentIds.length,
    incidentIds,
    considered: seen.size,
    exact,
  };
}

/** One suppression per verdict: confirming the same proposal twice writes the same item. */
export const suppressionIdFor = (verdictId: string): string =>
  `sup-${createHash('sha256').update(verdictId).digest('hex').slice(0, 16)}`;

export interface ProposalInput {
  incident: BacktestIncident;
  signalId: string;
  analyst: string;
  reason: string;
  /** How long the suppression lasts (suppressionFromVerdict's default when absent). */
  forMs?: number;
  now: number;
  id: string;
}

export type Proposal =
  | {
      ok: true;
      suppression: Suppression;
      /** `signal`: scoped from the signal's own entities; `incident`: from its incident's only entity of that type. */
      scopedFrom: 'signal' | 'incident';
    }
  | { ok: false; why: string };

/** The suppression a false-positive verdict on `signalId` makes, scoped as described at the top. */
export function proposeSuppression(input: ProposalInput): Proposal {
  const { incident, now, id } = input;
  const signal = incident.signals.find((s) => s.id === input.signalId);
  if (!signal) return { ok: false, why: 'the incident has no such signal' };
  const { entities, exact } = signalEntities(incident, signal);
  const verdict = (from: readonly EntityRef[]) =>
    suppressionFromVerdict(
      {
        signal: asSignal(incident, signal, from),
        analyst: input.analyst,
        reason: input.reason,
        ...(input.forMs !== undefined ? { forMs: input.forMs } : {}),
      },
      now,
      id,
    );
  try {
    if (exact) return { ok: true, suppression: verdict(entities), scopedFrom: 'signal' };
    // The type suppressionFromVerdict would pick from the superset; usable only when unambiguous.
    const widest = verdict(entities);
    const type = widest.entity_pattern.slice(0, widest.entity_pattern.indexOf(':'));
    const candidates = entities.filter((e) => e.type === type);
    if (candidates.length !== 1)
      return {
        ok: false,
        why: `the incident names ${candidates.length} ${type} entities and its view does not say which one this signal named`,
      };
    return { ok: true, suppression: verdict(candidates), scopedFrom: 'incident' };
  } catch (e) {
    if (isVigilError(e) && e.kind === 'validation') return { ok: false, why: e.message };
    throw e;
  }
}
