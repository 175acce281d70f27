import { describe, expect, it } from 'vitest';
import type { IncidentSummary } from '../../../shared/correlate/types.ts';
import { DEFAULT_MODEL_ID, profileFor } from '../../../shared/narrate/converse.ts';
import {
  checkBudget,
  costUsd,
  DEFAULT_NARRATIVE_BUDGET,
  materialChanges,
  materiallyChanged,
  narrativeBasis,
  priceFor,
  promptSha256,
} from '../../../shared/narrate/cost.ts';

describe('model prices and capabilities', () => {
  it('prices the default model and Nova Lite and Micro, whatever the inference profile prefix', () => {
    expect(priceFor(DEFAULT_MODEL_ID)?.label).toBe('Claude Haiku 5.5, global');
    expect(priceFor('us.anthropic.claude-haiku-5-5')?.inputPer1k).toBeCloseTo(0.00011, 10);
    expect(priceFor('eu.anthropic.claude-haiku-4-5-20251001-v1:0')?.label).toContain('in-Region');
    expect(priceFor('amazon.nova-lite-v1:0')?.label).toBe('Amazon Nova Lite');
    expect(priceFor('us.amazon.nova-micro-v1:0')?.label).toBe('Amazon Nova Micro');
    expect(priceFor('meta.llama4-maverick-17b-instruct-v1:0')).toBeUndefined();
  });

  it('chooses structured output or the strict tool by model family', () => {
    expect(profileFor('global.anthropic.claude-haiku-4-5-20251001-v1:0').output).toBe('json_schema');
    expect(profileFor('us.anthropic.claude-sonnet-4-5-20250929-v1:0').output).toBe('json_schema');
    expect(profileFor(DEFAULT_MODEL_ID).output).toBe('tool_use');
    expect(profileFor('amazon.nova-lite-v1:0').output).toBe('tool_use');
    expect(profileFor('some.future-model-v1:0').output).toBe('tool_use');
  });

  it('estimates cost from list prices per 1,000 tokens', () => {
    const nova = priceFor('amazon.nova-lite-v1:0');
    if (!nova) throw new Error('Nova Lite has no price');
    // 6,000 in × $0.00006/1k + 3,000 out × $0.00024/1k = $0.00036 + $0.00072.
    expect(costUsd(nova, 6000, 3000)).toBe(0.00108);
    expect(costUsd(nova, 0, 0)).toBe(0);
  });

  it('hashes the prompt: stable for the same request, different for another nonce, never the text', () => {
    const req = { modelId: 'm', system: [{ text: 'secret log line «N1»' }] };
    const sha = promptSha256(req);
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(promptSha256(structuredClone(req))).toBe(sha);
    expect(promptSha256({ ...req, system: [{ text: 'secret log line «N2»' }] })).not.toBe(sha);
  });
});

describe('checkBudget', () => {
  const none = { tokens: 0, usd: 0 };
  it('allows a call that fits both budgets, up to the limit itself', () => {
    expect(
      checkBudget(DEFAULT_NARRATIVE_BUDGET, { incident: none, day: none }, { tokens: 12_000, usd: 0.003 }),
    ).toEqual({ ok: true });
    const budget = { incident: { tokens: 100, usd: 1 }, day: { tokens: 1000, usd: 10 } };
    expect(
      checkBudget(budget, { incident: { tokens: 40, usd: 0 }, day: none }, { tokens: 60, usd: 1 }).ok,
    ).toBe(true);
  });

  it('names the budget a call would cross', () => {
    const budget = { incident: { tokens: 100, usd: 0.01 }, day: { tokens: 1000, usd: 1 } };
    const planned = { tokens: 50, usd: 0.005 };
    const over = (incident: typeof none, day: typeof none) => checkBudget(budget, { incident, day }, planned);
    expect(over({ tokens: 51, usd: 0 }, none)).toMatchObject({ ok: false, scope: 'incident' });
    expect(over({ tokens: 0, usd: 0.0051 }, none)).toMatchObject({
      ok: false,
      scope: 'incident',
      detail: expect.stringContaining('cost budget'),
    });
    expect(over(none, { tokens: 951, usd: 0 })).toMatchObject({ ok: false, scope: 'day' });
    expect(over(none, { tokens: 0, usd: 0.996 })).toMatchObject({ ok: false, scope: 'day' });
  });
});

describe('materiallyChanged', () => {
  const base: IncidentSummary = {
    id: 'inc-1',
    anchor: 'principal:arn:aws:iam::111122223333:user/alice',
    title: 'alice',
    severity: 'high',
    risk: 100,
    tactics: ['TA0001', 'TA0004'],
    entities: [
      { type: 'principal', id: 'arn:aws:iam::111122223333:user/alice' },
      { type: 'ip', id: '203.0.113.9' },
    ],
    signal_count: 4,
    first_event_at: 0,
    last_event_at: 1,
    first_signal_at: 0,
  };
  const previous = narrativeBasis(base);

  it('keeps the narrative while the story is the same', () => {
    expect(materialChanges(previous, base)).toEqual([]);
    // More evidence, a bit more risk, a new source address: the same story.
    const more = {
      ...base,
      risk: 124,
      signal_count: 9,
      entities: [...base.entities, { type: 'ip' as const, id: '198.51.100.7' }],
    };
    expect(materiallyChanged(previous, more)).toBe(false);
    expect(materiallyChanged(previous, { ...base, severity: 'medium' })).toBe(false);
    expect(materiallyChanged(previous, { ...base, tactics: ['TA0004'] })).toBe(false);
  });

  it('regenerates on a new tactic, a higher severity, a quarter more risk or a new actor', () => {
    expect(materialChanges(previous, { ...base, tactics: [...base.tactics, 'TA0010'] })).toEqual([
      'new tactic TA0010',
    ]);
    expect(materialChanges(previous, { ...base, severity: 'critical' })).toEqual([
      'severity high → critical',
    ]);
    expect(materialChanges(previous, { ...base, risk: 125 })).toEqual(['risk 100 → 125']);
    const key = { type: 'access_key' as const, id: 'AKIAEXAMPLEBOB000001' };
    expect(materialChanges(previous, { ...base, entities: [...base.entities, key] })).toEqual([
      '1 new principal(s) or access key(s)',
    ]);
    expect(materiallyChanged({ ...previous, risk: 0 }, { ...base, risk: 5 })).toBe(true);
  });
});
