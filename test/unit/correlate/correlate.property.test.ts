import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCorrelation } from '../../../shared/correlate/correlate.ts';
import { DEFAULT_POLICY } from '../../../shared/correlate/policy.ts';
import { scoreEntity } from '../../../shared/correlate/score.ts';
import { loadCorrelationStates } from '../../../shared/correlate/states.ts';
import type { EntityRef, Severity, Signal, Tactic } from '../../../shared/detect/types.ts';
import { MemoryCorrelationStore } from '../../support/memory-correlation-store.ts';

const PRINCIPALS = [
  'arn:aws:iam::111122223333:user/alice',
  'arn:aws:iam::111122223333:user/bob',
  'arn:aws:iam::111122223333:user/eve',
];
const KEYS = ['AKIAALICE', 'AKIABOB', 'AKIAEVE'];
const IPS = ['198.51.100.7', '203.0.113.9', '10.0.0.5'];
const RULES: [string, Severity, number, Tactic][] = [
  ['r.discovery', 'low', 10, 'TA0007'],
  ['r.enum_burst', 'medium', 25, 'TA0007'],
  ['r.admin_attach', 'high', 50, 'TA0004'],
  ['r.new_user', 'medium', 25, 'TA0003'],
  ['r.snapshot_share', 'high', 50, 'TA0010'],
  ['r.stop_logging', 'critical', 80, 'TA0005'],
  ['r.rare_region', 'info', 5, 'TA0007'],
];

/**
 * A signal's content is a function of its id (rule × event), as with real detections; the
 * generator picks ids and derives the rest, so duplicates are true duplicates.
 */
const signalArb = fc
  .record({ who: fc.nat({ max: 2 }), rule: fc.nat({ max: RULES.length - 1 }), event: fc.nat({ max: 40 }) })
  .map(({ who, rule, event }): Signal => {
    const [rule_id, severity, risk, tactic] = RULES[rule] as (typeof RULES)[number];
    // Some signals (like a GuardDuty finding) name only the access key.
    const keyOnly = (event + rule) % 5 === 0;
    const entities: EntityRef[] = [
      ...(keyOnly ? [] : [{ type: 'principal' as const, id: PRINCIPALS[who] as string }]),
      { type: 'access_key', id: KEYS[who] as string },
      { type: 'ip', id: IPS[event % 3] as string },
    ];
    const event_uid = `evt-${who}-${event}`;
    return {
      id: `${rule_id}|${event_uid}`,
      rule_id,
      title: rule_id,
      severity,
      risk,
      attack: ['T1078'],
      tactic,
      origin: rule_id === 'r.rare_region' ? 'baseline' : 'detection',
      source: 'cloudtrail',
      time: Date.parse('2026-11-20T00:00:00Z') + event * 15 * 60_000,
      event_uid,
      entities,
      evidence: {},
    };
  });

async function run(batches: Signal[][]): Promise<MemoryCorrelationStore> {
  const store = new MemoryCorrelationStore();
  for (const signals of batches) {
    const states = await loadCorrelationStates(signals, (keys) => store.load(keys));
    store.apply(planCorrelation({ signals, states, suppressions: [], policy: DEFAULT_POLICY, now: 0 }));
  }
  return store;
}

const chunk = <T>(xs: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
};

const riskOf = (store: MemoryCorrelationStore) =>
  Object.fromEntries(
    [...store.incidents].map(([id, i]) => [
      id,
      scoreEntity([...i.signals.values()], DEFAULT_POLICY, i.anchor).risk,
    ]),
  );

describe('correlation is insensitive to order, duplicates and batching', () => {
  it('replayed, duplicated or shuffled streams converge on the same incidents and risk', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(signalArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.infiniteStream(fc.nat()),
        async (signals, batchA, batchB, seeds) => {
          const inOrder = [...signals].sort((a, b) => a.time - b.time);
          const once = await run(chunk(inOrder, batchA));
          const twice = await run([...chunk(inOrder, batchA), ...chunk(inOrder, batchB)]);
          const withDuplicates = [...inOrder, ...inOrder.filter((_, i) => i % 3 === 0)];
          const it = seeds[Symbol.iterator]();
          const shuffled = withDuplicates
            .map((s) => [it.next().value as number, s] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, s]) => s);
          const mixed = await run(chunk(shuffled, batchB));
          expect(twice.snapshot()).toEqual(once.snapshot());
          expect(mixed.snapshot()).toEqual(once.snapshot());
          expect(riskOf(mixed)).toEqual(riskOf(once));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
