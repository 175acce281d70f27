/**
 * From an incident to a response plan: the playbooks its narrative recommends (which the narrative
 * validator already restricted to the incident's own entities and the catalogue), one action per
 * (playbook, target), in containment order. The guard decides afterwards what may run.
 */
import { createHash } from 'node:crypto';
import { PLAYBOOK_IDS, PLAYBOOKS, type PlaybookId } from '../narrate/playbooks.ts';
import type { PlaybookRecommendation } from '../narrate/schema.ts';
import { identityOf } from './protected.ts';
import type { ResponseSettings } from './settings.ts';
import type { ActionTarget, PlannedAction, ResponsePlan } from './types.ts';

/** Stop the credential first, then the identity, then contain the hosts, data and the address. */
const CONTAINMENT_ORDER: readonly PlaybookId[] = [
  'deactivate_access_key',
  'quarantine_iam_user',
  'revoke_role_sessions',
  'isolate_ec2_instance',
  'close_public_bucket',
  'block_ip',
];

/** Actions that can interrupt a workload or lock a person out: they need more approvers. */
export const DESTRUCTIVE: ReadonlySet<PlaybookId> = new Set([
  'quarantine_iam_user',
  'isolate_ec2_instance',
  'close_public_bucket',
]);

/** The part of an incident the planner reads (the incident view carries it). */
export interface PlannableIncident {
  id: string;
  narrative?: { playbooks: readonly PlaybookRecommendation[] } | null;
}

const actionKey = (action: PlaybookId, target: ActionTarget) => `${action}:${target.id}`;

function accountOf(id: string): string | undefined {
  return identityOf(id)?.account ?? /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(id)?.[1];
}

export function planResponse(
  incident: PlannableIncident,
  settings: ResponseSettings,
  now: number,
): ResponsePlan {
  const seen = new Set<string>();
  const actions: PlannedAction[] = [];
  for (const rec of incident.narrative?.playbooks ?? []) {
    // Belt and braces: the narrative validator already refuses other ids and targets.
    if (!(PLAYBOOK_IDS as readonly string[]).includes(rec.id)) continue;
    const playbook = PLAYBOOKS[rec.id];
    if (!playbook.appliesTo(rec.target)) continue;
    const account = accountOf(rec.target.id);
    const target: ActionTarget = {
      type: rec.target.type as ActionTarget['type'],
      id: rec.target.id,
      ...(account ? { account } : {}),
    };
    const key = actionKey(rec.id, target);
    if (seen.has(key)) continue;
    seen.add(key);
    actions.push({
      key,
      action: rec.id,
      target,
      mode: settings.modes[rec.id],
      destructive: DESTRUCTIVE.has(rec.id),
    });
  }
  actions.sort((a, b) => CONTAINMENT_ORDER.indexOf(a.action) - CONTAINMENT_ORDER.indexOf(b.action));
  // The same incident with the same actions is the same plan: a redelivered start does not plan twice.
  const digest = createHash('sha256')
    .update(actions.map((a) => a.key).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return {
    id: `${incident.id}#${digest}`,
    incident_id: incident.id,
    playbook: actions[0]?.action ?? null,
    mode: 'off',
    actions,
    blocked: [],
    approvals_required: 0,
    created_at: now,
  };
}
