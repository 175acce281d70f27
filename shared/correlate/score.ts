import { SEVERITY_ORDER, type Severity, type SignalOrigin, type Tactic } from '../detect/types.ts';
import type { ScoringPolicy } from './policy.ts';
import { globMatch } from './suppress.ts';

/** What an entity's record keeps of each signal: enough to score, small enough to keep hundreds. */
export interface SignalEntry {
  id: string;
  rule_id: string;
  /** Event time (ms). */
  time: number;
  risk: number;
  severity: Severity;
  tactic: Tactic;
  origin: SignalOrigin;
  /** Set when an analyst's scoped suppression matched: kept and shown, never counted. */
  suppressed?: unknown;
}

export type OpenReason = 'threshold' | 'progression' | 'severity';

export interface EntityScore {
  /** Highest risk of any window: the entity's risk. */
  risk: number;
  /** Distinct tactics in that window (non-baseline signals only). */
  tactics: Tactic[];
  /** Why this entity warrants an incident, if it does. */
  opens?: OpenReason;
  /** Event time of the first counted signal and of the window that scored highest. */
  firstSignalAt?: number;
  peakWindow?: { from: number; to: number };
}

export const criticalityOf = (policy: ScoringPolicy, entityKey: string): number => {
  for (const { pattern, factor } of policy.criticality) if (globMatch(pattern, entityKey)) return factor;
  return 1;
};

/** Sorts by time then id, so the same set always scores the same whatever order it arrived in. */
const byTimeThenId = (a: SignalEntry, b: SignalEntry) =>
  a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function windowRisk(
  entries: SignalEntry[],
  policy: ScoringPolicy,
  factor: number,
): { risk: number; tactics: Tactic[] } {
  const perRule = new Map<string, number>();
  let baseline = 0;
  const tactics = new Set<Tactic>();
  for (const e of entries) {
    if (e.origin === 'baseline') {
      baseline += e.risk;
      continue;
    }
    perRule.set(e.rule_id, (perRule.get(e.rule_id) ?? 0) + e.risk);
    tactics.add(e.tactic);
  }
  let risk = Math.min(baseline, policy.baselineCap);
  for (const r of perRule.values()) risk += Math.min(r, policy.perRuleCap);
  risk += Math.max(0, tactics.size - 1) * policy.tacticBonus;
  return { risk: Math.round(risk * factor), tactics: [...tactics].sort() };
}

/**
 * Scores one entity from the set of its signals. Pure and order-insensitive: duplicates (same id)
 * count once, and arrival order never matters, which is what makes at-least-once delivery and
 * replays converge on the same incidents and the same totals.
 */
export function scoreEntity(all: SignalEntry[], policy: ScoringPolicy, entityKey: string): EntityScore {
  const unique = new Map<string, SignalEntry>();
  for (const e of all) if (!e.suppressed) unique.set(e.id, e);
  const entries = [...unique.values()].sort(byTimeThenId);
  if (entries.length === 0) return { risk: 0, tactics: [] };

  const factor = criticalityOf(policy, entityKey);
  let best = { risk: -1, tactics: [] as Tactic[], from: 0, to: 0 };
  let start = 0;
  for (let end = 0; end < entries.length; end++) {
    const to = (entries[end] as SignalEntry).time;
    while ((entries[start] as SignalEntry).time <= to - policy.windowMs) start++;
    const w = windowRisk(entries.slice(start, end + 1), policy, factor);
    if (w.risk > best.risk) best = { ...w, from: (entries[start] as SignalEntry).time, to };
  }

  const severe = entries.some(
    (e) => e.origin !== 'baseline' && SEVERITY_ORDER[e.severity] >= SEVERITY_ORDER[policy.openOnSeverity],
  );
  const opens: OpenReason | undefined =
    best.risk >= policy.threshold
      ? 'threshold'
      : best.tactics.length >= policy.progressionTactics
        ? 'progression'
        : severe
          ? 'severity'
          : undefined;
  return {
    risk: best.risk,
    tactics: best.tactics,
    ...(opens ? { opens } : {}),
    firstSignalAt: (entries[0] as SignalEntry).time,
    peakWindow: { from: best.from, to: best.to },
  };
}
