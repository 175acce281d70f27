import { describe, expect, it } from 'vitest';
import { AWS_CREDENTIAL_ACCESS } from '../../../shared/detect/catalogue/aws-credential-access.ts';
import { AWS_DISCOVERY } from '../../../shared/detect/catalogue/aws-discovery.ts';
import { AWS_EXFILTRATION } from '../../../shared/detect/catalogue/aws-exfiltration.ts';
import { AWS_FINDINGS } from '../../../shared/detect/catalogue/aws-findings.ts';
import { AWS_IMPACT } from '../../../shared/detect/catalogue/aws-impact.ts';
import { AWS_LATERAL_EXECUTION } from '../../../shared/detect/catalogue/aws-lateral-execution.ts';
import { buildEngine } from '../../../shared/detect/engine.ts';
import { TACTICS } from '../../../shared/detect/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

/** The catalogue harness, run over this module set only (credential access … findings). */
const DETECTIONS = [
  ...AWS_CREDENTIAL_ACCESS,
  ...AWS_DISCOVERY,
  ...AWS_LATERAL_EXECUTION,
  ...AWS_EXFILTRATION,
  ...AWS_IMPACT,
  ...AWS_FINDINGS,
];

const ctx = { enrich: () => {} };

describe('aws detections (credential access to impact, findings): metadata', () => {
  it('has unique, dotted ids', () => {
    const ids = DETECTIONS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(\.[a-z0-9_]+)+$/);
  });

  it.each(DETECTIONS.map((d) => [d.id, d] as const))(
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

describe('aws detections (credential access to impact, findings): cases', () => {
  const cases = DETECTIONS.flatMap((d) => d.cases.map((c) => [`${d.id}: ${c.name}`, d, c] as const));
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
