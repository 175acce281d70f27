import { evidenceId } from '../narrate/evidence-id.ts';
import { buildEvidencePack, LOCAL_PACK_BUDGET } from '../narrate/evidence-pack.ts';
import { narrate } from '../narrate/narrator.ts';
import type { Narrative } from '../narrate/schema.ts';
import type { ResponsePreview } from '../respond/preview.ts';
import type { IncidentRecord } from './store.ts';

export { evidenceId };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The incident as the command line, the console and the narrative see it (contract in
 * docs/architecture.md): signals point at evidence items by stable id.
 */
export function incidentView(
  incident: IncidentRecord,
  /** The incident's stored narrative; without one the deterministic narrator writes it. */
  narrative: Narrative = narrate(buildEvidencePack(incident, LOCAL_PACK_BUDGET)),
) {
  const signals = [...incident.signals].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
  const evidence = new Map<
    string,
    {
      id: string;
      kind: 'event';
      time: string;
      source: string;
      event_uid: string;
      facts: Record<string, string | number | boolean>;
    }
  >();
  for (const s of signals) {
    const id = evidenceId(s.event_uid);
    if (!evidence.has(id)) {
      const { source, class_uid, ...facts } = s.evidence;
      evidence.set(id, {
        id,
        kind: 'event',
        time: iso(s.time),
        source: String(source ?? s.source),
        event_uid: s.event_uid,
        facts,
      });
    }
  }
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    risk: incident.risk,
    status: incident.status,
    opened_at: iso(incident.opened_at),
    opened_reason: incident.opened_reason,
    first_event_at: iso(incident.first_event_at),
    last_event_at: iso(incident.last_event_at),
    first_signal_at: iso(incident.first_signal_at),
    /** Time to detect: first malicious event → incident open. */
    mttd_seconds: Math.max(0, Math.round((incident.opened_at - incident.first_event_at) / 1000)),
    anchor: incident.anchor,
    tactics: incident.tactics,
    entities: incident.entities,
    signals: signals.map((s) => ({
      id: s.id,
      rule_id: s.rule_id,
      title: s.title,
      severity: s.severity,
      risk: s.risk,
      attack: s.attack,
      tactic: s.tactic,
      origin: s.origin,
      time: iso(s.time),
      // What the signal named: suppressions and their backtest match on these.
      entities: s.entities,
      evidence: [evidenceId(s.event_uid)],
      ...(s.attribution ? { attribution: s.attribution } : {}),
    })),
    evidence: [...evidence.values()],
    narrative,
    // The response preview needs the deployment's response settings: filled by the caller that has them.
    response: null as ResponsePreview | null,
  };
}

export type IncidentView = ReturnType<typeof incidentView>;

/** The incident as stored: with its stored narrative when one was written, else the deterministic one. */
export const storedIncidentView = (record: IncidentRecord): IncidentView =>
  record.narrative ? incidentView(record, record.narrative.narrative) : incidentView(record);
