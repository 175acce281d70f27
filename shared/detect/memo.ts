/**
 * A bounded memo for the per-event hot path, in two generations: lookups go to the young map, then
 * the old one (promoting what is still in use); when the young map is full it becomes the old one
 * and the previous old one is dropped whole. Values that keep recurring survive every turn, a
 * stream of unique values costs one insert each, and no eviction walks a map: a FIFO built on
 * `Map#keys().next()` slows down as deleted entries pile up at the map's head.
 * At most `2 × capacity` entries are held.
 */
export class Memo<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** The memoised value, or `compute(key)` memoised and returned. */
  getOrCompute(key: K, compute: (key: K) => V): V {
    const young = this.#young.get(key);
    if (young !== undefined || this.#young.has(key)) return young as V;
    const old = this.#old.get(key);
    const value = old !== undefined || this.#old.has(key) ? (old as V) : compute(key);
    if (this.#young.size >= this.capacity) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
    return value;
  }
}
