/**
 * Sorts AWS SDK failures into Vigil's taxonomy. The SDK has already retried these (standard mode,
 * 3 attempts) by the time they reach us; what is left is either "the service is briefly unable"
 * (TransientError: let SQS or Lambda redeliver later) or a defect that retrying will not fix.
 */
import { TransientError } from '../errors.ts';

/** Error names AWS uses for throttling and server-side unavailability, across DynamoDB and S3. */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'InternalServerError',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Socket-level failures: the endpoint could not be reached or dropped the connection. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function isTransientAwsError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as AwsLikeError;
  if (typeof err.name === 'string' && TRANSIENT_NAMES.has(err.name)) return true;
  if (typeof err.code === 'string' && TRANSIENT_CODES.has(err.code)) return true;
  const status = err.$metadata?.httpStatusCode;
  return status === 429 || (typeof status === 'number' && status >= 500);
}

/** Rethrows a transient AWS failure as TransientError (keeping the cause); anything else unchanged. */
export function rethrowAwsError(e: unknown, source: string, context: Record<string, string> = {}): never {
  if (isTransientAwsError(e)) {
    const name = e instanceof Error ? e.name : 'unknown';
    const code = (e as AwsLikeError).code;
    const error = new TransientError(`AWS call failed transiently: ${name}`, source, {
      ...context,
      awsError: name,
      ...(typeof code === 'string' ? { code } : {}),
    });
    error.cause = e;
    throw error;
  }
  throw e;
}
