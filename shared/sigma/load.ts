import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ValidationError } from '../errors.ts';
import { type CompiledSigmaRule, type CompileOptions, compileRule } from './compile.ts';
import { isSigmaProduct, SIGMA_PRODUCTS, type SigmaProduct } from './field-map.ts';
import { describeIssues, type SigmaIssue } from './issues.ts';
import { MAX_RULE_BYTES, parseSigmaRule } from './parse.ts';
import { detectionIdFor, type SigmaDetection, slug, toDetection } from './to-detection.ts';

/**
 * Loading Sigma rules at cold start (Lambda) and at deploy time (CDK synth): every file is
 * accounted for — compiled, unsupported (with the exact feature), invalid (not a Sigma rule), or
 * skipped (another product, or deprecated) — never silently dropped. Synchronous reads: this runs
 * once per container or per synth, before any event.
 */

export interface SigmaLoadOptions extends CompileOptions {
  /** Products to compile; rules of others are listed as skipped. Default: aws, okta, github. */
  readonly products?: readonly SigmaProduct[];
  /**
   * Derive every rule's test cases now and list those whose example cannot be derived (deploy-time
   * validation, tests). Off at run time: cases are then derived lazily, on first use.
   */
  readonly examples?: boolean;
}

export interface UnsupportedRule {
  readonly file: string;
  readonly title: string;
  readonly product: SigmaProduct;
  readonly issues: readonly SigmaIssue[];
  /** `unsupported: <detail>; unsupported: <detail>` */
  readonly reason: string;
}

export interface SigmaLoadResult {
  readonly detections: SigmaDetection[];
  readonly unsupported: UnsupportedRule[];
  readonly invalid: { readonly file: string; readonly product?: string; readonly reason: string }[];
  readonly skipped: { readonly file: string; readonly reason: string }[];
  /** Compiled, but no positive example / near miss could be derived (only with `examples: true`). */
  readonly noExample: {
    readonly file: string;
    readonly id: string;
    readonly title: string;
    readonly reason: string;
  }[];
}

export type SigmaRuleOutcome =
  | {
      readonly status: 'compiled';
      readonly file: string;
      readonly compiled: CompiledSigmaRule;
      readonly detection: SigmaDetection;
    }
  | ({ readonly status: 'unsupported' } & UnsupportedRule)
  | { readonly status: 'invalid'; readonly file: string; readonly product?: string; readonly reason: string }
  | { readonly status: 'skipped'; readonly file: string; readonly reason: string };

const MAX_FILES = 10_000;

/** Compiles one rule file's text. `file` is only recorded (in reports and on the detection). */
export function compileSigmaRule(
  yamlText: string,
  file: string,
  options: SigmaLoadOptions = {},
): SigmaRuleOutcome {
  const products = options.products ?? SIGMA_PRODUCTS;
  const parsed = parseSigmaRule(yamlText, file);
  const named = parsed.ok ? parsed.rule.logsource.product : parsed.product;
  const product = named?.toLowerCase();
  const selected = isSigmaProduct(product) && products.includes(product);

  if (!selected) {
    if (product === undefined && !parsed.ok && parsed.kind === 'invalid')
      return { status: 'invalid', file, reason: parsed.reason };
    const why = product === undefined ? 'no logsource.product' : `product '${named}' not selected`;
    return { status: 'skipped', file, reason: why };
  }
  if (!parsed.ok) {
    if (parsed.kind === 'invalid') return { status: 'invalid', file, product, reason: parsed.reason };
    return unsupported(file, parsed.title ?? '(untitled)', product, [parsed.issue]);
  }
  const rule = parsed.rule;
  if (rule.status === 'deprecated') return { status: 'skipped', file, reason: 'status: deprecated' };

  const outcome = compileRule(rule, product, options);
  if (!outcome.ok) return unsupported(file, rule.title, product, outcome.issues);
  return { status: 'compiled', file, compiled: outcome.compiled, detection: toDetection(outcome.compiled) };
}

const unsupported = (
  file: string,
  title: string,
  product: SigmaProduct,
  issues: readonly SigmaIssue[],
): SigmaRuleOutcome => ({
  status: 'unsupported',
  file,
  title,
  product,
  issues,
  reason: describeIssues(issues),
});

/** Every `.yml` / `.yaml` under `dir`, in a stable order. */
export function sigmaRuleFiles(dir: string): string[] {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  if (files.length > MAX_FILES) {
    throw new ValidationError(`more than ${MAX_FILES} rule files`, 'sigma.load', {
      dir,
      files: files.length,
    });
  }
  return files;
}

export function loadSigmaRules(dir: string, options: SigmaLoadOptions = {}): SigmaLoadResult {
  const result: SigmaLoadResult = {
    detections: [],
    unsupported: [],
    invalid: [],
    skipped: [],
    noExample: [],
  };
  const ids = new Set<string>();
  for (const path of sigmaRuleFiles(dir)) {
    const file = relative(dir, path).split(sep).join('/');
    const size = statSync(path).size;
    const outcome =
      size > MAX_RULE_BYTES
        ? ({ status: 'invalid', file, reason: `larger than ${MAX_RULE_BYTES} bytes` } as const)
        : compileSigmaRule(readFileSync(path, 'utf8'), file, options);
    switch (outcome.status) {
      case 'compiled': {
        const detection = uniqueDetection(outcome, ids);
        result.detections.push(detection);
        if (options.examples) {
          const example = detection.example();
          if (!example.ok)
            result.noExample.push({ file, id: detection.id, title: detection.title, reason: example.reason });
        }
        break;
      }
      case 'unsupported': {
        const { status: _, ...rest } = outcome;
        result.unsupported.push(rest);
        break;
      }
      case 'invalid':
        result.invalid.push({
          file,
          ...(outcome.product ? { product: outcome.product } : {}),
          reason: outcome.reason,
        });
        break;
      case 'skipped':
        result.skipped.push({ file, reason: outcome.reason });
        break;
    }
  }
  return result;
}

/** Titles can repeat across rules; the rule id (stable upstream) disambiguates, deterministically. */
function uniqueDetection(
  outcome: Extract<SigmaRuleOutcome, { status: 'compiled' }>,
  ids: Set<string>,
): SigmaDetection {
  const base = detectionIdFor(outcome.compiled);
  let id = base;
  if (ids.has(id)) id = `${base}_${slug(outcome.compiled.rule.id ?? outcome.file).slice(0, 8)}`;
  for (let n = 2; ids.has(id); n++) id = `${base}_${n}`;
  ids.add(id);
  return id === base ? outcome.detection : toDetection(outcome.compiled, id);
}

export type ValidationFailure = 'invalid' | 'unsupported' | 'noExample';

/**
 * For the CDK app at synth: loads the rules with examples derived and throws a ValidationError
 * (synth fails) when any category in `failOn` is non-empty. Default: only invalid files fail the
 * deploy; unsupported rules are expected in upstream folders and are reported, not fatal.
 */
export function validateSigmaRules(
  dir: string,
  options: SigmaLoadOptions & { readonly failOn?: readonly ValidationFailure[] } = {},
): SigmaLoadResult {
  const result = loadSigmaRules(dir, { ...options, examples: true });
  const failOn = options.failOn ?? ['invalid'];
  const problems = failOn.flatMap((kind) =>
    (result[kind] as readonly { file: string; reason: string }[]).map(
      (p) => `${kind}: ${p.file}: ${p.reason}`,
    ),
  );
  if (problems.length > 0) {
    throw new ValidationError(`Sigma rules failed validation:\n${problems.join('\n')}`, 'sigma.validate', {
      dir,
      problems: problems.length,
    });
  }
  return result;
}
