import { createHash } from 'node:crypto';
import type { VigilConfig } from './config.ts';

/**
 * Physical names for the few resources whose ARN another stack must know before it exists
 * (policies condition on these ARNs without a cross-stack reference, which would be a cycle).
 * The stage is part of every name so a dev and a prod deployment can share an account.
 */
export const resourceName = (config: VigilConfig, suffix: string): string =>
  `vigil-${config.stage}-${suffix}`;

export const externalBusName = (config: VigilConfig): string => resourceName(config, 'external');

/** Every Vigil log group lives under this prefix; the key policy lets CloudWatch Logs use the key only there. */
export const logGroupPrefix = (config: VigilConfig): string => `/vigil/${config.stage}/`;

/** A short stable id for a partner event source, so reordering the config list renames nothing. */
export const partnerSlug = (eventSourceName: string): string =>
  createHash('sha256').update(eventSourceName).digest('hex').slice(0, 12);
