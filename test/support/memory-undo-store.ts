import type { UndoStore } from '../../shared/respond/run-action.ts';
import type { UndoRecord } from '../../shared/respond/types.ts';

/** The UndoStore contract in memory (the DynamoDB adapter has its own integration test). */
export function memoryUndoStore(): UndoStore & { records: Map<string, UndoRecord> } {
  const records = new Map<string, UndoRecord>();
  return {
    records,
    async recordOnce(record) {
      const k = `${record.plan_id}|${record.key}`;
      const existing = records.get(k);
      if (existing) return existing;
      records.set(k, structuredClone(record));
      return record;
    },
    async get(planId, key) {
      return records.get(`${planId}|${key}`);
    },
  };
}
