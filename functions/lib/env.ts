import { ValidationError } from '../../shared/errors.ts';

/** Reads a required setting at cold start, so a miswired function fails at once and says what is missing. */
export function requireEnv(name: string, purpose: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name]?.trim();
  if (!value)
    throw new ValidationError(
      `environment variable ${name} is not set: it names ${purpose}`,
      'functions.env',
    );
  return value;
}
