import { z } from 'zod';
import { SEVERITY_ORDER, type Severity, TACTICS, type Tactic } from '../detect/types.ts';
import { PLAYBOOK_IDS } from './playbooks.ts';

const SEVERITIES = Object.keys(SEVERITY_ORDER) as [Severity, ...Severity[]];
const TACTIC_IDS = Object.keys(TACTICS) as [Tactic, ...Tactic[]];
const ENTITY_TYPES = ['principal', 'access_key', 'ip', 'resource', 'account'] as const;

export const CONFIDENCE = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof CONFIDENCE)[number];
export const CONFIDENCE_ORDER: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };

// Length caps bound what a model (or a bug) can make us store and show; ids are checked against
// the pack by the validator, so here they are only bounded strings.
const text = (max: number) => z.string().min(1).max(max);
/** Every statement rests on at least one evidence item of the pack. */
const cites = z.array(z.string().max(64)).min(1).max(20);

export const ClaimSchema = z.strictObject({ text: text(500), evidence: cites });

/**
 * What a narrator fills, model or deterministic: the structured-output contract of the Bedrock path.
 * `severity` and `confidence` are the narrator's assessment; the validator keeps them at or above
 * the deterministic floor, because the model is advisory.
 */
export const NarrativeBodySchema = z.strictObject({
  summary: text(1500),
  severity: z.enum(SEVERITIES),
  /** How strongly the evidence shows malicious activity. */
  confidence: z.enum(CONFIDENCE),
  timeline: z.array(z.strictObject({ time: z.iso.datetime(), text: text(400), evidence: cites })).max(40),
  attack: z
    .array(
      z.strictObject({
        technique: z.string().regex(/^T\d{4}(\.\d{3})?$/),
        tactic: z.enum(TACTIC_IDS),
        evidence: cites,
      }),
    )
    .max(30),
  affected_assets: z
    .array(
      z.strictObject({
        type: z.enum(ENTITY_TYPES),
        id: text(300),
        role: z.enum(['actor', 'credential', 'source', 'target', 'account']),
        evidence: cites,
      }),
    )
    .max(40),
  hypotheses: z.array(ClaimSchema).max(10),
  playbooks: z
    .array(
      z.strictObject({
        id: z.enum(PLAYBOOK_IDS),
        target: z.strictObject({ type: z.enum(ENTITY_TYPES), id: text(300) }),
        reason: text(400),
        evidence: cites,
      }),
    )
    .max(10),
  open_questions: z.array(text(300)).max(10),
  claims: z.array(ClaimSchema).min(1).max(40),
});

export type NarrativeBody = z.infer<typeof NarrativeBodySchema>;
export type Claim = z.infer<typeof ClaimSchema>;
export type PlaybookRecommendation = NarrativeBody['playbooks'][number];

/** A narrative as stored and shown: the body plus who wrote it. */
export type Narrative = NarrativeBody & { generated_by: 'deterministic' | 'bedrock' };

// Structured output accepts a subset of JSON Schema (no string-length or item-count bounds beyond
// minItems 0/1, no regex lookarounds); zod re-checks all of them on the answer anyway.
const UNSUPPORTED = new Set(['$schema', 'maxLength', 'minLength', 'maxItems', 'pattern']);

const strip = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(strip);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (UNSUPPORTED.has(k)) continue;
    if (k === 'minItems' && typeof v === 'number' && v > 1) continue;
    out[k] = strip(v);
  }
  return out;
};

/** The JSON Schema for Bedrock Converse `outputConfig.textFormat` (or a strict tool's input schema). */
export const narrativeJsonSchema = strip(z.toJSONSchema(NarrativeBodySchema)) as Record<string, unknown>;
