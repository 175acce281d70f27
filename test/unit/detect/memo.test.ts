import { describe, expect, it } from 'vitest';
import { Memo } from '../../../shared/detect/memo.ts';

describe('Memo', () => {
  it('computes once per key while the key stays in use', () => {
    const memo = new Memo<string, number>(2);
    let calls = 0;
    const len = (s: string) => {
      calls++;
      return s.length;
    };
    for (let i = 0; i < 100; i++) {
      expect(memo.getOrCompute('hot', len)).toBe(3);
      memo.getOrCompute(`cold-${i}`, len); // a stream of unique keys turns the generations over
    }
    // The hot key is promoted on every use, so it survives each turn of the generations.
    expect(calls).toBe(101);
  });

  it('memoises falsy values (null, false, 0) as values, not as misses', () => {
    const memo = new Memo<string, boolean | null>(4);
    let calls = 0;
    const no = () => {
      calls++;
      return false;
    };
    memo.getOrCompute('k', no);
    memo.getOrCompute('k', no);
    expect(calls).toBe(1);
  });

  it('holds at most twice its capacity, however many keys pass', () => {
    const memo = new Memo<number, number>(10);
    for (let i = 0; i < 1_000; i++) memo.getOrCompute(i, (k) => k);
    expect(memo.size).toBeLessThanOrEqual(20);
    expect(() => new Memo(0)).toThrow(RangeError);
  });
});
