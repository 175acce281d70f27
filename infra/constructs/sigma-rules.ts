import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ValidationError } from '../../shared/errors.ts';
import {
  rulesToBundle,
  SIGMA_BUNDLE_DIR,
  sigmaCounts,
  unsupportedReport,
} from '../../shared/sigma/bundle.ts';
import { SIGMA_PRODUCTS, validateSigmaRules } from '../../shared/sigma/index.ts';
import { CONFIG_CONTEXT_KEY, VigilConfigError } from '../config.ts';
import type { BundledFiles } from './vigil-function.ts';

/** Licence files of a rules repository (Sigma's is the DRL 1.1), shipped beside the rules they cover. */
const LICENCE_FILES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE'];

export interface SigmaRulesProps {
  /** Absolute path of the folder, as infra/config.ts resolved and checked it. */
  readonly dir: string;
}

/**
 * Sigma rules at deploy time: the configured folder is compiled at synth with the same compiler the
 * normaliser runs, so a rule file that is not a Sigma rule fails synth (naming the file and why)
 * instead of a cold start; a rule Vigil cannot run is reported as a warning naming the exact
 * unsupported feature, and the rules of the selected products become `files` for the bundle.
 * Creates no resources.
 */
export class SigmaRules extends Construct {
  /** What the normaliser bundle ships under `sigma-rules/`, relative paths preserved. */
  readonly files: BundledFiles;

  constructor(scope: Construct, id: string, props: SigmaRulesProps) {
    super(scope, id);
    const result = validated(props.dir);
    const counts = sigmaCounts(result);
    const unsupported = unsupportedReport(result);
    if (unsupported.length > 0) {
      Annotations.of(this).addWarningV2(
        '@vigil/sigma:unsupportedRules',
        [
          `${unsupported.length} Sigma rule(s) in ${props.dir} cannot be compiled and will not run:`,
          ...unsupported.map((line) => `  ${line}`),
        ].join('\n'),
      );
    }
    Annotations.of(this).addInfoV2(
      '@vigil/sigma:loaded',
      `Sigma rules in ${props.dir}: ${counts.compiled} compiled, ${counts.unsupported} unsupported, ${counts.skipped} skipped (other products or deprecated)`,
    );
    this.files = {
      from: props.dir,
      files: [...LICENCE_FILES.filter((f) => existsSync(join(props.dir, f))), ...rulesToBundle(result)],
      to: SIGMA_BUNDLE_DIR,
    };
  }
}

function validated(dir: string) {
  try {
    return validateSigmaRules(dir, { products: SIGMA_PRODUCTS });
  } catch (error) {
    // The folder is the operator's configuration: report it as such (app.ts prints it without a stack).
    if (error instanceof ValidationError && error.source.startsWith('sigma.'))
      throw new VigilConfigError([
        `${CONFIG_CONTEXT_KEY}.sigmaRulesDir: ${error.message.replaceAll('\n', '\n    ')}`,
      ]);
    throw error;
  }
}
