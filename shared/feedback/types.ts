/**
 * Analyst feedback (issue #6): verdicts on incidents and signals, which feed suppressions, rule
 * precision and the MTTD/MTTR figures.
 */
export const VERDICTS = ['true_positive', 'false_positive', 'benign'] as const;
export type VerdictKind = (typeof VERDICTS)[number];

/** One analyst's judgement of one signal (or of the whole incident when `signal_id` is absent). */
export interface Verdict {
  /** Stable: `<incident id>#<signal id or "incident">#<analyst>` — a second verdict by the same analyst replaces nothing, it is refused. */
  id: string;
  incident_id: string;
  signal_id?: string;
  /** The rule the judged signal came from (precision is per rule); `*` for an incident verdict. */
  rule_id: string;
  verdict: VerdictKind;
  analyst: string;
  /** Epoch ms. The first verdict on an incident ends its time to respond (MTTR). */
  at: number;
  reason: string;
}

export interface VerdictStore {
  /** Idempotent: recording the same id again keeps the first (returned). */
  record(v: Verdict): Promise<Verdict>;
  list(): Promise<Verdict[]>;
  forIncident(incidentId: string): Promise<Verdict[]>;
}

export const verdictId = (incidentId: string, signalId: string | undefined, analyst: string): string =>
  `${incidentId}#${signalId ?? 'incident'}#${analyst}`;
