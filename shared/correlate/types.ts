import type { EntityRef, Severity, Signal, Tactic } from '../detect/types.ts';

/** `type:id`, the key an entity is stored and linked under. */
export type EntityKey = string;
export const entityKey = (e: EntityRef): EntityKey => `${e.type}:${e.id}`;

/** Strong entities identify an actor: a shared one means the same story. IPs, accounts and resources are context. */
export const isStrong = (e: EntityRef): boolean => e.type === 'principal' || e.type === 'access_key';

/** A stored signal, as an entity's and an incident's record keep it. */
export interface StoredSignal extends Signal {
  suppressed?: { suppression_id: string; reason: string };
  /** When Vigil produced the signal (processing time, ms): the "signal time" of MTTD. */
  detected_at: number;
}

/** What the store knows about one entity. */
export interface EntityState {
  key: EntityKey;
  signals: StoredSignal[];
  /** The open incident this entity belongs to. */
  incident?: string;
  /** Bumped when an analyst closes the entity's incident, so the next one gets a new id. */
  generation: number;
}

export interface IncidentSummary {
  id: string;
  anchor: EntityKey;
  title: string;
  severity: Severity;
  risk: number;
  tactics: Tactic[];
  entities: EntityRef[];
  signal_count: number;
  first_event_at: number;
  last_event_at: number;
  first_signal_at: number;
}

/** A scoped suppression: an analyst's false-positive verdict, with an expiry. */
export interface Suppression {
  id: string;
  rule_id: string;
  /** Glob over `type:id` of any of the signal's entities, e.g. `principal:arn:aws:iam::*:role/ci-*`. */
  entity_pattern: string;
  expires_at: number;
  reason: string;
  created_by: string;
}
