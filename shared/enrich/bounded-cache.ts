/**
 * A memo with a hard size cap, for per-address results on the ingest hot path.
 *
 * Eviction is by insertion order (the oldest entry goes first), not LRU: a hit then costs one
 * `Map.get`, with no delete-and-reinsert, and an address that is still hot after eviction is simply
 * computed once more. The cap bounds memory however many distinct (or hostile) keys a stream holds.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    if (!this.#entries.has(key) && this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, value);
  }

  /** The cached value, or `compute(key)` stored and returned. */
  getOrCompute(key: K, compute: (key: K) => V): V {
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    this.set(key, value);
    return value;
  }
}
