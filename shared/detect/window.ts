import type { WindowState } from './types.ts';

/**
 * In-memory sliding windows for burst detections. Bounded: each key keeps at most `maxPerKey`
 * timestamps and the whole state at most `maxKeys` keys (oldest evicted first), so a hostile
 * stream with endless distinct principals cannot exhaust memory.
 */
export function memoryWindow(maxKeys = 50_000, maxPerKey = 1_000): WindowState {
  const counts = new Map<string, number[]>();
  const members = new Map<string, Map<string, number>>();

  const touch = <V>(map: Map<string, V>, key: string, make: () => V): V => {
    let v = map.get(key);
    if (v === undefined) {
      if (map.size >= maxKeys) {
        const oldest = map.keys().next().value;
        if (oldest !== undefined) map.delete(oldest);
      }
      v = make();
    } else {
      map.delete(key); // re-insert: Map order doubles as recency
    }
    map.set(key, v);
    return v;
  };

  return {
    count(key, time, windowMs) {
      const times = touch(counts, key, () => [] as number[]);
      times.push(time);
      const from = time - windowMs;
      let drop = 0;
      while (drop < times.length && (times[drop] as number) < from) drop++;
      if (drop > 0) times.splice(0, drop);
      if (times.length > maxPerKey) times.splice(0, times.length - maxPerKey);
      return times.length;
    },
    distinct(key, member, time, windowMs) {
      const seen = touch(members, key, () => new Map<string, number>());
      seen.delete(member);
      seen.set(member, time);
      const from = time - windowMs;
      for (const [m, t] of seen) {
        if (t >= from && seen.size <= maxPerKey) break; // insertion order ≈ time order
        seen.delete(m);
      }
      return seen.size;
    },
  };
}
