import type { IncidentRecord } from '../correlate/store.ts';
import type { StoredSignal } from '../correlate/types.ts';
import { type EntityType, SEVERITY_ORDER, type Severity, TACTICS, type Tactic } from '../detect/types.ts';
import { evidenceId } from './evidence-id.ts';
import { detectInjection } from './injection.ts';

/**
 * A string that came out of a log, so someone outside may have chosen it: a user agent, an API or
 * resource name, an actor name, any fact value. It is data to report, never an instruction to
 * follow; the prompt renderer fences every one of them, the narrator defangs them when it quotes.
 */
export interface Untrusted {
  readonly untrusted: string;
}

/** One string fact is at most this long in a pack; the detection engine already clips to 256. */
const MAX_UNTRUSTED = 256;
export const untrusted = (text: string): Untrusted => ({
  untrusted: text.length > MAX_UNTRUSTED ? `${text.slice(0, MAX_UNTRUSTED - 1)}…` : text,
});

export type PackFact = Untrusted | number | boolean;

export interface PackEvidence {
  id: string;
  time: string;
  source: string;
  /** Risk of the signals that stand on this event: what the budget keeps first. */
  risk: number;
  facts: Record<string, PackFact>;
  /** Fact names whose value reads like instructions to an AI assistant. */
  suspected_injection?: string[];
}

export interface PackSignal {
  rule_id: string;
  title: string;
  attack: string[];
  tactic: Tactic;
  severity: Severity;
  risk: number;
  evidence: string[];
}

export interface PackEntity {
  type: EntityType;
  id: Untrusted;
  /** Kept evidence whose signals name this entity. */
  evidence: string[];
  /** Tactics of the signals that name it (an exposed bucket is one named by an exfiltration signal). */
  tactics: Tactic[];
}

export interface EvidencePack {
  incident: {
    id: string;
    /** Carries the anchor entity's name, so it is untrusted too. */
    title: Untrusted;
    severity: Severity;
    risk: number;
    tactics: { id: Tactic; name: string }[];
    entities: PackEntity[];
    first_event_at: string;
    last_event_at: string;
    opened_reason: string;
  };
  /** Kept evidence, in time order. */
  evidence: PackEvidence[];
  /** Signals whose evidence was kept, in time order. */
  signals: PackSignal[];
  omitted: { count: number; signals: number; reason: string };
  budget: { tokens: number; used: number };
}

/** The estimate Bedrock pricing is close enough to for budgeting: about four characters a token. */
export const approxTokens = (value: unknown): number => Math.ceil(JSON.stringify(value).length / 4);

/**
 * Tokens for a pack sent to a model. Sized for the cost goal of issue #4 (≤ $0.006 per incident at
 * Haiku-class list prices, with the instructions and the answer on top); the story incident fits.
 */
export const MODEL_PACK_BUDGET = 4000;
/** The deterministic narrator costs nothing per token: locally it reads nearly the whole incident. */
export const LOCAL_PACK_BUDGET = 16_000;

const iso = (ms: number) => new Date(ms).toISOString();

const factsOf = (signal: StoredSignal): Record<string, PackFact> => {
  // `source` and `class_uid` describe the record, not the activity; the item carries its source.
  const { source: _source, class_uid: _class, ...rest } = signal.evidence;
  const facts: Record<string, PackFact> = {};
  for (const [k, v] of Object.entries(rest)) facts[k] = typeof v === 'string' ? untrusted(v) : v;
  return facts;
};

interface Item {
  evidence: PackEvidence;
  signals: StoredSignal[];
  time: number;
  worst: number;
}

/**
 * What the narrator (deterministic or model) sees of an incident, within an approximate token
 * budget: evidence is kept highest risk first (ties: worst severity, then earliest), as a prefix of
 * that ranking so "what was left out" is one honest sentence, then shown in time order. The
 * highest-risk item is kept even over budget: a pack with no evidence cannot support any claim.
 * Suppressed signals (an analyst's false-positive verdict) are not part of the story.
 */
export function buildEvidencePack(
  incident: IncidentRecord,
  budget: number = MODEL_PACK_BUDGET,
): EvidencePack {
  const counted = incident.signals.filter((s) => !s.suppressed);
  const items = new Map<string, Item>();
  for (const s of counted) {
    const id = evidenceId(s.event_uid);
    let item = items.get(id);
    if (!item) {
      const facts = factsOf(s);
      item = {
        evidence: { id, time: iso(s.time), source: String(s.evidence.source ?? s.source), risk: 0, facts },
        signals: [],
        time: s.time,
        worst: 0,
      };
      items.set(id, item);
    } else {
      // Detections on one event add different facts (target user, snapshot id…): keep them all.
      for (const [k, v] of Object.entries(factsOf(s)))
        if (!(k in item.evidence.facts)) item.evidence.facts[k] = v;
    }
    item.signals.push(s);
    item.evidence.risk += s.risk;
    item.worst = Math.max(item.worst, SEVERITY_ORDER[s.severity]);
  }
  for (const item of items.values()) {
    const flagged = Object.entries(item.evidence.facts)
      .filter(([, v]) => typeof v === 'object' && detectInjection(v.untrusted).suspicious)
      .map(([k]) => k);
    if (flagged.length) item.evidence.suspected_injection = flagged;
  }

  const ranked = [...items.values()].sort(
    (a, b) =>
      b.evidence.risk - a.evidence.risk ||
      b.worst - a.worst ||
      a.time - b.time ||
      (a.evidence.id < b.evidence.id ? -1 : 1),
  );
  const signalOf = (s: StoredSignal): PackSignal => ({
    rule_id: s.rule_id,
    title: s.title,
    attack: s.attack,
    tactic: s.tactic,
    severity: s.severity,
    risk: s.risk,
    evidence: [evidenceId(s.event_uid)],
  });

  const header = {
    id: incident.id,
    title: untrusted(incident.title),
    severity: incident.severity,
    risk: incident.risk,
    tactics: incident.tactics.map((id) => ({ id, name: TACTICS[id] })),
    first_event_at: iso(incident.first_event_at),
    last_event_at: iso(incident.last_event_at),
    opened_reason: incident.opened_reason,
  };
  // Entity lists grow with evidence ids; doubling their bare size is a fair allowance.
  let used = approxTokens(header) + approxTokens(incident.entities) * 2 + 60;
  const kept: Item[] = [];
  for (const item of ranked) {
    const cost = approxTokens(item.evidence) + approxTokens(item.signals.map(signalOf));
    if (kept.length > 0 && used + cost > budget) break;
    kept.push(item);
    used += cost;
  }
  const left = ranked.slice(kept.length);
  kept.sort((a, b) => a.time - b.time || (a.evidence.id < b.evidence.id ? -1 : 1));

  const keptIds = new Set(kept.map((i) => i.evidence.id));
  const entities: PackEntity[] = incident.entities.map((e) => {
    const naming = counted.filter(
      (s) =>
        keptIds.has(evidenceId(s.event_uid)) && s.entities.some((x) => x.type === e.type && x.id === e.id),
    );
    return {
      type: e.type,
      id: untrusted(e.id),
      evidence: [...new Set(naming.map((s) => evidenceId(s.event_uid)))],
      tactics: [...new Set(naming.map((s) => s.tactic))],
    };
  });

  const leftSignals = left.reduce((n, i) => n + i.signals.length, 0);
  const maxLeftRisk = Math.max(0, ...left.map((i) => i.evidence.risk));
  const pack: EvidencePack = {
    incident: { ...header, entities },
    evidence: kept.map((i) => i.evidence),
    signals: kept
      .flatMap((i) => i.signals)
      .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1))
      .map(signalOf),
    omitted: {
      count: left.length,
      signals: leftSignals,
      reason: left.length
        ? `token budget of ${budget}: kept the ${kept.length} highest-risk evidence items; left out ` +
          `${left.length} item(s) of risk ${maxLeftRisk} or less, carrying ${leftSignals} signal(s)`
        : 'nothing left out',
    },
    budget: { tokens: budget, used: 0 },
  };
  // Report what the pack really costs, not the running estimate used to choose evidence.
  pack.budget.used = approxTokens(pack);
  return pack;
}
