import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../../shared/enrich/bounded-cache.ts';

describe('BoundedCache', () => {
  it('never holds more than its capacity, dropping the oldest entries first', () => {
    const cache = new BoundedCache<string, number>(4);
    for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) cache.set(key, i);
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('c'), cache.get('d'), cache.get('e')]).toEqual([2, 3, 4]);
    for (const capacity of [1, 2, 3, 7]) {
      const small = new BoundedCache<number, number>(capacity);
      for (let i = 0; i < 50; i++) {
        small.set(i, i);
        expect(small.size).toBeLessThanOrEqual(capacity);
        expect(small.get(i)).toBe(i);
      }
    }
  });

  it('overwriting a key does not evict another', () => {
    const cache = new BoundedCache<string, number>(4);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    expect([cache.get('a'), cache.get('b')]).toEqual([3, 2]);
  });

  it('computes a missing value once and serves it from then on, falsy values included', () => {
    const cache = new BoundedCache<string, string | null>(10);
    const computed: string[] = [];
    const compute = (key: string) => {
      computed.push(key);
      return key === 'none' ? null : key.toUpperCase();
    };
    expect(cache.getOrCompute('x', compute)).toBe('X');
    expect(cache.getOrCompute('x', compute)).toBe('X');
    expect(cache.getOrCompute('none', compute)).toBeNull();
    expect(cache.getOrCompute('none', compute)).toBeNull();
    expect(computed).toEqual(['x', 'none']);
  });

  it('keeps a value in use however many unique keys stream past it', () => {
    const cache = new BoundedCache<string, number>(4);
    let calls = 0;
    const len = (s: string) => {
      calls++;
      return s.length;
    };
    for (let i = 0; i < 1_000; i++) {
      expect(cache.getOrCompute('hot', len)).toBe(3);
      cache.getOrCompute(`cold-${i}`, len);
      expect(cache.size).toBeLessThanOrEqual(4);
    }
    expect(calls).toBe(1_001);
  });

  it('refuses a capacity that could not bound anything', () => {
    expect(() => new BoundedCache(0)).toThrow(RangeError);
    expect(() => new BoundedCache(1.5)).toThrow(RangeError);
  });
});
