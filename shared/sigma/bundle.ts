import { existsSync } from 'node:fs';
import { loadSigmaRules, type SigmaLoadResult } from './load.ts';

/**
 * Sigma rules shipped with the normaliser: the CDK app validates a rules folder at synth and copies
 * the rules it selected into the function bundle under this folder; the function loads them from
 * there at cold start. One name, shared by both sides, so they cannot drift apart.
 */
export const SIGMA_BUNDLE_DIR = 'sigma-rules';

/**
 * The files to ship, relative to the rules folder: every rule of a selected product that is not
 * deprecated, compiled or not. Unsupported ones travel too, so the function's cold-start counts
 * say what the deploy-time report said; invalid ones never get this far (synth fails on them), and
 * skipped ones (other products, deprecated) would only be skipped again.
 */
export function rulesToBundle(result: SigmaLoadResult): string[] {
  return [
    ...new Set([...result.detections.map((d) => d.sigma.file), ...result.unsupported.map((u) => u.file)]),
  ].sort();
}

/** Every unsupported rule on one line each: `file (title): unsupported: <exact feature>; …`. */
export function unsupportedReport(result: SigmaLoadResult): string[] {
  return result.unsupported.map((u) => `${u.file} (${u.title}): ${u.reason}`);
}

export interface SigmaCounts {
  readonly compiled: number;
  readonly unsupported: number;
  readonly invalid: number;
  readonly skipped: number;
}

/** Counts only: a rule's content is configuration an attacker would like to read in the logs. */
export const sigmaCounts = (result: SigmaLoadResult): SigmaCounts => ({
  compiled: result.detections.length,
  unsupported: result.unsupported.length,
  invalid: result.invalid.length,
  skipped: result.skipped.length,
});

/**
 * The rules shipped in `dir`, compiled (test cases derived lazily, as at run time), or undefined
 * when the deployment shipped none. A folder that exists but cannot be read throws: a function that
 * was deployed with rules must not quietly run without them.
 */
export function loadBundledSigmaRules(dir: string): SigmaLoadResult | undefined {
  if (!existsSync(dir)) return undefined;
  return loadSigmaRules(dir);
}
