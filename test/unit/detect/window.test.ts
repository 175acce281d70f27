import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryWindow } from '../../../shared/detect/window.ts';

const MIN = 60_000;

describe('memoryWindow', () => {
  it('counts occurrences inside the window and forgets older ones', () => {
    const w = memoryWindow();
    expect(w.count('k', 0, 10 * MIN)).toBe(1);
    expect(w.count('k', 5 * MIN, 10 * MIN)).toBe(2);
    expect(w.count('k', 12 * MIN, 10 * MIN)).toBe(2); // the first left the window
    expect(w.count('other', 12 * MIN, 10 * MIN)).toBe(1);
  });

  it('counts like the plain model: drop what left the window, keep at most maxPerKey (property)', () => {
    const call = fc.record({ key: fc.constantFrom('a', 'b'), step: fc.integer({ min: -MIN, max: 3 * MIN }) });
    fc.assert(
      fc.property(fc.array(call, { maxLength: 400 }), fc.integer({ min: 1, max: 150 }), (calls, cap) => {
        const w = memoryWindow(10, cap);
        const model = new Map<string, number[]>();
        let time = 10 * MIN;
        for (const { key, step } of calls) {
          time += step; // out-of-order times too
          const times = model.get(key) ?? [];
          times.push(time);
          while (times.length > 0 && (times[0] as number) < time - 5 * MIN) times.shift();
          while (times.length > cap) times.shift();
          model.set(key, times);
          expect(w.count(key, time, 5 * MIN)).toBe(times.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('counts distinct members, a repeat refreshing its time', () => {
    const w = memoryWindow();
    expect(w.distinct('k', 'a', 0, 10 * MIN)).toBe(1);
    expect(w.distinct('k', 'b', 1 * MIN, 10 * MIN)).toBe(2);
    expect(w.distinct('k', 'a', 9 * MIN, 10 * MIN)).toBe(2);
    expect(w.distinct('k', 'c', 12 * MIN, 10 * MIN)).toBe(2); // b left, a was refreshed
  });

  it('counts distinct members and their groups, groups leaving with their last member', () => {
    const w = memoryWindow();
    expect(w.distinctGrouped('k', 'iam:ListUsers', 'iam', 0, 10 * MIN)).toEqual({ members: 1, groups: 1 });
    expect(w.distinctGrouped('k', 'iam:ListRoles', 'iam', 1 * MIN, 10 * MIN)).toEqual({
      members: 2,
      groups: 1,
    });
    expect(w.distinctGrouped('k', 's3:ListBuckets', 's3', 2 * MIN, 10 * MIN)).toEqual({
      members: 3,
      groups: 2,
    });
    // ListUsers leaves; iam stays through ListRoles.
    expect(w.distinctGrouped('k', 'ec2:DescribeVpcs', 'ec2', 10.5 * MIN, 10 * MIN)).toEqual({
      members: 3,
      groups: 3,
    });
    // ListRoles leaves too: iam has no member left.
    expect(w.distinctGrouped('k', 'ec2:DescribeVpcs', 'ec2', 11.5 * MIN, 10 * MIN)).toEqual({
      members: 2,
      groups: 2,
    });
  });

  it('keeps at most maxPerKey members per key, however many a hostile stream sends', () => {
    const w = memoryWindow(10, 5);
    let last = { members: 0, groups: 0 };
    for (let i = 0; i < 50; i++) last = w.distinctGrouped('k', `m${i}`, `g${i % 7}`, i, MIN);
    expect(last.members).toBe(5);
    expect(last.groups).toBe(5);
    for (let i = 0; i < 50; i++) w.distinct('d', `m${i}`, i, MIN);
    expect(w.distinct('d', 'again', 51, MIN)).toBe(5);
  });

  it('evicts the least recent keys past maxKeys', () => {
    const w = memoryWindow(3);
    w.distinct('a', 'x', 0, MIN);
    w.distinct('b', 'x', 0, MIN);
    w.distinct('c', 'x', 0, MIN);
    w.distinct('a', 'y', 1, MIN); // a is now the most recent
    w.distinct('d', 'x', 1, MIN); // evicts b
    expect(w.distinct('a', 'z', 2, MIN)).toBe(3);
    expect(w.distinct('b', 'z', 2, MIN)).toBe(1);
  });

  it('grouped counts equal a distinct window over members and one over groups (property)', () => {
    const call = fc.record({
      member: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      step: fc.integer({ min: 0, max: 4 * MIN }),
    });
    const groupOf = (m: string) => (m < 'c' ? 'g1' : m < 'e' ? 'g2' : 'g3');
    fc.assert(
      fc.property(fc.array(call, { maxLength: 60 }), (calls) => {
        const grouped = memoryWindow();
        let time = 0;
        // The reference: a member's group is live while any of its members is.
        const lastSeen = new Map<string, number>();
        for (const { member, step } of calls) {
          time += step;
          lastSeen.set(member, time);
          const live = [...lastSeen].filter(([, t]) => t >= time - 10 * MIN).map(([m]) => m);
          const got = grouped.distinctGrouped('k', member, groupOf(member), time, 10 * MIN);
          expect(got).toEqual({ members: live.length, groups: new Set(live.map(groupOf)).size });
        }
      }),
    );
  });
});
