import { CATALOGUE } from '../shared/detect/catalogue/index.ts';
import { buildEngine, type DetectionEngine } from '../shared/detect/engine.ts';
import type { Detection, DetectionConfig } from '../shared/detect/types.ts';
import { classifyAddress } from '../shared/enrich/ip-class.ts';

export interface LocalDetectionOptions {
  /** Org accounts; when none are given, every account that receives events in the stream counts as the org's. */
  orgAccounts?: string[];
  /** Extra detections, e.g. compiled Sigma rules. */
  extra?: readonly Detection[];
}

/**
 * The detection setup of the local runtime. Without configuration, the organisation is the set
 * of accounts the stream itself is about (grown as events arrive), and trusted networks are the
 * private address ranges — a deployment states both explicitly.
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
    config: {
      orgAccounts,
      isTrustedNetwork: (ip) => classifyAddress(ip).kind === 'private',
    },
    learnAccount(accountId) {
      if (learn && accountId) orgAccounts.add(accountId);
    },
  };
}
