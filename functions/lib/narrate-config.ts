/**
 * The narrator's settings, read from the environment CDK sets at cold start:
 *
 *   MODEL_ID                      Bedrock model or inference-profile id. Optional: absent means
 *                                 DEFAULT_MODEL_ID (shared/narrate/converse.ts).
 *   NARRATIVE_INCIDENT_BUDGET_USD per-incident ceiling over the incident's life, in US dollars.
 *   NARRATIVE_DAY_BUDGET_USD      account-wide ceiling per UTC day, in US dollars.
 *
 * The budgets are optional (DEFAULT_NARRATIVE_BUDGET of shared/narrate/cost.ts); token ceilings stay
 * at their defaults. infra/config.ts checks the model id with the same parser, so whatever
 * synthesizes also starts.
 */

import type { Parsed } from '../../shared/detect/networks.ts';
import { ValidationError } from '../../shared/errors.ts';
import { DEFAULT_MODEL_ID } from '../../shared/narrate/converse.ts';
import { DEFAULT_NARRATIVE_BUDGET, type NarrativeBudget, priceFor } from '../../shared/narrate/cost.ts';

const SOURCE = 'functions.narrate-config';

export const NARRATE_ENV = {
  modelId: 'MODEL_ID',
  incidentUsd: 'NARRATIVE_INCIDENT_BUDGET_USD',
  dayUsd: 'NARRATIVE_DAY_BUDGET_USD',
} as const;

/** Prefixes of system-defined cross-Region inference profiles; no prefix is an in-Region model id. */
export const INFERENCE_PROFILE_PREFIXES = ['global', 'us', 'us-gov', 'eu', 'apac', 'jp', 'au', 'ca'] as const;
export type InferenceScope = (typeof INFERENCE_PROFILE_PREFIXES)[number] | 'in-region';

export interface ModelId {
  /** As configured, what Converse is called with. */
  id: string;
  /** The foundation model behind it: the id without its inference-profile prefix. */
  foundationModel: string;
  scope: InferenceScope;
}

/**
 * `provider.model-version[:n]`, optionally behind a system inference profile (`global.`, `us.`…).
 * A model without a list price is refused: its cost cannot be budgeted, so every narrative would be
 * the deterministic one and the Bedrock grant would be dead weight.
 */
const FOUNDATION_MODEL = /^[a-z0-9-]+\.[a-z0-9][a-z0-9.-]*(?::[0-9a-z-]+)?$/;

export function parseModelId(text: string): Parsed<ModelId> {
  const shown = JSON.stringify(text.slice(0, 64));
  const dot = text.indexOf('.');
  const prefix = dot > 0 ? text.slice(0, dot) : '';
  const scope = (INFERENCE_PROFILE_PREFIXES as readonly string[]).includes(prefix)
    ? (prefix as InferenceScope)
    : 'in-region';
  const foundationModel = scope === 'in-region' ? text : text.slice(dot + 1);
  if (text.length > 128 || !FOUNDATION_MODEL.test(foundationModel))
    return {
      ok: false,
      problem: `${shown} is not a Bedrock model id such as "${DEFAULT_MODEL_ID}" or "amazon.nova-lite-v1:0"`,
    };
  if (!priceFor(text))
    return {
      ok: false,
      problem: `${shown} has no list price in shared/narrate/cost.ts, so its cost cannot be budgeted`,
    };
  return { ok: true, value: { id: text, foundationModel, scope } };
}

export interface NarrateConfig {
  model: ModelId;
  budget: NarrativeBudget;
}

export function narrateConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NarrateConfig {
  const text = env[NARRATE_ENV.modelId]?.trim() || DEFAULT_MODEL_ID;
  const model = parseModelId(text);
  if (!model.ok)
    throw new ValidationError(`environment variable ${NARRATE_ENV.modelId}: ${model.problem}`, SOURCE);
  const incidentUsd = dollars(env, 'incidentUsd');
  const dayUsd = dollars(env, 'dayUsd');
  return {
    model: model.value,
    budget: {
      incident: {
        ...DEFAULT_NARRATIVE_BUDGET.incident,
        ...(incidentUsd === undefined ? {} : { usd: incidentUsd }),
      },
      day: { ...DEFAULT_NARRATIVE_BUDGET.day, ...(dayUsd === undefined ? {} : { usd: dayUsd }) },
    },
  };
}

/** Zero is allowed: it turns the Bedrock path off and every narrative is the deterministic one. */
export const BUDGET_USD_BOUNDS = { min: 0, max: 1_000 } as const;

function dollars(env: NodeJS.ProcessEnv, key: 'incidentUsd' | 'dayUsd'): number | undefined {
  const name = NARRATE_ENV[key];
  const text = env[name]?.trim();
  if (!text) return undefined;
  const value = /^\d{1,4}(\.\d{1,6})?$/.test(text) ? Number(text) : Number.NaN;
  if (value >= BUDGET_USD_BOUNDS.min && value <= BUDGET_USD_BOUNDS.max) return value;
  throw new ValidationError(
    `environment variable ${name} must be an amount of US dollars between ${BUDGET_USD_BOUNDS.min} and ${BUDGET_USD_BOUNDS.max}`,
    SOURCE,
    { name, value: text.slice(0, 16) },
  );
}
