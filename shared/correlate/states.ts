import type { Signal } from '../detect/types.ts';
import { type EntityKey, type EntityState, entityKey, isStrong } from './types.ts';

export type LoadStates = (keys: EntityKey[]) => Promise<Map<EntityKey, EntityState>>;

/**
 * Loads what planCorrelation needs in two rounds: the batch's own entities, then the strong
 * entities one hop away (the access keys and principals their stored signals name), so an incident
 * that opens now can pull in, say, a GuardDuty finding filed earlier under the same access key.
 */
export async function loadCorrelationStates(
  signals: readonly Signal[],
  load: LoadStates,
): Promise<Map<EntityKey, EntityState>> {
  const first = new Set<EntityKey>();
  for (const s of signals) for (const e of s.entities) first.add(entityKey(e));
  const states = await load([...first]);
  const second = new Set<EntityKey>();
  for (const key of first) {
    if (!key.startsWith('principal:') && !key.startsWith('access_key:')) continue;
    for (const s of states.get(key)?.signals ?? []) {
      for (const e of s.entities) {
        const k = entityKey(e);
        if (isStrong(e) && !first.has(k)) second.add(k);
      }
    }
  }
  for (const s of signals) for (const e of s.entities) if (isStrong(e)) second.delete(entityKey(e));
  if (second.size > 0) for (const [k, v] of await load([...second])) states.set(k, v);
  return states;
}
