import { stringify } from 'yaml';
import type { CompiledSigmaRule } from '../../../shared/sigma/compile.ts';
import type { SigmaProduct } from '../../../shared/sigma/field-map.ts';
import {
  compileSigmaRule,
  type SigmaLoadOptions,
  type SigmaRuleOutcome,
} from '../../../shared/sigma/load.ts';

/** A minimal Sigma rule as YAML text, the way a rule author would write it. */
export function ruleYaml(
  detection: Record<string, unknown>,
  extra: { product?: SigmaProduct | string; service?: string; [k: string]: unknown } = {},
): string {
  const { product = 'aws', service, ...rest } = extra;
  const defaultService = product === 'aws' ? 'cloudtrail' : product === 'github' ? 'audit' : product;
  return stringify({
    title: 'Test Rule',
    id: '00000000-1111-4222-8333-444444444444',
    status: 'test',
    author: 'Vigil tests',
    tags: ['attack.defense-evasion', 'attack.t1562.008'],
    logsource: { product, service: service ?? defaultService },
    detection,
    level: 'medium',
    ...rest,
  });
}

export function compileYaml(yaml: string, options: SigmaLoadOptions = {}): SigmaRuleOutcome {
  return compileSigmaRule(yaml, 'test.yml', options);
}

/** Compiles or fails the test with the reported reason. */
export function compiled(
  detection: Record<string, unknown>,
  extra: Parameters<typeof ruleYaml>[1] = {},
  options: SigmaLoadOptions = {},
): CompiledSigmaRule {
  const outcome = compileYaml(ruleYaml(detection, extra), options);
  if (outcome.status !== 'compiled') {
    throw new Error(
      `expected the rule to compile, got ${outcome.status}: ${'reason' in outcome ? outcome.reason : ''}`,
    );
  }
  return outcome.compiled;
}

/** The reason a rule is not compiled (unsupported or invalid), or fails the test. */
export function reasonOf(
  detection: Record<string, unknown>,
  extra: Parameters<typeof ruleYaml>[1] = {},
  options: SigmaLoadOptions = {},
): string {
  const outcome = compileYaml(ruleYaml(detection, extra), options);
  if (outcome.status === 'unsupported' || outcome.status === 'invalid') return outcome.reason;
  throw new Error(`expected the rule to be rejected, got ${outcome.status}`);
}

/** A matcher for one field: `field|mods: value`, as a function of the raw record. */
export function fieldMatcher(
  key: string,
  value: unknown,
  product: SigmaProduct = 'aws',
): (record: unknown) => boolean {
  return compiled({ selection: { [key]: value }, condition: 'selection' }, { product }).matches;
}
