/**
 * Incidents built through the real pipeline (normalise → detect → correlate) on an in-memory store
 * with the DynamoDB adapter's semantics, so narrative tests run in the unit project without a JVM.
 */

import { localDetection, sigmaDetections } from '../../../local/detection-runtime.ts';
import { inEventOrder, runPipeline } from '../../../local/replay.ts';
import { attackStory } from '../../../local/story/attack-story.ts';
import { memoryBaselineStore } from '../../../shared/baseline/memory-store.ts';
import { baselineStage } from '../../../shared/baseline/stage.ts';
import { DEFAULT_POLICY } from '../../../shared/correlate/policy.ts';
import type { OpenReason } from '../../../shared/correlate/score.ts';
import type { CorrelationStore, IncidentRecord } from '../../../shared/correlate/store.ts';
import { summariseIncident } from '../../../shared/correlate/summary.ts';
import { defaultEnricher } from '../../../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../../../shared/normalise/index.ts';
import { MemoryCorrelationStore } from '../../support/memory-correlation-store.ts';

export function memoryStore(): CorrelationStore {
  const memory = new MemoryCorrelationStore();
  const reasons = new Map<string, OpenReason>();
  const record = (id: string): IncidentRecord | undefined => {
    const i = memory.incidents.get(id);
    if (!i) return undefined;
    return {
      ...summariseIncident(id, i.anchor, [...i.signals.values()], DEFAULT_POLICY),
      status: 'open',
      opened_at: i.opened_at,
      opened_reason: reasons.get(id) ?? 'threshold',
      signals: [...i.signals.values()],
    };
  };
  return {
    loadEntities: (keys) => memory.load(keys),
    loadSuppressions: async () => [],
    async apply(plan) {
      for (const w of plan.incidentWrites)
        if (w.opened && !reasons.has(w.id)) reasons.set(w.id, w.opened.reason);
      memory.apply(plan);
      return { writes: plan.entityWrites.length + plan.incidentWrites.length, changed: [] };
    },
    getIncident: async (id) => record(id),
    listIncidents: async () =>
      [...memory.incidents.keys()]
        .map((id) => record(id) as IncidentRecord)
        .sort((a, b) => b.risk - a.risk || (a.id < b.id ? -1 : 1)),
    putSuppression: async () => {},
    // Narratives are stored by the narrate function only; its tests run on DynamoDB Local.
    saveNarrative: async () => {},
    getNarrative: async () => undefined,
  };
}

export const normaliseAll = (records: readonly unknown[]): NormalisedEvent[] => {
  const enrich = defaultEnricher();
  return records.flatMap((r) =>
    normalise(r, { enrich, receivedAt: 0 }).flatMap((x) => (x.ok ? [x.event] : [])),
  );
};

export async function incidentsOf(records: readonly unknown[]): Promise<IncidentRecord[]> {
  const store = memoryStore();
  await runPipeline(inEventOrder(normaliseAll(records)), {
    store,
    detection: localDetection({ extra: sigmaDetections() }),
    policy: DEFAULT_POLICY,
    batchSize: 500,
    baselines: baselineStage({ store: memoryBaselineStore() }),
  });
  return store.listIncidents();
}

export const storyIncidents = (): Promise<IncidentRecord[]> => incidentsOf(attackStory());
