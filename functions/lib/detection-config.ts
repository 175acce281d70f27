/**
 * What the deployment knows about itself, read from the environment CDK sets at cold start:
 *
 *   ORG_ACCOUNTS   comma-separated 12-digit account ids of the organisation (CDK always includes
 *                  the deploying account). Required: a function without it is miswired.
 *   TRUSTED_CIDRS  comma-separated CIDR ranges of the organisation's networks (offices, VPN, NAT
 *                  egress). Optional; empty means none beyond the private ranges.
 *
 * Private ranges (RFC 1918, IPv6 unique-local) are always trusted: in CloudTrail a private source
 * address means the call came through a VPC endpoint from inside one of the organisation's VPCs,
 * never from the internet. That is also what the local runtime assumes (local/detection-runtime.ts),
 * so `vigil detect` and the deployed detections agree on the same stream.
 *
 * infra/config.ts validates the CDK configuration with the same parsers, so whatever synthesizes
 * also starts.
 */

import { type Parsed, parseAccountId, parseCidr, trustedNetworks } from '../../shared/detect/networks.ts';
import type { DetectionConfig } from '../../shared/detect/types.ts';
import { ValidationError } from '../../shared/errors.ts';
import { requireEnv } from './env.ts';

const SOURCE = 'functions.detection-config';

const entries = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');

function parseList<T>(name: string, value: string | undefined, parse: (text: string) => Parsed<T>): T[] {
  const out: T[] = [];
  for (const [i, text] of entries(value).entries()) {
    const parsed = parse(text);
    if (!parsed.ok)
      throw new ValidationError(`environment variable ${name}, entry ${i + 1}: ${parsed.problem}`, SOURCE);
    out.push(parsed.value);
  }
  return out;
}

/** Reads and validates ORG_ACCOUNTS and TRUSTED_CIDRS; throws a ValidationError naming the variable and entry. */
export function detectionConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DetectionConfig {
  const accounts = parseList(
    'ORG_ACCOUNTS',
    requireEnv('ORG_ACCOUNTS', "the organisation's AWS account ids", env),
    parseAccountId,
  );
  if (accounts.length === 0)
    throw new ValidationError('environment variable ORG_ACCOUNTS names no account id', SOURCE);
  const cidrs = parseList('TRUSTED_CIDRS', env.TRUSTED_CIDRS, parseCidr);
  return { orgAccounts: new Set(accounts), isTrustedNetwork: trustedNetworks(cidrs) };
}
