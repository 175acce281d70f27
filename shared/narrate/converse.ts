import { type ErrorKind, VigilError } from '../errors.ts';
import { eligiblePlaybooks } from './eligibility.ts';
import type { EvidencePack } from './evidence-pack.ts';
import { PLAYBOOKS } from './playbooks.ts';
import { narrativeJsonSchema } from './schema.ts';
import { neutralise, type SpotlightedPack } from './spotlight.ts';
import type { NarrativeContext, NarrativeIssue } from './validate.ts';

/**
 * The Bedrock Converse request for a narrative, and the port a model sits behind. Pure: the adapter
 * (bedrock-model.ts) is the only place the AWS SDK appears. The shapes below are the Converse wire
 * shapes (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html); the
 * adapter passes them to the SDK unchanged, and the compiler checks they still fit its types.
 *
 * The wording of the prompts below is part of the prompt template: change it only together with
 * PROMPT_TEMPLATE_VERSION (spotlight.ts), which every stored narrative records.
 */

/** How a model is made to answer in the narrative schema. */
export type OutputMode = 'json_schema' | 'tool_use';

export interface ModelProfile {
  /** Matched against the model id, so inference-profile prefixes (`global.`, `us.`, `eu.`) all fit. */
  match: RegExp;
  output: OutputMode;
  /** Passed through to the model's native request (Converse `additionalModelRequestFields`). */
  additionalModelRequestFields?: JsonObject;
}

/**
 * Model capability by family. Converse structured output (`outputConfig.textFormat`) exists only for
 * some models (https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html: Claude
 * Haiku/Sonnet/Opus 4.5 at launch); the others get the same schema as a strict tool they are forced
 * to call. Claude Haiku 5.5 answers through the tool on Bedrock (the AI SDK's Bedrock provider does
 * the same, 2026-10); its adaptive thinking is on by default and Anthropic refuses a forced tool
 * choice while thinking, so it is switched off. Unknown models get the tool: tool use is the
 * capability nearly every Converse model has.
 */
export const MODEL_PROFILES: readonly ModelProfile[] = [
  {
    match: /anthropic\.claude-haiku-5/,
    output: 'tool_use',
    additionalModelRequestFields: { thinking: { type: 'disabled' } },
  },
  { match: /anthropic\.claude-(?:haiku|sonnet|opus)-4-5/, output: 'json_schema' },
  { match: /amazon\.nova-/, output: 'tool_use' },
];

/** The current Claude Haiku on Bedrock, through the global cross-Region inference profile. */
export const DEFAULT_MODEL_ID = 'global.anthropic.claude-haiku-5-5';

export const profileFor = (modelId: string): ModelProfile =>
  MODEL_PROFILES.find((p) => p.match.test(modelId)) ?? { match: /.*/, output: 'tool_use' };

export const NARRATIVE_TOOL = 'record_narrative';

// --- Converse wire shapes (the subset Vigil sends and reads) ---

/** A JSON document, as Converse carries schemas and model-specific fields. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface TextBlock {
  text: string;
}

export interface ConverseRequest {
  modelId: string;
  system: TextBlock[];
  messages: { role: 'user'; content: TextBlock[] }[];
  inferenceConfig: { maxTokens: number; temperature: number };
  outputConfig?: {
    textFormat: {
      type: 'json_schema';
      structure: { jsonSchema: { schema: string; name: string; description: string } };
    };
  };
  toolConfig?: {
    tools: {
      toolSpec: {
        name: string;
        description: string;
        strict: boolean;
        inputSchema: { json: JsonObject };
      };
    }[];
    toolChoice: { tool: { name: string } };
  };
  additionalModelRequestFields?: JsonObject;
}

export interface AnswerBlock {
  text?: string;
  toolUse?: { toolUseId?: string; name?: string; input?: unknown };
}

/** What the adapter hands back from a Converse response. */
export interface ConverseAnswer {
  content: AnswerBlock[];
  stopReason: string;
  /** Converse `usage`; absent only when the service omits it. */
  usage?: { inputTokens: number; outputTokens: number };
}

/** The port: one Converse call. Throws NarrativeModelError for every failure it can classify. */
export interface NarrativeModel {
  converse(request: ConverseRequest): Promise<ConverseAnswer>;
}

export type ModelFailure = 'throttled' | 'timeout' | 'service_error' | 'request_rejected';

/**
 * A Converse call that produced no answer. `request_rejected` (the request itself is wrong: access,
 * validation, unknown model) is a validation error; the rest are transient. Context holds the error
 * name and status only: service messages can quote the request, and the request holds log data.
 */
export class NarrativeModelError extends VigilError {
  readonly kind: ErrorKind;
  constructor(
    readonly failure: ModelFailure,
    message: string,
    context: Record<string, string | number | boolean | undefined> = {},
  ) {
    super(message, 'narrate.bedrock', context);
    this.kind = failure === 'request_rejected' ? 'validation' : 'transient';
  }
}

// --- The request ---

export interface RequestOptions {
  modelId: string;
  /** Caps what one answer can cost; the narrative schema fits well within it. */
  maxTokens: number;
}

/** The output budget a narrative needs: the story incident's answer is about 3k tokens. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 6000;

const fenced = (value: string, spot: SpotlightedPack): string => {
  const nonce = spot.open.slice(1, -1);
  return `${spot.open}${neutralise(value, nonce)}${spot.close}`;
};

/**
 * The playbook menu the model may choose from. Target ids are entity names from logs, so they are
 * fenced like the pack; the model is told to copy them without the fences, and the orchestrator
 * removes any fences it copies anyway before validating.
 */
function playbookMenu(pack: EvidencePack, spot: SpotlightedPack): string {
  const menu = eligiblePlaybooks(pack).map((p) => ({
    id: p.id,
    action: PLAYBOOKS[p.id].title,
    target: { type: p.target.type, id: fenced(p.target.id, spot) },
  }));
  return JSON.stringify(menu);
}

function systemPrompt(ctx: NarrativeContext, spot: SpotlightedPack, mode: OutputMode): string {
  return [
    'You are the investigation assistant of Vigil, a security operations center for AWS. From the',
    "evidence pack of one incident, write the analyst's narrative: what happened, how, to what, and",
    'what to do next. You are advisory: a human approves every response action.',
    '',
    'Rules:',
    '1. Every claim, timeline entry, technique, asset, hypothesis and playbook cites the ids of the',
    '   evidence items (the "id" of each entry of "evidence") it rests on. Never cite anything else.',
    `2. Severity is at least ${ctx.floor.severity} and confidence at least ${ctx.floor.confidence}:`,
    '   the scoring established them from the evidence and you may only raise them.',
    '3. Recommend playbooks only from the eligible list in the message, each with exactly the target',
    '   given there, or none. Never name another action or target.',
    '4. Write plain prose: no links, no URLs, no HTML, no Markdown. Quote addresses and domains',
    '   defanged, e.g. hxxp[:]//example[.]com and 203.0.113[.]9 in prose.',
    '5. Be brief: a summary under 120 words; at most 15 timeline entries (the steps that matter),',
    '   12 claims, 5 hypotheses and 5 open questions.',
    mode === 'tool_use'
      ? `6. Answer only by calling the ${NARRATIVE_TOOL} tool once.`
      : '6. Answer with one JSON object that follows the response schema, and nothing else.',
    '',
    spot.dataNotice,
  ].join('\n');
}

/**
 * The Converse request for a spotlighted pack. The system prompt says how to read fenced data and
 * which floors hold; the user message carries only the playbook menu and the pack, both with every
 * log-derived string fenced.
 */
export function buildConverseRequest(
  pack: EvidencePack,
  spot: SpotlightedPack,
  ctx: NarrativeContext,
  options: RequestOptions,
): ConverseRequest {
  const profile = profileFor(options.modelId);
  // zod's JSON Schema output is plain JSON.
  const schema = narrativeJsonSchema as JsonObject;
  const request: ConverseRequest = {
    modelId: options.modelId,
    system: [{ text: systemPrompt(ctx, spot, profile.output) }],
    messages: [
      {
        role: 'user',
        content: [
          {
            text:
              'Eligible playbooks (JSON; a target id is the fenced text, copy it without the fence markers):\n' +
              playbookMenu(pack, spot),
          },
          { text: `Evidence pack:\n${spot.data}` },
        ],
      },
    ],
    // Low temperature: the narrative reports evidence, it does not invent.
    inferenceConfig: { maxTokens: options.maxTokens, temperature: 0.2 },
  };
  const description = 'The incident narrative: every statement cites evidence ids from the pack.';
  if (profile.output === 'json_schema')
    request.outputConfig = {
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'narrative', description } },
      },
    };
  else
    request.toolConfig = {
      tools: [
        {
          toolSpec: { name: NARRATIVE_TOOL, description, strict: true, inputSchema: { json: schema } },
        },
      ],
      toolChoice: { tool: { name: NARRATIVE_TOOL } },
    };
  if (profile.additionalModelRequestFields)
    request.additionalModelRequestFields = profile.additionalModelRequestFields;
  return request;
}

/**
 * The one retry: the first request plus the validator's reasons. The rejected answer is not sent
 * back: it is model output that may quote log text outside the fences, and every request must keep
 * log text fenced. The reasons themselves only repeat sanitised ids (validate.ts).
 */
export function retryRequest(first: ConverseRequest, errors: readonly NarrativeIssue[]): ConverseRequest {
  const reasons = errors.map((e) => `- ${e.code} at ${e.path || '(answer)'}: ${e.message}`).join('\n');
  const [message] = first.messages;
  if (!message) return first;
  return {
    ...first,
    messages: [
      {
        role: 'user',
        content: [
          ...message.content,
          {
            text:
              "Vigil's validator rejected your previous answer for these reasons:\n" +
              `${reasons}\nAnswer again from the same evidence pack, fixing every point.`,
          },
        ],
      },
    ],
  };
}

// --- The answer ---

export type AnswerExtraction = { ok: true; output: unknown } | { ok: false; errors: NarrativeIssue[] };

const issue = (message: string): NarrativeIssue => ({ code: 'schema', path: '', message });

/** The narrative candidate in an answer: the forced tool's input, or the JSON text. */
export function extractAnswer(answer: ConverseAnswer, mode: OutputMode): AnswerExtraction {
  if (answer.stopReason === 'max_tokens')
    return {
      ok: false,
      errors: [issue('the answer was cut off at the token limit: write shorter texts and fewer entries')],
    };
  if (mode === 'tool_use') {
    const call = answer.content.find((b) => b.toolUse?.name === NARRATIVE_TOOL)?.toolUse;
    if (!call || typeof call.input !== 'object' || call.input === null)
      return {
        ok: false,
        errors: [issue(`answer by calling the ${NARRATIVE_TOOL} tool with the narrative`)],
      };
    return { ok: true, output: call.input };
  }
  const text = answer.content.map((b) => b.text ?? '').join('');
  try {
    return { ok: true, output: JSON.parse(text) };
  } catch {
    return { ok: false, errors: [issue('the answer is not one JSON object following the schema')] };
  }
}

/**
 * Removes this request's fences from every string of an answer: a model quoting fenced data may copy
 * the markers, and a target id must match the entity exactly. Only the markers go; the validator
 * still judges everything else.
 */
export function unfence(value: unknown, spot: Pick<SpotlightedPack, 'open' | 'close'>): unknown {
  if (typeof value === 'string') return value.split(spot.close).join('').split(spot.open).join('');
  if (Array.isArray(value)) return value.map((v) => unfence(v, spot));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unfence(v, spot)]));
  return value;
}
