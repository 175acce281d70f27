/**
 * Sigma rules (products aws/cloudtrail, okta, github) as Vigil detections.
 *
 *   parse.ts       YAML → validated rule model (zod)
 *   condition.ts   condition language → AST (tokenizer + recursive descent)
 *   values.ts      `field|modifiers: values` → precompiled predicates (pattern.ts, regex-guard.ts)
 *   field-map.ts   Sigma field names → raw-record paths per product (record.ts reads them)
 *   compile.ts     rule → matcher over the raw record, plus count aggregations
 *   triggers.ts    the engine's trigger keys a rule provably requires, or a test on the key
 *   to-detection.ts compiled rule → Detection (attribution kept, lazily generated cases)
 *   examples.ts    positive example + near miss derived from the condition
 *   load.ts        folder → { detections, unsupported, invalid, skipped, noExample }
 *   summary.ts     figures for the README and CI
 *
 * Sigma rules are © their authors under the Detection Rule License 1.1; every detection and
 * every signal it produces carries that attribution.
 */
export type { CompiledSigmaRule, CompileOptions } from './compile.ts';
export { PRODUCTS, SIGMA_PRODUCTS, type SigmaProduct } from './field-map.ts';
export type { SigmaIssue } from './issues.ts';
export {
  compileSigmaRule,
  loadSigmaRules,
  type SigmaLoadOptions,
  type SigmaLoadResult,
  type SigmaRuleOutcome,
  sigmaRuleFiles,
  type UnsupportedRule,
  validateSigmaRules,
} from './load.ts';
export type { SigmaRule } from './parse.ts';
export { type SigmaFigures, sigmaFigures, sigmaSummary } from './summary.ts';
export { LICENCE, type SigmaDetection } from './to-detection.ts';
