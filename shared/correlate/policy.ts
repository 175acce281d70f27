import type { Severity } from '../detect/types.ts';

/**
 * The scoring policy: the open version of risk-based alerting. Each signal adds risk to each of its
 * entities; an entity whose risk inside the window crosses the threshold (or whose signals walk
 * the kill chain) opens an incident. Values are deploy-time configuration; these are defaults.
 */
export interface ScoringPolicy {
  /** Sliding window over event time in which risk adds up. */
  windowMs: number;
  /** Windowed risk at or above which an incident opens. */
  threshold: number;
  /** Most one rule can add to one entity inside a window: one noisy rule never carries an incident. */
  perRuleCap: number;
  /** Baseline (rarity) signals add context, never an incident: their total per window is capped here. */
  baselineCap: number;
  /** Distinct ATT&CK tactics, in kill-chain order, that open an incident on their own. */
  progressionTactics: number;
  /** Risk added per distinct tactic beyond the first, inside the window. */
  tacticBonus: number;
  /** A signal of this severity or above opens an incident by itself. */
  openOnSeverity: Severity;
  /** Multipliers for critical entities: first matching glob on `type:id` wins (e.g. `principal:*:role/Prod*`). */
  criticality: { pattern: string; factor: number }[];
  /** How long signals stay on an entity's record (and TTL of entity items). */
  retentionMs: number;
}

export const DEFAULT_POLICY: ScoringPolicy = {
  windowMs: 24 * 3_600_000,
  threshold: 100,
  perRuleCap: 60,
  baselineCap: 20,
  progressionTactics: 3,
  tacticBonus: 15,
  openOnSeverity: 'critical',
  criticality: [],
  retentionMs: 7 * 24 * 3_600_000,
};
