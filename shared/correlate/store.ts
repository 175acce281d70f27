import type { CorrelationPlan } from './correlate.ts';
import type { ScoringPolicy } from './policy.ts';
import type { EntityKey, EntityState, IncidentSummary, StoredSignal, Suppression } from './types.ts';

export interface IncidentRecord extends IncidentSummary {
  status: 'open' | 'closed';
  opened_at: number;
  opened_reason: string;
  signals: StoredSignal[];
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
}
