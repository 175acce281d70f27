import { Buffer } from 'node:buffer';
import { type Address, parseAddress } from '../enrich/address.ts';
import { mapField, type SigmaProduct } from './field-map.ts';
import { issue, type SigmaIssue } from './issues.ts';
import {
  anchor,
  anyPatternTest,
  hasWildcards,
  lowerCased,
  type Pattern,
  parseSigmaString,
  plainText,
  type StringTest,
} from './pattern.ts';
import {
  type FieldPath,
  fieldExists,
  fieldIsNull,
  fieldPath,
  fieldStringTest,
  type Scalar,
  scalarText,
  someFieldLeaf,
  someLeaf,
  someValue,
} from './record.ts';
import { compileGuardedRegex, MAX_RE_INPUT } from './regex-guard.ts';

/**
 * One `field|modifier|…: value(s)` entry of a selection, compiled once into a predicate over the
 * raw record, plus a declarative `matcher` that example generation and trigger derivation read.
 *
 * Supported modifiers (Sigma modifiers appendix v2.1): contains, startswith, endswith, all,
 * cased, exists, neq, re (+ i, m, s), cidr, fieldref, gt/gte/lt/lte, base64, base64offset,
 * utf16le/utf16be/utf16/wide (before a base64 modifier), windash, expand (placeholders given in
 * options). Not supported, reported by name: the time modifiers (minute, hour, day, week, month,
 * year) and any modifier not in the appendix.
 *
 * Value semantics chosen (the specification leaves them to the backend):
 * - strings match case-insensitively; YAML numbers and booleans match their JSON text, so
 *   `'true'` matches a boolean `true` and `4624` a string `"4624"`;
 * - `null` means the field is absent or null; `''` means an empty string;
 * - a field holding an object or array matches when any scalar leaf does;
 * - base64 output is matched case-sensitively (an encoding, not text);
 * - `neq` negates the whole value list: an absent field is "different" too.
 */

export type ValueMatcher =
  | {
      readonly kind: 'strings';
      readonly patterns: readonly Pattern[];
      readonly all: boolean;
      readonly negate: boolean;
      /** A `null` in the value list: also true when the field is absent or null. */
      readonly allowNull: boolean;
    }
  | { readonly kind: 'exists'; readonly expected: boolean }
  | { readonly kind: 'cidr'; readonly ranges: readonly CidrRange[]; readonly all: boolean }
  | { readonly kind: 'regex'; readonly regexes: readonly RegExp[]; readonly all: boolean }
  | {
      readonly kind: 'compare';
      readonly op: CompareOp;
      readonly bounds: readonly number[];
      readonly all: boolean;
    }
  | {
      readonly kind: 'fieldref';
      readonly refs: readonly FieldPath[];
      readonly how: 'equals' | 'contains' | 'startswith' | 'endswith';
      readonly cased: boolean;
      readonly negate: boolean;
      readonly all: boolean;
    };

export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte';
export type CidrRange = { readonly text: string; readonly range: [Address, number] };

export interface FieldItem {
  /** The Sigma field as written, without modifiers; '' for a keyword search. */
  readonly field: string;
  /** Raw-record path; undefined for keywords, which search every value of the record. */
  readonly path: FieldPath | undefined;
  readonly modifiers: readonly string[];
  readonly matcher: ValueMatcher;
  readonly test: (record: unknown) => boolean;
  /**
   * For a string or regex item: what `test` answers on a record whose field is exactly this one
   * string, before `neq` negation (a `null` in the list plays no part: the field is present). The
   * same string tests `test` applies, so the two cannot disagree; triggers.ts gates the engine's
   * key with it. Undefined for the other kinds.
   */
  readonly textTest?: StringTest;
}

export interface ValueOptions {
  readonly product: SigmaProduct;
  /** Values for `|expand` placeholders, by name without `%`. */
  readonly placeholders?: Readonly<Record<string, readonly string[]>>;
}

const MAX_VALUES = 4096;
const MAX_VARIANTS = 256;
const TIME_MODIFIERS = new Set(['minute', 'hour', 'day', 'week', 'month', 'year']);
const TRANSFORMS = new Set([
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
  'expand',
]);
const ANCHORS = new Set(['contains', 'startswith', 'endswith']);
const TYPES = new Set(['re', 'cidr', 'exists', 'fieldref', 'gt', 'gte', 'lt', 'lte']);
const RE_FLAGS = new Set(['i', 'm', 's']);
const FLAGS = new Set(['all', 'cased', 'neq']);
const KNOWN = new Set([...TRANSFORMS, ...ANCHORS, ...TYPES, ...RE_FLAGS, ...FLAGS]);

type Anchor = 'contains' | 'startswith' | 'endswith';
type SigmaValue = { text: string; cased: boolean };

/**
 * Compiles one selection entry. `key` is `field|mod|…` (the field may be empty: a keyword search
 * with modifiers, `'|all': [...]`). Problems are appended to `issues`; undefined is returned then.
 */
export function compileFieldItem(
  key: string,
  value: unknown,
  options: ValueOptions,
  issues: SigmaIssue[],
): FieldItem | undefined {
  const [field = '', ...modifiers] = key.split('|');
  const before = issues.length;
  const where = field === '' ? 'keywords' : `field '${field}'`;

  let path: FieldPath | undefined;
  if (field !== '') {
    const mapped = mapField(options.product, field);
    if (mapped.ok) path = fieldPath(mapped.path);
    else issues.push(mapped.issue);
  }

  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) issues.push(issue('value', `empty value list for ${where}`));
  if (values.length > MAX_VALUES) issues.push(issue('value', `more than ${MAX_VALUES} values for ${where}`));
  for (const v of values) {
    if (typeof v === 'object' && v !== null) {
      issues.push(issue('value', `nested map or list as a value of ${where}`));
      break;
    }
  }

  for (const m of modifiers) {
    if (TIME_MODIFIERS.has(m)) issues.push(issue('modifier', `time modifier '${m}' on ${where}`));
    else if (!KNOWN.has(m)) issues.push(issue('modifier', `unknown modifier '${m}' on ${where}`));
  }
  const types = modifiers.filter((m) => TYPES.has(m));
  const type = types[0];
  if (types.length > 1)
    issues.push(issue('modifier', `conflicting modifiers '${types.join("', '")}' on ${where}`));
  // An unmapped field alone does not stop here: the values are still compiled so that every
  // problem of the entry (e.g. also a placeholder without values) is reported at once.
  if (issues.length > before + (path === undefined && field !== '' ? 1 : 0)) return undefined;

  const all = modifiers.includes('all');
  const scalars = values as (string | number | boolean | null)[];
  const matcher = (() => {
    switch (type) {
      case undefined:
        return stringMatcher(scalars, modifiers, all, where, options, issues);
      case 're':
        return regexMatcher(scalars, modifiers, all, where, issues);
      case 'cidr':
        return cidrMatcher(scalars, modifiers, all, where, issues);
      case 'exists':
        return existsMatcher(scalars, modifiers, where, issues);
      case 'fieldref':
        return fieldrefMatcher(scalars, modifiers, all, where, options, issues);
      default:
        return compareMatcher(type as CompareOp, scalars, modifiers, all, where, issues);
    }
  })();
  if (!matcher || issues.length > before) return undefined;
  if (path === undefined && matcher.kind !== 'strings') {
    issues.push(issue('modifier', `modifier '${type}' on a keyword search (no field)`));
    return undefined;
  }
  const texts = textTests(matcher);
  return {
    field,
    path,
    modifiers,
    matcher,
    test: testFor(matcher, path, texts),
    ...(texts && 'all' in matcher ? { textTest: allOrAny(texts, matcher.all) } : {}),
  };
}

/** Modifiers allowed alongside a type modifier; anything else is reported. */
function onlyAllowed(
  modifiers: readonly string[],
  allowed: readonly string[],
  where: string,
  issues: SigmaIssue[],
) {
  for (const m of modifiers) {
    if (!allowed.includes(m)) {
      const type = modifiers.find((x) => TYPES.has(x)) ?? 'value';
      issues.push(issue('modifier', `modifier '${m}' combined with '${type}' on ${where}`));
    }
  }
}

function stringMatcher(
  values: readonly (string | number | boolean | null)[],
  modifiers: readonly string[],
  all: boolean,
  where: string,
  options: ValueOptions,
  issues: SigmaIssue[],
): ValueMatcher | undefined {
  const allowNull = values.includes(null);
  let current: SigmaValue[] = values
    .filter((v): v is string | number | boolean => v !== null)
    .map((v) => ({ text: typeof v === 'string' ? v : escapeLiteral(String(v)), cased: false }));
  let anchorMode: Anchor | undefined;
  let encoding: 'utf16le' | 'utf16be' | 'utf16' | undefined;
  const cased = modifiers.includes('cased');

  for (const m of modifiers) {
    if (ANCHORS.has(m)) {
      if (anchorMode && anchorMode !== m) {
        issues.push(issue('modifier', `conflicting modifiers '${anchorMode}' and '${m}' on ${where}`));
      }
      anchorMode = m as Anchor;
    } else if (m === 'utf16le' || m === 'wide' || m === 'utf16be' || m === 'utf16') {
      encoding = m === 'wide' ? 'utf16le' : m;
    } else if (m === 'base64' || m === 'base64offset') {
      if (anchorMode) {
        issues.push(
          issue('modifier', `'${m}' after '${anchorMode}' on ${where} (encoding a wildcard pattern)`),
        );
        return undefined;
      }
      const next: SigmaValue[] = [];
      for (const v of current) {
        const parts = parseSigmaString(v.text);
        if (hasWildcards(parts)) {
          issues.push(issue('modifier', `'${m}' of a value with wildcards on ${where}`));
          return undefined;
        }
        const bytes = encode(plainText(parts), encoding);
        const encoded = m === 'base64' ? [bytes.toString('base64')] : base64Offsets(bytes);
        for (const text of encoded) next.push({ text, cased: true });
      }
      current = next;
      encoding = undefined;
    } else if (m === 'windash') {
      const next: SigmaValue[] = [];
      for (const v of current) {
        const variants = windash(v.text);
        if (!variants) {
          issues.push(
            issue(
              'modifier',
              `'windash' expands a value of ${where} into more than ${MAX_VARIANTS} variants`,
            ),
          );
          return undefined;
        }
        for (const text of variants) next.push({ text, cased: v.cased });
      }
      current = next;
    } else if (m === 'expand') {
      const next: SigmaValue[] = [];
      for (const v of current) {
        const expanded = expandPlaceholders(v.text, options.placeholders ?? {}, where, issues);
        if (!expanded) return undefined;
        for (const text of expanded) next.push({ text, cased: v.cased });
      }
      current = next;
    } else if (FLAGS.has(m)) {
      // read below
    } else {
      issues.push(issue('modifier', `modifier '${m}' on ${where}`));
      return undefined;
    }
  }
  if (encoding) {
    issues.push(issue('modifier', `'${encoding}' on ${where} without a following base64/base64offset`));
    return undefined;
  }
  if (allowNull && anchorMode) {
    issues.push(issue('value', `null value with '${anchorMode}' on ${where}`));
    return undefined;
  }
  if (current.length > MAX_VALUES) {
    issues.push(issue('value', `more than ${MAX_VALUES} values for ${where} after modifiers`));
    return undefined;
  }
  const patterns: Pattern[] = current.map((v) => {
    const parts = parseSigmaString(v.text);
    return { parts: anchorMode ? anchor(parts, anchorMode) : parts, cased: cased || v.cased };
  });
  return { kind: 'strings', patterns, all, negate: modifiers.includes('neq'), allowNull };
}

/** A YAML number or boolean is a literal: nothing in it is a wildcard. */
const escapeLiteral = (s: string): string => s.replace(/[\\*?]/g, '\\$&');

function encode(text: string, encoding: 'utf16le' | 'utf16be' | 'utf16' | undefined): Buffer {
  if (encoding === undefined) return Buffer.from(text, 'utf8');
  const le = Buffer.from(text, 'utf16le');
  if (encoding === 'utf16le') return le;
  if (encoding === 'utf16') return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  const be = Buffer.from(le);
  be.swap16();
  return be;
}

/**
 * The three base64 forms of `bytes` at byte offsets 0, 1 and 2 inside a longer encoded string,
 * keeping only the characters that do not depend on the surrounding bytes: with i leading bytes,
 * the first 0/2/3 characters mix in the prefix; a final group of 1 or 2 bytes leaves 3 or 2
 * characters (incl. padding) that depend on what follows.
 */
export function base64Offsets(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const encoded = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    const start = [0, 2, 3][i] as number;
    const cut = [0, 3, 2][(bytes.length + i) % 3] as number;
    const variant = encoded.slice(start, encoded.length - cut);
    if (variant !== '' && !out.includes(variant)) out.push(variant);
  }
  return out;
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

/**
 * Every spelling of a command-line flag: each dash-like character replaced by each of the others.
 * Undefined when that would exceed MAX_VARIANTS (5^k grows fast).
 */
function windash(text: string): string[] | undefined {
  const dashes = [...text].filter((c) => DASHES.includes(c)).length;
  if (DASHES.length ** dashes > MAX_VARIANTS) return undefined;
  let variants = [''];
  for (const c of text) {
    const options = DASHES.includes(c) ? DASHES : [c];
    variants = variants.flatMap((v) => options.map((o) => v + o));
  }
  return variants;
}

/**
 * `|expand`: `%name%` placeholders replaced by the configured values (several values → several
 * alternatives). A placeholder without configured values makes the rule unsupported, as the
 * specification requires ("if the tool isn't able to handle placeholders, it must reject the rule").
 * `\%` is a plain percent sign.
 */
function expandPlaceholders(
  text: string,
  placeholders: Readonly<Record<string, readonly string[]>>,
  where: string,
  issues: SigmaIssue[],
): string[] | undefined {
  const pieces = text.split(/(?<!\\)%([^%\s]+)%/);
  let results = [''];
  let missing = false;
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) {
      results = results.map((r) => r + piece.replace(/\\%/g, '%'));
      return;
    }
    const configured = Object.hasOwn(placeholders, piece) ? placeholders[piece] : undefined;
    if (!configured || configured.length === 0) {
      issues.push(
        issue('placeholder', `placeholder '%${piece}%' (|expand) on ${where} has no configured values`),
      );
      missing = true;
      return;
    }
    results = results.flatMap((r) => configured.map((c) => r + c));
  });
  if (missing) return undefined;
  if (results.length > MAX_VALUES) {
    issues.push(issue('placeholder', `placeholders on ${where} expand into more than ${MAX_VALUES} values`));
    return undefined;
  }
  return results;
}

function regexMatcher(
  values: readonly (string | number | boolean | null)[],
  modifiers: readonly string[],
  all: boolean,
  where: string,
  issues: SigmaIssue[],
): ValueMatcher | undefined {
  onlyAllowed(modifiers, ['re', 'i', 'm', 's', 'all'], where, issues);
  const reAt = modifiers.indexOf('re');
  for (const flag of modifiers) {
    if (RE_FLAGS.has(flag) && modifiers.indexOf(flag) < reAt) {
      issues.push(issue('modifier', `regex flag '${flag}' before 're' on ${where}`));
    }
  }
  const flags = ['i', 'm', 's'].filter((f) => modifiers.includes(f)).join('');
  const regexes: RegExp[] = [];
  for (const v of values) {
    if (typeof v !== 'string') {
      issues.push(issue('value', `non-string regex value on ${where}`));
      continue;
    }
    const compiled = compileGuardedRegex(v, flags);
    if (compiled.ok) regexes.push(compiled.regex);
    else issues.push(issue('regex', `${compiled.reason} on ${where}`));
  }
  return { kind: 'regex', regexes, all };
}

function cidrMatcher(
  values: readonly (string | number | boolean | null)[],
  modifiers: readonly string[],
  all: boolean,
  where: string,
  issues: SigmaIssue[],
): ValueMatcher | undefined {
  onlyAllowed(modifiers, ['cidr', 'all'], where, issues);
  const ranges: CidrRange[] = [];
  for (const v of values) {
    const text = typeof v === 'string' ? v.trim() : '';
    const slash = text.indexOf('/');
    const address = slash > 0 ? parseAddress(text.slice(0, slash)) : undefined;
    const bits = Number(text.slice(slash + 1));
    const max = address?.kind() === 'ipv4' ? 32 : 128;
    if (!address || !/^\d{1,3}$/.test(text.slice(slash + 1)) || bits > max) {
      issues.push(issue('value', `invalid CIDR '${String(v)}' on ${where}`));
      continue;
    }
    ranges.push({ text, range: [address, bits] });
  }
  return { kind: 'cidr', ranges, all };
}

function existsMatcher(
  values: readonly (string | number | boolean | null)[],
  modifiers: readonly string[],
  where: string,
  issues: SigmaIssue[],
): ValueMatcher | undefined {
  onlyAllowed(modifiers, ['exists'], where, issues);
  const [v] = values;
  if (values.length !== 1 || typeof v !== 'boolean') {
    issues.push(issue('value', `'exists' on ${where} needs a single true or false`));
    return undefined;
  }
  return { kind: 'exists', expected: v };
}

function fieldrefMatcher(
  values: readonly (string | number | boolean | null)[],
  modifiers: readonly string[],
  all: boolean,
  where: string,
  options: ValueOptions,
  issues: SigmaIssue[],
): ValueMatcher | undefined {
  onlyAllowed(
    modifiers,
    ['fieldref', 'contains', 'startswith', 'endswith', 'cased', 'neq', 'all'],
    where,
    issues,
  );
  const anchors = modifiers.filter((m) => ANCHORS.has(m));
  if (anchors.length > 1)
    issues.push(issue('modifier', `conflicting modifiers '${anchors.join("', '")}' on ${where}`));
  const refs: FieldPath[] = [];
  for (const v of values) {
    const mapped = typeof v === 'string' ? mapField(options.product, v) : undefined;
    if (mapped?.ok) refs.push(fieldPath(mapped.path));
    else issues.push(mapped ? mapped.issue : issue('value', `non-string field reference on ${where}`));
  }
  return {
    kind: 'fieldref',
    refs,
    how: (anchors[0] as Anchor | undefined) ?? 'equals',
    cased: modifiers.includes('cased'),
    negate: modifiers.includes('neq'),
    all,
  };
}

function compareMatcher(
  op: CompareOp,
  values: readonly (string | number | boolean | null)[],
  modifiers: readonly string[],
  all: boolean,
  where: string,
  issues: SigmaIssue[],
): ValueMatcher | undefined {
  onlyAllowed(modifiers, [op, 'all'], where, issues);
  const bounds: number[] = [];
  for (const v of values) {
    const n =
      typeof v === 'number' ? v : typeof v === 'string' && NUMERIC.test(v.trim()) ? Number(v) : Number.NaN;
    if (Number.isFinite(n)) bounds.push(n);
    else issues.push(issue('value', `non-numeric value '${String(v)}' for '${op}' on ${where}`));
  }
  return { kind: 'compare', op, bounds, all };
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

const numberOf = (leaf: Scalar): number | undefined => {
  if (typeof leaf === 'number') return Number.isFinite(leaf) ? leaf : undefined;
  if (typeof leaf === 'string' && leaf.length < 32 && NUMERIC.test(leaf)) return Number(leaf);
  return undefined;
};

const COMPARE: Record<CompareOp, (a: number, b: number) => boolean> = {
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
};

/** Some leaf at `path` (or anywhere in the record for keywords) passes `test`. */
function leafTest(
  path: FieldPath | undefined,
  test: (leaf: Scalar) => boolean,
): (record: unknown) => boolean {
  if (!path) return (record) => someLeaf(record, test);
  const onValue = (v: unknown) => someLeaf(v, test); // built once, not per event
  return (record) => someValue(record, path, onValue);
}

/** `leafTest` for a string test: numbers and booleans are matched as their JSON text. */
function stringLeafTest(path: FieldPath | undefined, test: StringTest): (record: unknown) => boolean {
  if (path) return fieldStringTest(path, test);
  const onLeaf = (leaf: Scalar) => test(typeof leaf === 'string' ? leaf : scalarText(leaf));
  return (record) => someLeaf(record, onLeaf);
}

/** With `all`, every one of the tests must hold on some leaf; otherwise one test on one leaf. */
function combine(
  tests: readonly ((record: unknown) => boolean)[],
  all: boolean,
): (record: unknown) => boolean {
  if (tests.length === 0) return () => false;
  if (tests.length === 1) return tests[0] as (record: unknown) => boolean;
  // Plain loops: a `some`/`every` callback closing over the record would be allocated per event.
  return all
    ? (r) => {
        for (let i = 0; i < tests.length; i++)
          if (!(tests[i] as (record: unknown) => boolean)(r)) return false;
        return true;
      }
    : (r) => {
        for (let i = 0; i < tests.length; i++) if ((tests[i] as (record: unknown) => boolean)(r)) return true;
        return false;
      };
}

/**
 * The string tests of a string or regex item, one per value that must hold on its own leaf: with
 * `all`, one per pattern (or regex); otherwise the patterns share one test. Undefined for the
 * kinds that do not test strings.
 */
function textTests(matcher: ValueMatcher): readonly StringTest[] | undefined {
  switch (matcher.kind) {
    case 'strings':
      return matcher.all
        ? matcher.patterns.map((p) => anyPatternTest([p]))
        : matcher.patterns.length > 0
          ? [anyPatternTest(matcher.patterns)]
          : [];
    case 'regex':
      return matcher.regexes.map(regexTextTest);
    default:
      return undefined;
  }
}

/** `combine` for string tests on one value. */
function allOrAny(tests: readonly StringTest[], all: boolean): StringTest {
  if (tests.length === 0) return () => false;
  if (tests.length === 1) return tests[0] as StringTest;
  return all
    ? (v) => {
        for (let i = 0; i < tests.length; i++) if (!(tests[i] as StringTest)(v)) return false;
        return true;
      }
    : (v) => {
        for (let i = 0; i < tests.length; i++) if ((tests[i] as StringTest)(v)) return true;
        return false;
      };
}

function testFor(
  matcher: ValueMatcher,
  path: FieldPath | undefined,
  texts: readonly StringTest[] | undefined,
): (record: unknown) => boolean {
  switch (matcher.kind) {
    case 'strings': {
      const matches = combine(
        (texts ?? []).map((t) => stringLeafTest(path, t)),
        matcher.all,
      );
      const nullable = matcher.allowNull && path !== undefined;
      const positive = nullable ? (r: unknown) => fieldIsNull(r, path) || matches(r) : matches;
      return matcher.negate ? (r) => !positive(r) : positive;
    }
    case 'exists':
      return (r) => fieldExists(r, path as FieldPath) === matcher.expected;
    case 'regex':
      return combine(
        (texts ?? []).map((t) => stringLeafTest(path, t)),
        matcher.all,
      );
    case 'cidr':
      return combine(
        matcher.ranges.map(({ range }) =>
          leafTest(path, (leaf) => {
            const address = typeof leaf === 'string' ? parseAddress(leaf) : undefined;
            return address !== undefined && address.kind() === range[0].kind() && address.match(range);
          }),
        ),
        matcher.all,
      );
    case 'compare': {
      const cmp = COMPARE[matcher.op];
      return combine(
        matcher.bounds.map((bound) =>
          leafTest(path, (leaf) => {
            const n = numberOf(leaf);
            return n !== undefined && cmp(n, bound);
          }),
        ),
        matcher.all,
      );
    }
    case 'fieldref': {
      const relate = RELATE[matcher.how];
      const fold = (s: string) => (matcher.cased ? s : lowerCased(s));
      const tests = matcher.refs.map(
        (ref) => (r: unknown) =>
          someFieldLeaf(r, path as FieldPath, (leaf) => {
            const mine = fold(scalarText(leaf));
            return someFieldLeaf(r, ref, (other) => relate(mine, fold(scalarText(other))));
          }),
      );
      const positive = combine(tests, matcher.all);
      return matcher.negate ? (r) => !positive(r) : positive;
    }
  }
}

const RELATE: Record<
  'equals' | 'contains' | 'startswith' | 'endswith',
  (mine: string, other: string) => boolean
> = {
  equals: (a, b) => a === b,
  contains: (a, b) => a.includes(b),
  startswith: (a, b) => a.startsWith(b),
  endswith: (a, b) => a.endsWith(b),
};

/**
 * A leaf test for a guarded regex (the same bounded input as `guardedTest`), with a cheap
 * necessary condition first: when the pattern requires a literal run (`:assumed-role/aws:` in
 * `.+:assumed-role/aws:.+`), a value without it cannot match, and the regex — whose leading `.+`
 * costs quadratic time on every value that does not match — is not run at all.
 */
function regexTextTest(re: RegExp): StringTest {
  const literal = requiredLiteral(re.source, re.flags);
  const folded = re.flags.includes('i');
  return (text) => {
    const value = text.length > MAX_RE_INPUT ? text.slice(0, MAX_RE_INPUT) : text;
    if (literal !== undefined && !(folded ? lowerCased(value) : value).includes(literal)) return false;
    return re.test(value);
  };
}

/**
 * The longest run of literal characters every match of `source` must contain, or undefined when
 * none is certain. Deliberately narrow, and wrong only by returning less: any `|` anywhere gives
 * up; groups, classes, escapes other than escaped punctuation, assertions and optional atoms
 * break a run; a repeated atom ends one. With `i` the run is lower-cased, and only kept when it
 * is ASCII: without the `u` flag, case-insensitive matching never pairs an ASCII character with
 * a non-ASCII one, so lower-casing the value cannot hide a match.
 */
export function requiredLiteral(source: string, flags: string): string | undefined {
  if (source.includes('|') || flags.includes('u') || flags.includes('v')) return undefined;
  const runs: string[] = [];
  let run = '';
  const end = () => {
    if (run !== '') runs.push(run);
    run = '';
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    let literal: string | undefined;
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) return undefined;
      if (/[A-Za-z0-9_]/.test(next)) {
        // \d, \w, \b, \x41, \u0041, \cA, \0, backreferences…: not read as literals.
        if (/[0-9kxuc]/.test(next)) return undefined;
        i += 2;
      } else {
        literal = next;
        i += 2;
      }
    } else if (c === '[') {
      let j = i + 1;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) return undefined;
      i = j + 1;
    } else if (c === '(') {
      let depth = 0;
      let j = i;
      for (; j < source.length; j++) {
        const g = source[j];
        if (g === '\\') j++;
        else if (g === '[') {
          j++;
          while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
        } else if (g === '(') depth++;
        else if (g === ')' && --depth === 0) break;
      }
      if (j >= source.length) return undefined;
      i = j + 1;
    } else if (c === ')' || c === '*' || c === '+' || c === '?') {
      return undefined; // not a well-formed atom: no claim
    } else if (c === '.' || c === '^' || c === '$' || c === '{' || c === '}' || c === ']') {
      i += 1;
    } else {
      literal = c;
      i += 1;
    }
    // A quantifier after the atom: optional (min 0) breaks the run before it, repeated ends it after.
    let min = 1;
    let repeats = false;
    const q = source[i];
    if (q === '*' || q === '?') {
      min = 0;
      repeats = q === '*';
      i += 1;
    } else if (q === '+') {
      repeats = true;
      i += 1;
    } else if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
      if (m) {
        min = Number(m[1]);
        repeats = m[2] !== undefined || min > 1;
        i += m[0].length;
      }
    }
    if (min !== 1 || repeats) {
      if (source[i] === '?') i += 1; // lazy
    }
    if (literal === undefined || min === 0) end();
    else {
      run += literal;
      if (repeats) end();
    }
  }
  end();
  let best: string | undefined;
  for (const r of runs) if (best === undefined || r.length > best.length) best = r;
  if (best === undefined) return undefined;
  if (!flags.includes('i')) return best;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range itself
  return /^[\x00-\x7f]*$/.test(best) ? best.toLowerCase() : undefined;
}
