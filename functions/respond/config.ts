/**
 * The response functions' settings, read at cold start from the environment infra/ writes
 * (infra/constructs/response.ts). Parsed with the same schemas as the deploy-time config, so a
 * function never runs on settings that would not have synthesized.
 */
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.ts';
import type { ActionSettings } from '../../shared/respond/action.ts';
import type { OwnFootprint } from '../../shared/respond/protected.ts';
import { type ResponseSettings, ResponseSettingsSchema } from '../../shared/respond/settings.ts';

export const RESPONSE_ENV = {
  settings: 'RESPONSE_SETTINGS',
  actionSettings: 'RESPONSE_ACTION_SETTINGS',
  own: 'RESPONSE_OWN_FOOTPRINT',
  action: 'RESPONSE_ACTION',
  auditTable: 'AUDIT_TABLE_NAME',
} as const;

export const ActionSettingsSchema = z.object({
  wafIpSets: z
    .array(
      z.object({
        name: z.string().min(1).max(128),
        id: z.string().min(1).max(36),
        scope: z.enum(['REGIONAL', 'CLOUDFRONT']),
      }),
    )
    .max(10)
    .default([]),
  networkAclIds: z
    .array(z.string().regex(/^acl-[0-9a-f]{8,17}$/))
    .max(20)
    .default([]),
  networkAclRuleRange: z
    .tuple([z.number().int().min(1).max(32766), z.number().int().min(1).max(32766)])
    .refine(([lo, hi]) => lo <= hi, { message: 'the rule range must be [low, high]' })
    .default([1, 90]),
  quarantineSecurityGroupName: z.string().min(1).max(255).default('vigil-quarantine'),
});

export const OwnFootprintSchema = z.object({
  namePrefixes: z.array(z.string().min(1)).default([]),
  trustedCidrs: z.array(z.string()).default([]),
});

function json<T>(name: string, schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  let value: unknown = {};
  const text = env[name];
  if (text) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ValidationError(`environment variable ${name} is not JSON`, 'functions.respond.config');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError(
      `environment variable ${name} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      'functions.respond.config',
    );
  return parsed.data;
}

export const responseSettingsFromEnv = (env: NodeJS.ProcessEnv = process.env): ResponseSettings =>
  json(RESPONSE_ENV.settings, ResponseSettingsSchema, env);
export const actionSettingsFromEnv = (env: NodeJS.ProcessEnv = process.env): ActionSettings =>
  json(RESPONSE_ENV.actionSettings, ActionSettingsSchema, env);
export const ownFootprintFromEnv = (env: NodeJS.ProcessEnv = process.env): OwnFootprint =>
  json(RESPONSE_ENV.own, OwnFootprintSchema, env);
