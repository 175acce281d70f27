import type { IncidentRecord } from '../correlate/store.ts';
import type { EntityRef } from '../detect/types.ts';
import { describeError } from '../errors.ts';
import {
  buildConverseRequest,
  type ConverseAnswer,
  type ConverseRequest,
  DEFAULT_MAX_OUTPUT_TOKENS,
  DEFAULT_MODEL_ID,
  extractAnswer,
  type ModelFailure,
  type NarrativeModel,
  NarrativeModelError,
  profileFor,
  retryRequest,
  unfence,
} from './converse.ts';
import {
  checkBudget,
  costUsd,
  DEFAULT_NARRATIVE_BUDGET,
  type NarrativeAudit,
  type NarrativeBudget,
  narrativeBasis,
  PRICES_AS_OF,
  priceFor,
  promptSha256,
  type Spend,
} from './cost.ts';
import { buildEvidencePack, LOCAL_PACK_BUDGET, MODEL_PACK_BUDGET } from './evidence-pack.ts';
import { narrate } from './narrator.ts';
import type { Narrative } from './schema.ts';
import { PROMPT_TEMPLATE_VERSION, spotlightPack } from './spotlight.ts';
import { type NarrativeIssue, narrativeContext, validateNarrative } from './validate.ts';

/** Why a narrative is the deterministic one although the Bedrock path was asked for. */
export type FallbackReason = 'validation_failed' | ModelFailure | 'budget_exhausted' | 'internal_error';

/** A narrative as the Bedrock path stores it: the narrative, its audit record, and why it fell back. */
export type StoredNarrative = Narrative & {
  audit: NarrativeAudit;
  fallback_reason?: FallbackReason;
  /** Safe to show: codes, paths, error names, budget figures; never prompt or evidence text. */
  fallback_detail?: string;
};

export interface InvestigateConfig {
  modelId: string;
  maxOutputTokens: number;
  /** Token budget of the evidence pack the model reads. */
  packBudget: number;
  budget: NarrativeBudget;
}

export const DEFAULT_INVESTIGATE_CONFIG: InvestigateConfig = {
  modelId: DEFAULT_MODEL_ID,
  maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS,
  packBudget: MODEL_PACK_BUDGET,
  budget: DEFAULT_NARRATIVE_BUDGET,
};

export interface InvestigateDeps {
  model: NarrativeModel;
  /** Milliseconds since the epoch: latency and the generation time. */
  now: () => number;
  /** Fresh random letters and digits per request: the spotlight delimiters. */
  nonce: () => string;
  isProtected: (target: EntityRef) => boolean;
  /** Already spent on this incident and today, as the narrative store counts it. */
  spent: { incident: Spend; day: Spend };
}

/** Counts the request as the budget does: about four characters a token, as sent on the wire. */
export const approxRequestTokens = (request: ConverseRequest): number =>
  Math.ceil(JSON.stringify(request).length / 4);

/**
 * Writes an incident's narrative with a Bedrock model, and never leaves the incident without one.
 *
 * Pack → spotlighted request → model → validator. An answer the validator rejects gets one retry that
 * carries the reasons; a second rejection, a throttled, timed-out or failed call, or a budget that
 * cannot cover the call yields the deterministic narrative with the reason recorded. The validator is
 * what keeps the model advisory: it rejects a lower severity or confidence, a playbook or target off
 * the incident's menu, a protected target and an uncited or unknown-evidence claim, so whatever is
 * stored as `bedrock` passed all of it.
 */
export async function investigate(
  incident: IncidentRecord,
  deps: InvestigateDeps,
  config: InvestigateConfig = DEFAULT_INVESTIGATE_CONFIG,
): Promise<StoredNarrative> {
  const started = deps.now();
  const mode = profileFor(config.modelId).output;
  const price = priceFor(config.modelId);
  const used = { attempts: 0, tokensIn: 0, tokensOut: 0, latency: 0 };
  let sha: string | null = null;

  const audit = (): NarrativeAudit => ({
    model_id: config.modelId,
    prompt_template_version: PROMPT_TEMPLATE_VERSION,
    prompt_sha256: sha,
    output_mode: mode,
    attempts: used.attempts,
    tokens_in: used.tokensIn,
    tokens_out: used.tokensOut,
    latency_ms: used.latency,
    estimated_cost_usd: price ? costUsd(price, used.tokensIn, used.tokensOut) : 0,
    price_as_of: PRICES_AS_OF,
    generated_at: new Date(started).toISOString(),
    basis: narrativeBasis(incident),
  });
  const fallback = (reason: FallbackReason, detail: string): StoredNarrative => ({
    // The deterministic narrator costs nothing per token, so it reads the larger local pack.
    ...narrate(buildEvidencePack(incident, LOCAL_PACK_BUDGET), { isProtected: deps.isProtected }),
    audit: audit(),
    fallback_reason: reason,
    fallback_detail: detail,
  });

  let pack: ReturnType<typeof buildEvidencePack>;
  let spot: ReturnType<typeof spotlightPack>;
  let first: ConverseRequest;
  let ctx: ReturnType<typeof narrativeContext>;
  try {
    pack = buildEvidencePack(incident, config.packBudget);
    spot = spotlightPack(pack, deps.nonce());
    ctx = narrativeContext(pack, deps.isProtected);
    first = buildConverseRequest(pack, spot, ctx, {
      modelId: config.modelId,
      maxTokens: config.maxOutputTokens,
    });
  } catch (e) {
    return fallback('internal_error', describeError(e).slice(0, 200));
  }

  /** One Converse call within budget; the answer, or why there is none. */
  const call = async (
    request: ConverseRequest,
  ): Promise<
    { ok: true; answer: ConverseAnswer } | { ok: false; reason: FallbackReason; detail: string }
  > => {
    sha = promptSha256(request);
    if (!price)
      return {
        ok: false,
        reason: 'budget_exhausted',
        detail: `no list price for model ${config.modelId}: its cost cannot be budgeted`,
      };
    const plannedIn = approxRequestTokens(request);
    const planned = {
      tokens: plannedIn + config.maxOutputTokens,
      usd: costUsd(price, plannedIn, config.maxOutputTokens),
    };
    const spentNow = {
      tokens: used.tokensIn + used.tokensOut,
      usd: costUsd(price, used.tokensIn, used.tokensOut),
    };
    const verdict = checkBudget(
      config.budget,
      {
        incident: add(deps.spent.incident, spentNow),
        day: add(deps.spent.day, spentNow),
      },
      planned,
    );
    if (!verdict.ok) return { ok: false, reason: 'budget_exhausted', detail: verdict.detail };

    used.attempts += 1;
    const t0 = deps.now();
    try {
      const answer = await deps.model.converse(request);
      used.latency += deps.now() - t0;
      // Without `usage` (it is optional on the wire) the estimate stands in, so spend is never zero.
      used.tokensIn += answer.usage?.inputTokens ?? plannedIn;
      used.tokensOut += answer.usage?.outputTokens ?? Math.ceil(JSON.stringify(answer.content).length / 4);
      return { ok: true, answer };
    } catch (e) {
      used.latency += deps.now() - t0;
      // A call that failed may still have been billed for its input; count the estimate, fail safe.
      if (!(e instanceof NarrativeModelError) || e.failure === 'timeout') used.tokensIn += plannedIn;
      if (e instanceof NarrativeModelError)
        return { ok: false, reason: e.failure, detail: `${e.message}${errorContext(e)}` };
      return { ok: false, reason: 'service_error', detail: describeError(e).slice(0, 200) };
    }
  };

  const judge = (answer: ConverseAnswer) => {
    const extracted = extractAnswer(answer, mode);
    if (!extracted.ok) return extracted;
    return validateNarrative(unfence(extracted.output, spot), ctx);
  };

  let request = first;
  let errors: NarrativeIssue[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    if (attempt === 1) request = retryRequest(first, errors);
    const result = await call(request);
    if (!result.ok) {
      if (attempt === 1 && result.reason === 'budget_exhausted')
        return fallback('validation_failed', `${summarise(errors)}; no retry: ${result.detail}`);
      return fallback(result.reason, result.detail);
    }
    const verdict = judge(result.answer);
    if (verdict.ok) return { ...verdict.narrative, generated_by: 'bedrock', audit: audit() };
    errors = verdict.errors;
  }
  return fallback('validation_failed', summarise(errors));
}

const add = (a: Spend, b: Spend): Spend => ({ tokens: a.tokens + b.tokens, usd: a.usd + b.usd });

const errorContext = (e: NarrativeModelError): string => {
  const parts = Object.entries(e.context)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
};

/** Codes and paths only: the messages repeat model output, which is not shown outside the retry. */
const summarise = (errors: readonly NarrativeIssue[]): string =>
  `answer rejected twice: ${errors
    .slice(0, 10)
    .map((e) => `${e.code} at ${e.path || '(answer)'}`)
    .join('; ')}${errors.length > 10 ? `; and ${errors.length - 10} more` : ''}`;
