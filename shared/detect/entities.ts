import type { NormalisedEvent, SourceKind } from '../normalise/types.ts';
import type { EntityRef } from './types.ts';

const AWS_SOURCES: ReadonlySet<SourceKind> = new Set(['cloudtrail', 'guardduty', 'securityhub']);
const isArn = (v: string | undefined): v is string => v?.startsWith('arn:') === true;

/**
 * An event's principal in one canonical form per source, so that every record about the same
 * actor lands on the same entity key: for AWS, the ARN (a finding without one names its principal
 * through its detection's entities, which rebuild the ARN); for identity providers, the source's
 * own user id, namespaced so an Okta id and a GitHub login can never collide.
 */
export function principalOf(ev: NormalisedEvent): string | undefined {
  const user = ev.ocsf.actor?.user;
  if (!user) return undefined;
  if (AWS_SOURCES.has(ev.source)) {
    if (isArn(user.uid_alt)) return user.uid_alt;
    return isArn(user.uid) ? user.uid : undefined;
  }
  const id = user.uid ?? user.name;
  return id && user.type_id !== 0 ? `${ev.source}:${id}` : undefined;
}

/**
 * The entities an event is about, in the canonical forms shared by every source, so a GuardDuty
 * finding and the same principal's CloudTrail calls land on the same keys.
 */
export function entitiesOf(ev: NormalisedEvent): EntityRef[] {
  const out: EntityRef[] = [];
  const o = ev.ocsf;
  const principal = principalOf(ev);
  if (principal) out.push({ type: 'principal', id: principal });
  const key = o.actor?.user?.credential_uid;
  if (key) out.push({ type: 'access_key', id: key });
  if (o.src_endpoint?.ip) out.push({ type: 'ip', id: o.src_endpoint.ip });
  if (o.cloud?.account?.uid) out.push({ type: 'account', id: o.cloud.account.uid });
  return out;
}
