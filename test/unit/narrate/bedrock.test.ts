import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../../shared/correlate/store.ts';
import { incidentView } from '../../../shared/correlate/view.ts';
import { bedrockNarrativeModel } from '../../../shared/narrate/bedrock-model.ts';
import { DEFAULT_MODEL_ID, NARRATIVE_TOOL } from '../../../shared/narrate/converse.ts';
import { MODEL_PRICES, priceFor } from '../../../shared/narrate/cost.ts';
import { buildEvidencePack } from '../../../shared/narrate/evidence-pack.ts';
import {
  DEFAULT_INVESTIGATE_CONFIG,
  type InvestigateConfig,
  investigate,
} from '../../../shared/narrate/investigate.ts';
import { narrate } from '../../../shared/narrate/narrator.ts';
import { isPlaybookId } from '../../../shared/narrate/playbooks.ts';
import { type NarrativeBody, narrativeJsonSchema } from '../../../shared/narrate/schema.ts';
import { neutralise, PROMPT_TEMPLATE_VERSION } from '../../../shared/narrate/spotlight.ts';
import { INJECTION_PAYLOADS } from './injection-corpus.ts';
import { storyIncidents } from './memory-pipeline.ts';

// A local endpoint that speaks the Converse wire protocol (restJson1: POST /model/{modelId}/converse),
// so the real @aws-sdk/client-bedrock-runtime serialises, signs, sends and deserialises for real.

interface Received {
  method: string;
  path: string;
  raw: string;
  body: ConverseBody;
}
interface ConverseBody {
  system: { text: string }[];
  messages: { role: string; content: { text: string }[] }[];
  inferenceConfig: { maxTokens: number };
  outputConfig?: { textFormat: { type: string; structure: { jsonSchema: { schema: string } } } };
  toolConfig?: {
    tools: { toolSpec: { name: string; strict: boolean; inputSchema: { json: unknown } } }[];
    toolChoice: { tool: { name: string } };
  };
  additionalModelRequestFields?: { thinking?: { type: string } };
}
type Reply = { status: number; headers?: Record<string, string>; body: unknown } | 'hang';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function converseServer(reply: (req: Received, n: number) => Reply) {
  const seen: Received[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const received = { method: req.method ?? '', path: req.url ?? '', raw, body: JSON.parse(raw) };
      seen.push(received);
      const r = reply(received, seen.length);
      if (r === 'hang') return;
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(JSON.stringify(r.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, seen };
}

/** A Converse response as the service sends it; tokens as the brief counts them (chars / 4). */
const converseOk = (content: unknown[], stopReason: string, inputTokens: number, outputTokens: number) => ({
  status: 200,
  body: {
    output: { message: { role: 'assistant', content } },
    stopReason,
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 812 },
  },
});
const tokens = (s: string) => Math.ceil(s.length / 4);
const toolAnswer = (req: Received, answer: unknown) =>
  converseOk(
    [{ toolUse: { toolUseId: 'tooluse_1', name: NARRATIVE_TOOL, input: answer } }],
    'tool_use',
    tokens(req.raw),
    tokens(JSON.stringify(answer)),
  );
const textAnswer = (req: Received, answer: unknown) =>
  converseOk([{ text: JSON.stringify(answer) }], 'end_turn', tokens(req.raw), tokens(JSON.stringify(answer)));

const NONCE = 'Q7f2Kx9LmA3pZ8wR';
const OPEN = `«${NONCE}»`;
const CLOSE = `«/${NONCE}»`;

function deps(endpoint: string, timeoutMs = 5_000) {
  let t = Date.parse('2026-11-23T10:00:00Z');
  return {
    model: bedrockNarrativeModel({
      region: 'us-east-1',
      endpoint,
      timeoutMs,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
    }),
    // Each reading advances 250 ms: a call measures exactly 250 ms of latency.
    now: () => (t += 250),
    nonce: () => NONCE,
    isProtected: () => false,
    spent: { incident: { tokens: 0, usd: 0 }, day: { tokens: 0, usd: 0 } },
  };
}
const withModel = (modelId: string): InvestigateConfig => ({ ...DEFAULT_INVESTIGATE_CONFIG, modelId });

let story: IncidentRecord;
/** What a well-behaved model answers for the story: the narrative body of the model's own pack. */
let answer: NarrativeBody;
beforeAll(async () => {
  const [first] = await storyIncidents();
  if (!first) throw new Error('the attack story opens no incident');
  story = first;
  const { generated_by: _by, ...body } = narrate(buildEvidencePack(story));
  answer = body;
});

/** The evidence ids of the incident as shown, and a check that a narrative only cites those. */
function expectReadable(incident: IncidentRecord, narrative: Parameters<typeof incidentView>[1]) {
  const view = incidentView(incident, narrative);
  const ids = new Set(view.evidence.map((e) => e.id));
  expect(view.narrative.summary.length).toBeGreaterThan(0);
  expect(view.narrative.claims.length).toBeGreaterThan(0);
  for (const c of view.narrative.claims) for (const id of c.evidence) expect(ids.has(id), id).toBe(true);
  for (const p of view.narrative.playbooks) expect(isPlaybookId(p.id)).toBe(true);
  return view;
}

describe('the Bedrock path with the real client against a local Converse endpoint', () => {
  it('stores a valid tool-use answer from the default model, with its audit record', async () => {
    const server = await converseServer((req) => toolAnswer(req, answer));
    const stored = await investigate(story, deps(server.endpoint));

    expect(server.seen).toHaveLength(1);
    const [req] = server.seen;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe(`/model/${DEFAULT_MODEL_ID}/converse`);
    // The default model answers through a strict tool it is forced to call.
    const tool = req?.body.toolConfig;
    expect(tool?.toolChoice).toEqual({ tool: { name: NARRATIVE_TOOL } });
    expect(tool?.tools[0]?.toolSpec.strict).toBe(true);
    expect(tool?.tools[0]?.toolSpec.inputSchema.json).toEqual(narrativeJsonSchema);
    expect(req?.body.outputConfig).toBeUndefined();
    expect(req?.body.additionalModelRequestFields?.thinking?.type).toBe('disabled');
    expect(req?.body.system[0]?.text).toContain(`between ${OPEN} and ${CLOSE}`);

    expect(stored.generated_by).toBe('bedrock');
    expect(stored.fallback_reason).toBeUndefined();
    expect(stored.summary).toBe(answer.summary);
    const sentIn = tokens(req?.raw ?? '');
    const sentOut = tokens(JSON.stringify(answer));
    const price = priceFor(DEFAULT_MODEL_ID);
    if (!price) throw new Error('the default model has no price');
    expect(stored.audit).toMatchObject({
      model_id: DEFAULT_MODEL_ID,
      prompt_template_version: PROMPT_TEMPLATE_VERSION,
      output_mode: 'tool_use',
      attempts: 1,
      tokens_in: sentIn,
      tokens_out: sentOut,
      latency_ms: 250,
    });
    expect(stored.audit.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.audit.estimated_cost_usd).toBeCloseTo(
      (sentIn * price.inputPer1k + sentOut * price.outputPer1k) / 1000,
      8,
    );
    // The audit identifies the prompt without holding any of it.
    expect(JSON.stringify(stored.audit)).not.toContain(NONCE);
    const view = expectReadable(story, stored);
    expect(view.narrative.generated_by).toBe('bedrock');
  });

  it('sends the schema as Converse structured output to a model that has it, and stores the JSON answer', async () => {
    const modelId = 'global.anthropic.claude-haiku-4-5-20251001-v1:0';
    const server = await converseServer((req) => textAnswer(req, answer));
    const stored = await investigate(story, deps(server.endpoint), withModel(modelId));

    const [req] = server.seen;
    expect(req?.path).toBe(`/model/${encodeURIComponent(modelId)}/converse`);
    const format = req?.body.outputConfig?.textFormat;
    expect(format?.type).toBe('json_schema');
    expect(JSON.parse(format?.structure.jsonSchema.schema ?? 'null')).toEqual(narrativeJsonSchema);
    expect(req?.body.toolConfig).toBeUndefined();
    expect(stored.generated_by).toBe('bedrock');
    expect(stored.audit.output_mode).toBe('json_schema');
  });

  it('retries an answer citing unknown evidence once, with the reasons, then stores the deterministic narrative', async () => {
    const bad = {
      ...answer,
      claims: [{ text: 'The actor exfiltrated data.', evidence: ['ev-000000000000'] }, ...answer.claims],
    };
    const server = await converseServer((req) => toolAnswer(req, bad));
    const stored = await investigate(story, deps(server.endpoint));

    expect(server.seen).toHaveLength(2);
    const [first, second] = server.seen.map((r) => r.body);
    const retryText = second?.messages[0]?.content.map((c) => c.text).join('\n') ?? '';
    expect(retryText).toContain('rejected your previous answer');
    expect(retryText).toContain('unknown_evidence at claims.0.evidence.0');
    expect(retryText).toContain('"ev-000000000000" is not in the evidence pack');
    // The retry is the first request plus the reasons: same system prompt, same pack.
    expect(second?.system).toEqual(first?.system);
    expect(second?.messages[0]?.content.slice(0, -1)).toEqual(first?.messages[0]?.content);

    expect(stored.generated_by).toBe('deterministic');
    expect(stored.fallback_reason).toBe('validation_failed');
    expect(stored.fallback_detail).toContain('unknown_evidence at claims.0.evidence.0');
    expect(stored.audit.attempts).toBe(2);
    expect(stored.audit.tokens_in).toBe(
      tokens(server.seen[0]?.raw ?? '') + tokens(server.seen[1]?.raw ?? ''),
    );
    expect(stored.audit.latency_ms).toBe(500);
    expectReadable(story, stored);
  });

  it('keeps a corrected second answer', async () => {
    const bad = { ...answer, severity: 'low' as const };
    const server = await converseServer((req, n) => toolAnswer(req, n === 1 ? bad : answer));
    const stored = await investigate(story, deps(server.endpoint));
    expect(server.seen).toHaveLength(2);
    expect(JSON.stringify(server.seen[1]?.body.messages)).toContain('severity_below_floor');
    expect(stored.generated_by).toBe('bedrock');
    expect(stored.severity).toBe(story.severity);
    expect(stored.audit.attempts).toBe(2);
  });

  it('degrades to the deterministic narrative when Bedrock throttles (HTTP 429 ThrottlingException)', async () => {
    const server = await converseServer(() => ({
      status: 429,
      headers: { 'x-amzn-errortype': 'ThrottlingException' },
      body: { message: 'Too many requests, please wait before trying again.' },
    }));
    const stored = await investigate(story, deps(server.endpoint));
    expect(server.seen).toHaveLength(1);
    expect(stored.generated_by).toBe('deterministic');
    expect(stored.fallback_reason).toBe('throttled');
    expect(stored.fallback_detail).toContain('ThrottlingException');
    expect(stored.fallback_detail).toContain('http_status=429');
    expect(stored.audit.tokens_in).toBe(0);
    expect(stored.audit.estimated_cost_usd).toBe(0);
    expectReadable(story, stored);
  });

  it('degrades to the deterministic narrative when the endpoint never answers', async () => {
    const server = await converseServer(() => 'hang');
    const started = Date.now();
    const stored = await investigate(story, deps(server.endpoint, 300));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.seen).toHaveLength(1);
    expect(stored.generated_by).toBe('deterministic');
    expect(stored.fallback_reason).toBe('timeout');
    expectReadable(story, stored);
  });

  it('sorts service errors from rejected requests', async () => {
    const failing = (status: number, type: string) =>
      converseServer(() => ({ status, headers: { 'x-amzn-errortype': type }, body: { message: 'nope' } }));
    const internal = await failing(500, 'InternalServerException');
    expect((await investigate(story, deps(internal.endpoint))).fallback_reason).toBe('service_error');
    const denied = await failing(403, 'AccessDeniedException');
    const stored = await investigate(story, deps(denied.endpoint));
    expect(stored.fallback_reason).toBe('request_rejected');
    // The service's message is not kept: it may quote the request.
    expect(stored.fallback_detail).not.toContain('nope');
  });

  it('never sends an attacker string outside the spotlight fences, in the request or the retry', async () => {
    expect(INJECTION_PAYLOADS.length).toBeGreaterThanOrEqual(30);
    const fences = new RegExp(`${OPEN}[\\s\\S]*?${CLOSE}`, 'g');
    const escaped = (s: string) => JSON.stringify(s).slice(1, -1);
    for (const payload of INJECTION_PAYLOADS) {
      const planted: IncidentRecord = {
        ...story,
        title: `${story.title} ${payload}`,
        signals: story.signals.map((s, i) =>
          i % 3 === 0 ? { ...s, evidence: { ...s.evidence, user_agent: payload } } : s,
        ),
      };
      // An answer citing unknown evidence, so the retry is sent and checked too.
      const server = await converseServer((req) =>
        toolAnswer(req, { ...answer, claims: [{ text: 'x', evidence: ['ev-unknown'] }] }),
      );
      const stored = await investigate(planted, deps(server.endpoint));
      expect(server.seen, payload).toHaveLength(2);
      const inPrompt = escaped(neutralise(payload, NONCE));
      for (const { body } of server.seen) {
        const texts = [...body.system, ...body.messages.flatMap((m) => m.content)].map((b) => b.text);
        const all = texts.join('\n');
        // Non-vacuous: the payload is in the request, fenced.
        expect(all, payload).toContain(`${OPEN}${inPrompt}${CLOSE}`);
        const outside = all.replace(fences, '');
        expect(outside, payload).not.toContain(inPrompt);
        expect(outside, payload).not.toContain(escaped(payload));
        expect(outside, payload).not.toContain(inPrompt.slice(0, 16));
      }
      // The deterministic fallback flags it and keeps the scored severity.
      expect(stored.severity).toBe(story.severity);
      expect(JSON.stringify(stored.claims)).toContain('reads like instructions to an AI assistant');
    }
  });

  it("reports the story incident's cost with the default model at list prices (goal ≤ $0.006)", async () => {
    const server = await converseServer((req) => toolAnswer(req, answer));
    const stored = await investigate(story, deps(server.endpoint));
    expect(stored.generated_by).toBe('bedrock');
    const { tokens_in, tokens_out, estimated_cost_usd, price_as_of } = stored.audit;
    const alternatives = MODEL_PRICES.map(
      (p) => `${p.label} $${((tokens_in * p.inputPer1k + tokens_out * p.outputPer1k) / 1000).toFixed(5)}`,
    ).join('; ');
    console.log(
      `story incident (${story.signals.length} signals), ${DEFAULT_MODEL_ID}: ${tokens_in} tokens in, ` +
        `${tokens_out} out, estimated $${estimated_cost_usd.toFixed(5)} at list prices of ${price_as_of} ` +
        `(same tokens elsewhere: ${alternatives})`,
    );
    expect(estimated_cost_usd).toBeGreaterThan(0);
    expect(estimated_cost_usd).toBeLessThanOrEqual(0.006);
  });
});
