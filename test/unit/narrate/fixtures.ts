import type { IncidentRecord } from '../../../shared/correlate/store.ts';
import type { StoredSignal } from '../../../shared/correlate/types.ts';
import type { EntityRef, Severity, Tactic } from '../../../shared/detect/types.ts';

const T0 = Date.parse('2026-11-20T09:00:00Z');

export const signal = (
  n: number,
  over: Partial<StoredSignal> & { tactic?: Tactic; severity?: Severity; entities?: EntityRef[] } = {},
): StoredSignal => ({
  id: `rule.${n}|evt-${n}`,
  rule_id: `rule.${n}`,
  title: `Rule ${n}`,
  severity: 'medium',
  risk: 25,
  attack: ['T1078.004'],
  tactic: 'TA0001',
  origin: 'detection',
  source: 'cloudtrail',
  time: T0 + n * 60_000,
  event_uid: `evt-${n}`,
  entities: [
    { type: 'principal', id: 'arn:aws:iam::111122223333:user/alice' },
    { type: 'access_key', id: 'AKIAEXAMPLEALICE0001' },
    { type: 'ip', id: '203.0.113.9' },
  ],
  evidence: {
    source: 'cloudtrail',
    class_uid: 6003,
    operation: `Op${n}`,
    actor: 'alice',
    src_ip: '203.0.113.9',
    user_agent: 'aws-cli/2.13.5',
    count: n,
  },
  detected_at: T0 + n * 60_000 + 1000,
  ...over,
});

/** An incident record around `signals`, its summary fields taken as given (not recomputed). */
export const incident = (signals: StoredSignal[], over: Partial<IncidentRecord> = {}): IncidentRecord => {
  const entities = new Map<string, EntityRef>();
  for (const s of signals) for (const e of s.entities) entities.set(`${e.type}:${e.id}`, e);
  return {
    id: 'inc-test',
    anchor: 'principal:arn:aws:iam::111122223333:user/alice',
    title: 'alice: Initial Access',
    severity: 'high',
    risk: 120,
    tactics: [...new Set(signals.map((s) => s.tactic))],
    entities: [...entities.values()],
    signal_count: signals.length,
    first_event_at: Math.min(...signals.map((s) => s.time)),
    last_event_at: Math.max(...signals.map((s) => s.time)),
    first_signal_at: Math.min(...signals.map((s) => s.detected_at)),
    status: 'open',
    opened_at: Math.max(...signals.map((s) => s.detected_at)),
    opened_reason: 'threshold',
    signals,
    ...over,
  };
};
