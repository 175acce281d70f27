import {
  type AggregationAst,
  type ConditionAst,
  identifiersMatching,
  type ParsedCondition,
  parseCondition,
} from './condition.ts';
import { mapField, PRODUCTS, type SigmaProduct } from './field-map.ts';
import { issue, SigmaConditionError, type SigmaIssue } from './issues.ts';
import type { SigmaRule } from './parse.ts';
import { hasWildcards, isWildcard } from './pattern.ts';
import { type FieldPath, fieldPath } from './record.ts';
import { compileFieldItem, type FieldItem } from './values.ts';

/**
 * A parsed rule → a matcher over raw records, compiled once: every value list becomes a
 * precomputed string test, every `x of` pattern is expanded, every field path is resolved.
 *
 * Selections (rules specification, "Lists" and "Maps"): a map is an AND of its fields; a list of
 * maps is an OR of the maps; a list of plain values (or a single value) is a keyword search.
 * Keywords are matched as `contains` against every scalar value of the raw record (the
 * specification applies them "to the full log message"; a JSON record has no single message, so
 * every value stands in for it), case-insensitively, bounded like every other read.
 */

export type BoundCondition =
  | { readonly type: 'selection'; readonly name: string }
  | { readonly type: 'not'; readonly operand: BoundCondition }
  | { readonly type: 'and' | 'or'; readonly operands: readonly BoundCondition[] };

export interface CompiledSelection {
  readonly name: string;
  /** OR of alternatives; each alternative is an AND of field items. */
  readonly alternatives: readonly (readonly FieldItem[])[];
  readonly test: (record: unknown) => boolean;
}

/**
 * `| count() [by g] > n` within `timeframe`. Evaluated with the engine's WindowState: the rule
 * fires on the event that makes the count reach `fireAt` — once per burst, not on every later
 * event of it (a new burst after the window empties fires again).
 */
export interface CompiledAggregation {
  readonly text: string;
  /** `count(field)`: distinct values of this field; absent for `count()`. */
  readonly distinct?: FieldPath;
  readonly groupBy?: FieldPath;
  readonly windowMs: number;
  readonly fireAt: number;
}

export interface CompiledSigmaRule {
  readonly rule: SigmaRule;
  readonly product: SigmaProduct;
  readonly selections: ReadonlyMap<string, CompiledSelection>;
  /** The condition list joined with OR, `x of` expanded. */
  readonly condition: BoundCondition;
  readonly aggregation?: CompiledAggregation;
  /** The single-event part of the rule: the condition holds on this raw record. */
  readonly matches: (record: unknown) => boolean;
}

export interface CompileOptions {
  /** Values for `|expand` placeholders, by name without `%`. */
  readonly placeholders?: Readonly<Record<string, readonly string[]>>;
}

export type CompileOutcome = { ok: true; compiled: CompiledSigmaRule } | { ok: false; issues: SigmaIssue[] };

/**
 * WindowState keeps a bounded number of timestamps per key (1000 in `memoryWindow`), so a
 * count above that can never be observed; such rules are reported rather than never firing.
 */
export const MAX_AGGREGATION_COUNT = 1000;
const MAX_TIMEFRAME_MS = 7 * 24 * 3_600_000;

export function compileRule(
  rule: SigmaRule,
  product: SigmaProduct,
  options: CompileOptions = {},
): CompileOutcome {
  const issues: SigmaIssue[] = [];
  const profile = PRODUCTS[product];
  const service = rule.logsource.service;
  if (service !== undefined && !profile.services.includes(service)) {
    issues.push(
      issue(
        'logsource',
        `logsource service '${service}' for product '${product}' (Vigil reads ${profile.label})`,
      ),
    );
  }

  const selections = new Map<string, CompiledSelection>();
  for (const [name, definition] of Object.entries(rule.detection.selections)) {
    const compiled = compileSelection(name, definition, product, options, issues);
    if (compiled) selections.set(name, compiled);
  }

  const names = Object.keys(rule.detection.selections);
  const parsed: ParsedCondition[] = [];
  const bound: BoundCondition[] = [];
  for (const text of rule.detection.conditions) {
    try {
      const p = parseCondition(text);
      parsed.push(p);
      bound.push(bind(p.expression, names));
    } catch (e) {
      if (e instanceof SigmaConditionError) issues.push(e.issue);
      else throw e;
    }
  }
  const aggregation = compileAggregation(parsed, rule, product, issues);

  if (issues.length > 0) return { ok: false, issues: dedupe(issues) };
  const condition: BoundCondition =
    bound.length === 1 ? (bound[0] as BoundCondition) : { type: 'or', operands: bound };
  return {
    ok: true,
    compiled: {
      rule,
      product,
      selections,
      condition,
      ...(aggregation ? { aggregation } : {}),
      matches: evaluator(condition, selections),
    },
  };
}

function compileSelection(
  name: string,
  definition: unknown,
  product: SigmaProduct,
  options: CompileOptions,
  issues: SigmaIssue[],
): CompiledSelection | undefined {
  const before = issues.length;
  const valueOptions = { product, ...(options.placeholders ? { placeholders: options.placeholders } : {}) };
  const isMap = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number';

  const itemsOf = (map: Record<string, unknown>): FieldItem[] => {
    const entries = Object.entries(map);
    if (entries.length === 0) issues.push(issue('selection', `selection '${name}' has an empty map`));
    const items: FieldItem[] = [];
    for (const [key, value] of entries) {
      const item = compileFieldItem(keywordKey(key), value, valueOptions, issues);
      if (item) items.push(item);
    }
    return items;
  };

  let alternatives: FieldItem[][] = [];
  if (isMap(definition)) {
    alternatives = [itemsOf(definition)];
  } else if (Array.isArray(definition) && definition.length > 0 && definition.every(isMap)) {
    alternatives = definition.map(itemsOf);
  } else if (Array.isArray(definition) && definition.length > 0 && definition.every(isScalar)) {
    alternatives = [itemsOf({ '|contains': definition })];
  } else if (isScalar(definition)) {
    alternatives = [itemsOf({ '|contains': [definition] })];
  } else if (Array.isArray(definition) && definition.length > 0) {
    issues.push(issue('selection', `selection '${name}' mixes keywords and field maps`));
  } else {
    issues.push(issue('selection', `selection '${name}' is empty or not a map, list or value`));
  }
  if (issues.length > before) return undefined;
  const frozen = alternatives;
  const tests = frozen.map(allOf);
  const test =
    tests.length === 1
      ? (tests[0] as Test)
      : (r: unknown) => {
          for (let i = 0; i < tests.length; i++) if ((tests[i] as Test)(r)) return true;
          return false;
        };
  return { name, alternatives: frozen, test };
}

type Test = (record: unknown) => boolean;

/**
 * The order a map's fields are checked in: all must hold, so the cheapest test that most often
 * fails goes first — an exact value before a wildcard, a `contains`, a negation, a regex or a
 * keyword search over the whole record; a shallow field before a deep one. Only the evaluation
 * order changes (the tests are pure); `alternatives` keeps the rule's own order for the readers
 * that derive triggers and examples from it.
 */
function checkCost(item: FieldItem): number {
  const m = item.matcher;
  const depth = item.path ? item.path.segments.length - 1 : 0;
  let rank: number;
  if (item.path === undefined) rank = 60;
  else if (m.kind === 'strings') {
    const exact = m.patterns.length > 0 && m.patterns.every((p) => !hasWildcards(p.parts));
    const contains = m.patterns.some((p) => isWildcard(p.parts[0] ?? { literal: '' }, '*'));
    rank = m.negate || m.allowNull ? 25 : exact ? 0 : contains ? 20 : 10;
  } else if (m.kind === 'exists' || m.kind === 'compare') rank = 15;
  else if (m.kind === 'cidr') rank = 30;
  else if (m.kind === 'regex') rank = 40;
  else rank = 50;
  return rank + depth;
}

/** Keyword maps (`'|all': [...]`) search like keyword lists: `contains` unless the rule says otherwise. */
function keywordKey(key: string): string {
  if (!key.startsWith('|')) return key;
  const modifiers = key.split('|').slice(1);
  const explicit = modifiers.some((m) => ['contains', 'startswith', 'endswith', 're', 'cidr'].includes(m));
  return explicit ? key : `|contains${key === '|' ? '' : key}`;
}

function allOf(items: readonly FieldItem[]): Test {
  const ordered = [...items].sort((a, b) => checkCost(a) - checkCost(b)).map((item) => item.test);
  if (ordered.length === 1) return ordered[0] as Test;
  return (r) => {
    for (let i = 0; i < ordered.length; i++) if (!(ordered[i] as Test)(r)) return false;
    return true;
  };
}

/** Resolves identifiers and expands `x of` against the rule's search identifiers. */
function bind(ast: ConditionAst, names: readonly string[]): BoundCondition {
  switch (ast.type) {
    case 'ref':
      if (!names.includes(ast.name)) {
        throw new SigmaConditionError(
          'condition-syntax',
          `condition names unknown search identifier '${ast.name}'`,
        );
      }
      return { type: 'selection', name: ast.name };
    case 'not':
      return { type: 'not', operand: bind(ast.operand, names) };
    case 'and':
    case 'or':
      return { type: ast.type, operands: ast.operands.map((o) => bind(o, names)) };
    case 'of': {
      const matched = identifiersMatching(ast.target, names);
      const shown = `${ast.quantifier === 'one' ? '1' : 'all'} of ${ast.target}`;
      if (matched.length === 0) {
        throw new SigmaConditionError('condition-syntax', `'${shown}' matches no search identifier`);
      }
      const refs: BoundCondition[] = matched.map((name) => ({ type: 'selection', name }));
      if (refs.length === 1) return refs[0] as BoundCondition;
      return { type: ast.quantifier === 'one' ? 'or' : 'and', operands: refs };
    }
  }
}

/**
 * The condition as one predicate, built once. Plain loops rather than `some`/`every`, whose
 * callbacks would close over the record and be allocated on every event; `and` checks its
 * negated operands last, since a negation (`not filter`) nearly always holds and so rarely
 * decides. Each closure is one more indirect call per event, so the common shapes get fewer:
 * two operands are joined directly, and `not (a or b …)` — the usual `not 1 of filter*` — is one
 * "none of" loop rather than a negation around a disjunction.
 */
function evaluator(node: BoundCondition, selections: ReadonlyMap<string, CompiledSelection>): Test {
  switch (node.type) {
    case 'selection':
      return (selections.get(node.name) as CompiledSelection).test;
    case 'not': {
      if (node.operand.type === 'or') {
        const parts = node.operand.operands.map((o) => evaluator(o, selections));
        return (r) => {
          for (let i = 0; i < parts.length; i++) if ((parts[i] as Test)(r)) return false;
          return true;
        };
      }
      const inner = evaluator(node.operand, selections);
      return (r) => !inner(r);
    }
    case 'and': {
      const operands = [...node.operands].sort((a, b) => Number(a.type === 'not') - Number(b.type === 'not'));
      const parts = operands.map((o) => evaluator(o, selections));
      if (parts.length === 2) {
        const [first, second] = parts as [Test, Test];
        return (r) => first(r) && second(r);
      }
      return (r) => {
        for (let i = 0; i < parts.length; i++) if (!(parts[i] as Test)(r)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = node.operands.map((o) => evaluator(o, selections));
      if (parts.length === 2) {
        const [first, second] = parts as [Test, Test];
        return (r) => first(r) || second(r);
      }
      return (r) => {
        for (let i = 0; i < parts.length; i++) if ((parts[i] as Test)(r)) return true;
        return false;
      };
    }
  }
}

function compileAggregation(
  parsed: readonly ParsedCondition[],
  rule: SigmaRule,
  product: SigmaProduct,
  issues: SigmaIssue[],
): CompiledAggregation | undefined {
  const aggregations = parsed.map((p) => p.aggregation).filter((a): a is AggregationAst => a !== undefined);
  const timeframe = rule.detection.timeframe;
  if (aggregations.length === 0) {
    if (timeframe !== undefined) {
      issues.push(
        issue(
          'timeframe',
          `'timeframe: ${timeframe}' without an aggregation (a correlation of several events; a single-event matcher cannot evaluate it)`,
        ),
      );
    }
    return undefined;
  }
  if (parsed.length > 1) {
    issues.push(issue('aggregation', 'aggregation inside a list of conditions'));
    return undefined;
  }
  const agg = aggregations[0] as AggregationAst;
  if (agg.fn !== 'count') {
    issues.push(
      issue('aggregation', `aggregation function '${agg.fn}' ('${agg.text}'; only count is evaluated)`),
    );
    return undefined;
  }
  if (agg.op === '<' || agg.op === '<=') {
    issues.push(
      issue(
        'aggregation',
        `aggregation '${agg.text}' (a '${agg.op}' count is only known when the window closes)`,
      ),
    );
    return undefined;
  }
  const fireAt = agg.op === '>' ? Math.floor(agg.threshold) + 1 : Math.ceil(agg.threshold);
  if (agg.op === '=' && !Number.isInteger(agg.threshold)) {
    issues.push(issue('aggregation', `aggregation '${agg.text}' compares a count with a fraction`));
    return undefined;
  }
  if (fireAt > MAX_AGGREGATION_COUNT) {
    issues.push(
      issue('aggregation', `aggregation '${agg.text}' counts beyond ${MAX_AGGREGATION_COUNT} events`),
    );
    return undefined;
  }
  if (timeframe === undefined) {
    issues.push(issue('aggregation', `aggregation '${agg.text}' without a timeframe`));
    return undefined;
  }
  const windowMs = parseTimeframe(timeframe);
  if (windowMs === undefined) {
    issues.push(
      issue('timeframe', `timeframe '${timeframe}' (expected a number and s, m, h or d, at most 7d)`),
    );
    return undefined;
  }
  const path = (field: string | undefined): FieldPath | undefined => {
    if (field === undefined) return undefined;
    const mapped = mapField(product, field);
    if (mapped.ok) return fieldPath(mapped.path);
    issues.push(mapped.issue);
    return undefined;
  };
  const distinct = path(agg.field);
  const groupBy = path(agg.groupBy);
  return {
    text: agg.text,
    ...(distinct ? { distinct } : {}),
    ...(groupBy ? { groupBy } : {}),
    windowMs,
    fireAt: Math.max(1, fireAt),
  };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTimeframe(text: string): number | undefined {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return ms > 0 && ms <= MAX_TIMEFRAME_MS ? ms : undefined;
}

function dedupe(issues: readonly SigmaIssue[]): SigmaIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.feature}\u0000${i.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
