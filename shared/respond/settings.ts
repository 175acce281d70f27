/**
 * Response settings: what a deployment allows Vigil to do. Parsed with zod at synth time (infra
 * config) and again at cold start (the guard's environment), so what deploys is what runs.
 */
import { z } from 'zod';
import { PLAYBOOK_IDS, type PlaybookId } from '../narrate/playbooks.ts';
import { MODES, type Mode } from './types.ts';

/** What a new install gets: every playbook asks a person first. Never `auto` by default. */
export const DEFAULT_MODES: Readonly<Record<PlaybookId, Mode>> = Object.freeze(
  Object.fromEntries(PLAYBOOK_IDS.map((id) => [id, 'approve'])) as Record<PlaybookId, Mode>,
);

const principalPattern = z
  .string()
  .min(1)
  .max(2048)
  .refine((s) => /^(arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):[^\s]+|[\w+=,.@*-]{1,128})$/.test(s), {
    message: 'expected an IAM user/role ARN (may use * for the account) or a bare user/role name',
  });

export const ResponseSettingsSchema = z.object({
  /** Mode per playbook; unspecified playbooks keep DEFAULT_MODES. */
  modes: z
    .partialRecord(z.enum(PLAYBOOK_IDS), z.enum(MODES))
    .default({})
    .transform((m) => ({ ...DEFAULT_MODES, ...m }) as Record<PlaybookId, Mode>),
  /** Break-glass and other principals Vigil must never act on: ARNs (account may be `*`) or names. */
  protectedPrincipals: z.array(principalPattern).max(200).default([]),
  /** Tag keys whose presence protects a resource (in addition to Vigil's own tags). */
  protectedTagKeys: z.array(z.string().min(1).max(128)).max(20).default(['vigil:protected']),
  /** Actions Vigil may take per incident and per hour across all incidents. */
  budgets: z
    .object({
      perIncident: z.number().int().min(1).max(100).default(5),
      perHour: z.number().int().min(1).max(1000).default(20),
    })
    .default({ perIncident: 5, perHour: 20 }),
  /** Approvers needed: destructive actions (they can interrupt a workload) need more. */
  approvers: z
    .object({
      standard: z.number().int().min(1).max(5).default(1),
      destructive: z.number().int().min(1).max(5).default(2),
    })
    .default({ standard: 1, destructive: 2 }),
  /** How long an approval link lives; the approval task times out with it (timeout = reject). */
  approvalTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(24 * 3600),
});

export type ResponseSettings = z.output<typeof ResponseSettingsSchema>;

export const defaultResponseSettings = (): ResponseSettings => ResponseSettingsSchema.parse({});
