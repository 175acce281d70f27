import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type VigilApp } from '../../infra/build.ts';
import { PROJECT_ROOT, VigilConfigError } from '../../infra/config.ts';
import { loadSigmaRules } from '../../shared/sigma/index.ts';

// The shared, read-only rule set beside the project: aws, okta and github rules among others.
const RULES_SETTING = '../shared/data/sigma/rules';
const RULES = resolve(PROJECT_ROOT, RULES_SETTING);

/** Every file under `dir`, as `/`-separated paths relative to it, sorted. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();

/** The folder of the normaliser's bundled code in a synthesized assembly. */
function normaliseBundle(vigil: VigilApp, outdir: string): string {
  const assets = JSON.parse(readFileSync(join(outdir, 'VigilCompute.assets.json'), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const functions = Template.fromStack(vigil.compute).findResources('AWS::Lambda::Function') as Record<
    string,
    { Properties: { Code: { S3Key: string } } }
  >;
  const [, fn] = Object.entries(functions).find(([id]) => id.startsWith('NormaliseFunction'))!;
  const asset = assets.files[fn.Properties.Code.S3Key.replace(/\.zip$/, '')];
  if (!asset) throw new Error('no bundled code for the normaliser among the compute assets');
  return join(outdir, asset.source.path);
}

describe('Sigma rules configured with sigmaRulesDir', () => {
  let vigil: VigilApp;
  let bundle: string;
  const expected = loadSigmaRules(RULES);

  beforeAll(() => {
    vigil = buildApp({ vigil: { sigmaRulesDir: RULES_SETTING } });
    const assembly = vigil.app.synth();
    bundle = normaliseBundle(vigil, assembly.directory);
  });

  it('ships every aws, okta and github rule under sigma-rules/, relative paths kept, bytes unchanged', () => {
    const shipped = filesUnder(join(bundle, 'sigma-rules'));
    const rules = [
      ...expected.detections.map((d) => d.sigma.file),
      ...expected.unsupported.map((u) => u.file),
    ];
    expect(rules.length).toBeGreaterThan(50);
    expect(shipped).toEqual(['LICENSE', ...rules].sort());
    for (const file of shipped) {
      expect(
        readFileSync(join(bundle, 'sigma-rules', file)).equals(readFileSync(join(RULES, file))),
        file,
      ).toBe(true);
    }
  });

  it('ships no rule of another product', () => {
    const shipped = new Set(filesUnder(join(bundle, 'sigma-rules')));
    expect(expected.skipped.length).toBeGreaterThan(0);
    for (const { file } of expected.skipped) expect(shipped.has(file), file).toBe(false);
  });

  it('warns about each rule it cannot compile, naming the exact unsupported feature, without failing', () => {
    expect(expected.unsupported.length).toBeGreaterThan(0);
    const annotations = Annotations.fromStack(vigil.compute);
    for (const rule of expected.unsupported) {
      annotations.hasWarning(
        '/VigilCompute/SigmaRules',
        Match.stringLikeRegexp(
          `${regexpOf(rule.file)} \\(${regexpOf(rule.title)}\\): ${regexpOf(rule.reason)}`,
        ),
      );
    }
  });

  it('loads the shipped rules at cold start of the bundled normaliser and logs counts, never their content', () => {
    // A fresh Node process imports the bundle as Lambda would: what esbuild produced, from its folder.
    const stdout = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(pathToFileURL(join(bundle, 'index.mjs')).href)});`,
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          TABLE_NAME: 'vigil-dev-events',
          SIGNALS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/vigil-dev-signals',
          ORG_ACCOUNTS: '111122223333',
          POWERTOOLS_SERVICE_NAME: 'normalise',
        },
      },
    );
    const entries = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.find((e) => e.message === 'sigma rules loaded')).toMatchObject({
      compiled: expected.detections.length,
      unsupported: expected.unsupported.length,
      invalid: 0,
      skipped: 0,
    });
    for (const d of expected.detections.slice(0, 20)) expect(stdout).not.toContain(d.sigma.title);
  });
});

describe('Sigma rules not configured', () => {
  it('is the default: cdk.json points at nothing outside the repository', () => {
    const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: { vigil: Record<string, unknown> };
    };
    expect(cdkJson.context.vigil).not.toHaveProperty('sigmaRulesDir');
  });
  // That the default bundle then holds no sigma-rules/ folder is asserted in stacks.test.ts, on its synth.
});

describe('an invalid rule file in sigmaRulesDir', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-invalid-'));
    mkdirSync(join(dir, 'aws'));
    writeFileSync(
      join(dir, 'aws', 'fine.yml'),
      [
        'title: Trail stopped',
        'logsource: { product: aws, service: cloudtrail }',
        'detection:',
        '  selection: { eventSource: cloudtrail.amazonaws.com, eventName: StopLogging }',
        '  condition: selection',
        'level: high',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'aws', 'broken.yml'), 'title: [unclosed\ndetection: {');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails synth, naming the file and why, as a configuration error', () => {
    // Validation runs while the stack is built, before any bundling.
    let error: unknown;
    try {
      buildApp({ 'aws:cdk:bundling-stacks': [], vigil: { sigmaRulesDir: dir } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VigilConfigError);
    const { problems } = error as VigilConfigError;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^vigil\.sigmaRulesDir: Sigma rules failed validation:\n {4}invalid: aws\/broken\.yml: YAML: /,
    );
    // Only the broken file is named: the valid rule beside it is not a problem.
    expect(problems[0]).not.toContain('fine.yml');
  });
});

const regexpOf = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
