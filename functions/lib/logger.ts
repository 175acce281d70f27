import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One Powertools logger per function, built at cold start. Level comes from POWERTOOLS_LOG_LEVEL
 * (or Lambda's own log-level setting). Callers log counts, ids and reasons: never events, payloads
 * or secrets, because log content is read by people and tools and the events are hostile.
 */
export const createLogger = (serviceName: string): Logger =>
  new Logger({ serviceName: `vigil-${serviceName}` });
