import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../../shared/enrich/bounded-cache.ts';

describe('BoundedCache', () => {
  it('never holds more than its capacity, evicting the oldest insertion first', () => {
    const cache = new BoundedCache<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) cache.set(key, i);
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('c'), cache.get('d'), cache.get('e')]).toEqual([2, 3, 4]);
  });

  it('overwriting a key does not evict another', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    expect([cache.get('a'), cache.get('b')]).toEqual([3, 2]);
  });

  it('computes a missing value once and serves it from then on', () => {
    const cache = new BoundedCache<string, string>(10);
    const computed: string[] = [];
    const compute = (key: string) => {
      computed.push(key);
      return key.toUpperCase();
    };
    expect(cache.getOrCompute('x', compute)).toBe('X');
    expect(cache.getOrCompute('x', compute)).toBe('X');
    expect(computed).toEqual(['x']);
  });

  it('refuses a capacity that could not bound anything', () => {
    expect(() => new BoundedCache(0)).toThrow(RangeError);
    expect(() => new BoundedCache(1.5)).toThrow(RangeError);
  });
});
