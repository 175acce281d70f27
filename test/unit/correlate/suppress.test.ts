import { describe, expect, it } from 'vitest';
import { matchSuppression, suppressionFromVerdict } from '../../../shared/correlate/suppress.ts';
import type { Signal } from '../../../shared/detect/types.ts';
import { ValidationError } from '../../../shared/errors.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const signal = (entities: Signal['entities'], rule_id = 'aws.iam.access_key_untrusted_network'): Signal => ({
  id: `${rule_id}|e1`,
  rule_id,
  title: 't',
  severity: 'low',
  risk: 10,
  attack: ['T1078.004'],
  tactic: 'TA0001',
  origin: 'detection',
  source: 'cloudtrail',
  time: NOW,
  event_uid: 'e1',
  entities,
  evidence: {},
});
const alice = { type: 'principal' as const, id: 'arn:aws:iam::111122223333:user/alice' };

describe('suppressionFromVerdict', () => {
  it('scopes a false positive to the rule and the signal principal, with a default 30-day expiry', () => {
    const s = suppressionFromVerdict(
      { signal: signal([{ type: 'ip', id: '198.51.100.7' }, alice]), analyst: 'dana', reason: 'CI egress' },
      NOW,
      'sup-1',
    );
    expect(s).toEqual({
      id: 'sup-1',
      rule_id: 'aws.iam.access_key_untrusted_network',
      entity_pattern: `principal:${alice.id}`,
      expires_at: NOW + 30 * 24 * 3_600_000,
      reason: 'CI egress',
      created_by: 'dana',
    });
    // It silences the same rule for alice, not another rule, not another principal, not after expiry.
    expect(matchSuppression(signal([alice]), [s], NOW + 1)).toEqual(s);
    expect(matchSuppression(signal([alice], 'aws.iam.user_created'), [s], NOW + 1)).toBeUndefined();
    expect(
      matchSuppression(
        signal([{ type: 'principal', id: 'arn:aws:iam::111122223333:user/bob' }]),
        [s],
        NOW + 1,
      ),
    ).toBeUndefined();
    expect(matchSuppression(signal([alice]), [s], s.expires_at)).toBeUndefined();
  });

  it('falls back to the access key, then the IP, when the signal names no principal', () => {
    const s = suppressionFromVerdict(
      {
        signal: signal([
          { type: 'ip', id: '198.51.100.7' },
          { type: 'access_key', id: 'AKIAEXAMPLE' },
        ]),
        analyst: 'd',
        reason: 'r',
        forMs: 1000,
      },
      NOW,
      'sup-2',
    );
    expect(s.entity_pattern).toBe('access_key:AKIAEXAMPLE');
    expect(s.expires_at).toBe(NOW + 1000);
  });

  it('refuses what cannot be scoped narrowly', () => {
    expect(() => suppressionFromVerdict({ signal: signal([]), analyst: 'd', reason: 'r' }, NOW, 'x')).toThrow(
      ValidationError,
    );
    const wild = { type: 'principal' as const, id: 'arn:aws:iam::1:user/*' };
    expect(() =>
      suppressionFromVerdict({ signal: signal([wild]), analyst: 'd', reason: 'r' }, NOW, 'x'),
    ).toThrow(/cannot scope/);
  });
});
