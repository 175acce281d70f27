import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BUDGET_USD_BOUNDS, parseModelId } from '../functions/lib/narrate-config.ts';
import { SCORING_BOUNDS } from '../functions/lib/scoring-config.ts';
import { ActionSettingsSchema } from '../functions/respond/config.ts';
import { parseCidr } from '../shared/detect/networks.ts';
import { DEFAULT_MODEL_ID } from '../shared/narrate/converse.ts';
import { ResponseSettingsSchema } from '../shared/respond/settings.ts';

/** The project root: relative paths in the configuration resolve here, wherever `cdk` is run from. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The CDK context key that holds Vigil's deploy-time configuration. */
export const CONFIG_CONTEXT_KEY = 'vigil';

/**
 * Retention periods CloudWatch Logs accepts for PutRetentionPolicy.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const accountId = z
  .string({ error: 'expected a 12-digit AWS account id as a string, e.g. "123456789012"' })
  .regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id as a string, e.g. "123456789012"' });

// The name pattern EventBridge requires of a partner event bus, which must equal its event source name.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateEventBus.html
const partnerEventSource = z
  .string({ error: 'expected a partner event source name such as "aws.partner/okta.com/<org-id>/<name>"' })
  .max(256, { error: 'a partner event source name has at most 256 characters' })
  .regex(/^aws\.partner(\/[.\-_A-Za-z0-9]+){2,}$/, {
    error: 'expected a partner event source name such as "aws.partner/okta.com/<org-id>/<name>"',
  });

// The same parser the normaliser applies to TRUSTED_CIDRS at cold start: what synthesizes also starts.
const trustedCidr = z
  .string({ error: 'expected a CIDR range as a string, e.g. "203.0.113.0/24"' })
  .transform((text, ctx) => {
    const parsed = parseCidr(text.trim());
    if (parsed.ok) return parsed.value.text;
    ctx.addIssue({ code: 'custom', message: `expected a CIDR range: ${parsed.problem}` });
    return z.NEVER;
  });

/**
 * Lambda allows 4 KB of environment variables per function, shared with the table name, the queue
 * URL and the logger settings; the detection settings get at most this much of it.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
 */
const DETECTION_ENV_BUDGET = 3_000;

// Resolved against the project root, not the shell's working directory: `cdk synth` from a
// subfolder must ship the same rules. Checked here so a typo fails synth with the key's name.
const sigmaRulesDir = z
  .string({ error: 'expected a folder path relative to the project, e.g. "rules/sigma"' })
  .min(1, { error: 'expected a folder path relative to the project, e.g. "rules/sigma"' })
  .transform((text, ctx) => {
    const path = isAbsolute(text) ? text : resolve(PROJECT_ROOT, text);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) return path;
    ctx.addIssue({
      code: 'custom',
      message: `expected a folder of Sigma rules, but ${path} ${stat ? 'is not a folder' : 'does not exist'}`,
    });
    return z.NEVER;
  });

// The bounds the correlator checks at cold start (functions/lib/scoring-config.ts).
const wholeNumberIn = ({ min, max }: { min: number; max: number }, unit: string) =>
  z
    .number({ error: `expected a whole number of ${unit} between ${min} and ${max}` })
    .int({ error: `expected a whole number of ${unit} between ${min} and ${max}` })
    .min(min, { error: `expected a whole number of ${unit} between ${min} and ${max}` })
    .max(max, { error: `expected a whole number of ${unit} between ${min} and ${max}` });

const scoring = z.strictObject(
  {
    threshold: wholeNumberIn(SCORING_BOUNDS.threshold, 'risk points').optional(),
    windowHours: wholeNumberIn(SCORING_BOUNDS.windowHours, 'hours').optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'expected an object') },
);

// The parser the narrator applies to MODEL_ID at cold start: what synthesizes also starts.
const modelId = z
  .string({ error: `expected a Bedrock model or inference-profile id such as "${DEFAULT_MODEL_ID}"` })
  .transform((text, ctx) => {
    const parsed = parseModelId(text.trim());
    if (parsed.ok) return parsed.value.id;
    ctx.addIssue({ code: 'custom', message: `expected a Bedrock model id: ${parsed.problem}` });
    return z.NEVER;
  });

const usd = z
  .number({ error: `expected US dollars between ${BUDGET_USD_BOUNDS.min} and ${BUDGET_USD_BOUNDS.max}` })
  .min(BUDGET_USD_BOUNDS.min, {
    error: `expected US dollars between ${BUDGET_USD_BOUNDS.min} and ${BUDGET_USD_BOUNDS.max}`,
  })
  .max(BUDGET_USD_BOUNDS.max, {
    error: `expected US dollars between ${BUDGET_USD_BOUNDS.min} and ${BUDGET_USD_BOUNDS.max}`,
  });

const narrativeBudgetUsd = z.strictObject(
  { incident: usd, day: usd },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'expected an object') },
);

/**
 * Response playbooks: modes (a new install asks first: every playbook defaults to `approve`),
 * protected principals, budgets, approvers and where approval emails go; `actions` says where
 * block_ip writes and how isolation names its security group.
 */
const response = ResponseSettingsSchema.extend({
  approverEmails: z
    .array(z.email({ error: 'expected email addresses of approvers' }))
    .max(20)
    .default([]),
  fromEmail: z.email({ error: 'expected the SES-verified address approval emails come from' }).optional(),
  consoleUrl: z.url({ protocol: /^https$/, error: "expected the console's https URL" }).optional(),
  actions: ActionSettingsSchema.default(ActionSettingsSchema.parse({})),
}).superRefine((r, ctx) => {
  // A plan that needs more approvers than are mailed could never be approved.
  const needed = Math.max(r.approvers.standard, r.approvers.destructive);
  if (r.approverEmails.length > 0 && r.approverEmails.length < needed)
    ctx.addIssue({
      code: 'custom',
      path: ['approverEmails'],
      message: `expected at least ${needed} approver addresses (approvers.destructive is ${r.approvers.destructive})`,
    });
});

export const VigilConfigSchema = z
  .strictObject(
    {
      stage: z.enum(['dev', 'prod'], { error: 'expected "dev" or "prod"' }).default('dev'),
      logRetentionDays: z
        .literal(LOG_RETENTION_DAYS, {
          error: `expected a retention CloudWatch Logs allows, one of ${LOG_RETENTION_DAYS.join(', ')}`,
        })
        .default(90),
      externalSourceAccounts: z
        .array(accountId, { error: 'expected a list of 12-digit AWS account ids' })
        .default([])
        .transform((ids) => [...new Set(ids)]),
      partnerEventSources: z
        .array(partnerEventSource, { error: 'expected a list of partner event source names' })
        .default([])
        .transform((names) => [...new Set(names)]),
      alarmEmail: z.email({ error: 'expected an email address such as "soc@example.com"' }).optional(),
      /**
       * Accounts of the organisation beyond the deploying one, which always counts: detections treat
       * a share or trust to any other account as foreign.
       */
      orgAccounts: z
        .array(accountId, { error: 'expected a list of 12-digit AWS account ids' })
        .default([])
        .transform((ids) => [...new Set(ids)]),
      /** The organisation's own networks (offices, VPN, NAT egress); private ranges are always trusted. */
      trustedCidrs: z
        .array(trustedCidr, { error: 'expected a list of CIDR ranges such as "203.0.113.0/24"' })
        .default([])
        .transform((cidrs) => [...new Set(cidrs)]),
      /**
       * A folder of Sigma rules to validate at synth and ship with the normaliser (products aws,
       * okta, github; other files are skipped). Relative to the project root. Absent: none.
       */
      sigmaRulesDir: sigmaRulesDir.optional(),
      /** Correlation scoring beyond the defaults (shared/correlate/policy.ts): threshold and window. */
      scoring: scoring.optional(),
      /** The Bedrock model the narrator calls; the function may invoke this model and no other. */
      modelId: modelId.default(DEFAULT_MODEL_ID),
      /** Narrative spend ceilings beyond the defaults (shared/narrate/cost.ts): per incident, per UTC day. */
      narrativeBudgetUsd: narrativeBudgetUsd.optional(),
      response: response.default(response.parse({})),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'expected an object') },
  )
  .superRefine((config, ctx) => {
    // Account id plus comma for each account (the deploying one included), then the CIDR list.
    const size = 13 * (config.orgAccounts.length + 1) + config.trustedCidrs.join(',').length;
    if (size > DETECTION_ENV_BUDGET)
      ctx.addIssue({
        code: 'custom',
        path: ['orgAccounts'],
        message: `expected orgAccounts and trustedCidrs to fit in ${DETECTION_ENV_BUDGET} characters of the function environment (Lambda allows 4 KB in all), they take ${size}`,
      });
  });

export type VigilConfig = z.infer<typeof VigilConfigSchema>;
export type Stage = VigilConfig['stage'];

/** A deploy-time configuration that cannot be used; the message names every bad key. */
export class VigilConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid CDK context "${CONFIG_CONTEXT_KEY}":\n  ${problems.join('\n  ')}`);
    this.name = 'VigilConfigError';
  }
}

/**
 * Parses the `vigil` context value. `cdk -c vigil='{"stage":"prod"}'` passes a string, cdk.json an
 * object: both are accepted; a missing value means all defaults.
 */
export function parseVigilConfig(raw: unknown): VigilConfig {
  const value = typeof raw === 'string' ? parseJson(raw) : (raw ?? {});
  const result = VigilConfigSchema.safeParse(value);
  if (result.success) return result.data;
  throw new VigilConfigError(
    result.error.issues.flatMap((issue) => {
      const path = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        const nested = { scoring: scoring.shape, narrativeBudgetUsd: narrativeBudgetUsd.shape } as const;
        const known = Object.keys(nested[path[0] as keyof typeof nested] ?? VigilConfigSchema.shape).join(
          ', ',
        );
        return issue.keys.map((k) => `${keyName([...path, k])}: unknown key (known keys: ${known})`);
      }
      return [`${keyName(path)}: ${issue.message}, got ${describe(valueAt(value, path))}`];
    }),
  );
}

const keyName = (path: readonly string[]): string => [CONFIG_CONTEXT_KEY, ...path].join('.');

function valueAt(root: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
    root,
  );
}

const describe = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new VigilConfigError([
      `${CONFIG_CONTEXT_KEY}: expected a JSON object, got ${JSON.stringify(text)}`,
    ]);
  }
}
