import type { Dimension } from './profile.ts';

const DAY_MS = 86_400_000;

/**
 * How baselines learn and what they remember. Values are deploy-time configuration; these are
 * defaults. Rarity is context, never an incident: scoring caps the sum of baseline risk per entity
 * (`ScoringPolicy.baselineCap`) and keeps baseline signals out of tactic progression, so nothing
 * here can open an incident by itself.
 */
export interface BaselinePolicy {
  /**
   * A principal learns silently for this long after its first event (event time): a week covers
   * the weekly rhythm of people and batch jobs.
   */
  learningMs: number;
  /** …and until it has this many events, so a principal seen twice in a week is still learning. */
  minEvents: number;
  /**
   * Most values kept per dimension. Once full, new values are neither recorded nor flagged: a
   * value that cannot be recorded would be flagged again on every batch, and a principal with
   * hundreds of regions or APIs is too varied for rarity to mean anything. Bounds also keep an
   * item far below DynamoDB's 400 KB.
   */
  caps: Record<Dimension, number>;
  /** Learned but never flagged: source IPs churn (mobile, DHCP, NAT); country and ASN carry the change. */
  quiet: readonly Dimension[];
  /**
   * A profile untouched for this long (event time) is rewritten even when nothing is new, so its
   * TTL never lapses under perfectly steady behaviour — which would restart learning.
   */
  refreshMs: number;
  /** TTL of a profile after its last write (wall clock): a principal gone this long starts over. */
  retentionMs: number;
}

export const DEFAULT_BASELINE_POLICY: BaselinePolicy = {
  learningMs: 7 * DAY_MS,
  minEvents: 20,
  caps: { api: 200, service: 100, region: 40, ip: 100, country: 60, asn: 60, user_agent: 16 },
  quiet: ['ip'],
  refreshMs: 30 * DAY_MS,
  retentionMs: 90 * DAY_MS,
};
