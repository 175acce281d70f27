/**
 * Amazon EventBridge event patterns, matched in process: the local runtime routes events to handlers
 * with the `EventPattern` of each `AWS::Events::Rule` of the synthesized template, so a pattern must
 * select here exactly the events it selects on a bus.
 *
 * `compilePattern` validates a pattern once (a bad one throws a `ValidationError` naming the path of
 * the fault) and returns a matcher that is total: it answers true or false for any value and never
 * throws.
 *
 * Semantics, as EventBridge documents them and its open-source engine (Event Ruler) implements them:
 *
 * - Keys of a pattern object are ANDed; keys the pattern does not name are ignored. Each leaf is a
 *   non-empty array of alternatives (ORed): strings, numbers, booleans, null, or operator objects.
 *   An empty array is rejected, as EventBridge rejects it, and so is an empty object.
 * - Only JSON leaves (string, number, boolean, null) are values. An object is never a value, so a
 *   pattern leaf never matches an object and `exists` does not see intermediate nodes.
 * - An array in the event is "crushed out": a leaf matches when any scalar element matches, and a
 *   nested pattern object matches when any element matches it as a whole. Several keys under one
 *   array must be satisfied by the same element (EventBridge's array-consistent matching).
 * - Types are strict: a string never matches a number ("5" vs 5); numbers compare by value (300 and
 *   300.0 are equal). Literal strings compare exactly and case-sensitively.
 * - `anything-but` needs a value to be present and matches when some value is not excluded: on an
 *   array, when any element is not excluded. Values of another type are never excluded
 *   (`{"anything-but": "x"}` matches 5, true and null; a string list never excludes numbers).
 * - `exists: true` matches any present leaf, null included; `exists: false` matches when there is no
 *   leaf at the path: the key is missing, or its value is an object, an empty array or an array of
 *   objects. Inside an array of objects, `exists: false` is judged in the element its sibling keys
 *   matched; with no positive sibling to pick an element it must hold in every element.
 * - `$or` (an array of at least two pattern objects) may appear at any level. Each alternative is
 *   combined with the sibling keys: the pattern is expanded into its combinations and matches when
 *   one combination does.
 */
import ipaddr from 'ipaddr.js';
import { ValidationError } from '../errors.ts';

/** Answers whether one event matches a compiled pattern. Total: never throws. */
export type EventMatcher = (event: unknown) => boolean;

const SOURCE = 'route.event-pattern';

/** EventBridge's numeric range: operands and event values between -5e9 and 5e9, inclusive. */
const NUMERIC_LIMIT = 5e9;
/** EventBridge compares numbers to six digits after the decimal point. */
const NUMERIC_DECIMALS = 6;
/** A guard of ours against `$or` blow-up: the number of combinations one pattern may expand into. */
const MAX_COMBINATIONS = 1000;

const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
  'wildcard',
] as const;
/**
 * Names EventBridge reserves inside `$or` alternatives, where an operator is a likely mistake for a
 * field: operators and numeric comparison signs.
 */
const RESERVED_IN_OR = new Set<string>([...OPERATORS, '=', '<', '<=', '>', '>=']);

type Scalar = string | number | boolean | null;
type ValueTest = (value: Scalar) => boolean;

/** One combination of a pattern after `$or` expansion, keyed by field name. */
type Trie = ReadonlyMap<string, TrieEntry>;
type TrieEntry =
  | { readonly kind: 'leaf'; readonly tests: readonly ValueTest[] }
  | { readonly kind: 'absent' }
  | { readonly kind: 'object'; readonly trie: Trie };

/** A combination ready to match; `positive` is true when some leaf below needs a present value. */
type Node =
  | { readonly kind: 'leaf'; readonly tests: readonly ValueTest[] }
  | { readonly kind: 'absent' }
  | { readonly kind: 'object'; readonly children: ReadonlyMap<string, Node>; readonly positive: boolean };

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Validates an EventBridge event pattern (an object, or its JSON text) and compiles it.
 * @throws ValidationError naming the path of the first fault.
 */
export function compilePattern(pattern: unknown): EventMatcher {
  const parsed = typeof pattern === 'string' ? parseJson(pattern) : pattern;
  if (!isObject(parsed)) fail('', `a pattern must be a JSON object, got ${describe(parsed)}`);
  const roots = compileObject(parsed, '', false).map(toNode);
  return (event: unknown): boolean => {
    try {
      return roots.some((root) => matchNode(root, event, new Set()));
    } catch {
      // Only a hostile value (a throwing getter or proxy, nesting deeper than the stack) gets here.
      return false;
    }
  };
}

/** `compilePattern(pattern)(event)`, for one-off checks. Throws only for an invalid pattern. */
export function matches(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern)(event);
}

// ---------------------------------------------------------------------------------------------
// Compilation

function compileObject(value: Record<string, unknown>, path: string, inOr: boolean): Trie[] {
  const keys = Object.keys(value);
  if (keys.length === 0) fail(path, 'empty objects are not allowed');
  let combos: Trie[] = [new Map()];
  for (const key of keys) {
    const child = value[key];
    const childPath = join(path, key);
    let options: Trie[];
    if (key === '$or') {
      options = compileOr(child, childPath);
    } else {
      if (inOr && RESERVED_IN_OR.has(key))
        fail(
          childPath,
          `"${key}" is an operator, not a field name: inside $or write {"field": [{"${key}": …}]}`,
        );
      if (Array.isArray(child)) {
        options = compileLeaf(child, childPath).map((entry) => new Map([[key, entry]]));
      } else if (isObject(child)) {
        options = compileObject(child, childPath, inOr).map(
          (trie) => new Map([[key, { kind: 'object', trie } as const]]),
        );
      } else {
        fail(childPath, `a field must map to an object or an array of values, got ${describe(child)}`);
      }
    }
    if (combos.length * options.length > MAX_COMBINATIONS)
      fail(childPath, `the pattern expands into more than ${MAX_COMBINATIONS} $or combinations`);
    combos = combos.flatMap((combo) => options.map((option) => merge(combo, option, path)));
  }
  return combos;
}

function compileOr(value: unknown, path: string): Trie[] {
  if (!Array.isArray(value)) fail(path, `$or must be an array of pattern objects, got ${describe(value)}`);
  if (value.length < 2) fail(path, `$or needs at least 2 alternatives, got ${value.length}`);
  return value.flatMap((alternative, i) => {
    if (!isObject(alternative))
      fail(index(path, i), `a $or alternative must be a pattern object, got ${describe(alternative)}`);
    return compileObject(alternative, index(path, i), true);
  });
}

/** Combines two tries of one object level, as the keys of a `$or` alternative join their siblings. */
function merge(a: Trie, b: Trie, path: string): Trie {
  const out = new Map(a);
  for (const [key, entry] of b) {
    const existing = out.get(key);
    if (!existing) {
      out.set(key, entry);
    } else if (existing.kind === 'object' && entry.kind === 'object') {
      out.set(key, { kind: 'object', trie: merge(existing.trie, entry.trie, join(path, key)) });
    } else {
      fail(
        join(path, key),
        'the field is matched twice in one combination (by a sibling key and a $or alternative, or by two $or arrays); state its values once',
      );
    }
  }
  return out;
}

/**
 * A leaf array is an OR of value tests, and possibly `exists: false`. The two are kept as separate
 * options (separate combinations), as EventBridge treats absence apart from value matches.
 */
function compileLeaf(values: unknown[], path: string): TrieEntry[] {
  if (values.length === 0) fail(path, 'empty arrays are not allowed: an array of values needs at least one');
  const tests: ValueTest[] = [];
  let absent = false;
  values.forEach((value, i) => {
    const at = index(path, i);
    if (typeof value === 'string' || typeof value === 'boolean' || value === null) {
      tests.push((v) => v === value);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) fail(at, `a number must be finite, got ${value}`);
      tests.push((v) => v === value);
    } else if (Array.isArray(value)) {
      fail(at, 'nested arrays are not allowed in a pattern');
    } else if (isObject(value)) {
      const test = compileOperator(value, at);
      if (test === 'absent') absent = true;
      else tests.push(test);
    } else {
      fail(at, `a value must be a string, number, boolean, null or operator object, got ${describe(value)}`);
    }
  });
  const options: TrieEntry[] = [];
  if (tests.length > 0) options.push({ kind: 'leaf', tests });
  if (absent) options.push({ kind: 'absent' });
  return options;
}

function compileOperator(value: Record<string, unknown>, path: string): ValueTest | 'absent' {
  const keys = Object.keys(value);
  const [name] = keys;
  if (name === undefined || keys.length !== 1)
    fail(path, `an operator object has exactly one key, got ${keys.length} (${keys.join(', ') || 'none'})`);
  const operand = value[name];
  const at = join(path, name);
  switch (name) {
    case 'prefix':
    case 'suffix': {
      const [text, ignoreCase] = affixOperand(operand, at, name);
      const wanted = ignoreCase ? fold(text) : text;
      const has = name === 'prefix' ? startsWith : endsWith;
      return (v) => typeof v === 'string' && has(ignoreCase ? fold(v) : v, wanted);
    }
    case 'equals-ignore-case': {
      const text = stringOperand(operand, at, name);
      const wanted = fold(text);
      return (v) => typeof v === 'string' && fold(v) === wanted;
    }
    case 'anything-but':
      return compileAnythingBut(operand, at);
    case 'numeric':
      return compileNumeric(operand, at);
    case 'exists':
      if (typeof operand !== 'boolean') fail(at, `exists takes true or false, got ${describe(operand)}`);
      return operand ? () => true : 'absent';
    case 'cidr':
      return compileCidr(operand, at);
    case 'wildcard': {
      const glob = compileWildcard(stringOperand(operand, at, name), at);
      return (v) => typeof v === 'string' && glob(v);
    }
    default:
      fail(path, `unknown operator "${name}" (known: ${OPERATORS.join(', ')})`);
  }
}

/** `"text"` or `{"equals-ignore-case": "text"}`, for prefix and suffix. */
function affixOperand(operand: unknown, path: string, name: string): [string, boolean] {
  if (typeof operand === 'string') return [operand, false];
  if (isObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length === 1 && keys[0] === 'equals-ignore-case') {
      return [stringOperand(operand['equals-ignore-case'], join(path, 'equals-ignore-case'), name), true];
    }
  }
  return fail(path, `${name} takes a string or {"equals-ignore-case": string}, got ${describe(operand)}`);
}

function compileAnythingBut(operand: unknown, path: string): ValueTest {
  if (typeof operand === 'string') return (v) => v !== operand;
  if (typeof operand === 'number') {
    const n = numericOperand(operand, path);
    return (v) => v !== n;
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) fail(path, 'anything-but needs at least one value');
    if (operand.every((v) => typeof v === 'string')) {
      const excluded = new Set<Scalar>(operand);
      return (v) => !excluded.has(v);
    }
    if (operand.every((v) => typeof v === 'number')) {
      const excluded = new Set<Scalar>(operand.map((n, i) => numericOperand(n, index(path, i))));
      return (v) => !excluded.has(v);
    }
    return fail(path, 'an anything-but list holds only strings or only numbers');
  }
  if (isObject(operand)) {
    const keys = Object.keys(operand);
    const [name] = keys;
    if (name === undefined || keys.length !== 1)
      fail(path, `an anything-but object has exactly one key, got ${keys.length}`);
    const inner = operand[name];
    const at = join(path, name);
    switch (name) {
      case 'prefix':
      case 'suffix': {
        const text = stringOperand(inner, at, `anything-but ${name}`);
        if (text === '') fail(at, `anything-but ${name} must not be empty`);
        const has = name === 'prefix' ? startsWith : endsWith;
        return (v) => !(typeof v === 'string' && has(v, text));
      }
      case 'equals-ignore-case': {
        const excluded = new Set(stringList(inner, at, 'anything-but equals-ignore-case').map(fold));
        return (v) => !(typeof v === 'string' && excluded.has(fold(v)));
      }
      case 'wildcard': {
        const globs = stringList(inner, at, 'anything-but wildcard').map((g, i) =>
          compileWildcard(g, Array.isArray(inner) ? index(at, i) : at),
        );
        return (v) => !(typeof v === 'string' && globs.some((glob) => glob(v)));
      }
      default:
        fail(
          path,
          `anything-but does not take "${name}" (it takes prefix, suffix, equals-ignore-case, wildcard)`,
        );
    }
  }
  return fail(
    path,
    `anything-but takes a string, a number, a list of strings or of numbers, or an object; got ${describe(operand)}`,
  );
}

type Comparison = '=' | '<' | '<=' | '>' | '>=';
const LOWER = new Set<unknown>(['>', '>=']);
const UPPER = new Set<unknown>(['<', '<=']);
const COMPARISONS = new Set<unknown>(['=', ...LOWER, ...UPPER]);

/**
 * `[op, n]` with op one of = < <= > >=, or a range `[> | >=, low, < | <=, high]` with low < high,
 * the lower bound first (as EventBridge requires).
 */
function compileNumeric(operand: unknown, path: string): ValueTest {
  if (!Array.isArray(operand))
    fail(path, `numeric takes an array such as [">", 0, "<=", 5], got ${describe(operand)}`);
  if (operand.length !== 2 && operand.length !== 4)
    fail(
      path,
      `numeric takes one comparison [op, n] or a range [op, low, op, high], got ${operand.length} items`,
    );
  const [op1, n1, op2, n2] = operand as unknown[];
  if (!COMPARISONS.has(op1))
    fail(index(path, 0), `unknown numeric operator ${describe(op1)} (known: = < <= > >=)`);
  const first = numericOperand(n1, index(path, 1));
  const tests: [Comparison, number][] = [[op1 as Comparison, first]];
  if (operand.length === 4) {
    if (!LOWER.has(op1))
      fail(index(path, 0), `a numeric range starts with its lower bound (> or >=), got "${String(op1)}"`);
    if (!UPPER.has(op2))
      fail(index(path, 2), `a numeric range ends with its upper bound (< or <=), got ${describe(op2)}`);
    const second = numericOperand(n2, index(path, 3));
    if (!(first < second))
      fail(path, `empty numeric range: the lower bound ${first} is not below the upper bound ${second}`);
    tests.push([op2 as Comparison, second]);
  }
  return (v) => typeof v === 'number' && inNumericRange(v) && tests.every(([op, n]) => compare(v, op, n));
}

function compare(v: number, op: Comparison, n: number): boolean {
  switch (op) {
    case '=':
      return v === n;
    case '<':
      return v < n;
    case '<=':
      return v <= n;
    case '>':
      return v > n;
    case '>=':
      return v >= n;
  }
}

const inNumericRange = (v: number): boolean => Number.isFinite(v) && Math.abs(v) <= NUMERIC_LIMIT;

/** A number EventBridge can compare: within ±5e9 and with at most six decimals. */
function numericOperand(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(path, `expected a number, got ${describe(value)}`);
  if (Math.abs(value) > NUMERIC_LIMIT)
    fail(path, `${value} is outside the numeric range EventBridge supports (-5e9 to 5e9)`);
  if (decimalPlaces(value) > NUMERIC_DECIMALS)
    fail(path, `${value} has more than ${NUMERIC_DECIMALS} decimal places, beyond EventBridge's precision`);
  return value;
}

function decimalPlaces(n: number): number {
  const [mantissa = '', exponent = '0'] = String(n).toLowerCase().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

/**
 * A CIDR block, IPv4 or IPv6. The event value must be a string holding an IP address of the same
 * family. A block whose address has host bits set is rejected rather than guessed at: EventBridge
 * would match from the given address upwards, a reader would expect the whole block.
 */
function compileCidr(operand: unknown, path: string): ValueTest {
  if (typeof operand !== 'string')
    fail(path, `cidr takes a string such as "10.0.0.0/24", got ${describe(operand)}`);
  const parts = operand.split('/');
  const [address = '', bitsText = ''] = parts;
  if (parts.length !== 2 || !/^\d{1,3}$/.test(bitsText))
    fail(path, `"${operand}" is not a CIDR block (address/prefix-length, e.g. 10.0.0.0/24 or 2001:db8::/32)`);
  const base = ipBytes(address);
  if (!base) fail(path, `"${address}" is not an IPv4 or IPv6 address`);
  const bits = Number(bitsText);
  if (bits > base.length * 8)
    fail(path, `prefix length /${bits} is too long for ${base.length === 4 ? 'IPv4' : 'IPv6'}`);
  const network = base.map((byte, i) => byte & maskByte(bits, i));
  if (network.some((byte, i) => byte !== base[i]))
    fail(path, `"${operand}" has host bits set; the block is ${formatIp(network)}/${bits}`);
  return (v) => {
    if (typeof v !== 'string') return false;
    const ip = ipBytes(v);
    return (
      ip !== undefined &&
      ip.length === base.length &&
      ip.every((byte, i) => (byte & maskByte(bits, i)) === network[i])
    );
  };
}

const maskByte = (bits: number, i: number): number => {
  const left = bits - i * 8;
  if (left >= 8) return 0xff;
  if (left <= 0) return 0;
  return (0xff << (8 - left)) & 0xff;
};

const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const IPV6_CHARS = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/**
 * The bytes of an IP address literal: dotted-quad IPv4 (no leading zeros), or IPv6 in hex and
 * colons only (as EventBridge: no embedded dotted IPv4 part, no zone). Anything else is not an
 * address.
 */
function ipBytes(text: string): number[] | undefined {
  const v4 = IPV4.exec(text);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    return octets.every((o) => o <= 255) ? octets : undefined;
  }
  if (IPV6_CHARS.test(text) && ipaddr.IPv6.isValid(text)) {
    try {
      const bytes = ipaddr.IPv6.parse(text).toByteArray();
      // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address, as Java's parser, which
      // EventBridge's engine uses, reads it.
      const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
      return mapped ? bytes.slice(12) : bytes;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const formatIp = (bytes: number[]): string =>
  bytes.length === 4 ? bytes.join('.') : ipaddr.fromByteArray(bytes).toString();

/**
 * `*` matches any run of characters (none included); `\*` is a literal asterisk and `\\` a literal
 * backslash. Consecutive `*` and any other escape are rejected, as EventBridge rejects them. Matching
 * walks the literal segments left to right; no regular expression is built.
 */
function compileWildcard(pattern: string, path: string): (value: string) => boolean {
  const segments: string[] = [];
  let current = '';
  let afterStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      const next = pattern.charAt(i + 1);
      if (next !== '*' && next !== '\\')
        fail(path, `wildcard "${pattern}": a backslash escapes only * or \\ (position ${i})`);
      current += next;
      i++;
      afterStar = false;
    } else if (c === '*') {
      if (afterStar) fail(path, `wildcard "${pattern}": consecutive * are not allowed (position ${i})`);
      segments.push(current);
      current = '';
      afterStar = true;
    } else {
      current += c;
      afterStar = false;
    }
  }
  segments.push(current);
  const head = segments[0] ?? '';
  if (segments.length === 1) return (value) => value === head;
  const tail = segments[segments.length - 1] ?? '';
  const middle = segments.slice(1, -1);
  return (value) => {
    if (value.length < head.length + tail.length || !value.startsWith(head) || !value.endsWith(tail))
      return false;
    let from = head.length;
    const end = value.length - tail.length;
    for (const segment of middle) {
      const at = value.indexOf(segment, from);
      if (at < 0 || at + segment.length > end) return false;
      from = at + segment.length;
    }
    return true;
  };
}

function stringOperand(value: unknown, path: string, name: string): string {
  if (typeof value !== 'string') fail(path, `${name} takes a string, got ${describe(value)}`);
  return value;
}

function stringList(value: unknown, path: string, name: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value;
  return fail(path, `${name} takes a string or a non-empty list of strings, got ${describe(value)}`);
}

function toNode(trie: Trie): Node {
  const children = new Map<string, Node>();
  let positive = false;
  for (const [key, entry] of trie) {
    const node: Node = entry.kind === 'object' ? toNode(entry.trie) : entry;
    positive ||= node.kind === 'leaf' || (node.kind === 'object' && node.positive);
    children.set(key, node);
  }
  return { kind: 'object', children, positive };
}

// ---------------------------------------------------------------------------------------------
// Matching

/** `open` holds the arrays being walked, so that an array containing itself cannot loop. */
function matchNode(node: Node, value: unknown, open: Set<unknown>): boolean {
  switch (node.kind) {
    case 'leaf':
      return someScalar(value, (v) => node.tests.some((test) => test(v)), open);
    case 'absent':
      return !someScalar(value, () => true, open);
    case 'object': {
      if (Array.isArray(value)) {
        if (open.has(value)) return !node.positive;
        open.add(value);
        // With a positive leaf below, one element must match as a whole (array consistency); with
        // only absences below, nothing in any element may be present.
        const result = node.positive
          ? value.some((element) => matchNode(node, element, open))
          : value.every((element) => matchNode(node, element, open));
        open.delete(value);
        return result;
      }
      if (!isObject(value)) return !node.positive;
      for (const [key, child] of node.children) {
        const field = Object.hasOwn(value, key) ? value[key] : undefined;
        if (!matchNode(child, field, open)) return false;
      }
      return true;
    }
  }
}

/** Whether a scalar at this place (the value itself, or an element of nested arrays) passes. */
function someScalar(value: unknown, test: (v: Scalar) => boolean, open: Set<unknown>): boolean {
  if (isScalar(value)) return test(value);
  if (!Array.isArray(value) || open.has(value)) return false;
  open.add(value);
  const found = value.some((element) => someScalar(element, test, open));
  open.delete(value);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number';

const fold = (s: string): string => s.toLowerCase();
const startsWith = (v: string, affix: string): boolean => v.startsWith(affix);
const endsWith = (v: string, affix: string): boolean => v.endsWith(affix);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail('', `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;
const join = (path: string, key: string): string => {
  const step = PLAIN_KEY.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return step;
  return step.startsWith('[') ? `${path}${step}` : `${path}.${step}`;
};
const index = (path: string, i: number): string => `${path}[${i}]`;

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return `a ${typeof v}`;
}

function fail(path: string, why: string): never {
  const where = path === '' ? '(root)' : path;
  throw new ValidationError(`invalid event pattern at ${where}: ${why}`, SOURCE, { path: where });
}
