import type { NarrativeBasis, Spend } from '../narrate/cost.ts';
import type { StoredNarrative } from '../narrate/investigate.ts';
import type { CorrelationPlan } from './correlate.ts';
import type { ScoringPolicy } from './policy.ts';
import type { EntityKey, EntityState, IncidentSummary, StoredSignal, Suppression } from './types.ts';

export interface IncidentRecord extends IncidentSummary {
  status: 'open' | 'closed';
  opened_at: number;
  opened_reason: string;
  signals: StoredSignal[];
  /** The stored narrative, when one has been written (`getIncident` only; lists leave it out). */
  narrative?: IncidentNarrative;
}

/** An incident's stored narrative: item `INCIDENT#<id>/NARRATIVE`. */
export interface IncidentNarrative {
  narrative: StoredNarrative;
  /** What the narrative was written from: `materiallyChanged(narrativeBasis, incident)` says when to rewrite it. */
  narrativeBasis: NarrativeBasis;
  /** Summed over every narrative saved for the incident (retries included): the per-incident budget. */
  spent: Spend;
}

export interface ApplyResult {
  /** Item writes made (each put/update counts one): the figure `vigil bench` divides by events. */
  writes: number;
  /** Incidents whose summary changed in this batch. */
  changed: string[];
}

/** Where correlation state lives: DynamoDB in AWS and in the local SOC. */
export interface CorrelationStore {
  loadEntities(keys: EntityKey[]): Promise<Map<EntityKey, EntityState>>;
  /** Live suppressions (the caller may cache them for a short while). */
  loadSuppressions(now: number): Promise<Suppression[]>;
  apply(plan: CorrelationPlan, policy: ScoringPolicy, now: number): Promise<ApplyResult>;
  getIncident(id: string): Promise<IncidentRecord | undefined>;
  /** Open incidents, highest risk first. */
  listIncidents(limit?: number): Promise<IncidentRecord[]>;
  putSuppression(s: Suppression): Promise<void>;
  /**
   * Stores the incident's narrative and adds its audited cost to the incident's spend. Idempotent: a
   * narrative generated no later than the stored one (a redelivery, or a slower concurrent run) is
   * not written again, so neither the text nor the spend moves backwards or counts twice.
   */
  saveNarrative(incidentId: string, narrative: StoredNarrative, basis: NarrativeBasis): Promise<void>;
  getNarrative(incidentId: string): Promise<IncidentNarrative | undefined>;
}
