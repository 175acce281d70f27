/**
 * Sigma string values: escaping, wildcards, and matchers that are safe on hostile input.
 *
 * Sigma semantics (rules specification, "String Wildcard" and "Escape Character"):
 * `*` is any run of characters, `?` exactly one; a backslash escapes `*`, `?` and itself, and a
 * backslash before any other character is a plain backslash (so `C:\Windows`, `\\*` = backslash
 * then wildcard, `\\\*` = backslash then a literal star, `\\\\` = two backslashes). Matching is
 * case-insensitive unless the value is `cased` (or is an encoding such as base64).
 */

export type PatternPart = { readonly literal: string } | { readonly wildcard: '*' | '?' };

/** One value to match: wildcard parts plus case sensitivity. */
export interface Pattern {
  readonly parts: readonly PatternPart[];
  readonly cased: boolean;
}

const STAR: PatternPart = { wildcard: '*' };
const ONE: PatternPart = { wildcard: '?' };

/** Splits a Sigma string into literal runs and wildcards, resolving escapes. */
export function parseSigmaString(value: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push({ literal });
    literal = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        literal += next;
        i++;
      } else {
        literal += '\\';
      }
    } else if (c === '*' || c === '?') {
      flush();
      parts.push(c === '*' ? STAR : ONE);
    } else {
      literal += c;
    }
  }
  flush();
  return mergeStars(parts);
}

export const isWildcard = (p: PatternPart, w?: '*' | '?'): p is { wildcard: '*' | '?' } =>
  'wildcard' in p && (w === undefined || p.wildcard === w);

export const hasWildcards = (parts: readonly PatternPart[]): boolean => parts.some((p) => isWildcard(p));

/** The plain text of a wildcard-free pattern. */
export const plainText = (parts: readonly PatternPart[]): string =>
  parts.map((p) => ('literal' in p ? p.literal : '')).join('');

/** `contains` / `startswith` / `endswith`: wraps the value in `*` as the specification defines. */
export function anchor(
  parts: readonly PatternPart[],
  how: 'contains' | 'startswith' | 'endswith',
): PatternPart[] {
  const before = how === 'contains' || how === 'endswith' ? [STAR] : [];
  const after = how === 'contains' || how === 'startswith' ? [STAR] : [];
  return mergeStars([...before, ...parts, ...after]);
}

function mergeStars(parts: PatternPart[]): PatternPart[] {
  const out: PatternPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (last !== undefined && isWildcard(last, '*') && isWildcard(p, '*')) continue;
    if (last !== undefined && 'literal' in last && 'literal' in p) {
      out[out.length - 1] = { literal: last.literal + p.literal };
      continue;
    }
    out.push(p);
  }
  return out;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * True when the pattern has no `*` except at its two ends. Such a pattern becomes a regex with no
 * unbounded quantifier at all (the ends just drop the anchor), so it runs in linear time whatever
 * the input. Patterns with inner stars go to the segment matcher below instead, because a
 * backtracking regex with several `.*` is polynomial in the input length.
 */
const isSimple = (parts: readonly PatternPart[]): boolean =>
  parts.every((p, i) => !isWildcard(p, '*') || i === 0 || i === parts.length - 1);

function simpleRegexSource(parts: readonly PatternPart[]): string {
  const first = parts[0];
  const last = parts[parts.length - 1];
  const openStart = first !== undefined && isWildcard(first, '*');
  const openEnd = parts.length > 1 && last !== undefined && isWildcard(last, '*');
  const body = parts
    .slice(openStart ? 1 : 0, openEnd ? -1 : undefined)
    .map((p) => ('literal' in p ? escapeRegex(p.literal) : '[\\s\\S]'))
    .join('');
  if (parts.length === 1 && openStart) return ''; // a lone `*` matches everything
  return `${openStart ? '' : '^'}${body}${openEnd ? '' : '$'}`;
}

/** A string test compiled once per rule value; never lowercases more than the one field value. */
export type StringTest = (value: string) => boolean;

let lastRaw = '';
let lastLower = '';

/**
 * `s.toLowerCase()`, remembering the last answer: the rules of one event read the same field
 * values one after another, so a value is lower-cased once, not once per rule. A string compare
 * against the remembered value fails at once on a different length and costs at most one scan.
 */
export function lowerCased(s: string): string {
  if (s !== lastRaw) {
    lastLower = s.toLowerCase();
    lastRaw = s;
  }
  return lastLower;
}

/** Glob with inner stars, matched by leftmost segment search: O(value × pattern), no backtracking blow-up. */
function globTest(parts: readonly PatternPart[], cased: boolean): StringTest {
  const segments: (readonly PatternPart[])[] = [[]];
  for (const p of parts) {
    if (isWildcard(p, '*')) segments.push([]);
    else
      (segments[segments.length - 1] as PatternPart[]).push(
        cased || !('literal' in p) ? p : { literal: p.literal.toLowerCase() },
      );
  }
  const head = segments[0] as readonly PatternPart[];
  const tail = segments[segments.length - 1] as readonly PatternPart[];
  const middle = segments.slice(1, -1);
  const headLength = segmentLength(head);
  const tailLength = segmentLength(tail);
  return (raw) => {
    const value = cased ? raw : lowerCased(raw);
    if (value.length < headLength + tailLength) return false;
    if (!segmentAt(value, head, 0)) return false;
    const tailStart = value.length - tailLength;
    if (!segmentAt(value, tail, tailStart)) return false;
    let pos = headLength;
    for (const seg of middle) {
      const at = findSegment(value, seg, pos, tailStart);
      if (at < 0) return false;
      pos = at + segmentLength(seg);
    }
    return pos <= tailStart;
  };
}

const segmentLength = (seg: readonly PatternPart[]): number =>
  seg.reduce((n, p) => n + ('literal' in p ? p.literal.length : 1), 0);

function segmentAt(value: string, seg: readonly PatternPart[], at: number): boolean {
  let pos = at;
  for (const p of seg) {
    if ('literal' in p) {
      if (!value.startsWith(p.literal, pos)) return false;
      pos += p.literal.length;
    } else {
      if (pos >= value.length) return false;
      pos += 1;
    }
  }
  return true;
}

/** Leftmost start ≥ from where the segment fits and ends by `limit`; -1 when none. */
function findSegment(value: string, seg: readonly PatternPart[], from: number, limit: number): number {
  const length = segmentLength(seg);
  const first = seg[0];
  if (seg.length === 1 && first !== undefined && 'literal' in first) {
    const at = value.indexOf(first.literal, from);
    return at >= 0 && at + length <= limit ? at : -1;
  }
  for (let at = from; at + length <= limit; at++) if (segmentAt(value, seg, at)) return at;
  return -1;
}

/**
 * One test for a list of patterns joined with OR. Simple patterns of the same case sensitivity
 * share one alternation regex (one regex beats a loop of `includes()` several times over), behind
 * a gate on the value's length and first and last characters (`simpleGate`) that turns most
 * non-matching values away without running the regex at all.
 */
export function anyPatternTest(patterns: readonly Pattern[]): StringTest {
  const tests: StringTest[] = [];
  for (const cased of [false, true]) {
    const simple = patterns.filter((p) => p.cased === cased && isSimple(p.parts));
    if (simple.length > 0) {
      const re = new RegExp(
        simple.map((p) => `(?:${simpleRegexSource(p.parts)})`).join('|'),
        cased ? '' : 'i',
      );
      const gate = simpleGate(
        simple.map((p) => p.parts),
        cased,
      );
      tests.push(gate ? (v) => passesGate(gate, v) && re.test(v) : (v) => re.test(v));
    }
  }
  for (const p of patterns) if (!isSimple(p.parts)) tests.push(globTest(p.parts, p.cased));
  if (tests.length === 1) return tests[0] as StringTest;
  return (v) => {
    for (let i = 0; i < tests.length; i++) if ((tests[i] as StringTest)(v)) return true;
    return false;
  };
}

/**
 * A necessary condition for a value to match one of the simple patterns, checked without the
 * regex: its length, and its first (last) character when every pattern is anchored at the start
 * (end). Exact, not a heuristic: without the `u` flag every pattern character matches exactly one
 * UTF-16 unit, and under `i` an ASCII character matches only its own two ASCII cases (the
 * specification's Canonicalize never maps a non-ASCII unit onto an ASCII one). A pattern whose
 * end character is not ASCII, or is a `?`, drops that end's check. Undefined when nothing can be
 * checked (a lone `*`, say).
 */
interface Gate {
  /** Values at least this long may match a pattern open at one end. */
  readonly minOpen: number;
  /** The exact lengths of the patterns closed at both ends. */
  readonly lengths: readonly number[];
  /** The UTF-16 units a matching value may start (end) with; undefined = any. */
  readonly first: ReadonlySet<number> | undefined;
  readonly last: ReadonlySet<number> | undefined;
}

/** A plain function rather than a closure per gate, so the one copy is optimised for every rule. */
function passesGate(g: Gate, v: string): boolean {
  const n = v.length;
  if (n < g.minOpen && !g.lengths.includes(n)) return false;
  if (g.first !== undefined && !g.first.has(v.charCodeAt(0))) return false;
  return g.last === undefined || g.last.has(v.charCodeAt(n - 1));
}

function simpleGate(alternatives: readonly (readonly PatternPart[])[], cased: boolean): Gate | undefined {
  let minOpen = Number.POSITIVE_INFINITY; // shortest pattern with a `*` at either end
  const closed = new Set<number>(); // exact lengths of patterns without one
  let firsts: Set<number> | undefined = new Set();
  let lasts: Set<number> | undefined = new Set();
  const unitsOf = (c: string): number[] => {
    const code = c.charCodeAt(0);
    if (code >= 128) return [];
    if (cased) return [code];
    return [...new Set([c.toLowerCase().charCodeAt(0), c.toUpperCase().charCodeAt(0)])];
  };
  const note = (set: Set<number> | undefined, part: PatternPart | undefined, end: 'first' | 'last') => {
    if (set === undefined || part === undefined || !('literal' in part)) return undefined;
    const text = part.literal;
    const units = unitsOf(end === 'first' ? (text[0] as string) : (text[text.length - 1] as string));
    if (units.length === 0) return undefined;
    for (const u of units) set.add(u);
    return set;
  };
  for (const parts of alternatives) {
    const openStart = parts[0] !== undefined && isWildcard(parts[0], '*');
    const openEnd = parts.length > 0 && isWildcard(parts[parts.length - 1] as PatternPart, '*');
    const length = segmentLength(parts.filter((p) => !isWildcard(p, '*')));
    if (openStart || openEnd) minOpen = Math.min(minOpen, length);
    else closed.add(length);
    firsts = openStart ? undefined : note(firsts, parts[0], 'first');
    lasts = openEnd ? undefined : note(lasts, parts[parts.length - 1], 'last');
  }
  if (firsts?.size === 0) firsts = undefined; // an empty pattern: no first character to check
  if (lasts?.size === 0) lasts = undefined;
  if (minOpen === 0 && firsts === undefined && lasts === undefined) return undefined;
  return { minOpen, lengths: [...closed], first: firsts, last: lasts };
}

/** An example string that the pattern matches: wildcards become nothing (`*`) or `x` (`?`). */
export const exampleOf = (parts: readonly PatternPart[]): string =>
  parts.map((p) => ('literal' in p ? p.literal : p.wildcard === '?' ? 'x' : '')).join('');
