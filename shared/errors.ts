/**
 * Vigil's small error taxonomy. Every error says where it came from (`source`) and carries
 * context that is safe to log: never a whole event, never a secret.
 *
 * - ValidationError      → the input is wrong: quarantine it, never retry.
 * - TransientError       → the world is briefly wrong: retry.
 * - PolicyViolationError → a safety rule said no: block and tell a human.
 * - ConflictError        → a conditional write lost: usually "already done".
 */
export type ErrorKind = 'validation' | 'transient' | 'policy' | 'conflict';

export abstract class VigilError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    message: string,
    /** Which component raised it, e.g. `normalise.cloudtrail`. */
    readonly source: string,
    readonly context: Record<string, string | number | boolean | undefined> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends VigilError {
  readonly kind = 'validation' as const;
}

export class TransientError extends VigilError {
  readonly kind = 'transient' as const;
}

export class PolicyViolationError extends VigilError {
  readonly kind = 'policy' as const;
}

export class ConflictError extends VigilError {
  readonly kind = 'conflict' as const;
}

export const isVigilError = (e: unknown): e is VigilError => e instanceof VigilError;

/** A message safe to show or store for any thrown value. */
export const describeError = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message}` : `non-error thrown: ${String(e).slice(0, 200)}`;
