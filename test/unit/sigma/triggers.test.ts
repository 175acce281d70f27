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
import { requiredKeyTest, requiredTriggers } from '../../../shared/sigma/triggers.ts';
import { freshContext } from '../../support/detection-fixtures.ts';
import { compiled, compileYaml, ruleYaml } from './support.ts';

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

const keyTestOf = (detection: Record<string, unknown>, product: 'aws' | 'okta' | 'github' = 'aws') =>
  requiredKeyTest(compiled(detection, { product }));

/** The keys among `keys` that the derived key test accepts; undefined when there is no test. */
const accepted = (detection: Record<string, unknown>, keys: readonly string[]) => {
  const test = keyTestOf(detection);
  return test && keys.filter((k) => test(k));
};

describe('key test derivation (acceptsKey)', () => {
  const keys = ['ListUsers', 'listroles', 'LIST', 'GetObject', 'UpdateFunctionConfiguration20150331v2'];

  it('tests the key with the item’s own matcher: wildcards, anchors and regexes, case as Sigma', () => {
    expect(accepted({ s: { eventName: 'List*' }, condition: 's' }, keys)).toEqual([
      'ListUsers',
      'listroles',
      'LIST',
    ]);
    expect(accepted({ s: { 'eventName|startswith': 'list' }, condition: 's' }, keys)).toEqual([
      'ListUsers',
      'listroles',
      'LIST',
    ]);
    expect(accepted({ s: { 'eventName|startswith|cased': 'List' }, condition: 's' }, keys)).toEqual([
      'ListUsers',
    ]);
    expect(accepted({ s: { 'eventName|endswith': ['object', 'v2'] }, condition: 's' }, keys)).toEqual([
      'GetObject',
      'UpdateFunctionConfiguration20150331v2',
    ]);
    expect(accepted({ s: { 'eventName|contains|all': ['list', 'rol'] }, condition: 's' }, keys)).toEqual([
      'listroles',
    ]);
    expect(accepted({ s: { 'eventName|re': '^Update.*v2$' }, condition: 's' }, keys)).toEqual([
      'UpdateFunctionConfiguration20150331v2',
    ]);
  });

  it('combines branches like the triggers: AND narrows, OR needs every branch to test the key', () => {
    expect(
      accepted(
        { s: { 'eventName|startswith': 'List' }, t: { 'eventName|endswith': 'roles' }, condition: 's and t' },
        keys,
      ),
    ).toEqual(['listroles']);
    expect(
      accepted(
        {
          s: { 'eventName|startswith': 'Get' },
          t: { 'eventName|contains': 'Function' },
          condition: 's or t',
        },
        keys,
      ),
    ).toEqual(['GetObject', 'UpdateFunctionConfiguration20150331v2']);
    expect(
      keyTestOf({ s: { 'eventName|startswith': 'Get' }, t: { userAgent: 'x' }, condition: 's or t' }),
    ).toBeUndefined();
    // A filter on another field neither adds nor removes keys; one on the key is left to the rule.
    expect(
      accepted(
        {
          s: { 'eventName|startswith': 'List' },
          f: { userAgent: 'x' },
          g: { 'eventName|contains': 'role' },
          condition: 's and not f and not g',
        },
        keys,
      ),
    ).toEqual(['ListUsers', 'listroles', 'LIST']);
  });

  it('tests nothing where an absent or differing key could still match', () => {
    // Negated: the rule holds on every other key, and on events without one.
    expect(keyTestOf({ s: { 'eventName|startswith': 'List' }, condition: 'not s' })).toBeUndefined();
    expect(keyTestOf({ s: { 'eventName|neq': 'List*' }, condition: 's' })).toBeUndefined();
    expect(keyTestOf({ s: { 'eventName|re': 'List' }, condition: 'not s' })).toBeUndefined();
    // A null in the list lets an absent field through.
    expect(keyTestOf({ s: { eventName: ['List*', null] }, condition: 's' })).toBeUndefined();
    expect(keyTestOf({ s: { 'eventName|exists': true }, condition: 's' })).toBeUndefined();
    expect(
      keyTestOf({ s: { 'requestParameters.eventName|startswith': 'List' }, condition: 's' }),
    ).toBeUndefined();
    // not of a neq: the plain test (as the triggers read it).
    expect(accepted({ s: { 'eventName|neq': 'list*' }, condition: 'not s' }, keys)).toEqual([
      'ListUsers',
      'listroles',
      'LIST',
    ]);
  });

  it('reads the trigger field of each product', () => {
    const okta = keyTestOf({ s: { 'eventType|startswith': 'user.session' }, condition: 's' }, 'okta');
    expect(okta?.('user.session.start')).toBe(true);
    expect(okta?.('policy.evaluate_sign_on')).toBe(false);
    const github = keyTestOf({ s: { 'action|contains': '.bypass' }, condition: 's' }, 'github');
    expect(github?.('secret_scanning_push_protection.bypass')).toBe(true);
    expect(github?.('repo.create')).toBe(false);
  });

  it('is given only to detections without exact triggers', () => {
    const d = (detection: Record<string, unknown>) => {
      const o = compileYaml(ruleYaml(detection));
      if (o.status !== 'compiled') throw new Error(o.status);
      return o.detection;
    };
    const keyed = d({ s: { 'eventName|startswith': 'List' }, condition: 's' });
    expect(keyed.triggers).toBeUndefined();
    expect(keyed.acceptsKey?.('ListUsers')).toBe(true);
    expect(keyed.acceptsKey?.('GetObject')).toBe(false);
    const exact = d({
      s: { eventName: 'ListUsers' },
      t: { 'eventName|startswith': 'List' },
      condition: 's and t',
    });
    expect(exact.triggers).toEqual(['ListUsers']);
    expect(exact.acceptsKey).toBeUndefined();
    expect(d({ s: { userAgent: 'x' }, condition: 's' }).acceptsKey).toBeUndefined();
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
          if (d.acceptsKey !== undefined) {
            expect(key !== undefined && d.acceptsKey(key), `${d.id} refuses ${key}`).toBe(true);
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

  it('some rules of the corpus are narrowed by a key test', () => {
    const keyed = corpus.filter((x) => x.detection.acceptsKey !== undefined).map((x) => x.detection.id);
    expect(keyed).toContain('sigma.aws.aws_new_lambda_layer_attached');
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
          if (d.sigma.tuning === 'disabled') continue; // disabled: triggers []
          if (d.triggers === undefined && d.acceptsKey === undefined) continue;
          if (d.sigma.product !== productOf(ev.source)) continue;
          if (!c.matches(ev.raw)) continue;
          matched++;
          const key = triggerKey(ev);
          if (d.triggers) expect(d.triggers, d.id).toContain(key);
          else expect(key !== undefined && d.acceptsKey?.(key), d.id).toBe(true);
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
