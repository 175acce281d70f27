import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../../../shared/detect/engine.ts';
import type { Signal } from '../../../shared/detect/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { baseRecord } from '../../../shared/sigma/example-records.ts';
import { loadSigmaRules, sigmaRuleFiles } from '../../../shared/sigma/load.ts';
import { parseSigmaRule } from '../../../shared/sigma/parse.ts';
import { toDetection } from '../../../shared/sigma/to-detection.ts';
import { SIGMA_TUNING, type SigmaTuning, sigmaTuningTable, tuningFor } from '../../../shared/sigma/tuning.ts';
import { freshContext } from '../../support/detection-fixtures.ts';
import { compiled } from './support.ts';

const RULES = path.resolve(process.cwd(), '../shared/data/sigma/rules');
const TEST_ID = '00000000-1111-4222-8333-444444444444';
const nctx = { enrich: () => {} };

const stopLogging = () =>
  compiled(
    {
      selection: { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' },
      condition: 'selection',
    },
    { title: 'Trail Stopped', level: 'high' },
  );

function run(detection: ReturnType<typeof toDetection>, record: Record<string, unknown>): Signal[] {
  const engine = buildEngine([detection]);
  const ctx = freshContext();
  return normalise(record, nctx).flatMap((r) => {
    if (!r.ok) throw new Error(r.error.message);
    return engine.run(r.event, ctx);
  });
}

const stopRecord = () => ({
  ...baseRecord('aws', { seed: 'tune0001', index: 0 }),
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'StopLogging',
});

describe('tuningFor', () => {
  const table: Record<string, SigmaTuning> = {
    a: { title: 'A', severity: 'low', reason: 'too broad' },
    b: { title: 'B', severity: 'high', reason: 'would raise' },
    c: { title: 'C', disabled: true, reason: 'cannot be fixed' },
  };

  it('lowers, never raises, and leaves other rules alone', () => {
    expect(tuningFor('a', 'high', table)?.severity).toBe('low');
    expect(tuningFor('a', 'high', table)?.summary).toBe('high→low');
    expect(tuningFor('b', 'medium', table)).toBeUndefined();
    expect(tuningFor('a', 'low', table)).toBeUndefined();
    expect(tuningFor('zzz', 'high', table)).toBeUndefined();
    expect(tuningFor(undefined, 'high', table)).toBeUndefined();
    expect(tuningFor('toString', 'high', table)).toBeUndefined();
  });

  it('reports a disabled rule', () => {
    expect(tuningFor('c', 'medium', table)).toMatchObject({ disabled: true, summary: 'disabled' });
  });
});

describe('a tuned Sigma detection', () => {
  it('fires at the lower severity, keeps its attribution and says why in its description and evidence', () => {
    const d = toDetection(stopLogging(), undefined, {
      [TEST_ID]: { title: 'Trail Stopped', severity: 'low', reason: 'no errorCode test' },
    });
    expect(d.severity).toBe('low');
    expect(d.risk).toBe(10);
    expect(d.attribution).toContain('Detection Rule License 1.1');
    expect(d.description).toContain('Tuned by Vigil from high to low: no errorCode test');
    expect(d.sigma.tuning).toBe('high→low');
    const [signal] = run(d, stopRecord());
    expect(signal?.severity).toBe('low');
    expect(signal?.evidence.sigma_tuning).toBe('high→low');
    expect(signal?.attribution).toBe(d.attribution);
  });

  it('a disabled rule never fires, and its cases say so', () => {
    const d = toDetection(stopLogging(), undefined, {
      [TEST_ID]: { title: 'Trail Stopped', disabled: true, reason: 'cannot be fixed' },
    });
    expect(run(d, stopRecord())).toEqual([]);
    expect(d.cases.length).toBeGreaterThan(0);
    expect(d.cases.every((c) => !c.fires)).toBe(true);
    expect(d.description).toContain('Tuned by Vigil (disabled)');
  });

  it('an untuned rule is unchanged', () => {
    const d = toDetection(stopLogging(), undefined, {});
    expect(d.severity).toBe('high');
    expect(d.sigma.tuning).toBeUndefined();
    expect(run(d, stopRecord())[0]?.evidence.sigma_tuning).toBeUndefined();
  });
});

describe("Vigil's tuning table", () => {
  it('gives every entry a specific reason and a lower severity (no entry disables a rule)', () => {
    for (const [id, t] of Object.entries(SIGMA_TUNING)) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(t.reason.length).toBeGreaterThan(80);
      expect(t.severity ?? t.disabled).toBeDefined();
    }
  });

  it('renders as a Markdown table for the README', () => {
    const md = sigmaTuningTable();
    expect(md.split('\n')).toHaveLength(Object.keys(SIGMA_TUNING).length + 2);
    expect(md).toContain('055fb148-60f8-462d-ad16-26926ce050f1');
  });

  it('names rules that exist, by their title, and lowers each of them', () => {
    const byId = new Map<string, { title: string; level?: string }>();
    for (const file of sigmaRuleFiles(RULES)) {
      const parsed = parseSigmaRule(readFileSync(file, 'utf8'), file);
      if (parsed.ok && parsed.rule.id) byId.set(parsed.rule.id, parsed.rule);
    }
    const loaded = loadSigmaRules(RULES, { products: ['aws', 'okta', 'github'] }).detections;
    for (const [id, t] of Object.entries(SIGMA_TUNING)) {
      const rule = byId.get(id);
      expect(rule?.title, id).toBe(t.title);
      const d = loaded.find((x) => x.sigma.ruleId === id);
      expect(d?.description).toContain('Tuned by Vigil');
      if (t.disabled) {
        // A disabled rule is still loaded and attributed, but indexed under no trigger: it never runs.
        expect(d?.sigma.tuning, id).toBe('disabled');
        expect(d?.triggers, id).toEqual([]);
      } else {
        expect(d?.sigma.tuning, id).toMatch(/→/);
        expect(d?.severity).toBe(t.severity);
      }
    }
  });
});
