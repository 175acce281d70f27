import type { CorrelationStore } from '../correlate/store.ts';
import { materialChanges, narrativeBasis, type Spend } from './cost.ts';
import {
  type InvestigateConfig,
  type InvestigateDeps,
  investigate,
  type StoredNarrative,
} from './investigate.ts';

/** What happened to one narrate request. */
export type NarrateOutcome =
  | { status: 'missing' }
  /** The stored narrative still describes the incident; it is returned for the steps that follow (response). */
  | { status: 'unchanged'; narrative: StoredNarrative }
  | {
      status: 'narrated';
      /** Why it was (re)written: `first narrative`, or the material changes since the last one. */
      reasons: string[];
      narrative: StoredNarrative;
    };

/** What the account spent on narratives per UTC day: read before a call, added to after it. */
export interface DaySpendStore {
  spentOn(day: string): Promise<Spend>;
  /** Adds atomically; a redelivered add can only overcount, which keeps the budget on the safe side. */
  add(day: string, spend: Spend): Promise<void>;
}

export interface NarrateIncidentDeps extends Omit<InvestigateDeps, 'spent'> {
  store: Pick<CorrelationStore, 'getIncident' | 'saveNarrative'>;
  daySpend: DaySpendStore;
}

/** The UTC day a spend counts against. */
export const spendDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

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
  if (stored && reasons.length === 0) return { status: 'unchanged', narrative: stored.narrative };

  // The basis is taken before the call: what the narrative was written from, not what came after.
  const basis = narrativeBasis(incident);
  const day = spendDay(deps.now());
  const { narrative: _previous, ...record } = incident;
  const narrative = await investigate(
    record,
    {
      model: deps.model,
      now: deps.now,
      nonce: deps.nonce,
      isProtected: deps.isProtected,
      spent: { incident: stored?.spent ?? { tokens: 0, usd: 0 }, day: await deps.daySpend.spentOn(day) },
    },
    config,
  );
  await deps.store.saveNarrative(incidentId, narrative, basis);
  const { tokens_in, tokens_out, estimated_cost_usd } = narrative.audit;
  if (tokens_in + tokens_out > 0) {
    await deps.daySpend.add(day, { tokens: tokens_in + tokens_out, usd: estimated_cost_usd });
  }
  return { status: 'narrated', reasons, narrative };
}
