import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEngine, triggerKey } from '../../../shared/detect/engine.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import type { NormalisedEvent } from '../../../shared/normalise/types.ts';
import type { CompiledSigmaRule } from '../../../shared/sigma/compile.ts';
import { branchExamples, deriveExample } from '../../../shared/sigma/examples.ts';
import { compileSigmaRule, sigmaRuleFiles } from '../../../shared/sigma/load.ts';
import type { SigmaDetection } from '../../../shared/sigma/to-detection.ts';
import { requiredTriggers } from '../../../shared/sigma/triggers.ts';
import { freshContext } from '../../support/detection-fixtures.ts';
import { compiled } from './support.ts';

const DATA = path.resolve(process.cwd(), '../shared/data');
const RULES = path.join(DATA, 'sigma/rules');
const nctx = { enrich: () => {} };

const triggersOf = (detection: Record<string, unknown>, product: 'aws' | 'okta' | 'github' = 'aws') =>
  requiredTriggers(compiled(detection, { product }));

describe('trigger derivation', () => {
  it('pushes not down: the negation of a neq pins the field, the negation of an equality does not', () => {
    expect(triggersOf({ f: { 'eventName|neq': 'A' }, condition: 'not f' })).toEqual(['A']);
    expect(triggersOf({ f: { 'eventName|neq': ['A', 'B'] }, condition: 'not f' })).toEqual(['A', 'B']);
    expect(triggersOf({ f: { eventName: 'A' }, condition: 'not f' })).toBeUndefined();
    // not (x or y) = not x and not y: one pinned operand is enough.
    expect(
      triggersOf({ f: { 'eventName|neq': 'A' }, g: { userAgent: 'x' }, condition: 'not (f or g)' }),
    ).toEqual(['A']);
    // not (x and y) = not x or not y: every operand must pin it.
    expect(
      triggersOf({ f: { 'eventName|neq': 'A' }, g: { userAgent: 'x' }, condition: 'not (f and g)' }),
    ).toBeUndefined();
    expect(triggersOf({ f: { 'eventName|neq': 'A', userAgent: 'x' }, condition: 'not f' })).toBeUndefined();
    expect(triggersOf({ s: { eventName: 'A' }, condition: 'not not s' })).toEqual(['A']);
    // A null in the list lets an absent field through, negated or not.
    expect(triggersOf({ f: { 'eventName|neq': ['A', null] }, condition: 'not f' })).toBeUndefined();
  });

  it('a filter on the trigger field neither adds nor removes values', () => {
    expect(
      triggersOf({ s: { eventName: ['A', 'B'] }, f: { eventName: 'B' }, condition: 's and not f' }),
    ).toEqual(['A', 'B']);
  });

  it('combines all of (intersection) and 1 of (union over every branch)', () => {
    expect(
      triggersOf({ s1: { eventName: ['A', 'B'] }, s2: { eventName: ['B', 'C'] }, condition: 'all of s*' }),
    ).toEqual(['B']);
    expect(
      triggersOf({ s1: { eventName: 'A' }, s2: { eventName: ['B', 'C'] }, condition: '1 of s*' }),
    ).toEqual(['A', 'B', 'C']);
    expect(
      triggersOf({ s1: { eventName: 'A' }, s2: { userAgent: 'x' }, condition: '1 of s*' }),
    ).toBeUndefined();
  });

  it('compares values as Sigma does, case-insensitively, keeping the first spelling', () => {
    expect(
      triggersOf({ a: { eventName: 'StopLogging' }, b: { eventName: 'stoplogging' }, condition: 'a and b' }),
    ).toEqual(['StopLogging']);
    expect(triggersOf({ s: { 'eventName|all': ['StopLogging', 'STOPLOGGING'] }, condition: 's' })).toEqual([
      'StopLogging',
    ]);
    expect(triggersOf({ s: { 'eventName|all': ['A', 'B'] }, condition: 's' })).toEqual([]);
  });

  it('leaves modifiers other than plain equality unpinned', () => {
    for (const key of ['eventName|contains', 'eventName|endswith', 'eventName|re', 'eventName|cased']) {
      const t = triggersOf({ s: { [key]: 'StopLogging' }, condition: 's' });
      if (key === 'eventName|cased') expect(t).toEqual(['StopLogging']);
      else expect(t).toBeUndefined();
    }
    expect(triggersOf({ s: { 'eventName|exists': true }, condition: 's' })).toBeUndefined();
    expect(triggersOf({ s: { eventName: 'Stop?ogging' }, condition: 's' })).toBeUndefined();
  });
});

/** Every rule file of our products, compiled (the corpus and the held-back `unsupported` folder). */
const corpus: { compiled: CompiledSigmaRule; detection: SigmaDetection }[] = [];
for (const file of sigmaRuleFiles(RULES)) {
  const o = compileSigmaRule(readFileSync(file, 'utf8'), file, { products: ['aws', 'okta', 'github'] });
  if (o.status === 'compiled') corpus.push({ compiled: o.compiled, detection: o.detection });
}

const eventsOf = (record: unknown): NormalisedEvent[] =>
  normalise(record, nctx).flatMap((r) => (r.ok ? [r.event] : []));

describe('derived triggers never drop a match (every compiled rule)', () => {
  it('compiles the corpus', () => {
    expect(corpus.length).toBeGreaterThan(50);
  });

  it('every branch example of every rule reaches its detection through the trigger index', () => {
    let checked = 0;
    for (const { compiled: c, detection: d } of corpus) {
      const examples = branchExamples(c);
      const first = deriveExample(c);
      if (first.ok) expect(examples.length).toBeGreaterThan(0);
      for (const record of examples) {
        for (const ev of eventsOf(record)) {
          const key = triggerKey(ev);
          if (d.triggers !== undefined && d.sigma.tuning !== 'disabled') {
            expect(d.triggers, `${d.id} on ${key}`).toContain(key);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(corpus.length);
  });

  it('every branch example of every single-event rule fires through one engine holding all rules', () => {
    const engine = buildEngine(corpus.map((x) => x.detection));
    for (const { compiled: c, detection: d } of corpus) {
      if (c.aggregation || d.sigma.tuning === 'disabled') continue;
      for (const record of branchExamples(c)) {
        const signals = eventsOf(record).flatMap((ev) => engine.run(ev, freshContext()));
        expect(
          signals.some((s) => s.rule_id === d.id),
          `${d.id} did not fire on its example`,
        ).toBe(true);
      }
    }
    expect(engine.faults.size).toBe(0);
  });

  it('on every labelled record, a rule that matches has the record’s key among its triggers', () => {
    const records = readdirRecords([
      'panther_aws_cloudtrail',
      'panther_okta_systemlog',
      'panther_github_audit',
    ]);
    let matched = 0;
    for (const record of records) {
      for (const ev of eventsOf(record)) {
        for (const { compiled: c, detection: d } of corpus) {
          if (d.triggers === undefined || d.sigma.tuning === 'disabled') continue; // disabled: triggers []
          if (d.sigma.product !== productOf(ev.source)) continue;
          if (!c.matches(ev.raw)) continue;
          matched++;
          expect(d.triggers, d.id).toContain(triggerKey(ev));
        }
      }
    }
    expect(matched).toBeGreaterThan(0);
  });
});

function readdirRecords(names: readonly string[]): unknown[] {
  return names.flatMap((name) =>
    readFileSync(path.join(DATA, 'labelled', `${name}.ndjson`), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => (JSON.parse(line) as { event: unknown }).event),
  );
}

const productOf = (source: string) =>
  source === 'cloudtrail' ? 'aws' : source === 'okta' ? 'okta' : source === 'github' ? 'github' : undefined;
