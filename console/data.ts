/**
 * What the console reads and writes beyond approvals: one port, so the same app runs on DynamoDB
 * (Lambda in AWS, DynamoDB Local in the demo) and in unit tests on fakes.
 */

import type { Suppression } from '../shared/correlate/types.ts';
import type { IncidentView } from '../shared/correlate/view.ts';
import type { VerdictStore } from '../shared/feedback/types.ts';
import type { AuditEntry } from '../shared/respond/ports.ts';

export interface HealthSnapshot {
  /** Events quarantined (malformed input), with the newest reasons. */
  quarantined: { count: number; recent: { id: string; reason: string; received_at: number }[] };
  /** Dead-letter queues and what waits in each (locally: none exist, an empty list). */
  deadLetters: { name: string; count: number }[];
  /** Newest event time per source (cloudtrail, guardduty, securityhub, okta, github, …). */
  lastEventBySource: Record<string, number>;
}

export interface ConsoleData {
  /** Every incident, newest first, each with its response preview filled. */
  incidents(): Promise<IncidentView[]>;
  incident(id: string): Promise<IncidentView | undefined>;
  /** The incident's append-only audit trail, in time order. */
  audit(incidentId: string): Promise<AuditEntry[]>;
  verdicts: VerdictStore;
  suppressions: {
    list(now: number): Promise<Suppression[]>;
    put(s: Suppression): Promise<void>;
  };
  health(): Promise<HealthSnapshot>;
}
