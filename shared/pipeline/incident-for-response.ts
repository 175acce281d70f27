/**
 * The incident as the response planner reads it: its stored narrative's recommendations, or the
 * deterministic narrator's when none is stored yet (the same fallback the console shows).
 */
import type { CorrelationStore } from '../correlate/store.ts';
import { storedIncidentView } from '../correlate/view.ts';
import type { IncidentForResponse } from '../respond/steps.ts';

export async function incidentForResponse(
  store: Pick<CorrelationStore, 'getIncident'>,
  id: string,
): Promise<IncidentForResponse | undefined> {
  const record = await store.getIncident(id);
  if (!record) return undefined;
  const stored = record.narrative?.narrative;
  const view = storedIncidentView(record);
  const modelId = stored && stored.generated_by === 'bedrock' ? stored.audit.model_id : undefined;
  return {
    id: record.id,
    title: record.title,
    narrative: { playbooks: view.narrative.playbooks, ...(modelId ? { model_id: modelId } : {}) },
  };
}
