import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { loadSigmaRules, validateSigmaRules } from '../../../shared/sigma/load.ts';
import { sigmaFigures, sigmaSummary } from '../../../shared/sigma/summary.ts';
import { compileYaml, ruleYaml } from './support.ts';

describe('compileSigmaRule outcomes', () => {
  it('skips other products and deprecated rules, with the reason', () => {
    expect(
      compileYaml(ruleYaml({ s: { Operation: 'x' }, condition: 's' }, { product: 'azure' })),
    ).toMatchObject({
      status: 'skipped',
      reason: "product 'azure' not selected",
    });
    expect(
      compileYaml(ruleYaml({ s: { eventName: 'x' }, condition: 's' }), { products: ['okta'] }),
    ).toMatchObject({
      status: 'skipped',
      reason: "product 'aws' not selected",
    });
    expect(
      compileYaml(ruleYaml({ s: { eventName: 'x' }, condition: 's' }, { status: 'deprecated' })),
    ).toMatchObject({
      status: 'skipped',
      reason: 'status: deprecated',
    });
  });

  it('reports a logsource service Vigil does not read', () => {
    expect(
      compileYaml(ruleYaml({ s: { eventName: 'x' }, condition: 's' }, { service: 'cloudwatch' })),
    ).toMatchObject({
      status: 'unsupported',
      reason: "unsupported: logsource service 'cloudwatch' for product 'aws' (Vigil reads AWS CloudTrail)",
    });
  });

  it('lists every problem of a rule, not just the first', () => {
    const outcome = compileYaml(
      ruleYaml({ s: { 'eventName|hour': 3, status: 'x' }, condition: 's | near t' }),
    );
    expect(outcome.status).toBe('unsupported');
    if (outcome.status !== 'unsupported') return;
    expect(outcome.issues.map((i) => i.feature).sort()).toEqual(['aggregation', 'field', 'modifier']);
  });
});

describe('loadSigmaRules over a folder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-'));
    mkdirSync(join(dir, 'aws', 'nested'), { recursive: true });
    const detection = {
      selection: { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' },
      condition: 'selection',
    };
    writeFileSync(join(dir, 'aws', 'one.yml'), ruleYaml(detection, { title: 'Same Title' }));
    writeFileSync(
      join(dir, 'aws', 'nested', 'two.yaml'),
      ruleYaml(detection, { title: 'Same Title', id: 'ffffeeee-0000-4000-8000-000000000000' }),
    );
    writeFileSync(
      join(dir, 'aws', 'contradiction.yml'),
      ruleYaml({ a: { eventName: 'A' }, b: { eventName: 'B' }, condition: 'a and b' }, { title: 'Never' }),
    );
    writeFileSync(
      join(dir, 'aws', 'near.yml'),
      ruleYaml({ a: { eventName: 'A' }, b: { eventName: 'B' }, condition: 'a | near b' }, { title: 'Near' }),
    );
    writeFileSync(join(dir, 'broken.yml'), 'title: [');
    writeFileSync(
      join(dir, 'azure.yml'),
      ruleYaml({ s: { Operation: 'x' }, condition: 's' }, { product: 'azure' }),
    );
    writeFileSync(join(dir, 'README.md'), '# not a rule');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accounts for every rule file exactly once', () => {
    const r = loadSigmaRules(dir, { examples: true });
    const files = [
      ...r.detections.map((d) => d.sigma.file),
      ...r.unsupported.map((u) => u.file),
      ...r.invalid.map((i) => i.file),
      ...r.skipped.map((s) => s.file),
    ].sort();
    expect(files).toEqual([
      'aws/contradiction.yml',
      'aws/near.yml',
      'aws/nested/two.yaml',
      'aws/one.yml',
      'azure.yml',
      'broken.yml',
    ]);
    expect(r.invalid).toEqual([{ file: 'broken.yml', reason: expect.stringMatching(/^YAML: /) }]);
    expect(r.unsupported).toEqual([
      expect.objectContaining({ file: 'aws/near.yml', title: 'Near', product: 'aws' }),
    ]);
  });

  it('gives colliding titles distinct, deterministic ids', () => {
    const ids = loadSigmaRules(dir)
      .detections.map((d) => d.id)
      .sort();
    // Files load in path order: aws/nested/two.yaml sorts before aws/one.yml and keeps the plain slug.
    expect(ids).toEqual(['sigma.aws.never', 'sigma.aws.same_title', 'sigma.aws.same_title_00000000']);
  });

  it('reports a compiled rule whose example cannot be derived, with the reason', () => {
    const r = loadSigmaRules(dir, { examples: true });
    expect(r.noExample).toEqual([
      {
        file: 'aws/contradiction.yml',
        id: 'sigma.aws.never',
        title: 'Never',
        reason: "no value of 'eventName' satisfies eventName 'A' and eventName 'B'",
      },
    ]);
    expect(r.detections.find((d) => d.id === 'sigma.aws.never')?.cases).toEqual([]);
  });

  it('summarises figures per product with reasons grouped by feature', () => {
    const r = loadSigmaRules(dir, { examples: true });
    const f = sigmaFigures(r);
    expect(f.perProduct.aws).toEqual({ compiled: 3, unsupported: 1, invalid: 0, noExample: 1 });
    expect(f.byFeature).toEqual({ aggregation: ["aws/near.yml: temporal aggregation '| near b' (near)"] });
    const text = sigmaSummary(r);
    expect(text).toContain('| aws | 3 | 1 | 0 | 1 |');
    expect(text).toContain('Invalid: broken.yml');
    expect(text).toContain('Detection Rule License 1.1');
  });

  it('validateSigmaRules fails synth on invalid files by default, and on more when asked', () => {
    expect(() => validateSigmaRules(dir)).toThrow(ValidationError);
    expect(() => validateSigmaRules(dir)).toThrow(/invalid: broken\.yml/);
    const clean = mkdtempSync(join(tmpdir(), 'vigil-sigma-clean-'));
    try {
      writeFileSync(
        join(clean, 'near.yml'),
        ruleYaml({ a: { eventName: 'A' }, b: { eventName: 'B' }, condition: 'a | near b' }),
      );
      expect(validateSigmaRules(clean).unsupported).toHaveLength(1);
      expect(() => validateSigmaRules(clean, { failOn: ['unsupported'] })).toThrow(
        /unsupported: near\.yml: unsupported: temporal aggregation/,
      );
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });
});
