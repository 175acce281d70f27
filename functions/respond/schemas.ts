/**
 * What each response state hands its function. The state machine builds these payloads, but a
 * function validates them anyway: it can be invoked by anyone allowed to, and plans carry
 * incident-derived text.
 */
import { z } from 'zod';
import { PLAYBOOK_IDS } from '../../shared/narrate/playbooks.ts';
import { MODES } from '../../shared/respond/types.ts';

const Target = z.object({
  type: z.enum(['access_key', 'principal', 'resource', 'ip']),
  id: z.string().min(1).max(2048),
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  region: z.string().max(32).optional(),
});

export const PlannedActionSchema = z.object({
  key: z.string().min(1).max(2200),
  action: z.enum(PLAYBOOK_IDS),
  target: Target,
  mode: z.enum(MODES),
  destructive: z.boolean(),
});

export const PlanSchema = z.object({
  id: z.string().min(1).max(300),
  incident_id: z.string().min(1).max(256),
  incident_title: z.string().max(500).optional(),
  playbook: z.enum(PLAYBOOK_IDS).nullable(),
  mode: z.enum(MODES),
  actions: z.array(PlannedActionSchema).max(50),
  blocked: z
    .array(
      z.object({
        key: z.string(),
        action: z.enum(PLAYBOOK_IDS),
        target: Target,
        reasons: z.array(z.string()),
      }),
    )
    .max(50),
  approvals_required: z.number().int().min(0).max(5),
  created_at: z.number().int(),
});

export const PlanInputSchema = z.object({ incident_id: z.string().min(1).max(256) });
export const GuardInputSchema = z.object({ plan: PlanSchema });
export const ApprovalInputSchema = z.object({ plan: PlanSchema, token: z.string().min(1).max(8192) });

const ApiCallSchema = z.object({
  service: z.enum(['iam', 'ec2', 'autoscaling', 's3', 'wafv2']),
  operation: z.string(),
  input: z.record(z.string(), z.unknown()),
  mutating: z.boolean(),
});

export const ActionResultSchema = z.object({
  key: z.string(),
  action: z.enum(PLAYBOOK_IDS),
  target: z.string(),
  status: z.enum(['dry_run', 'applied', 'already_converged', 'failed', 'blocked']),
  calls: z.array(ApiCallSchema),
  note: z.string().optional(),
  reasons: z.array(z.string()).optional(),
  verified: z.boolean().optional(),
});

export const ActionInputSchema = z.object({
  op: z.enum(['run', 'verify']),
  plan_id: z.string().min(1).max(300),
  incident_id: z.string().min(1).max(256),
  planned_at: z.number().int(),
  action: PlannedActionSchema,
  result: ActionResultSchema.optional(),
});

export const RecordInputSchema = z.object({
  conclusion: z.enum(['completed', 'rejected', 'timed_out', 'no_action', 'approval_failed']),
  plan: PlanSchema,
  results: z.array(ActionResultSchema).optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  execution: z.string().max(80).optional(),
});

export const NotifyInputSchema = z.object({
  plan: PlanSchema,
  summary: z.object({
    conclusion: z.string(),
    counts: z.record(z.string(), z.number()),
    results: z.array(ActionResultSchema),
  }),
});
