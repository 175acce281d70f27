/**
 * Targets Vigil must never act on, whatever an incident says: its own resources, break-glass and
 * other configured principals, identity-center and service-linked roles, the organisation's access
 * role, the root user, and anything tagged protected. Pure; every rule returns a reason a person
 * can read, and several may apply.
 */
import { globMatch } from '../correlate/suppress.ts';
import { type Cidr, parseCidr, trustedNetworks } from '../detect/networks.ts';
import type { ResponseSettings } from './settings.ts';
import type { ActionTarget } from './types.ts';

/** Tag the CDK aspect puts on every Vigil resource (infra/aspects/vigil-tags.ts). */
export const VIGIL_MANAGED_TAG = 'vigil:managed';

/** What the guard knows about a target beyond its id, read from the account (or not, locally). */
export interface TargetFacts {
  /** True when the tags and owner were read from the account; false in local mode or on failure. */
  inspected: boolean;
  tags: Record<string, string>;
  /** The IAM identity behind the target: an access key's user, a session's role (with its path). */
  owner_arn?: string;
  /** Why inspection failed, when it did. */
  error?: string;
}

/** The deployment's own names and networks, which the guard also protects. */
export interface OwnFootprint {
  /** Name prefixes of this deployment's roles, users and buckets (the CDK stack names). */
  namePrefixes: string[];
  /** The organisation's own networks (config trustedCidrs): never blocked. */
  trustedCidrs: readonly string[];
}

interface Identity {
  kind: 'root' | 'user' | 'role';
  account: string;
  /** IAM path, `/` when unknown (a session ARN does not carry the role's path). */
  path: string;
  name: string;
}

const ARN = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(.+)$/;

/** Reads a root, user, role or assumed-role ARN; anything else is not an identity. */
export function identityOf(arn: string): Identity | undefined {
  const m = ARN.exec(arn);
  if (!m) return undefined;
  const [, service, account = '', resource = ''] = m;
  if (service === 'iam' && resource === 'root') return { kind: 'root', account, path: '/', name: 'root' };
  const parts = resource.split('/');
  const type = parts[0];
  if (service === 'sts' && type === 'assumed-role' && parts[1])
    return { kind: 'role', account, path: '/', name: parts[1] };
  if (service === 'iam' && (type === 'user' || type === 'role') && parts.length >= 2) {
    const name = parts.at(-1) ?? '';
    const path = parts.length > 2 ? `/${parts.slice(1, -1).join('/')}/` : '/';
    return name ? { kind: type, account, path, name } : undefined;
  }
  return undefined;
}

/** Why this identity is protected (empty when it is not). */
function identityReasons(id: Identity, settings: ResponseSettings, own: OwnFootprint): string[] {
  const reasons: string[] = [];
  if (id.kind === 'root') return ['the root user is never a response target'];
  if (id.kind === 'role') {
    if (/^AWSReservedSSO_/i.test(id.name) || id.path.startsWith('/aws-reserved/'))
      reasons.push(`${id.name} is an IAM Identity Center (AWSReservedSSO_*) role`);
    if (id.path.startsWith('/aws-service-role/') || /^AWSServiceRoleFor/i.test(id.name))
      reasons.push(`${id.name} is a service-linked role`);
    if (id.name.toLowerCase() === 'organizationaccountaccessrole')
      reasons.push('OrganizationAccountAccessRole is how the organisation reaches this account');
  }
  const lower = id.name.toLowerCase();
  for (const prefix of own.namePrefixes)
    if (prefix && lower.startsWith(prefix.toLowerCase())) reasons.push(`${id.name} belongs to Vigil itself`);
  const candidates = [
    `arn:aws:iam::${id.account}:${id.kind}${id.path}${id.name}`,
    `arn:aws:iam::${id.account}:${id.kind}/${id.name}`,
  ];
  for (const p of settings.protectedPrincipals) {
    const hit = p.startsWith('arn:')
      ? candidates.some((c) => globMatch(p, c))
      : globMatch(p.toLowerCase(), lower);
    if (hit) {
      reasons.push(`${id.name} is a configured protected (break-glass) principal`);
      break;
    }
  }
  return reasons;
}

function tagReasons(facts: TargetFacts, settings: ResponseSettings): string[] {
  const reasons: string[] = [];
  if (VIGIL_MANAGED_TAG in facts.tags)
    reasons.push(`the target is tagged ${VIGIL_MANAGED_TAG}: it is part of Vigil`);
  for (const key of settings.protectedTagKeys)
    if (key in facts.tags) reasons.push(`the target is tagged ${key}`);
  return reasons;
}

/** Every reason the target is protected; empty means it may be acted on (other checks permitting). */
export function protectedReasons(
  target: ActionTarget,
  facts: TargetFacts,
  settings: ResponseSettings,
  own: OwnFootprint,
): string[] {
  const reasons = tagReasons(facts, settings);
  const identities: Identity[] = [];
  if (target.type === 'principal') {
    const id = identityOf(target.id);
    if (!id) reasons.push('the target is not an IAM user, role or session ARN');
    else identities.push(id);
  }
  // The owner read from the account carries the real path (a session ARN does not).
  const owner = facts.owner_arn ? identityOf(facts.owner_arn) : undefined;
  if (owner) identities.push(owner);
  for (const id of identities) reasons.push(...identityReasons(id, settings, own));
  if (target.type === 'resource') {
    const bucket = /^arn:aws[a-z-]*:s3:::(.+)$/.exec(target.id)?.[1];
    const name = bucket ?? '';
    for (const prefix of own.namePrefixes)
      if (bucket && prefix && name.startsWith(prefix.toLowerCase()))
        reasons.push(`${name} belongs to Vigil itself`);
  }
  if (target.type === 'ip') {
    const cidrs = own.trustedCidrs.flatMap((c): Cidr[] => {
      const parsed = parseCidr(c);
      return parsed.ok ? [parsed.value] : [];
    });
    // Private addresses count as the organisation's own too: blocking one cuts off internal traffic.
    if (trustedNetworks(cidrs)(target.id))
      reasons.push(`${target.id} is a private address or inside the organisation's trusted networks`);
  }
  return [...new Set(reasons)];
}
