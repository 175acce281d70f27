/**
 * Reading Sigma fields out of raw records, which are hostile and untyped: never throws, bounded
 * work per call whatever the record's size or depth.
 *
 * - A dotted path steps through objects; at an array it steps into every element ("any
 *   element" semantics: `target.displayName` matches if some Okta target has that name).
 * - Each step looks for the exact key first; on a miss, for a literal dotted key (`a.b` stored
 *   as one key), then for the key case-insensitively. Misses are rare on real records, so the
 *   fallbacks cost nothing on the hot path; keys are never lowercased when the exact one exists.
 * - A value that is an object or array is matched through its scalar leaves.
 */

export type Scalar = string | number | boolean;

export interface FieldPath {
  readonly segments: readonly string[];
  readonly lower: readonly string[];
  /** `joined[i][j]` = segments i..j-1 joined with dots, for literal dotted keys. */
  readonly joined: readonly (readonly string[])[];
  readonly dotted: string;
  /**
   * Some segment names a member every object inherits (`constructor`, `toString`, `__proto__`):
   * a plain property read would find the inherited one where the record has none, so the fast
   * read checks own properties on such paths.
   */
  readonly inherited: boolean;
}

const MAX_ARRAY_FANOUT = 1000;
const MAX_LEAF_DEPTH = 16;
/** Nodes visited per field read; a 100k-element policy document is not searched to the end. */
const MAX_LEAVES = 4096;

export function fieldPath(segments: readonly string[]): FieldPath {
  const joined = segments.map((_, i) =>
    segments.map((__, j) => (j > i ? segments.slice(i, j + 1).join('.') : '')),
  );
  return {
    segments,
    lower: segments.map((s) => s.toLowerCase()),
    joined,
    dotted: segments.join('.'),
    inherited: segments.some((s) => s in Object.prototype),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Calls `visit` with every value the path reaches (null included, absent keys not); stops and
 * returns true as soon as `visit` does.
 */
export function someValue(record: unknown, path: FieldPath, visit: (v: unknown) => boolean): boolean {
  // Fast path: plain objects with the exact keys all the way down, the shape of nearly every
  // record; anything else (an array, a miss) continues in the general walk from where it stopped.
  let cur = record;
  let i = 0;
  for (; i < path.segments.length; i++) {
    if (!isRecord(cur)) break;
    const segment = path.segments[i] as string;
    if (!Object.hasOwn(cur, segment)) break;
    cur = cur[segment];
  }
  if (i === path.segments.length) return visit(cur);
  return walk(cur, path, i, visit, { left: MAX_STEPS });
}

/** Steps per path read: arrays of arrays cannot multiply the work beyond this. */
const MAX_STEPS = 4096;

function walk(
  cur: unknown,
  path: FieldPath,
  i: number,
  visit: (v: unknown) => boolean,
  budget: { left: number },
): boolean {
  if (--budget.left < 0) return false;
  if (i === path.segments.length) return visit(cur);
  if (Array.isArray(cur)) {
    const n = Math.min(cur.length, MAX_ARRAY_FANOUT);
    for (let k = 0; k < n; k++) if (walk(cur[k], path, i, visit, budget)) return true;
    return false;
  }
  if (!isRecord(cur)) return false;
  const segment = path.segments[i] as string;
  if (Object.hasOwn(cur, segment)) return walk(cur[segment], path, i + 1, visit, budget);
  const joined = path.joined[i] as readonly string[];
  for (let j = path.segments.length - 1; j > i; j--) {
    const key = joined[j] as string;
    if (Object.hasOwn(cur, key)) return walk(cur[key], path, j + 1, visit, budget);
  }
  // The first own key that lower-cases to the segment's lower case. `for…in` walks the keys without
  // copying them into an array (own keys first, in the order Object.keys gives, then any inherited
  // enumerable ones, which hasOwn skips); `foldsTo` compares without building lower-cased copies.
  const lower = path.lower[i] as string;
  for (const key in cur) {
    if (key.length === lower.length && foldsTo(key, lower) && Object.hasOwn(cur, key))
      return walk(cur[key], path, i + 1, visit, budget);
  }
  return false;
}

/**
 * `key.toLowerCase() === lower` for a key as long as `lower`, without allocating for ASCII keys:
 * ASCII lower-cases character by character (A–Z to a–z, nothing else changes), so a mismatch before
 * any other character settles it. Any non-ASCII character hands over to `toLowerCase` itself,
 * whose mappings can depend on context or change the length.
 */
function foldsTo(key: string, lower: string): boolean {
  for (let k = 0; k < key.length; k++) {
    const c = key.charCodeAt(k);
    const l = lower.charCodeAt(k);
    if (c >= 128 || l >= 128) return key.toLowerCase() === lower;
    if (c !== l && !(c >= 65 && c <= 90 && c + 32 === l)) return false;
  }
  return true;
}

/** Calls `visit` with each scalar inside `value` (itself if scalar); bounded by depth and count. */
export function someLeaf(value: unknown, visit: (leaf: Scalar) => boolean): boolean {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return visit(value);
  if (typeof value !== 'object' || value === null) return false;
  const stack: [unknown, number][] = [[value, 0]];
  let budget = MAX_LEAVES;
  while (stack.length > 0 && budget > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    budget--; // every node counts, so a tree of empty objects is bounded too
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      if (visit(v)) return true;
    } else if (typeof v === 'object' && v !== null && depth < MAX_LEAF_DEPTH) {
      const children = Array.isArray(v) ? v : Object.values(v);
      const n = Math.min(children.length, budget);
      for (let k = n - 1; k >= 0; k--) stack.push([children[k], depth + 1]);
    }
  }
  return false;
}

/** Some scalar leaf at the path satisfies `visit`. */
export const someFieldLeaf = (record: unknown, path: FieldPath, visit: (leaf: Scalar) => boolean): boolean =>
  someValue(record, path, (v) => someLeaf(v, visit));

/**
 * Where the path's exact keys lead through plain objects — the shape of nearly every record —
 * or MISS when they do not (an array on the way, a missing or differently cased key), in which
 * case the caller takes `someValue`'s general walk. A plain function the readers below share.
 *
 * A plain property read stands for "own property": records come from JSON, whose objects inherit
 * only Object.prototype's members, and paths naming one of those take the `Object.hasOwn` walk.
 * The plain read is the one V8 caches; `Object.hasOwn` at every step cost about twice as much.
 * A read that finds `undefined` (absent, or an own `undefined`, which JSON cannot hold) is a MISS:
 * the general walk then gives the exact answer either way.
 */
const MISS: unknown = Symbol('miss');
function exactValue(record: unknown, path: FieldPath): unknown {
  const segments = path.segments;
  if (path.inherited) return ownExactValue(record, segments);
  let cur = record;
  for (let i = 0; i < segments.length; i++) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return MISS;
    cur = (cur as Record<string, unknown>)[segments[i] as string];
    if (cur === undefined) return MISS;
  }
  return cur;
}

function ownExactValue(record: unknown, segments: readonly string[]): unknown {
  let cur = record;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (!isRecord(cur) || !Object.hasOwn(cur, segment)) return MISS;
    cur = cur[segment];
  }
  return cur;
}

/**
 * `someFieldLeaf` for a string test, built once per field item: a string at the exact path goes
 * straight to the test, a number or boolean as its text, an object or array through its leaves;
 * anything `exactValue` misses takes the general walk, which starts again from the record.
 */
export function fieldStringTest(
  path: FieldPath,
  test: (text: string) => boolean,
): (record: unknown) => boolean {
  const onLeaf = (leaf: Scalar) => test(typeof leaf === 'string' ? leaf : scalarText(leaf));
  const onValue = (v: unknown) => (typeof v === 'string' ? test(v) : someLeaf(v, onLeaf));
  return (record) => {
    const v = exactValue(record, path);
    if (typeof v === 'string') return test(v);
    return v === MISS ? someValue(record, path, onValue) : someLeaf(v, onLeaf);
  };
}

const present = (): boolean => true;
const notNull = (v: unknown): boolean => v !== null && v !== undefined;

/** The field is present (its value may be null). */
export function fieldExists(record: unknown, path: FieldPath): boolean {
  return exactValue(record, path) !== MISS || someValue(record, path, present);
}

/** Sigma `null`: the field is absent, or every value it has is null. */
export function fieldIsNull(record: unknown, path: FieldPath): boolean {
  const v = exactValue(record, path);
  if (v !== MISS) return v === null || v === undefined;
  return !someValue(record, path, notNull);
}

/** How a scalar reads as a string for string matching: JSON numbers and booleans as JSON writes them. */
export const scalarText = (leaf: Scalar): string => (typeof leaf === 'string' ? leaf : String(leaf));

/** The first scalar at the path as text (for aggregation group keys and evidence), or undefined. */
export function firstText(record: unknown, path: FieldPath): string | undefined {
  let found: string | undefined;
  someFieldLeaf(record, path, (leaf) => {
    found = scalarText(leaf);
    return true;
  });
  return found;
}
