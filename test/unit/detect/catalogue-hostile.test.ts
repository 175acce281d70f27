// Every detection must be total: a case record with any field swapped for a hostile JSON value
// (an object whose `toString` is not a function, a deep array, a huge number, null …) may change
// the verdict, but it must never throw inside a detection. The engine would contain the throw,
// yet the detection would be blind for that record, so a fault here is a defect.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../shared/detect/catalogue/index.ts';
import { buildEngine } from '../../../shared/detect/engine.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

const ctx = { enrich: () => {} };

/** Values JSON.parse can produce that trip careless string and number handling. */
const hostile = fc.oneof(
  fc.constant(JSON.parse('{"toString": 1, "valueOf": 2}')),
  fc.constant(JSON.parse('{"__proto__": {"x": 1}}')),
  fc.constant([[[[]]]]),
  fc.constant(null),
  fc.constant(true),
  fc.constant(1e308),
  fc.constant(-0),
  fc.constant(''),
  fc.constant('%E0%A4%A'),
  fc.constant('\u0000\ud800'),
  fc.string({ maxLength: 8 }),
  fc.integer(),
);

/** Paths of every value in a JSON tree (objects and arrays included), root excluded. */
function paths(node: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  const children: [string | number, unknown][] = Array.isArray(node)
    ? node.map((v, i) => [i, v])
    : node && typeof node === 'object'
      ? Object.entries(node)
      : [];
  for (const [key, value] of children) {
    out.push([...prefix, key]);
    paths(value, [...prefix, key], out);
  }
  return out;
}

function replaced(record: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(record) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last !== undefined)
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

describe('every detection is total over hostile field values', () => {
  const cases = CATALOGUE.flatMap((d) => d.cases.map((c) => [`${d.id}: ${c.name}`, d, c] as const));
  it.each(cases)('%s', (_id, detection, c) => {
    const records = c.records;
    const all = records.map((r) => paths(r));
    fc.assert(
      fc.property(fc.nat({ max: records.length - 1 }), fc.nat(), hostile, (which, pick, value) => {
        const options = all[which];
        if (!options || options.length === 0) return;
        const path = options[pick % options.length] ?? [];
        const mutated = records.map((r, i) => (i === which ? replaced(r, path, value) : r));
        const engine = buildEngine([detection]);
        const context = freshContext();
        for (const record of mutated) {
          for (const r of normalise(record, ctx)) if (r.ok) engine.run(r.event, context);
        }
        expect([...engine.faults.keys()]).toEqual([]);
      }),
      { numRuns: Number(process.env.HOSTILE_RUNS ?? 60) },
    );
  });
});
