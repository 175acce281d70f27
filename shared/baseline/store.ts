import type { PrincipalProfile, ProfileUpdate } from './profile.ts';

/** Where profiles live: DynamoDB in AWS and in the local SOC, memory in tests and `vigil detect`. */
export interface BaselineStore {
  /** The live profiles of these principals; an absent key is a principal never seen (or expired). */
  load(principals: readonly string[]): Promise<Map<string, PrincipalProfile>>;
  /** Applies one batch's updates, idempotently except for the event counter; returns the item writes made. */
  apply(updates: readonly ProfileUpdate[]): Promise<number>;
}
