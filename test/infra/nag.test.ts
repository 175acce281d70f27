import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addNagPacks, buildApp } from '../../infra/build.ts';

/** The parts of CDK's policy-validation report (validation-report.json in the assembly) used here. */
interface ReportedViolation {
  readonly ruleName: string;
  readonly description: string;
  readonly severity: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
  readonly acknowledgedId?: string;
  readonly acknowledgedAt?: string;
  readonly reason?: string;
}
interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly ReportedViolation[];
    readonly suppressedViolations?: readonly ReportedViolation[];
  }[];
}
interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
  readonly construct: IConstruct;
}

const PACKS = ['AwsSolutions', 'Serverless'];

let report: ValidationReport;
let synthError: unknown;
let acknowledgements: Acknowledgement[];

beforeAll(() => {
  // The configuration with the most resources: producer accounts and a partner source add a bus
  // policy, a partner bus and a rule. Bundling is irrelevant to the rules and skipped.
  const { app } = buildApp({
    'aws:cdk:bundling-stacks': [],
    vigil: {
      stage: 'prod',
      externalSourceAccounts: ['111111111111'],
      partnerEventSources: ['aws.partner/okta.com/org123/okta-logs'],
    },
  });
  addNagPacks(app);
  try {
    app.synth();
  } catch (error) {
    // An in-memory synth throws on unacknowledged errors, after writing the report read below.
    synthError = error;
  }
  report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  acknowledgements = app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id,
          reason,
          construct,
        })),
      ),
  );

  const acknowledged = report.pluginReports.flatMap((plugin) => plugin.suppressedViolations ?? []);
  console.info(
    `cdk-nag: ${acknowledged.length} acknowledged findings\n` +
      acknowledged
        .map(
          (v) =>
            `  ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}\n    ${v.reason}`,
        )
        .join('\n'),
  );
});

describe('cdk-nag AwsSolutions and Serverless packs', () => {
  it('both ran over the app', () => {
    const ran = report.pluginReports.map((plugin) => plugin.pluginName);
    for (const pack of PACKS) expect(ran).toContain(pack);
  });

  it('leave no unacknowledged error or warning', () => {
    const open = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map(
        (v) =>
          `${plugin.pluginName} ${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath)}`,
      ),
    );
    expect(open).toEqual([]);
    expect(synthError).toBeUndefined();
  });
});

describe('acknowledgements', () => {
  it('each name exactly one finding of one pack', () => {
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { id } of acknowledgements) {
      // <pack>::<pack>-<rule>, optionally [<finding>]: one rule, never a bare pack or a prefix.
      expect(id).toMatch(/^(AwsSolutions|Serverless)::\1-[A-Za-z0-9]+(\[[^\]]+\])?$/);
    }
  });

  it('each sit on a single CloudFormation resource, never on a stack or a whole construct', () => {
    for (const { id, construct } of acknowledgements) {
      expect(CfnResource.isCfnResource(construct), `${id} at ${construct.node.path}`).toBe(true);
    }
  });

  it('each give a specific reason, not shared with another rule', () => {
    const rulesByReason = new Map<string, Set<string>>();
    for (const { id, reason, construct } of acknowledgements) {
      const where = `${id} at ${construct.node.path}`;
      expect(reason.length, where).toBeGreaterThanOrEqual(60);
      expect(reason, where).not.toMatch(
        /\b(todo|tbd|n\/a|suppress(ed)?|ignore[ds]?|not needed|false positive)\b/i,
      );
      rulesByReason.set(reason, (rulesByReason.get(reason) ?? new Set()).add(id.replace(/\[.*$/, '')));
    }
    for (const [reason, rules] of rulesByReason) expect([...rules], reason).toHaveLength(1);
  });

  it('each still match a finding (none is stale)', () => {
    const suppressed = report.pluginReports.flatMap((plugin) => plugin.suppressedViolations ?? []);
    for (const { id, construct } of acknowledgements) {
      const used = suppressed.some(
        (v) => v.acknowledgedId === id && v.acknowledgedAt === construct.node.path,
      );
      expect(used, `${id} at ${construct.node.path}`).toBe(true);
    }
  });
});
