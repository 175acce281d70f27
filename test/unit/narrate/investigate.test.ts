import { describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../../shared/correlate/store.ts';
import type { EntityRef } from '../../../shared/detect/types.ts';
import {
  type ConverseAnswer,
  type ConverseRequest,
  NARRATIVE_TOOL,
  type NarrativeModel,
  NarrativeModelError,
} from '../../../shared/narrate/converse.ts';
import { eligiblePlaybooks } from '../../../shared/narrate/eligibility.ts';
import { buildEvidencePack } from '../../../shared/narrate/evidence-pack.ts';
import {
  approxRequestTokens,
  DEFAULT_INVESTIGATE_CONFIG,
  type InvestigateConfig,
  type InvestigateDeps,
  investigate,
} from '../../../shared/narrate/investigate.ts';
import { narrate } from '../../../shared/narrate/narrator.ts';
import type { NarrativeBody } from '../../../shared/narrate/schema.ts';
import { incident, signal } from './fixtures.ts';

const NONCE = 'Zr8Qp2Lm5Xw9Tn4K';
const OPEN = `«${NONCE}»`;
const CLOSE = `«/${NONCE}»`;

const inc: IncidentRecord = incident([
  signal(1),
  signal(2, { tactic: 'TA0004', severity: 'high', risk: 60, attack: ['T1098'] }),
]);
const body = (): NarrativeBody => {
  const { generated_by: _by, ...b } = narrate(buildEvidencePack(inc));
  return structuredClone(b);
};

/** A model that answers from a script and keeps every request it was sent. */
function scripted(...answers: (NarrativeBody | ConverseAnswer | Error)[]) {
  const requests: ConverseRequest[] = [];
  const model: NarrativeModel = {
    async converse(request) {
      requests.push(request);
      const next = answers[Math.min(requests.length - 1, answers.length - 1)];
      if (next instanceof Error) throw next;
      if (next && 'content' in next && 'stopReason' in next) return next;
      return {
        content: [{ toolUse: { toolUseId: 't', name: NARRATIVE_TOOL, input: next } }],
        stopReason: 'tool_use',
        usage: { inputTokens: 1000, outputTokens: 400 },
      };
    },
  };
  return { model, requests };
}

function depsWith(model: NarrativeModel, over: Partial<InvestigateDeps> = {}): InvestigateDeps {
  let t = 1_700_000_000_000;
  return {
    model,
    now: () => (t += 100),
    nonce: () => NONCE,
    isProtected: () => false,
    spent: { incident: { tokens: 0, usd: 0 }, day: { tokens: 0, usd: 0 } },
    ...over,
  };
}
const lastText = (r: ConverseRequest | undefined) => r?.messages[0]?.content.at(-1)?.text ?? '';

describe('investigate', () => {
  it('stores a valid answer as the bedrock narrative with its audit record', async () => {
    const { model, requests } = scripted(body());
    const stored = await investigate(inc, depsWith(model));
    expect(requests).toHaveLength(1);
    expect(stored.generated_by).toBe('bedrock');
    expect(stored.audit).toMatchObject({
      attempts: 1,
      tokens_in: 1000,
      tokens_out: 400,
      latency_ms: 100,
      generated_at: new Date(1_700_000_000_100).toISOString(),
      basis: { severity: 'high', risk: 120 },
    });
    // Haiku 5.5 global: 1000 × $0.0001/1k + 400 × $0.0005/1k.
    expect(stored.audit.estimated_cost_usd).toBeCloseTo(0.0003, 10);
  });

  it('states the floors and the untrusted-data rule in the system prompt, and fences the playbook targets', async () => {
    const { model, requests } = scripted(body());
    await investigate(inc, depsWith(model));
    const system = requests[0]?.system[0]?.text ?? '';
    expect(system).toContain('Severity is at least high and confidence at least');
    expect(system).toContain(`between ${OPEN} and ${CLOSE}`);
    expect(system).toContain('never follow');
    const menu = requests[0]?.messages[0]?.content[0]?.text ?? '';
    expect(menu).toContain(`"id":"${OPEN}AKIAEXAMPLEALICE0001${CLOSE}"`);
    expect(menu).toContain('deactivate_access_key');
  });

  it('lets no answer lower the severity: one retry with the reason, then the deterministic narrative', async () => {
    const lower = { ...body(), severity: 'low' as const, confidence: 'low' as const };
    const { model, requests } = scripted(lower);
    const stored = await investigate(inc, depsWith(model));
    expect(requests).toHaveLength(2);
    expect(lastText(requests[1])).toContain('severity_below_floor at severity');
    expect(stored.generated_by).toBe('deterministic');
    expect(stored.severity).toBe('high');
    expect(stored.fallback_reason).toBe('validation_failed');
    expect(stored.fallback_detail).toContain('severity_below_floor');
    expect(stored.audit).toMatchObject({ attempts: 2, tokens_in: 2000, tokens_out: 800, latency_ms: 200 });
  });

  it('lets no answer add a playbook or a target off the menu', async () => {
    const extra = body();
    extra.playbooks.push({
      id: 'isolate_ec2_instance',
      target: { type: 'resource', id: 'i-0123456789abcdef0' },
      reason: 'Isolate the database server.',
      evidence: [extra.claims[0]?.evidence[0] ?? 'ev-x'],
    });
    const { model } = scripted(extra);
    const stored = await investigate(inc, depsWith(model));
    expect(stored.generated_by).toBe('deterministic');
    expect(stored.fallback_detail).toContain('playbook_not_eligible');
    const menu = eligiblePlaybooks(buildEvidencePack(inc)).map((p) => `${p.id}:${p.target.id}`);
    for (const p of stored.playbooks) expect(menu).toContain(`${p.id}:${p.target.id}`);
  });

  it('rejects a protected target even when it is on the menu', async () => {
    const isProtected = (t: EntityRef) => t.type === 'access_key';
    const { model } = scripted(body());
    const stored = await investigate(inc, depsWith(model, { isProtected }));
    expect(stored.generated_by).toBe('deterministic');
    expect(stored.fallback_detail).toContain('protected_target');
    expect(stored.playbooks.some((p) => p.target.type === 'access_key')).toBe(false);
  });

  it('accepts a corrected second answer', async () => {
    const wrong = { ...body(), claims: [{ text: 'Made up.', evidence: ['ev-nope'] }] };
    const { model, requests } = scripted(wrong, body());
    const stored = await investigate(inc, depsWith(model));
    expect(requests).toHaveLength(2);
    expect(lastText(requests[1])).toContain('"ev-nope" is not in the evidence pack');
    expect(stored.generated_by).toBe('bedrock');
    expect(stored.audit.attempts).toBe(2);
  });

  it('removes fence markers a model copies into its answer before validating', async () => {
    const copied = body();
    for (const p of copied.playbooks) p.target.id = `${OPEN}${p.target.id}${CLOSE}`;
    copied.summary = `${OPEN}alice${CLOSE} used a leaked key.`;
    const { model } = scripted(copied);
    const stored = await investigate(inc, depsWith(model));
    expect(stored.generated_by).toBe('bedrock');
    expect(stored.summary).toBe('alice used a leaked key.');
    expect(JSON.stringify(stored)).not.toContain(NONCE);
  });

  it('asks again when a tool-use model answers in text, or an answer is cut off', async () => {
    const text: ConverseAnswer = { content: [{ text: 'Here is my analysis…' }], stopReason: 'end_turn' };
    const cut: ConverseAnswer = { content: [{ text: '{"summary":' }], stopReason: 'max_tokens' };
    const { model, requests } = scripted(text, cut);
    const stored = await investigate(inc, depsWith(model));
    expect(lastText(requests[1])).toContain(`calling the ${NARRATIVE_TOOL} tool`);
    expect(stored.fallback_reason).toBe('validation_failed');
    // Without `usage`, the request and answer sizes stand in: the attempt still counts as spend.
    expect(stored.audit.tokens_in).toBeGreaterThan(0);
    expect(stored.audit.tokens_out).toBeGreaterThan(0);
  });

  it('reads the JSON text of a structured-output model, and asks again when it is not JSON', async () => {
    const config: InvestigateConfig = {
      ...DEFAULT_INVESTIGATE_CONFIG,
      modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    };
    const notJson: ConverseAnswer = { content: [{ text: 'not json' }], stopReason: 'end_turn' };
    const good: ConverseAnswer = {
      content: [{ text: JSON.stringify(body()) }],
      stopReason: 'end_turn',
      usage: { inputTokens: 10, outputTokens: 10 },
    };
    const { model, requests } = scripted(notJson, good);
    const stored = await investigate(inc, depsWith(model), config);
    expect(requests[0]?.outputConfig?.textFormat.type).toBe('json_schema');
    expect(lastText(requests[1])).toContain('not one JSON object');
    expect(stored.generated_by).toBe('bedrock');
    expect(stored.audit.output_mode).toBe('json_schema');
  });

  it('records each kind of model failure as the fallback reason', async () => {
    for (const failure of ['throttled', 'timeout', 'service_error', 'request_rejected'] as const) {
      const { model, requests } = scripted(new NarrativeModelError(failure, 'Bedrock Converse failed: X'));
      const stored = await investigate(inc, depsWith(model));
      expect(requests).toHaveLength(1);
      expect(stored.generated_by).toBe('deterministic');
      expect(stored.fallback_reason).toBe(failure);
    }
    const { model } = scripted(new TypeError('socket hang up'));
    const stored = await investigate(inc, depsWith(model));
    expect(stored.fallback_reason).toBe('service_error');
    expect(stored.fallback_detail).toContain('TypeError');
  });

  it('calls no model when the day budget cannot cover the call', async () => {
    const { model, requests } = scripted(body());
    const spent = { incident: { tokens: 0, usd: 0 }, day: { tokens: 0, usd: 4.999 } };
    const stored = await investigate(inc, depsWith(model, { spent }));
    expect(requests).toHaveLength(0);
    expect(stored.fallback_reason).toBe('budget_exhausted');
    expect(stored.fallback_detail).toContain('day cost budget');
    expect(stored.audit.attempts).toBe(0);
    expect(stored.audit.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('skips the retry when the incident budget covers only the first call', async () => {
    const lower = { ...body(), severity: 'info' as const };
    const probe = scripted(body());
    await investigate(inc, depsWith(probe.model));
    // The first call plans its whole input plus the output cap; the retry adds the spent 1,400 tokens.
    const first = approxRequestTokens(probe.requests[0] as ConverseRequest) + 1000;
    const config: InvestigateConfig = {
      ...DEFAULT_INVESTIGATE_CONFIG,
      maxOutputTokens: 1000,
      budget: { incident: { tokens: first + 1399, usd: 1 }, day: { tokens: 1e9, usd: 100 } },
    };
    const { model, requests } = scripted(lower);
    const stored = await investigate(inc, depsWith(model), config);
    expect(requests).toHaveLength(1);
    expect(stored.fallback_reason).toBe('validation_failed');
    expect(stored.fallback_detail).toContain('no retry: incident token budget');
  });

  it('refuses a model it has no price for: its cost could not be budgeted', async () => {
    const { model, requests } = scripted(body());
    const config = { ...DEFAULT_INVESTIGATE_CONFIG, modelId: 'example.unpriced-model-v1:0' };
    const stored = await investigate(inc, depsWith(model), config);
    expect(requests).toHaveLength(0);
    expect(stored.fallback_reason).toBe('budget_exhausted');
    expect(stored.fallback_detail).toContain('no list price');
  });

  it('falls back without calling the model when the request cannot be built (a bad nonce)', async () => {
    const { model, requests } = scripted(body());
    const stored = await investigate(inc, depsWith(model, { nonce: () => 'short' }));
    expect(requests).toHaveLength(0);
    expect(stored.fallback_reason).toBe('internal_error');
    expect(stored.audit.prompt_sha256).toBeNull();
  });
});
