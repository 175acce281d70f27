import type { NormalisedEvent } from '../normalise/types.ts';
import type { EntityRef } from './types.ts';

/**
 * The entities an event is about, in a canonical form shared by every source, so a GuardDuty
 * finding and the same principal's CloudTrail calls land on the same keys.
 * PROVISIONAL: finalised once the normalisers' principal fields are settled.
 */
export function entitiesOf(ev: NormalisedEvent): EntityRef[] {
  const out: EntityRef[] = [];
  const o = ev.ocsf;
  const user = o.actor?.user;
  const principal = user?.uid_alt ?? user?.uid ?? user?.name;
  if (principal) out.push({ type: 'principal', id: principal });
  if (user?.credential_uid) out.push({ type: 'access_key', id: user.credential_uid });
  if (o.src_endpoint?.ip) out.push({ type: 'ip', id: o.src_endpoint.ip });
  if (o.cloud?.account?.uid) out.push({ type: 'account', id: o.cloud.account.uid });
  return out;
}
