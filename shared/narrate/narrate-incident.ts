import type { CorrelationStore } from '../correlate/store.ts';
import { materialChanges, narrativeBasis } from './cost.ts';
import {
  type InvestigateConfig,
  type InvestigateDeps,
  investigate,
  type StoredNarrative,
} from './investigate.ts';

/** What happened to one narrate request. */
export type NarrateOutcome =
  | { status: 'missing' }
  | { status: 'unchanged' }
  | {
      status: 'narrated';
      /** Why it was (re)written: `first narrative`, or the material changes since the last one. */
      reasons: string[];
      narrative: StoredNarrative;
    };

export interface NarrateIncidentDeps extends Omit<InvestigateDeps, 'spent'> {
  store: Pick<CorrelationStore, 'getIncident' | 'saveNarrative'>;
  /**
   * Already spent across the account today. There is no day-spend store yet, so the narrate function
   * passes zero: the per-day budget then bounds a single call, not the day (see functions/narrate).
   */
  spentToday: () => Promise<{ tokens: number; usd: number }>;
}

/**
 * Narrates one incident if it needs it: none stored yet, or the incident changed materially since
 * the stored one was written (`materialChanges`). Otherwise nothing is read beyond the incident and
 * nothing is spent. The narrative, Bedrock's or the deterministic fallback with its reason, is saved
 * with the basis it was written from and its audit.
 */
export async function narrateIncident(
  incidentId: string,
  deps: NarrateIncidentDeps,
  config: InvestigateConfig,
): Promise<NarrateOutcome> {
  const incident = await deps.store.getIncident(incidentId);
  if (!incident) return { status: 'missing' };
  const stored = incident.narrative;
  const reasons = stored ? materialChanges(stored.narrativeBasis, incident) : ['first narrative'];
  if (reasons.length === 0) return { status: 'unchanged' };

  // The basis is taken before the call: what the narrative was written from, not what came after.
  const basis = narrativeBasis(incident);
  const { narrative: _previous, ...record } = incident;
  const narrative = await investigate(
    record,
    {
      model: deps.model,
      now: deps.now,
      nonce: deps.nonce,
      isProtected: deps.isProtected,
      spent: { incident: stored?.spent ?? { tokens: 0, usd: 0 }, day: await deps.spentToday() },
    },
    config,
  );
  await deps.store.saveNarrative(incidentId, narrative, basis);
  return { status: 'narrated', reasons, narrative };
}
