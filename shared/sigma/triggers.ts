import type { BoundCondition, CompiledSigmaRule } from './compile.ts';
import { PRODUCTS } from './field-map.ts';
import { hasWildcards, plainText } from './pattern.ts';
import type { FieldItem } from './values.ts';

/**
 * The engine indexes detections by trigger key (CloudTrail eventName, Okta eventType, GitHub
 * action) so each event meets only the handful that can fire on it. A Sigma rule gets triggers
 * only when its condition REQUIRES the trigger field to be one of a fixed set of exact values;
 * anything less certain (a wildcard, `startswith`, a negation, one branch without the field)
 * leaves it undefined, i.e. evaluated on every event of its source. Conservative by design: a
 * wrong trigger set would silently drop true positives.
 *
 * One deliberate approximation: Sigma compares case-insensitively, the index exactly. Vendors
 * emit these keys in one canonical spelling (`StopLogging`, `user.session.start`), so a rule value
 * is used as written.
 */
export function requiredTriggers(compiled: CompiledSigmaRule): readonly string[] | undefined {
  const field = PRODUCTS[compiled.product].triggerField.toLowerCase();
  const set = required(compiled.condition, compiled, field);
  return set === undefined ? undefined : [...set].sort();
}

type Required = Set<string> | undefined; // undefined = unconstrained

function required(node: BoundCondition, compiled: CompiledSigmaRule, field: string): Required {
  switch (node.type) {
    case 'selection': {
      const selection = compiled.selections.get(node.name);
      if (!selection) return undefined;
      return union(
        selection.alternatives.map((alt) => intersect(alt.map((item) => itemValues(item, field)))),
      );
    }
    case 'not':
      return undefined;
    case 'and':
      return intersect(node.operands.map((o) => required(o, compiled, field)));
    case 'or':
      return union(node.operands.map((o) => required(o, compiled, field)));
  }
}

/** The exact values an item allows for the trigger field, or undefined if it does not pin it. */
function itemValues(item: FieldItem, field: string): Required {
  if (item.path === undefined || item.path.dotted.toLowerCase() !== field) return undefined;
  const m = item.matcher;
  if (m.kind !== 'strings' || m.negate || m.allowNull || m.patterns.length === 0) return undefined;
  if (m.patterns.some((p) => hasWildcards(p.parts))) return undefined;
  const values = m.patterns.map((p) => plainText(p.parts));
  // `all` over several exact values needs one key equal to each: only possible if they coincide.
  if (m.all) return new Set(values.every((v) => v === values[0]) ? values.slice(0, 1) : []);
  return new Set(values);
}

/** AND: the intersection of the constrained operands; unconstrained when none is. */
function intersect(sets: readonly Required[]): Required {
  let out: Set<string> | undefined;
  for (const s of sets) {
    if (s === undefined) continue;
    out = out === undefined ? new Set(s) : new Set([...out].filter((v) => s.has(v)));
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
