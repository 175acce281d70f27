import { ValidationError } from '../errors.ts';

/**
 * Why a rule cannot run: `feature` is a short, stable key that groups the report (`aggregation`,
 * `placeholder`, `modifier`, …); `detail` names the exact construct as written in the rule.
 */
export interface SigmaIssue {
  readonly feature: string;
  readonly detail: string;
}

export const issue = (feature: string, detail: string): SigmaIssue => ({ feature, detail });

export const describeIssues = (issues: readonly SigmaIssue[]): string =>
  issues.map((i) => `unsupported: ${i.detail}`).join('; ');

/** Thrown by the condition parser; carries the issue so the compiler can report it with the rest. */
export class SigmaConditionError extends ValidationError {
  readonly issue: SigmaIssue;
  constructor(feature: string, detail: string) {
    super(`unsupported: ${detail}`, 'sigma.condition', { feature });
    this.issue = issue(feature, detail);
  }
}

/** A rule file that is not a Sigma rule at all: YAML that does not parse, no title, no detection. */
export class SigmaInvalidRuleError extends ValidationError {}
