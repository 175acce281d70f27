import type { DetectionCase } from '../detect/types.ts';
import type { BoundCondition, CompiledSigmaRule } from './compile.ts';
import { baseRecord, KEYWORD_SLOT, restamp, seedOf } from './example-records.ts';
import { PRODUCTS } from './field-map.ts';
import { exampleOf, hasWildcards, plainText } from './pattern.ts';
import { regexExample } from './regex-example.ts';
import type { FieldItem } from './values.ts';

/**
 * Test cases derived from a compiled rule, so every Sigma detection is proven both ways like a
 * native one: a realistic raw record that satisfies the condition, and a near miss — the same
 * record with ONE required field changed so that the rule no longer matches.
 *
 * The condition is expanded into alternatives (disjunctive normal form, `not` pushed down to the
 * field items); the first alternative whose field constraints can all be met by one value per
 * field wins. Every record is checked against the compiled matcher before it is returned, so a
 * derivation mistake becomes "example not derivable" with the reason, never a false case.
 */

export type Example =
  | {
      readonly ok: true;
      readonly positive: Record<string, unknown>;
      readonly nearMiss: Record<string, unknown>;
      /** The field the near miss changed. */
      readonly changed: string;
    }
  | { readonly ok: false; readonly reason: string };

interface Literal {
  readonly item: FieldItem;
  readonly positive: boolean;
}
type Conjunction = readonly Literal[];

const MAX_ALTERNATIVES = 128;
const ABSENT = Symbol('absent');
type Candidate = unknown | typeof ABSENT;

export function deriveExample(compiled: CompiledSigmaRule): Example {
  const seed = seedOf(compiled.rule.id ?? compiled.rule.title);
  const base = baseRecord(compiled.product, { seed, index: 0 });
  const alternatives = dnf(compiled.condition, true, compiled);
  let firstReason = 'the condition has no satisfiable alternative';
  for (const [n, conjunction] of alternatives.entries()) {
    const built = realise(conjunction, base, compiled);
    if (typeof built === 'string') {
      if (n === 0) firstReason = built;
      continue;
    }
    const miss = nearMiss(conjunction, built, compiled);
    if (typeof miss === 'string') {
      if (n === 0) firstReason = miss;
      continue;
    }
    return { ok: true, positive: built, nearMiss: miss.record, changed: miss.field };
  }
  return { ok: false, reason: firstReason };
}

/**
 * One matching record per alternative of the condition that can be built (at most
 * MAX_ALTERNATIVES), each checked against the compiled matcher: every branch of the rule, not only
 * the first, for tests that must hold whichever way a rule matches (the trigger index).
 */
export function branchExamples(compiled: CompiledSigmaRule): Record<string, unknown>[] {
  const seed = seedOf(compiled.rule.id ?? compiled.rule.title);
  const base = baseRecord(compiled.product, { seed, index: 0 });
  const out: Record<string, unknown>[] = [];
  for (const conjunction of dnf(compiled.condition, true, compiled)) {
    const built = realise(conjunction, base, compiled);
    if (typeof built !== 'string') out.push(built);
  }
  return out;
}

/**
 * The cases a Sigma detection carries. For a count aggregation, the positive case is `fireAt`
 * matching records inside the window; the near misses are the same burst with its last record
 * changed, and the burst one record short.
 */
export function exampleCases(compiled: CompiledSigmaRule, example: Example): DetectionCase[] {
  if (!example.ok) return [];
  const seed = seedOf(compiled.rule.id ?? compiled.rule.title);
  const agg = compiled.aggregation;
  if (!agg) {
    return [
      { name: 'fires on a record built from its selection', fires: true, records: [example.positive] },
      {
        name: `near miss (${example.changed} changed) does not fire`,
        fires: false,
        records: [example.nearMiss],
      },
    ];
  }
  const burst = (n: number): Record<string, unknown>[] =>
    Array.from({ length: n }, (_, index) => {
      const r = restamp(compiled.product, example.positive, { seed, index });
      if (agg.distinct) varyDistinct(r, agg.distinct.segments, index);
      return r;
    });
  const full = burst(agg.fireAt);
  const last = restamp(compiled.product, example.nearMiss, { seed, index: agg.fireAt - 1 });
  if (agg.distinct) varyDistinct(last, agg.distinct.segments, agg.fireAt - 1);
  const cases: DetectionCase[] = [
    { name: `fires on ${agg.fireAt} matching records within the window`, fires: true, records: full },
    {
      name: `near miss (${example.changed} changed on the last record) does not fire`,
      fires: false,
      records: [...full.slice(0, -1), last],
    },
  ];
  if (agg.fireAt > 1) {
    cases.push({
      name: 'one record short of the threshold does not fire',
      fires: false,
      records: full.slice(0, -1),
    });
  }
  return cases;
}

function varyDistinct(record: Record<string, unknown>, path: readonly string[], index: number): void {
  const current = readPath(record, path);
  setPath(record, path, `${typeof current === 'string' ? current : 'value'}-${index}`);
}

/** Disjunctive normal form over field items, `not` pushed down (De Morgan), capped. */
function dnf(node: BoundCondition, positive: boolean, compiled: CompiledSigmaRule): Conjunction[] {
  switch (node.type) {
    case 'selection': {
      const selection = compiled.selections.get(node.name);
      if (!selection) return [];
      const alternatives = selection.alternatives.map((alt) => alt.map((item) => ({ item, positive: true })));
      if (positive) return alternatives;
      // not (A1 or A2 …) = (not A1) and (not A2) …; not (x and y) = (not x) or (not y)
      return product(alternatives.map((alt) => alt.map((l) => [{ item: l.item, positive: false }])));
    }
    case 'not':
      return dnf(node.operand, !positive, compiled);
    case 'and':
    case 'or': {
      const parts = node.operands.map((o) => dnf(o, positive, compiled));
      const conjunctive = (node.type === 'and') === positive;
      return conjunctive ? product(parts) : parts.flat().slice(0, MAX_ALTERNATIVES);
    }
  }
}

/** AND of ORs → OR of ANDs, keeping at most MAX_ALTERNATIVES. */
function product(parts: readonly (readonly Conjunction[])[]): Conjunction[] {
  let out: Conjunction[] = [[]];
  for (const options of parts) {
    const next: Conjunction[] = [];
    for (const left of out) {
      for (const right of options) {
        next.push([...left, ...right]);
        if (next.length >= MAX_ALTERNATIVES) break;
      }
      if (next.length >= MAX_ALTERNATIVES) break;
    }
    out = next;
  }
  return out;
}

const keyOf = (item: FieldItem): string => (item.path ? item.path.dotted.toLowerCase() : '');

/** A record meeting every literal of the conjunction, or the reason none was found. */
function realise(
  conjunction: Conjunction,
  base: Record<string, unknown>,
  compiled: CompiledSigmaRule,
): Record<string, unknown> | string {
  const record = structuredClone(base);
  const groups = new Map<string, Literal[]>();
  for (const literal of conjunction) {
    const key = keyOf(literal.item);
    groups.set(key, [...(groups.get(key) ?? []), literal]);
  }
  const deferred: Literal[] = [];
  for (const [key, literals] of groups) {
    const own = literals.filter((l) => l.item.matcher.kind !== 'fieldref');
    deferred.push(...literals.filter((l) => l.item.matcher.kind === 'fieldref'));
    if (own.length === 0) continue;
    const path = key === '' ? KEYWORD_SLOT[compiled.product] : (own[0]?.item.path?.segments ?? []);
    const chosen = choose(record, path, own);
    if (chosen === undefined) {
      const fields = key === '' ? 'the keywords' : `'${own[0]?.item.field}'`;
      return `no value of ${fields} satisfies ${own.map(describe).join(' and ')}`;
    }
  }
  for (const literal of deferred) {
    if (!satisfyFieldref(record, literal)) return `cannot relate fields for ${describe(literal)}`;
  }
  if (!compiled.matches(record))
    return 'the built record does not match (constraints interact across fields)';
  return record;
}

/** Sets the first candidate value that meets all literals of one field; undefined if none does. */
function choose(
  record: Record<string, unknown>,
  path: readonly string[],
  literals: readonly Literal[],
): true | undefined {
  const positives = literals.filter((l) => l.positive);
  const candidates: Candidate[] =
    positives.length > 0
      ? positives.flatMap((l) => candidatesFor(l.item))
      : [readPath(record, path), 'vigil-example', 'vigil-example-2', ABSENT];
  if (positives.length > 1) candidates.push(...combined(positives));
  const original = readPath(record, path);
  for (const candidate of candidates) {
    setPath(record, path, candidate);
    if (literals.every((l) => l.item.test(record) === l.positive)) return true;
  }
  setPath(record, path, original);
  return undefined;
}

/** Values an item accepts, most realistic first. */
function candidatesFor(item: FieldItem): Candidate[] {
  const m = item.matcher;
  switch (m.kind) {
    case 'strings': {
      if (m.negate) return ['vigil-example', ABSENT];
      const examples = m.patterns.slice(0, 4).map((p) => typed(exampleOf(p.parts), hasWildcards(p.parts)));
      const joined = m.all ? [m.patterns.map((p) => exampleOf(p.parts)).join(' ')] : [];
      return [...(m.allowNull ? [ABSENT] : []), ...joined, ...examples];
    }
    case 'exists':
      return m.expected ? ['vigil-example'] : [ABSENT];
    case 'cidr':
      return m.ranges.slice(0, 4).map((r) => r.range[0].toString());
    case 'regex': {
      const made = m.regexes.map((re) => regexExample(re.source));
      return m.all ? [made.join('')] : made.filter((s): s is string => s !== undefined);
    }
    case 'compare': {
      const step: Record<typeof m.op, number> = { gt: 1, gte: 0, lt: -1, lte: 0 };
      const bounds = m.all
        ? [m.op.startsWith('g') ? Math.max(...m.bounds) : Math.min(...m.bounds)]
        : m.bounds;
      return bounds.map((b) => b + step[m.op]);
    }
    case 'fieldref':
      return [];
  }
}

/** Several positive items on one field (e.g. `contains` in one selection, exact in another). */
function combined(positives: readonly Literal[]): Candidate[] {
  const texts = positives.map(
    (l) => candidatesFor(l.item).find((c) => typeof c === 'string') as string | undefined,
  );
  return texts.every((t) => t !== undefined) ? [texts.join(' ')] : [];
}

/** `'true'`/`'false'` become JSON booleans, as vendors send them (`isProxy`, `publiclyAccessible`). */
function typed(text: string, wild: boolean): Candidate {
  if (!wild && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return text;
}

function satisfyFieldref(record: Record<string, unknown>, literal: Literal): boolean {
  const m = literal.item.matcher;
  const path = literal.item.path?.segments;
  if (m.kind !== 'fieldref' || !path) return false;
  const other = m.refs[0] ? readPath(record, m.refs[0].segments) : undefined;
  const otherText = typeof other === 'string' || typeof other === 'number' ? String(other) : 'vigil-example';
  if (m.refs[0] && other === undefined) setPath(record, m.refs[0].segments, otherText);
  if (literal.item.test(record) === literal.positive) return true;
  const wanted = literal.positive !== m.negate;
  setPath(record, path, wanted ? related(otherText, m.how) : `${otherText}-other`);
  return literal.item.test(record) === literal.positive;
}

const related = (text: string, how: 'equals' | 'contains' | 'startswith' | 'endswith'): string =>
  how === 'equals' ? text : how === 'contains' ? `x${text}x` : how === 'startswith' ? `${text}x` : `x${text}`;

/**
 * The positive record with one required field changed. Fields other than the engine's trigger
 * field are tried first, so the near miss still reaches the detection through the engine index
 * and exercises its matcher rather than the index alone.
 */
function nearMiss(
  conjunction: Conjunction,
  positive: Record<string, unknown>,
  compiled: CompiledSigmaRule,
): { record: Record<string, unknown>; field: string } | string {
  const trigger = PRODUCTS[compiled.product].triggerField.toLowerCase();
  const required = conjunction
    .filter((l) => l.positive && l.item.path !== undefined)
    .sort((a, b) => Number(keyOf(a.item) === trigger) - Number(keyOf(b.item) === trigger));
  for (const literal of required) {
    const path = literal.item.path?.segments ?? [];
    const current = readPath(positive, path);
    for (const candidate of mutations(current)) {
      const record = structuredClone(positive);
      setPath(record, path, candidate);
      if (!compiled.matches(record)) return { record, field: literal.item.field };
    }
  }
  return 'no single-field change makes the rule stop matching';
}

function mutations(value: unknown): Candidate[] {
  if (typeof value === 'boolean') return [!value, ABSENT];
  if (typeof value === 'number') return [value + 1000, ABSENT];
  return ['vigil-near-miss', ABSENT];
}

const describe = (l: Literal): string =>
  `${l.positive ? '' : 'not '}${l.item.field || 'keywords'}${l.item.modifiers.map((m) => `|${m}`).join('')}${
    l.item.matcher.kind === 'strings' &&
    l.item.matcher.patterns[0] &&
    !hasWildcards(l.item.matcher.patterns[0].parts)
      ? ` '${plainText(l.item.matcher.patterns[0].parts)}'`
      : ''
  }`;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Finds the key in `obj` for a segment: exact, else case-insensitive (as the matcher resolves it). */
function keyIn(obj: Record<string, unknown>, segment: string): string {
  if (Object.hasOwn(obj, segment)) return segment;
  const lower = segment.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower) ?? segment;
}

/**
 * A rule may name any field, `constructor` and `__proto__` included: the example record is read
 * and written through own data properties only, never an inherited member (a function, which
 * `structuredClone` refuses) or the prototype setter.
 */
const ownValue = (obj: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(obj, key) ? obj[key] : undefined;

const setOwn = (obj: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
};

function readPath(record: unknown, path: readonly string[]): unknown {
  let cur: unknown = record;
  for (const segment of path) {
    if (Array.isArray(cur)) cur = cur[0];
    if (!isRecord(cur)) return undefined;
    cur = ownValue(cur, keyIn(cur, segment));
  }
  return cur;
}

/** Writes (or with ABSENT deletes) a value; steps into the first element of arrays, creating objects as needed. */
function setPath(record: Record<string, unknown>, path: readonly string[], value: Candidate): void {
  let cur: Record<string, unknown> = record;
  for (const [i, segment] of path.entries()) {
    const key = keyIn(cur, segment);
    if (i === path.length - 1) {
      if (value === ABSENT || value === undefined) delete cur[key];
      else setOwn(cur, key, value);
      return;
    }
    let next = ownValue(cur, key);
    if (Array.isArray(next)) {
      if (!isRecord(next[0])) next[0] = {};
      next = next[0];
    } else if (!isRecord(next)) {
      if (value === ABSENT) return;
      next = {};
      setOwn(cur, key, next);
    }
    cur = next as Record<string, unknown>;
  }
}
