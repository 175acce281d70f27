import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CATALOGUE } from '../shared/detect/catalogue/index.ts';
import { buildEngine, type DetectionEngine } from '../shared/detect/engine.ts';
import { type Cidr, parseCidr, trustedNetworks } from '../shared/detect/networks.ts';
import type { Detection, DetectionConfig } from '../shared/detect/types.ts';
import { loadSigmaRules } from '../shared/sigma/index.ts';

/** Parses CIDRs the same way the Lambda does (one parser, so local and deployed agree). */
const cidrsOf = (texts: readonly string[]): Cidr[] =>
  texts.map((t) => {
    const parsed = parseCidr(t);
    if (!parsed.ok) throw new Error(`trusted CIDR "${t}": ${parsed.problem}`);
    return parsed.value;
  });

/**
 * Where the local runtime finds Sigma rules: `VIGIL_SIGMA_RULES`, else the shared data folder
 * beside a checkout. Vigil ships no rules of its own (they are their authors' work under the
 * Detection Rule License); a deployment names its rules folder in its configuration.
 */
export function sigmaRulesDir(): string | undefined {
  const dir = process.env.VIGIL_SIGMA_RULES ?? resolve(process.cwd(), '../shared/data/sigma/rules');
  return existsSync(dir) ? dir : undefined;
}

/** Compiled Sigma detections for aws/okta/github from `dir` (none when there is no folder). */
export function sigmaDetections(dir = sigmaRulesDir()): readonly Detection[] {
  return dir ? loadSigmaRules(dir, { products: ['aws', 'okta', 'github'] }).detections : [];
}

export interface LocalDetectionOptions {
  /** Org accounts; when none are given, every account that receives events in the stream counts as the org's. */
  orgAccounts?: string[];
  /** The organisation's egress ranges (NAT, office, VPN), trusted besides the private ranges. */
  trustedCidrs?: readonly string[];
  /** Extra detections, e.g. compiled Sigma rules. */
  extra?: readonly Detection[];
}

/**
 * The detection setup of the local runtime. Without configuration, the organisation is the set
 * of accounts the stream itself is about (grown as events arrive), and trusted networks are the
 * private address ranges plus any given CIDRs — a deployment states both explicitly.
 */
export function localDetection(options: LocalDetectionOptions = {}): {
  engine: DetectionEngine;
  config: DetectionConfig;
  learnAccount(accountId: string | undefined): void;
} {
  const orgAccounts = new Set(options.orgAccounts ?? []);
  const learn = options.orgAccounts === undefined;
  return {
    engine: buildEngine([...CATALOGUE, ...(options.extra ?? [])]),
    config: { orgAccounts, isTrustedNetwork: trustedNetworks(cidrsOf(options.trustedCidrs ?? [])) },
    learnAccount(accountId) {
      if (learn && accountId) orgAccounts.add(accountId);
    },
  };
}
