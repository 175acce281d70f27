/**
 * A memo with a hard size cap, for per-event results on the hot path (addresses, names, verdicts).
 *
 * Entries live in two generations: lookups try the young map, then the old one (`getOrCompute`
 * moves a value still in use back into the young map); when the young map is full it becomes the
 * old one and the previous old map is dropped whole. So a hit costs one or two `Map.get`s, values
 * that keep recurring survive every turn, and a stream of unique (or hostile) keys costs one insert
 * each. A first-in-first-out queue on one `Map` would cost far more there: each eviction through
 * `keys().next()` walks the deleted entries piled up at the head of the map, thousands of them at
 * this cache's sizes. The cap is a bound, not a target: after a turn the cache holds less.
 */
export class BoundedCache<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  readonly #generation: number;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.#generation = Math.max(1, Math.floor(capacity / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: K): V | undefined {
    // One lookup on a hit: `has` is only asked when the young value reads undefined.
    const young = this.#young.get(key);
    return young !== undefined || this.#young.has(key) ? young : this.#old.get(key);
  }

  set(key: K, value: V): void {
    if (!this.#young.has(key)) {
      this.#old.delete(key);
      if (this.#young.size >= this.#generation) {
        // A cache of one entry has no room for an old generation.
        this.#old = this.capacity >= 2 ? this.#young : new Map();
        this.#young = new Map();
      }
    }
    this.#young.set(key, value);
  }

  /** The cached value (also `undefined`, `null`, `false`), or `compute(key)` stored and returned. */
  getOrCompute(key: K, compute: (key: K) => V): V {
    const young = this.#young.get(key);
    if (young !== undefined || this.#young.has(key)) return young as V;
    const value = this.#old.has(key) ? (this.#old.get(key) as V) : compute(key);
    this.set(key, value);
    return value;
  }
}
