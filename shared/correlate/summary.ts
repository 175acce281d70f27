import { SEVERITY_ORDER, type Severity, TACTICS, type Tactic } from '../detect/types.ts';
import type { ScoringPolicy } from './policy.ts';
import { scoreEntity } from './score.ts';
import type { EntityKey, IncidentSummary, StoredSignal } from './types.ts';

const KILL_CHAIN = Object.keys(TACTICS) as Tactic[];
const SEVERITIES = Object.keys(SEVERITY_ORDER) as Severity[];

/** `principal:arn:aws:iam::1:user/alice` → `alice`; other entities keep their id. */
export const entityLabel = (key: EntityKey): string => {
  const id = key.slice(key.indexOf(':') + 1);
  if (!key.startsWith('principal:')) return id;
  const tail = id.split('/');
  return tail.length > 1 ? tail.slice(1).join('/') : id;
};

/**
 * An incident's headline figures, recomputed from its whole signal set every time it changes:
 * a pure function of the set, so concurrent writers and replays converge on the same summary.
 */
export function summariseIncident(
  id: string,
  anchor: EntityKey,
  signals: readonly StoredSignal[],
  policy: ScoringPolicy,
): IncidentSummary {
  const counted = signals.filter((s) => !s.suppressed);
  const score = scoreEntity(counted, policy, anchor);
  const tactics = [...new Set(counted.filter((s) => s.origin !== 'baseline').map((s) => s.tactic))].sort(
    (a, b) => KILL_CHAIN.indexOf(a) - KILL_CHAIN.indexOf(b),
  );
  // Severity: the worst signal, raised one step when the story spans the kill chain or the risk
  // doubles the threshold — a walk through four tactics is worse than any one of its steps.
  let level = Math.max(0, ...counted.map((s) => SEVERITY_ORDER[s.severity]));
  if (tactics.length >= 4 || score.risk >= 2 * policy.threshold) level = Math.min(level + 1, 4);
  const entities = new Map<string, { type: IncidentSummary['entities'][number]['type']; id: string }>();
  for (const s of counted) for (const e of s.entities) entities.set(`${e.type}:${e.id}`, e);
  const times = counted.map((s) => s.time);
  const detected = counted.map((s) => s.detected_at);
  const path = tactics.map((t) => TACTICS[t]).join(' → ');
  return {
    id,
    anchor,
    title: `${entityLabel(anchor)}: ${path || 'suspicious activity'}`,
    severity: SEVERITIES[level] as Severity,
    risk: score.risk,
    tactics,
    entities: [...entities.values()].sort((a, b) => (`${a.type}:${a.id}` < `${b.type}:${b.id}` ? -1 : 1)),
    signal_count: counted.length,
    first_event_at: times.length ? Math.min(...times) : 0,
    last_event_at: times.length ? Math.max(...times) : 0,
    first_signal_at: detected.length ? Math.min(...detected) : 0,
  };
}
