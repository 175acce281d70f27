/**
 * The correlator's scoring settings, read from the environment CDK sets at cold start:
 *
 *   SCORING_THRESHOLD     windowed risk at or above which an incident opens (whole points).
 *   SCORING_WINDOW_HOURS  sliding window over event time in which risk adds up (whole hours).
 *
 * Both optional: absent or empty means the default of shared/correlate/policy.ts. infra/config.ts
 * checks the CDK configuration with the same bounds, so whatever synthesizes also starts.
 */
import { DEFAULT_POLICY, type ScoringPolicy } from '../../shared/correlate/policy.ts';
import { ValidationError } from '../../shared/errors.ts';

const SOURCE = 'functions.scoring-config';
const HOUR_MS = 3_600_000;

/**
 * A threshold below 10 opens an incident for almost every signal, one above 10 000 for none: both
 * are typos, not policies. The window cannot outlast the 7 days signals stay on an entity
 * (DEFAULT_POLICY.retentionMs), or risk would add up over signals that are no longer there.
 */
export const SCORING_BOUNDS = {
  threshold: { min: 10, max: 10_000 },
  windowHours: { min: 1, max: DEFAULT_POLICY.retentionMs / HOUR_MS },
} as const;

export const SCORING_ENV = { threshold: 'SCORING_THRESHOLD', windowHours: 'SCORING_WINDOW_HOURS' } as const;

export function scoringPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ScoringPolicy {
  const threshold = wholeNumber(env, 'threshold');
  const windowHours = wholeNumber(env, 'windowHours');
  return {
    ...DEFAULT_POLICY,
    ...(threshold === undefined ? {} : { threshold }),
    ...(windowHours === undefined ? {} : { windowMs: windowHours * HOUR_MS }),
  };
}

function wholeNumber(env: NodeJS.ProcessEnv, key: keyof typeof SCORING_ENV): number | undefined {
  const name = SCORING_ENV[key];
  const text = env[name]?.trim();
  if (!text) return undefined;
  const { min, max } = SCORING_BOUNDS[key];
  const value = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (value >= min && value <= max) return value;
  throw new ValidationError(
    `environment variable ${name} must be a whole number between ${min} and ${max}`,
    SOURCE,
    { name, value: text.slice(0, 16) },
  );
}
