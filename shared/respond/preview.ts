/**
 * The response an incident would get, without running anything: plan, then the guard in local
 * mode (no account to read tags from, so every action would run as a dry-run). This is what
 * `vigil replay --json` prints as each incident's `response`, and what the console shows before
 * an execution exists.
 */
import { guardPlan } from './guard.ts';
import { type PlannableIncident, planResponse } from './plan.ts';
import type { OwnFootprint } from './protected.ts';
import type { ResponseSettings } from './settings.ts';
import type { Mode, PlaybookId } from './types.ts';

export interface ResponsePreview {
  plan_id: string;
  playbook: PlaybookId | null;
  mode: Mode;
  approvals_required: number;
  actions: { action: PlaybookId; target: string; target_type: string; mode: Mode; destructive: boolean }[];
  blocked: { action: PlaybookId; target: string; reasons: string[] }[];
  /** Locally nothing can change an account: say so with the plan. */
  local_dry_run: boolean;
}

export function previewResponse(
  incident: PlannableIncident,
  deps: { settings: ResponseSettings; own: OwnFootprint; blockIpConfigured: boolean; now: number },
): ResponsePreview {
  const plan = guardPlan(planResponse(incident, deps.settings, deps.now), {
    settings: deps.settings,
    own: deps.own,
    killSwitch: 'off',
    facts: {},
    blockIpConfigured: deps.blockIpConfigured,
    local: true,
  });
  return {
    plan_id: plan.id,
    playbook: plan.playbook,
    mode: plan.mode,
    approvals_required: plan.approvals_required,
    actions: plan.actions.map((a) => ({
      action: a.action,
      target: a.target.id,
      target_type: a.target.type,
      mode: a.mode,
      destructive: a.destructive,
    })),
    blocked: plan.blocked.map((b) => ({ action: b.action, target: b.target.id, reasons: b.reasons })),
    local_dry_run: true,
  };
}
