import { createHash } from 'node:crypto';
import { entityKey, type IncidentSummary, isStrong } from '../correlate/types.ts';
import { SEVERITY_ORDER, type Severity, type Tactic } from '../detect/types.ts';
import type { OutputMode } from './converse.ts';

/** On-demand list price of a model, in US dollars per 1,000 tokens. */
export interface ModelPrice {
  /** Matched against the model id in order; the first match wins. */
  match: RegExp;
  label: string;
  inputPer1k: number;
  outputPer1k: number;
}

/**
 * When the prices below were read. They are on-demand list prices (no Batch, no prompt caching, no
 * negotiated discount), taken on 2026-11-23 from copies of the Amazon Bedrock pricing and model-card
 * pages; check https://aws.amazon.com/bedrock/pricing/ before relying on them for a bill. For Claude
 * 4.5 and later, the global cross-Region profile is the base price and in-Region or geographic
 * (`us.`, `eu.`…) profiles cost 10% more; Nova costs the same through its profiles.
 */
export const PRICES_AS_OF = '2026-11-23';

export const MODEL_PRICES: readonly ModelPrice[] = [
  {
    match: /^global\.anthropic\.claude-haiku-5-5/,
    label: 'Claude Haiku 5.5, global',
    inputPer1k: 0.0001,
    outputPer1k: 0.0005,
  },
  {
    match: /anthropic\.claude-haiku-5-5/,
    label: 'Claude Haiku 5.5, in-Region or geographic',
    inputPer1k: 0.00011,
    outputPer1k: 0.00055,
  },
  {
    match: /^global\.anthropic\.claude-haiku-4-5/,
    label: 'Claude Haiku 4.5, global',
    inputPer1k: 0.001,
    outputPer1k: 0.005,
  },
  {
    match: /anthropic\.claude-haiku-4-5/,
    label: 'Claude Haiku 4.5, in-Region or geographic',
    inputPer1k: 0.0011,
    outputPer1k: 0.0055,
  },
  { match: /amazon\.nova-lite-v1/, label: 'Amazon Nova Lite', inputPer1k: 0.00006, outputPer1k: 0.00024 },
  { match: /amazon\.nova-micro-v1/, label: 'Amazon Nova Micro', inputPer1k: 0.000035, outputPer1k: 0.00014 },
];

export const priceFor = (modelId: string): ModelPrice | undefined =>
  MODEL_PRICES.find((p) => p.match.test(modelId));

/** Dollars, rounded to a millionth of a cent so stored figures compare equal across runs. */
export const costUsd = (price: ModelPrice, tokensIn: number, tokensOut: number): number =>
  Math.round(((tokensIn * price.inputPer1k + tokensOut * price.outputPer1k) / 1000) * 1e8) / 1e8;

/** Identifies the prompt without keeping it: the prompt carries log data and is never stored. */
export const promptSha256 = (request: unknown): string =>
  createHash('sha256').update(JSON.stringify(request)).digest('hex');

// --- Budgets ---

export interface Spend {
  tokens: number;
  usd: number;
}

export interface NarrativeBudget {
  /** Over an incident's life: its first narrative, the regenerations and every retry. */
  incident: Spend;
  /** Across the account per UTC day: what keeps a burst of incidents from becoming a bill. */
  day: Spend;
}

/**
 * The story incident costs about 12k tokens and $0.002 with the default model, so an incident may be
 * narrated a handful of times with retries; a day covers about two thousand narratives.
 */
export const DEFAULT_NARRATIVE_BUDGET: NarrativeBudget = {
  incident: { tokens: 100_000, usd: 0.05 },
  day: { tokens: 10_000_000, usd: 5 },
};

export type BudgetVerdict = { ok: true } | { ok: false; scope: 'incident' | 'day'; detail: string };

/**
 * Whether a planned call fits. Pure: what was already spent is counted elsewhere (the narrative
 * store) and passed in. The plan is the worst case (the whole input and the output cap), so a budget
 * is a ceiling that is never crossed, not a target that is overshot by one call.
 */
export function checkBudget(
  budget: NarrativeBudget,
  spent: { incident: Spend; day: Spend },
  planned: Spend,
): BudgetVerdict {
  for (const scope of ['incident', 'day'] as const) {
    const tokens = spent[scope].tokens + planned.tokens;
    const usd = spent[scope].usd + planned.usd;
    if (tokens > budget[scope].tokens)
      return {
        ok: false,
        scope,
        detail: `${scope} token budget: ${tokens} tokens would exceed ${budget[scope].tokens}`,
      };
    if (usd > budget[scope].usd)
      return {
        ok: false,
        scope,
        detail: `${scope} cost budget: $${usd.toFixed(6)} would exceed $${budget[scope].usd}`,
      };
  }
  return { ok: true };
}

// --- Regeneration ---

/** What a narrative was written from, kept with it to decide when it is out of date. */
export interface NarrativeBasis {
  severity: Severity;
  risk: number;
  tactics: Tactic[];
  /** `type:id` of the principals and access keys: the actors of the story. */
  strong_entities: string[];
}

export const narrativeBasis = (incident: IncidentSummary): NarrativeBasis => ({
  severity: incident.severity,
  risk: incident.risk,
  tactics: [...incident.tactics],
  strong_entities: incident.entities.filter(isStrong).map(entityKey).sort(),
});

/** A quarter more risk is a real escalation; smaller moves are the same story with more evidence. */
export const MATERIAL_RISK_INCREASE = 0.25;

/**
 * Why a narrative written from `previous` no longer describes the incident, if it does not: a new
 * tactic, a higher severity, risk up by a quarter or more, or a new actor (principal or access key).
 * An empty list means the stored narrative stands and no tokens are spent.
 */
export function materialChanges(previous: NarrativeBasis, incident: IncidentSummary): string[] {
  const now = narrativeBasis(incident);
  const reasons: string[] = [];
  const tactics = now.tactics.filter((t) => !previous.tactics.includes(t));
  if (tactics.length) reasons.push(`new tactic ${tactics.join(', ')}`);
  if (SEVERITY_ORDER[now.severity] > SEVERITY_ORDER[previous.severity])
    reasons.push(`severity ${previous.severity} → ${now.severity}`);
  if (
    now.risk > previous.risk &&
    (previous.risk <= 0 || now.risk >= previous.risk * (1 + MATERIAL_RISK_INCREASE))
  )
    reasons.push(`risk ${previous.risk} → ${now.risk}`);
  const actors = now.strong_entities.filter((e) => !previous.strong_entities.includes(e));
  if (actors.length) reasons.push(`${actors.length} new principal(s) or access key(s)`);
  return reasons;
}

export const materiallyChanged = (previous: NarrativeBasis, incident: IncidentSummary): boolean =>
  materialChanges(previous, incident).length > 0;

// --- Audit ---

/** Stored with every narrative the Bedrock path produces, including the deterministic fallbacks. */
export interface NarrativeAudit {
  model_id: string;
  prompt_template_version: string;
  /** SHA-256 of the last request sent (or built, when none was sent); never the prompt itself. */
  prompt_sha256: string | null;
  output_mode: OutputMode;
  /** Converse calls made: 0 (budget), 1, or 2 with the retry. */
  attempts: number;
  /** From Converse `usage`, summed over the attempts: a rejected answer was paid for too. */
  tokens_in: number;
  tokens_out: number;
  latency_ms: number;
  estimated_cost_usd: number;
  /** When the list prices behind the estimate were read. */
  price_as_of: string;
  generated_at: string;
  basis: NarrativeBasis;
}
