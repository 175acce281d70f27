import type { CorrelationPlan } from '../../shared/correlate/correlate.ts';
import type { EntityKey, EntityState, StoredSignal } from '../../shared/correlate/types.ts';

/**
 * Applies correlation plans to plain maps with the same semantics the DynamoDB adapter gives:
 * writing a signal id twice is one signal; a link never replaces an existing one.
 * For pure tests of the planner; storage behaviour itself is tested against DynamoDB Local.
 */
export class MemoryCorrelationStore {
  readonly entities = new Map<
    EntityKey,
    { signals: Map<string, StoredSignal>; incident?: string; generation: number }
  >();
  readonly incidents = new Map<
    string,
    { anchor: EntityKey; signals: Map<string, StoredSignal>; opened_at: number }
  >();

  async load(keys: EntityKey[]): Promise<Map<EntityKey, EntityState>> {
    const out = new Map<EntityKey, EntityState>();
    for (const key of keys) {
      const e = this.entities.get(key);
      if (e)
        out.set(key, {
          key,
          signals: [...e.signals.values()],
          generation: e.generation,
          ...(e.incident ? { incident: e.incident } : {}),
        });
    }
    return out;
  }

  apply(plan: CorrelationPlan): void {
    for (const w of plan.entityWrites) {
      let e = this.entities.get(w.key);
      if (!e) {
        e = { signals: new Map(), generation: 0 };
        this.entities.set(w.key, e);
      }
      for (const s of w.add) if (!e.signals.has(s.id)) e.signals.set(s.id, s);
      for (const id of w.remove) e.signals.delete(id);
      if (w.link && !e.incident) e.incident = w.link;
    }
    for (const w of plan.incidentWrites) {
      let i = this.incidents.get(w.id);
      if (!i) {
        i = { anchor: w.anchor, signals: new Map(), opened_at: w.opened?.at ?? 0 };
        this.incidents.set(w.id, i);
      }
      for (const s of w.add) if (!i.signals.has(s.id)) i.signals.set(s.id, s);
    }
  }

  /** A comparable picture: incident id → sorted signal ids. */
  snapshot(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [id, i] of [...this.incidents].sort(([a], [b]) => (a < b ? -1 : 1)))
      out[id] = [...i.signals.keys()].sort();
    return out;
  }
}
