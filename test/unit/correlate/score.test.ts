import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../shared/correlate/policy.ts';
import { type SignalEntry, scoreEntity } from '../../../shared/correlate/score.ts';
import type { Severity, Tactic } from '../../../shared/detect/types.ts';

const T0 = Date.parse('2026-11-20T00:00:00Z');
let n = 0;
const entry = (
  rule_id: string,
  risk: number,
  tactic: Tactic,
  minutes = 0,
  severity: Severity = 'medium',
  origin: SignalEntry['origin'] = 'detection',
): SignalEntry => ({
  id: `${rule_id}|${n++}`,
  rule_id,
  time: T0 + minutes * 60_000,
  risk,
  severity,
  tactic,
  origin,
});
const key = 'principal:arn:aws:iam::111122223333:user/alice';

describe('scoreEntity', () => {
  it('caps one noisy rule below the threshold', () => {
    const noisy = Array.from({ length: 50 }, (_, i) => entry('aws.s3.noisy', 25, 'TA0007', i));
    const s = scoreEntity(noisy, DEFAULT_POLICY, key);
    expect(s.risk).toBe(DEFAULT_POLICY.perRuleCap);
    expect(s.opens).toBeUndefined();
  });

  it('opens on the threshold when distinct rules add up', () => {
    const s = scoreEntity([entry('a', 50, 'TA0004'), entry('b', 50, 'TA0004')], DEFAULT_POLICY, key);
    expect(s.risk).toBe(100);
    expect(s.opens).toBe('threshold');
  });

  it('opens on a progression through three distinct tactics even below the threshold', () => {
    const s = scoreEntity(
      [entry('a', 10, 'TA0007'), entry('b', 10, 'TA0004'), entry('c', 10, 'TA0010')],
      DEFAULT_POLICY,
      key,
    );
    expect(s.risk).toBe(30 + 2 * DEFAULT_POLICY.tacticBonus);
    expect(s.opens).toBe('progression');
    expect(s.tactics).toEqual(['TA0004', 'TA0007', 'TA0010']);
  });

  it('opens on a single critical signal', () => {
    expect(scoreEntity([entry('a', 80, 'TA0005', 0, 'critical')], DEFAULT_POLICY, key).opens).toBe(
      'severity',
    );
  });

  it('never opens on baseline rarity alone, however much of it', () => {
    const rare = Array.from({ length: 30 }, (_, i) =>
      entry(`baseline.r${i}`, 10, 'TA0007', i, 'critical', 'baseline'),
    );
    const s = scoreEntity(rare, DEFAULT_POLICY, key);
    expect(s.risk).toBe(DEFAULT_POLICY.baselineCap);
    expect(s.opens).toBeUndefined();
  });

  it('only adds up signals inside the window', () => {
    const day = 24 * 60;
    const s = scoreEntity(
      [entry('a', 50, 'TA0004', 0), entry('b', 50, 'TA0004', day + 1)],
      DEFAULT_POLICY,
      key,
    );
    expect(s.risk).toBe(50);
  });

  it('does not count suppressed signals or duplicates', () => {
    const a = entry('a', 50, 'TA0004');
    const suppressed = { ...entry('b', 50, 'TA0004'), suppressed: { suppression_id: 's1', reason: 'fp' } };
    expect(scoreEntity([a, a, a, suppressed], DEFAULT_POLICY, key).risk).toBe(50);
  });

  it('applies the first matching criticality factor', () => {
    const policy = { ...DEFAULT_POLICY, criticality: [{ pattern: 'principal:*:user/alice', factor: 2 }] };
    expect(scoreEntity([entry('a', 30, 'TA0004')], policy, key).risk).toBe(60);
    expect(scoreEntity([entry('a', 30, 'TA0004')], policy, 'principal:arn:aws:iam::1:user/bob').risk).toBe(
      30,
    );
  });
});
