// Every registered detection's metadata and cases are run by catalogue.test.ts; this file tests the
// grades and evidence the cases do not look at.
import { describe, expect, it } from 'vitest';
import { AWS_AI } from '../../../shared/detect/catalogue/aws-ai.ts';
import { RISK } from '../../../shared/detect/catalogue/aws-helpers-a.ts';
import { burst, ct, iamUser, roleSession } from '../../../shared/detect/catalogue/aws-helpers-b.ts';
import { buildEngine } from '../../../shared/detect/engine.ts';
import type { Signal } from '../../../shared/detect/types.ts';
import { normalise } from '../../../shared/normalise/index.ts';
import { freshContext } from '../../support/detection-fixtures.ts';

const ctx = { enrich: () => {} };

/** Every signal of the run, in order, through the real normaliser and the engine. */
function run(records: unknown[]): Signal[] {
  const engine = buildEngine(AWS_AI);
  const context = freshContext();
  const out: Signal[] = [];
  for (const record of records) {
    for (const r of normalise(record, ctx)) {
      if (!r.ok) throw new Error(`record does not normalise: ${r.error.message}`);
      out.push(...engine.run(r.event, context));
    }
  }
  expect(engine.faults.size).toBe(0);
  return out;
}

const MODELS = Array.from({ length: 10 }, (_, i) => `vendor.model-${i}-v1:0`);
const refused = (i: number, actor = iamUser('svc-reports'), ip?: string) => ({
  name: 'InvokeModel',
  source: 'bedrock',
  actor,
  ip,
  params: { modelId: MODELS[i] },
  error: 'ValidationException',
  at: i * 15,
});

describe('model probing', () => {
  it('grades a sweep from outside medium at four models, high at eight, once each', () => {
    const hits = run(burst(10, (i) => refused(i))).filter(
      (s) => s.rule_id === 'aws.bedrock.model_access_probing',
    );
    expect(hits.map((s) => [s.severity, s.risk, s.evidence.distinct_models])).toEqual([
      ['medium', RISK.medium, 4],
      ['high', RISK.high, 8],
    ]);
  });

  it('asks eight models inside the trusted networks and never goes above medium', () => {
    const app = roleSession('chat-api-task', '5f0c2a9e41b7');
    const hits = run(burst(10, (i) => refused(i, app, '10.0.12.34')));
    expect(hits.map((s) => [s.severity, s.evidence.distinct_models])).toEqual([['medium', 8]]);
  });

  it('clips a hostile model id before it reaches the evidence', () => {
    const long = `vendor.${'x'.repeat(5000)}`;
    const records = burst(4, (i) => ({ ...refused(i), params: { modelId: i === 3 ? long : MODELS[i] } }));
    const [hit] = run(records);
    expect(String(hit?.evidence.last_model).length).toBeLessThanOrEqual(256);
  });
});

describe('model access enabled', () => {
  const enable = (actor: Record<string, unknown>, ip?: string, at = 0) =>
    ct({
      name: 'CreateFoundationModelAgreement',
      source: 'bedrock',
      actor,
      ip,
      at,
      params: { modelId: 'anthropic.claude-3-opus-20240229-v1:0', offerToken: 'x' },
    });

  it('is a notable change for a person in the office and a risky one for a long-term key', () => {
    const person = roleSession('AWSReservedSSO_MLPlatform_0a1b2c3d4e5f6789', 'ana.silva');
    expect(run([enable(person, '10.20.30.40')]).map((s) => s.risk)).toEqual([RISK.low]);
    expect(run([enable(iamUser('svc-reports'), '10.20.30.40')]).map((s) => s.risk)).toEqual([RISK.medium]);
    expect(run([enable(person)]).map((s) => s.risk)).toEqual([RISK.medium]);
  });

  it('does not let a notable change hide a risky one by the same principal', () => {
    const person = roleSession('AWSReservedSSO_MLPlatform_0a1b2c3d4e5f6789', 'ana.silva');
    const hits = run([enable(person, '10.20.30.40', 0), enable(person, undefined, 60)]);
    expect(hits.map((s) => s.risk)).toEqual([RISK.low, RISK.medium]);
  });
});
