import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../shared/detect/catalogue/index.ts';
import { buildEngine } from '../../../shared/detect/engine.ts';
import { TACTICS } from '../../../shared/detect/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

const ctx = { enrich: () => {} };

describe('detection catalogue metadata', () => {
  it('has unique, dotted ids', () => {
    const ids = CATALOGUE.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(\.[a-z0-9_]+)+$/);
  });

  it.each(CATALOGUE.map((d) => [d.id, d] as const))(
    '%s is described, mapped to ATT&CK and tested both ways',
    (_id, d) => {
      expect(d.title.length).toBeGreaterThan(5);
      expect(d.description.length).toBeGreaterThan(20);
      expect(d.attack.length).toBeGreaterThan(0);
      for (const t of d.attack) expect(t).toMatch(/^T\d{4}(\.\d{3})?$/);
      expect(Object.keys(TACTICS)).toContain(d.tactic);
      expect(d.risk).toBeGreaterThan(0);
      expect(d.cases.some((c) => c.fires)).toBe(true);
      expect(d.cases.some((c) => !c.fires)).toBe(true);
    },
  );
});

describe('detection cases', () => {
  const cases = CATALOGUE.flatMap((d) => d.cases.map((c) => [`${d.id}: ${c.name}`, d, c] as const));
  it.each(cases)('%s', (_name, detection, c) => {
    const engine = buildEngine([detection]);
    const context = freshContext();
    let last: ReturnType<typeof engine.run> = [];
    for (const record of c.records) {
      const results = normalise(record, ctx);
      for (const r of results) {
        if (!r.ok) throw new Error(`case record does not normalise: ${r.error.message}`);
        last = engine.run(r.event, context);
      }
    }
    expect(engine.faults.size).toBe(0);
    expect(last.some((s) => s.rule_id === detection.id)).toBe(c.fires);
  });
});
