import { describe, expect, it } from 'vitest';
import { LOG_RETENTION_DAYS, parseVigilConfig, VigilConfigError } from '../../infra/config.ts';

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
  it('defaults to a dev stage with 90-day logs and no external producers', () => {
    expect(parseVigilConfig(undefined)).toEqual({
      stage: 'dev',
      logRetentionDays: 90,
      externalSourceAccounts: [],
      partnerEventSources: [],
    });
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
    [{ stag: 'dev' }, 'vigil.stag: unknown key (known keys: stage,'],
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
});
