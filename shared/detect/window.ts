import type { WindowState } from './types.ts';

/** An entry of a recency list: a map gives the node in one lookup, the links give the order. */
interface Node<V> {
  readonly key: string;
  value: V;
  prev: Node<V> | undefined;
  next: Node<V> | undefined;
}

/**
 * Keys in least-recently-used order. A touch is one map lookup and a relink, where the Map
 * order trick (delete, then set again) costs three hash operations and leaves a hole in the
 * table on every call.
 */
class Recency<V> {
  readonly #nodes = new Map<string, Node<V>>();
  #head: Node<V> | undefined; // least recent
  #tail: Node<V> | undefined; // most recent

  get size(): number {
    return this.#nodes.size;
  }

  get(key: string): Node<V> | undefined {
    return this.#nodes.get(key);
  }

  /** The least recent node, the first to expire or be evicted. */
  oldest(): Node<V> | undefined {
    return this.#head;
  }

  /** Moves a node to the most recent end. */
  touch(node: Node<V>): void {
    if (node === this.#tail) return;
    this.#unlink(node);
    this.#append(node);
  }

  add(key: string, value: V): Node<V> {
    const node: Node<V> = { key, value, prev: undefined, next: undefined };
    this.#nodes.set(key, node);
    this.#append(node);
    return node;
  }

  delete(node: Node<V>): void {
    this.#nodes.delete(node.key);
    this.#unlink(node);
  }

  #unlink(node: Node<V>): void {
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = undefined;
    node.next = undefined;
  }

  #append(node: Node<V>): void {
    node.prev = this.#tail;
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
  }
}

/** Occurrence times of one key, oldest first; those before `head` have left the window. */
interface Times {
  readonly values: number[];
  head: number;
}

/** A member of a grouped window: when it was last seen, and its group. */
interface Member {
  time: number;
  readonly group: string;
}

/** The members of one grouped key, and how many live members each group has. */
interface Grouped {
  readonly members: Recency<Member>;
  readonly groups: Map<string, number>;
}

/**
 * In-memory sliding windows for burst detections. Bounded: each key keeps at most `maxPerKey`
 * timestamps and the whole state at most `maxKeys` keys (least recently used evicted first), so
 * a hostile stream with endless distinct principals cannot exhaust memory.
 */
export function memoryWindow(maxKeys = 50_000, maxPerKey = 1_000): WindowState {
  const counts = new Recency<Times>();
  const members = new Recency<Recency<number>>();
  const grouped = new Recency<Grouped>();

  const touch = <V>(list: Recency<V>, key: string, make: () => V): V => {
    const node = list.get(key);
    if (node !== undefined) {
      list.touch(node);
      return node.value;
    }
    if (list.size >= maxKeys) {
      const oldest = list.oldest();
      if (oldest !== undefined) list.delete(oldest);
    }
    return list.add(key, make()).value;
  };
  const newTimes = (): Times => ({ values: [], head: 0 });
  const newMembers = () => new Recency<number>();
  const newGrouped = (): Grouped => ({ members: new Recency<Member>(), groups: new Map() });

  return {
    count(key, time, windowMs) {
      const times = touch(counts, key, newTimes);
      const { values } = times;
      values.push(time);
      const from = time - windowMs;
      // Oldest first: step past what left the window, and past any excess over maxPerKey.
      while (times.head < values.length && (values[times.head] as number) < from) times.head++;
      times.head = Math.max(times.head, values.length - maxPerKey);
      // The dead prefix is cut only once it is as long as the live part: amortised O(1) per call
      // where cutting on every call moved the whole window (a busy key holds maxPerKey times).
      if (times.head >= 64 && times.head * 2 >= values.length) {
        values.copyWithin(0, times.head);
        values.length -= times.head;
        times.head = 0;
      }
      return values.length - times.head;
    },
    distinct(key, member, time, windowMs) {
      const seen = touch(members, key, newMembers);
      const node = seen.get(member);
      if (node !== undefined) {
        node.value = time;
        seen.touch(node);
      } else seen.add(member, time);
      const from = time - windowMs;
      // Oldest first (recency ≈ time order): drop what left the window, and any excess.
      for (let m = seen.oldest(); m !== undefined; m = seen.oldest()) {
        if (m.value >= from && seen.size <= maxPerKey) break;
        seen.delete(m);
      }
      return seen.size;
    },
    distinctGrouped(key, member, group, time, windowMs) {
      const { members: seen, groups } = touch(grouped, key, newGrouped);
      const node = seen.get(member);
      if (node !== undefined) {
        node.value.time = time;
        seen.touch(node);
      } else {
        seen.add(member, { time, group });
        groups.set(group, (groups.get(group) ?? 0) + 1);
      }
      const from = time - windowMs;
      for (let m = seen.oldest(); m !== undefined; m = seen.oldest()) {
        if (m.value.time >= from && seen.size <= maxPerKey) break;
        seen.delete(m);
        const left = (groups.get(m.value.group) ?? 1) - 1;
        if (left > 0) groups.set(m.value.group, left);
        else groups.delete(m.value.group);
      }
      return { members: seen.size, groups: groups.size };
    },
  };
}
