import type { BoundCondition, CompiledSigmaRule } from './compile.ts';
import { PRODUCTS } from './field-map.ts';
import { hasWildcards, plainText } from './pattern.ts';
import type { FieldItem } from './values.ts';

/**
 * The engine indexes detections by trigger key (CloudTrail eventName, Okta eventType, GitHub
 * action) so each event meets only the handful that can fire on it. A Sigma rule gets triggers
 * only when its condition REQUIRES the trigger field to be one of a fixed set of exact values, in
 * every branch: through `and` (intersection), `or` / `1 of` (union, if every branch pins the
 * field), value lists, and `not` (pushed down by De Morgan: `not` of a `|neq` pins the field, `not`
 * of an equality never does). Anything less certain (a wildcard, `startswith`, a `null` in the
 * list, one branch without the field) leaves it undefined, i.e. evaluated on every event of its
 * source. Conservative by design: a wrong trigger set would silently drop true positives.
 *
 * Two deliberate approximations, both about records no vendor writes: Sigma compares
 * case-insensitively and finds a key in any casing or inside an array, the index reads the key
 * as written (`eventName`, or `eventname` for CloudTrail) as one string. Vendors emit these keys
 * in one canonical spelling (`StopLogging`, `user.session.start`), so a rule value is used as
 * written.
 */
export function requiredTriggers(compiled: CompiledSigmaRule): readonly string[] | undefined {
  const set = derive(compiled, EXACT_KEYS);
  return set === undefined ? undefined : [...set].sort();
}

/**
 * For a rule without triggers: a test on the key alone that every event the rule can match
 * passes (the engine's `acceptsKey`), or undefined when the condition does not require one. It
 * is derived exactly as the triggers are — the same walk, the same De Morgan push-down, the same
 * exclusions (`null` in the list, a branch without the field) — but keeps what triggers cannot:
 * an item on the trigger field with wildcards, `startswith`, `endswith`, `contains` or `re`
 * contributes its own value test (`FieldItem.textTest`), run on the key. Sound because that test
 * is exactly what the item applies to a record whose field is that one string, and the key is
 * that string: if the key fails it, the item fails on the record, and so (being required in every
 * branch) does the rule. AND of such tests is their conjunction, OR their disjunction. The test
 * compares as Sigma does, case-insensitively unless `cased`, so unlike the exact triggers it needs
 * no spelling caveat; the key-reading approximations above apply unchanged (the engine meets a
 * keyed detection only on events with a string key, as it meets a triggered one).
 */
export function requiredKeyTest(compiled: CompiledSigmaRule): KeyTest | undefined {
  return derive(compiled, KEY_TESTS);
}

export type KeyTest = (key: string) => boolean;

/**
 * What the condition requires of the trigger field, in one of two forms: the exact values it
 * allows, or a test the value must pass. `item` says what one field item (or its negation) requires,
 * undefined when nothing; `all` and `any` combine constrained parts (never empty).
 */
interface Requirement<T> {
  item(item: FieldItem, positive: boolean): T | undefined;
  all(parts: readonly T[]): T;
  any(parts: readonly T[]): T;
}

function derive<T>(compiled: CompiledSigmaRule, how: Requirement<T>): T | undefined {
  const field = PRODUCTS[compiled.product].triggerField.toLowerCase();
  const onField = (item: FieldItem, positive: boolean): T | undefined =>
    item.path !== undefined && item.path.dotted.toLowerCase() === field
      ? how.item(item, positive)
      : undefined;
  // AND: the constrained operands together; unconstrained when none is.
  const intersect = (parts: readonly (T | undefined)[]): T | undefined => {
    const constrained = parts.filter((p): p is T => p !== undefined);
    return constrained.length === 0 ? undefined : how.all(constrained);
  };
  // OR: only if every operand is constrained.
  const union = (parts: readonly (T | undefined)[]): T | undefined =>
    parts.length === 0 || parts.some((p) => p === undefined) ? undefined : how.any(parts as T[]);

  /** What `node` (or its negation, when `positive` is false) requires. */
  const required = (node: BoundCondition, positive: boolean): T | undefined => {
    switch (node.type) {
      case 'selection': {
        const selection = compiled.selections.get(node.name);
        if (!selection) return undefined;
        const of = (item: FieldItem) => onField(item, positive);
        // A selection is an OR of alternatives, each an AND of items; negated, an AND of ORs.
        return positive
          ? union(selection.alternatives.map((alt) => intersect(alt.map(of))))
          : intersect(selection.alternatives.map((alt) => union(alt.map(of))));
      }
      case 'not':
        return required(node.operand, !positive);
      case 'and':
      case 'or': {
        const parts = node.operands.map((o) => required(o, positive));
        return (node.type === 'and') === positive ? intersect(parts) : union(parts);
      }
    }
  };
  return required(compiled.condition, true);
}

/**
 * Whether an item (or its negation) tests the field's value at all: an item with `neq` holds
 * when no value matches, so its negation is the plain test; with a `null` in the list an absent
 * field also satisfies it (either way round), so it requires nothing.
 */
const requiresValue = (item: FieldItem, positive: boolean): boolean => {
  const m = item.matcher;
  if (m.kind === 'regex') return positive && m.regexes.length > 0;
  return m.kind === 'strings' && m.negate !== positive && !m.allowNull && m.patterns.length > 0;
};

/** Exact values; any wildcard (so any `contains`, `startswith`, `endswith`) or a regex: none. */
const EXACT_KEYS: Requirement<ReadonlySet<string>> = {
  item(item, positive) {
    const m = item.matcher;
    if (m.kind !== 'strings' || !requiresValue(item, positive)) return undefined;
    if (m.patterns.some((p) => hasWildcards(p.parts))) return undefined;
    const values = m.patterns.map((p) => plainText(p.parts));
    // `all` over several exact values needs one key equal to each: only possible if they coincide.
    if (m.all) return intersectValues(values.map((v) => new Set([v])));
    return new Set(values);
  },
  all: intersectValues,
  any(sets) {
    const out = new Set<string>();
    for (const s of sets) for (const v of s) out.add(v);
    return out;
  },
};

/**
 * AND of exact value sets. Values are compared as Sigma compares them, case-insensitively (the
 * first operand's spelling is kept), so `StopLogging` and `stoplogging` required together still
 * leave `StopLogging`.
 */
function intersectValues(sets: readonly ReadonlySet<string>[]): ReadonlySet<string> {
  let out: Set<string> | undefined;
  for (const s of sets) {
    const folded = new Set([...s].map((v) => v.toLowerCase()));
    out = out === undefined ? new Set(s) : new Set([...out].filter((v) => folded.has(v.toLowerCase())));
  }
  return out ?? new Set();
}

/** The item's own test on the value, whatever its modifiers. */
const KEY_TESTS: Requirement<KeyTest> = {
  item: (item, positive) =>
    requiresValue(item, positive) && item.textTest !== undefined ? item.textTest : undefined,
  all: (tests) => (key) => tests.every((t) => t(key)),
  any: (tests) => (key) => tests.some((t) => t(key)),
};
