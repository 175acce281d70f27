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
  const field = PRODUCTS[compiled.product].triggerField.toLowerCase();
  const set = required(compiled.condition, true, compiled, field);
  return set === undefined ? undefined : [...set].sort();
}

type Required = Set<string> | undefined; // undefined = unconstrained

/** The trigger values `node` (or its negation, when `positive` is false) requires. */
function required(
  node: BoundCondition,
  positive: boolean,
  compiled: CompiledSigmaRule,
  field: string,
): Required {
  switch (node.type) {
    case 'selection': {
      const selection = compiled.selections.get(node.name);
      if (!selection) return undefined;
      const values = (item: FieldItem) => itemValues(item, field, positive);
      // A selection is an OR of alternatives, each an AND of items; negated, an AND of ORs.
      return positive
        ? union(selection.alternatives.map((alt) => intersect(alt.map(values))))
        : intersect(selection.alternatives.map((alt) => union(alt.map(values))));
    }
    case 'not':
      return required(node.operand, !positive, compiled, field);
    case 'and':
    case 'or': {
      const parts = node.operands.map((o) => required(o, positive, compiled, field));
      return (node.type === 'and') === positive ? intersect(parts) : union(parts);
    }
  }
}

/**
 * The exact values an item (or its negation) allows for the trigger field, or undefined if it
 * does not pin it. An item with `neq` holds when no value matches, so its negation is the plain
 * equality; with a `null` in the list an absent field also satisfies it (either way round).
 */
function itemValues(item: FieldItem, field: string, positive: boolean): Required {
  if (item.path === undefined || item.path.dotted.toLowerCase() !== field) return undefined;
  const m = item.matcher;
  if (m.kind !== 'strings' || m.negate === positive || m.allowNull || m.patterns.length === 0)
    return undefined;
  if (m.patterns.some((p) => hasWildcards(p.parts))) return undefined;
  const values = m.patterns.map((p) => plainText(p.parts));
  // `all` over several exact values needs one key equal to each: only possible if they coincide.
  if (m.all) return intersect(values.map((v) => new Set([v])));
  return new Set(values);
}

/**
 * AND: the intersection of the constrained operands; unconstrained when none is. Values are
 * compared as Sigma compares them, case-insensitively (the first operand's spelling is kept), so
 * `StopLogging` and `stoplogging` required together still leave `StopLogging`.
 */
function intersect(sets: readonly Required[]): Required {
  let out: Set<string> | undefined;
  for (const s of sets) {
    if (s === undefined) continue;
    const folded = new Set([...s].map((v) => v.toLowerCase()));
    out = out === undefined ? new Set(s) : new Set([...out].filter((v) => folded.has(v.toLowerCase())));
  }
  return out;
}

/** OR: the union, but only if every operand is constrained. */
function union(sets: readonly Required[]): Required {
  const out = new Set<string>();
  for (const s of sets) {
    if (s === undefined) return undefined;
    for (const v of s) out.add(v);
  }
  return out;
}
