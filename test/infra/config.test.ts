import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoringPolicyFromEnv } from '../../functions/lib/scoring-config.ts';
import { LOG_RETENTION_DAYS, PROJECT_ROOT, parseVigilConfig, VigilConfigError } from '../../infra/config.ts';
import { DEFAULT_POLICY } from '../../shared/correlate/policy.ts';
import { DEFAULT_MODEL_ID } from '../../shared/narrate/converse.ts';
import { PLAYBOOK_IDS } from '../../shared/narrate/playbooks.ts';

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseVigilConfig(raw);
  } catch (error) {
    if (error instanceof VigilConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('parseVigilConfig', () => {
  it('defaults to a dev stage with 90-day logs, no external producers, and no org accounts or networks beyond the defaults', () => {
    expect(parseVigilConfig(undefined)).toEqual({
      stage: 'dev',
      logRetentionDays: 90,
      externalSourceAccounts: [],
      partnerEventSources: [],
      orgAccounts: [],
      trustedCidrs: [],
      modelId: DEFAULT_MODEL_ID,
      response: {
        // A new install asks a person before every playbook: never auto.
        modes: Object.fromEntries(PLAYBOOK_IDS.map((id) => [id, 'approve'])),
        protectedPrincipals: [],
        protectedTagKeys: ['vigil:protected'],
        budgets: { perIncident: 5, perHour: 20 },
        approvers: { standard: 1, destructive: 2 },
        approvalTimeoutSeconds: 86_400,
        approverEmails: [],
        actions: {
          wafIpSets: [],
          networkAclIds: [],
          networkAclRuleRange: [1, 90],
          quarantineSecurityGroupName: 'vigil-quarantine',
        },
      },
    });
  });

  it('refuses response settings that are not what they seem', () => {
    expect(problemsOf({ response: { modes: { block_ip: 'yolo' } } })[0]).toMatch(
      /^vigil\.response\.modes\.block_ip/,
    );
    expect(problemsOf({ response: { consoleUrl: 'http://console.example.org' } })[0]).toMatch(
      /^vigil\.response\.consoleUrl/,
    );
    expect(problemsOf({ response: { budgets: { perIncident: 0 } } })[0]).toMatch(
      /^vigil\.response\.budgets\.perIncident/,
    );
  });

  it('accepts a priced model or inference-profile id, and refuses one it cannot budget or parse', () => {
    expect(parseVigilConfig({ modelId: 'eu.amazon.nova-lite-v1:0' }).modelId).toBe(
      'eu.amazon.nova-lite-v1:0',
    );
    expect(parseVigilConfig({ modelId: ' anthropic.claude-haiku-4-5-20251001-v1:0 ' }).modelId).toBe(
      'anthropic.claude-haiku-4-5-20251001-v1:0',
    );
    expect(problemsOf({ modelId: 'meta.llama3-8b-instruct-v1:0' })).toEqual([
      expect.stringMatching(/^vigil\.modelId: .*no list price/),
    ]);
    expect(problemsOf({ modelId: 'arn:aws:bedrock:*::foundation-model/*' })).toEqual([
      expect.stringMatching(/^vigil\.modelId: .*not a Bedrock model id/),
    ]);
    expect(problemsOf({ narrativeBudgetUsd: { incident: 0.05, day: 5, week: 9 } })).toEqual([
      expect.stringMatching(/^vigil\.narrativeBudgetUsd\.week: unknown key/),
    ]);
  });

  it('accepts org accounts and trusted networks, spelling ranges canonically and once', () => {
    const config = parseVigilConfig({
      orgAccounts: ['444455556666', '444455556666', '777788889999'],
      trustedCidrs: ['203.0.113.0/24', ' 2001:0db8:0000::/32 ', '2001:db8::/32'],
    });
    expect(config.orgAccounts).toEqual(['444455556666', '777788889999']);
    expect(config.trustedCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });

  it('refuses more org accounts and networks than fit in the function environment', () => {
    const many = Array.from({ length: 240 }, (_, i) => String(100_000_000_000 + i));
    const problems = problemsOf({ orgAccounts: many });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      'vigil.orgAccounts: expected orgAccounts and trustedCidrs to fit in 3000 characters',
    );
  });

  it('accepts a full prod configuration', () => {
    const config = parseVigilConfig({
      stage: 'prod',
      logRetentionDays: 365,
      externalSourceAccounts: ['111111111111', '222222222222'],
      partnerEventSources: ['aws.partner/okta.com/org123/okta-logs'],
      alarmEmail: 'soc@example.com',
    });
    expect(config.stage).toBe('prod');
    expect(config.logRetentionDays).toBe(365);
    expect(config.externalSourceAccounts).toEqual(['111111111111', '222222222222']);
    expect(config.partnerEventSources).toEqual(['aws.partner/okta.com/org123/okta-logs']);
    expect(config.alarmEmail).toBe('soc@example.com');
  });

  it('accepts the JSON string that `cdk -c vigil=...` passes', () => {
    expect(parseVigilConfig('{"stage":"prod"}').stage).toBe('prod');
  });

  it('accepts every retention CloudWatch Logs allows', () => {
    for (const days of LOG_RETENTION_DAYS) {
      expect(parseVigilConfig({ logRetentionDays: days }).logRetentionDays).toBe(days);
    }
  });

  it('removes duplicate producer accounts and partner sources', () => {
    const config = parseVigilConfig({
      externalSourceAccounts: ['111111111111', '111111111111'],
      partnerEventSources: ['aws.partner/okta.com/o/a', 'aws.partner/okta.com/o/a'],
    });
    expect(config.externalSourceAccounts).toEqual(['111111111111']);
    expect(config.partnerEventSources).toEqual(['aws.partner/okta.com/o/a']);
  });

  it.each([
    [{ stage: 'qa' }, 'vigil.stage: expected "dev" or "prod", got "qa"'],
    [{ logRetentionDays: 91 }, 'vigil.logRetentionDays: expected a retention CloudWatch Logs allows'],
    [{ logRetentionDays: '90' }, 'vigil.logRetentionDays: expected a retention CloudWatch Logs allows'],
    [
      { externalSourceAccounts: ['12345'] },
      'vigil.externalSourceAccounts.0: expected a 12-digit AWS account id',
    ],
    [
      { externalSourceAccounts: [111111111111] },
      'vigil.externalSourceAccounts.0: expected a 12-digit AWS account id',
    ],
    [{ externalSourceAccounts: '111111111111' }, 'vigil.externalSourceAccounts: expected a list'],
    [
      { partnerEventSources: ['okta.com/logs'] },
      'vigil.partnerEventSources.0: expected a partner event source name',
    ],
    [
      { partnerEventSources: ['aws.partner/okta.com'] },
      'vigil.partnerEventSources.0: expected a partner event source',
    ],
    [{ alarmEmail: 'soc' }, 'vigil.alarmEmail: expected an email address'],
    [{ orgAccounts: ['1234'] }, 'vigil.orgAccounts.0: expected a 12-digit AWS account id'],
    [{ orgAccounts: '111111111111' }, 'vigil.orgAccounts: expected a list of 12-digit AWS account ids'],
    [
      { trustedCidrs: ['203.0.113.7'] },
      'vigil.trustedCidrs.0: expected a CIDR range: "203.0.113.7" has no prefix length',
    ],
    [{ trustedCidrs: ['10.1.2.3/8'] }, 'has host bits set (did you mean 10.0.0.0/8?)'],
    [{ trustedCidrs: ['0.0.0.0/0'] }, 'would trust a large part of the internet'],
    [{ trustedCidrs: [24] }, 'vigil.trustedCidrs.0: expected a CIDR range as a string'],
    [{ stag: 'dev' }, 'vigil.stag: unknown key (known keys: stage,'],
    [
      { sigmaRulesDir: 'no/such/folder' },
      `vigil.sigmaRulesDir: expected a folder of Sigma rules, but ${join(PROJECT_ROOT, 'no/such/folder')} does not exist, got "no/such/folder"`,
    ],
    [{ sigmaRulesDir: 'package.json' }, 'package.json is not a folder'],
    [{ sigmaRulesDir: '' }, 'vigil.sigmaRulesDir: expected a folder path relative to the project'],
    [{ sigmaRulesDir: ['rules'] }, 'vigil.sigmaRulesDir: expected a folder path relative to the project'],
    [
      { scoring: { threshold: 0 } },
      'vigil.scoring.threshold: expected a whole number of risk points between 10 and 10000',
    ],
    [{ scoring: { threshold: 99.5 } }, 'vigil.scoring.threshold: expected a whole number of risk points'],
    [
      { scoring: { windowHours: 169 } },
      'vigil.scoring.windowHours: expected a whole number of hours between 1 and 168',
    ],
    [{ scoring: { windowHours: '24' } }, 'vigil.scoring.windowHours: expected a whole number of hours'],
    [
      { scoring: { treshold: 50 } },
      'vigil.scoring.treshold: unknown key (known keys: threshold, windowHours)',
    ],
    [{ scoring: 100 }, 'vigil.scoring: expected an object, got 100'],
    [42, 'vigil: expected an object, got 42'],
    ['{not json', 'vigil: expected a JSON object'],
  ])('rejects %j naming the key and the expected form', (raw, message) => {
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('reports every bad key at once', () => {
    const problems = problemsOf({ stage: 'staging', logRetentionDays: 2, alarmEmail: 'x' });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'vigil.stage',
      'vigil.logRetentionDays',
      'vigil.alarmEmail',
    ]);
  });

  it('resolves sigmaRulesDir against the project root, wherever cdk runs from', () => {
    const cwd = process.cwd();
    process.chdir(join(PROJECT_ROOT, 'infra'));
    try {
      expect(parseVigilConfig({ sigmaRulesDir: 'shared/sigma' }).sigmaRulesDir).toBe(
        join(PROJECT_ROOT, 'shared/sigma'),
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('accepts a scoring threshold and window within bounds, and defaults to none', () => {
    expect(parseVigilConfig({ scoring: { threshold: 150, windowHours: 12 } }).scoring).toEqual({
      threshold: 150,
      windowHours: 12,
    });
    expect(parseVigilConfig({}).scoring).toBeUndefined();
    expect(parseVigilConfig({}).sigmaRulesDir).toBeUndefined();
  });
});

describe('scoringPolicyFromEnv (the correlator cold start)', () => {
  it('keeps the default policy when nothing is set', () => {
    expect(scoringPolicyFromEnv({})).toEqual(DEFAULT_POLICY);
    expect(scoringPolicyFromEnv({ SCORING_THRESHOLD: ' ', SCORING_WINDOW_HOURS: '' })).toEqual(
      DEFAULT_POLICY,
    );
  });

  it('takes the threshold and window, within the bounds the configuration checks', () => {
    expect(scoringPolicyFromEnv({ SCORING_THRESHOLD: '10', SCORING_WINDOW_HOURS: '168' })).toEqual({
      ...DEFAULT_POLICY,
      threshold: 10,
      windowMs: 168 * 3_600_000,
    });
  });

  it.each([
    ['SCORING_THRESHOLD', '9'],
    ['SCORING_THRESHOLD', '10001'],
    ['SCORING_THRESHOLD', '1e3'],
    ['SCORING_THRESHOLD', '-50'],
    ['SCORING_WINDOW_HOURS', '0'],
    ['SCORING_WINDOW_HOURS', '169'],
    ['SCORING_WINDOW_HOURS', '12.5'],
  ])('refuses %s=%s at cold start, naming the variable', (name, value) => {
    expect(() => scoringPolicyFromEnv({ [name]: value })).toThrow(
      new RegExp(`^environment variable ${name} must be`),
    );
  });
});
