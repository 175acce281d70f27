import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../functions/lib/logger.ts';
import { attackStory, STORY_ACCOUNT } from '../../local/story/attack-story.ts';
import { DEFAULT_POLICY } from '../../shared/correlate/policy.ts';
import type { CorrelationStore, IncidentRecord } from '../../shared/correlate/store.ts';
import { incidentView } from '../../shared/correlate/view.ts';
import { CATALOGUE } from '../../shared/detect/catalogue/index.ts';
import { buildEngine } from '../../shared/detect/engine.ts';
import type { Signal } from '../../shared/detect/types.ts';
import { memoryWindow } from '../../shared/detect/window.ts';
import { classifyAddress, noEnrichment } from '../../shared/enrich/index.ts';
import { TransientError } from '../../shared/errors.ts';
import {
  type ConverseRequest,
  DEFAULT_MODEL_ID,
  NARRATIVE_TOOL,
  type NarrativeModel,
  NarrativeModelError,
} from '../../shared/narrate/converse.ts';
import { narrativeBasis } from '../../shared/narrate/cost.ts';
import { buildEvidencePack } from '../../shared/narrate/evidence-pack.ts';
import { DEFAULT_INVESTIGATE_CONFIG } from '../../shared/narrate/investigate.ts';
import { narrate } from '../../shared/narrate/narrator.ts';
import { isPlaybookId } from '../../shared/narrate/playbooks.ts';
import { normalise } from '../../shared/normalise/index.ts';
import { correlateBatch } from '../../shared/pipeline/correlate.ts';
import { encodeNarrateMessage } from '../../shared/pipeline/narrate-request.ts';
import { dynamoCorrelationStore } from '../../shared/store/dynamo-correlation-store.ts';
import { dynamoDaySpendStore } from '../../shared/store/dynamo-day-spend-store.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';
import { sqsEvent } from '../support/events.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { captureLogs } from '../support/logs.ts';

vi.stubEnv('TABLE_NAME', 'vigil-narrate-test');
vi.stubEnv('AWS_REGION', 'us-east-1');
const { makeHandler } = await import('../../functions/narrate/handler.ts');

import type { NarrateHandlerDeps } from '../../functions/narrate/handler.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const MISSING = 'inc-0000000000000000';

/** The built-in story through the real normaliser and catalogue, in event order. */
function storySignals(): Signal[] {
  const engine = buildEngine(CATALOGUE);
  const context = {
    window: memoryWindow(),
    config: {
      orgAccounts: new Set([STORY_ACCOUNT]),
      isTrustedNetwork: (ip: string) => classifyAddress(ip).kind === 'private',
    },
  };
  return attackStory()
    .flatMap((e) => normalise(e, { enrich: noEnrichment }).flatMap((r) => (r.ok ? [r.event] : [])))
    .sort((a, b) => a.ocsf.time - b.ocsf.time)
    .flatMap((ev) => engine.run(ev, context));
}
const signals = storySignals();

/**
 * A NarrativeModel at the port boundary that answers as a well-behaved model would: the narrative
 * body the deterministic narrator writes from the incident's own pack, through the forced tool.
 */
function answeringModel(incidentOf: () => IncidentRecord) {
  const requests: ConverseRequest[] = [];
  const model: NarrativeModel = {
    async converse(request) {
      requests.push(request);
      const { generated_by: _by, ...body } = narrate(buildEvidencePack(incidentOf()));
      return {
        content: [{ toolUse: { toolUseId: 'tooluse_1', name: NARRATIVE_TOOL, input: body } }],
        stopReason: 'tool_use',
        usage: { inputTokens: 4_000, outputTokens: 600 },
      };
    },
  };
  return { model, requests };
}

const failingModel: NarrativeModel = {
  converse: async () => {
    throw new NarrativeModelError('throttled', 'Bedrock Converse failed: ThrottlingException', {
      error: 'ThrottlingException',
      http_status: 429,
    });
  },
};

describe('narrate handler on DynamoDB Local', () => {
  const tables: TestTable[] = [];
  let logs: ReturnType<typeof captureLogs>;

  /** A fresh table holding the story's incidents, as correlation leaves them. */
  async function correlated() {
    const table = await createTestTable('narrate');
    tables.push(table);
    const store = dynamoCorrelationStore({ client: table.client, tableName: table.tableName });
    const result = await correlateBatch(signals, { store, policy: DEFAULT_POLICY, now: () => NOW });
    const [id] = result.changed;
    if (!id) throw new Error('the attack story opens no incident');
    const incident = await store.getIncident(id);
    if (!incident) throw new Error(`incident ${id} not stored`);
    return { store, id, incident };
  }

  /** The day-spend counter on the newest table: the one `correlated()` just created. */
  const daySpend = () => {
    const table = tables.at(-1) as TestTable;
    return dynamoDaySpendStore({ client: table.client, tableName: table.tableName });
  };

  const handlerFor = (
    store: CorrelationStore,
    model: NarrativeModel,
    clock = NOW,
    responses?: NarrateHandlerDeps['responses'],
  ) => {
    let t = clock;
    return makeHandler({
      ...(responses ? { responses } : {}),
      logger: createLogger('narrate'),
      store,
      model,
      config: DEFAULT_INVESTIGATE_CONFIG,
      // Each reading advances a second: generated_at moves on with every run.
      now: () => (t += 1_000),
      nonce: () => 'Q7f2Kx9LmA3pZ8wR',
      isProtected: () => false,
      daySpend: daySpend(),
    });
  };
  const invoke = (handler: ReturnType<typeof handlerFor>, event: SQSEvent) =>
    handler(event, lambdaContext('vigil-narrate')) as Promise<SQSBatchResponse>;
  const request = (...ids: string[]) =>
    sqsEvent(ids.map((id, i) => ({ messageId: `m-${i}`, body: encodeNarrateMessage(id) })));

  beforeEach(() => {
    logs = captureLogs();
  });
  afterEach(() => logs.restore());
  afterAll(async () => {
    for (const t of tables) await t.drop();
  });

  it('stores a changed incident’s Bedrock narrative with its audit and basis, shown by getIncident and the view', async () => {
    const { store, id, incident } = await correlated();
    const { model, requests } = answeringModel(() => incident);

    const response = await invoke(handlerFor(store, model), request(id));

    expect(response.batchItemFailures).toEqual([]);
    expect(requests).toHaveLength(1);
    const stored = await store.getNarrative(id);
    expect(stored?.narrative.generated_by).toBe('bedrock');
    expect(stored?.narrative.fallback_reason).toBeUndefined();
    expect(stored?.narrative.audit).toMatchObject({
      model_id: DEFAULT_MODEL_ID,
      attempts: 1,
      tokens_in: 4_000,
      tokens_out: 600,
    });
    expect(stored?.narrative.audit.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.narrative.audit.estimated_cost_usd).toBeGreaterThan(0);
    expect(stored?.narrativeBasis).toEqual(narrativeBasis(incident));
    expect(stored?.spent).toEqual({ tokens: 4_600, usd: stored?.narrative.audit.estimated_cost_usd });

    const reread = await store.getIncident(id);
    expect(reread?.narrative).toEqual(stored);
    const view = incidentView(reread!, reread!.narrative!.narrative);
    expect(view.narrative.generated_by).toBe('bedrock');
    const evidence = new Set(view.evidence.map((e) => e.id));
    for (const c of view.narrative.claims) for (const e of c.evidence) expect(evidence.has(e), e).toBe(true);
    for (const p of view.narrative.playbooks) expect(isPlaybookId(p.id)).toBe(true);

    // The log holds the audit figures, never the prompt or the model's text.
    const line = logs.entries().find((e) => e.message === 'incident narrated');
    expect(line).toMatchObject({ incidentId: id, generatedBy: 'bedrock', tokensIn: 4_000 });
    expect(logs.text()).not.toContain(stored!.narrative.summary);
    expect(logs.text()).not.toContain('Q7f2Kx9LmA3pZ8wR');
  });

  it('skips an incident that has not changed materially since its narrative: no call, no spend', async () => {
    const { store, id, incident } = await correlated();
    const { model, requests } = answeringModel(() => incident);
    const handler = handlerFor(store, model);
    await invoke(handler, request(id));
    const first = await store.getNarrative(id);

    // Redelivered, and requested twice in one batch: narrated at most once, here not at all.
    const response = await invoke(
      handler,
      sqsEvent([
        { messageId: 'again-1', body: encodeNarrateMessage(id) },
        { messageId: 'again-2', body: encodeNarrateMessage(id) },
      ]),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(await store.getNarrative(id)).toEqual(first);
    expect(
      logs
        .entries()
        .filter((e) => e.message === 'batch narrated')
        .at(-1),
    ).toMatchObject({
      unchanged: 1,
      narrated: 0,
    });
  });

  it('starts the response with the recommendations of the narrative, again on redelivery (Step Functions keeps it to one)', async () => {
    const { store, id, incident } = await correlated();
    const { model } = answeringModel(() => incident);
    const starts: { incidentId: string; playbooks: string[] }[] = [];
    const responses = {
      async start(incidentId: string, playbooks: readonly { id: string }[]) {
        starts.push({ incidentId, playbooks: playbooks.map((p) => p.id) });
        return 'started' as const;
      },
    };
    const handler = handlerFor(store, model, NOW, responses);
    await invoke(handler, request(id));
    await invoke(handler, request(id));
    const stored = await store.getNarrative(id);
    const recommended = stored!.narrative.playbooks.map((p) => p.id);
    expect(recommended.length).toBeGreaterThan(0);
    expect(starts).toEqual([
      { incidentId: id, playbooks: recommended },
      { incidentId: id, playbooks: recommended },
    ]);
  });

  it('rewrites the narrative when the incident changed materially, adding to its spend', async () => {
    const { store, id, incident } = await correlated();
    const { model, requests } = answeringModel(() => incident);
    await invoke(handlerFor(store, model, NOW - 3_600_000), request(id));
    const first = await store.getNarrative(id);
    // As if a later narrative had been written when the incident was a lone low-risk signal.
    await store.saveNarrative(
      id,
      { ...first!.narrative, audit: { ...first!.narrative.audit, generated_at: '2026-11-23T11:30:00.000Z' } },
      { severity: 'low', risk: 1, tactics: [], strong_entities: [] },
    );

    await invoke(handlerFor(store, model), request(id));

    expect(requests).toHaveLength(2);
    const second = await store.getNarrative(id);
    expect(second?.narrativeBasis).toEqual(narrativeBasis(incident));
    expect(second?.spent.tokens).toBe(3 * 4_600);
    expect(
      logs
        .entries()
        .filter((e) => e.message === 'incident narrated')
        .at(-1)?.reasons,
    ).toEqual(expect.arrayContaining([expect.stringMatching(/^severity low → /)]));
  });

  it('stores the deterministic narrative with the fallback reason when Bedrock fails', async () => {
    const { store, id, incident } = await correlated();

    const response = await invoke(handlerFor(store, failingModel), request(id));

    expect(response.batchItemFailures).toEqual([]);
    const stored = await store.getNarrative(id);
    expect(stored?.narrative.generated_by).toBe('deterministic');
    expect(stored?.narrative.fallback_reason).toBe('throttled');
    expect(stored?.narrative.fallback_detail).toContain('ThrottlingException');
    expect(stored?.narrative.audit).toMatchObject({ model_id: DEFAULT_MODEL_ID, attempts: 1, tokens_out: 0 });
    expect(stored?.narrativeBasis).toEqual(narrativeBasis(incident));
    expect(stored?.narrative.claims.length).toBeGreaterThan(0);
    expect(logs.entries().find((e) => e.message === 'incident narrated')).toMatchObject({
      fallbackReason: 'throttled',
    });
  });

  it('adds each narrative to the day’s spend, and stops calling Bedrock once the day’s budget is spent', async () => {
    const { store, id, incident } = await correlated();
    const { model, requests } = answeringModel(() => incident);
    await invoke(handlerFor(store, model), request(id));
    const day = new Date(NOW).toISOString().slice(0, 10);
    const afterOne = await daySpend().spentOn(day);
    expect(afterOne.tokens).toBe(4_600);
    expect(afterOne.usd).toBeGreaterThan(0);

    // Another incident the same day, with the day's token budget already used up.
    const second = await correlated();
    await daySpend().add(day, { tokens: DEFAULT_INVESTIGATE_CONFIG.budget.day.tokens, usd: 0 });
    const calls = requests.length;
    await invoke(handlerFor(second.store, model), request(second.id));
    expect(requests.length).toBe(calls);
    const stored = await second.store.getNarrative(second.id);
    expect(stored?.narrative.generated_by).toBe('deterministic');
    expect(stored?.narrative.fallback_reason).toBe('budget_exhausted');
  });

  it('counts a missing incident and a poison body done, and fails only the message whose store read failed', async () => {
    const { store, id, incident } = await correlated();
    const { model } = answeringModel(() => incident);
    const other = 'inc-00000000000000ff';
    const flaky: CorrelationStore = {
      ...store,
      getIncident: async (wanted) => {
        if (wanted === other)
          throw new TransientError('AWS call failed transiently: ThrottlingException', 'store.correlation');
        return store.getIncident(wanted);
      },
    };

    const response = await invoke(
      handlerFor(flaky, model),
      sqsEvent([
        { messageId: 'missing', body: encodeNarrateMessage(MISSING) },
        { messageId: 'poison', body: '{"incidentId":"../../etc"}' },
        { messageId: 'flaky', body: encodeNarrateMessage(other) },
        { messageId: 'fine', body: encodeNarrateMessage(id) },
      ]),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'flaky' }]);
    expect((await store.getNarrative(id))?.narrative.generated_by).toBe('bedrock');
    expect(await store.getNarrative(MISSING)).toBeUndefined();
    expect(logs.entries().find((e) => e.message === 'incident not found, request dropped')).toMatchObject({
      incidentId: MISSING,
    });
    expect(logs.entries().find((e) => e.message === 'batch narrated')).toMatchObject({
      messages: 4,
      poison: 1,
      missing: 1,
      failed: 1,
      narrated: 1,
    });
    expect(logs.text()).not.toContain('../../etc');
  });

  it('saves a narrative idempotently: the same one twice counts its spend once, and an older one never replaces it', async () => {
    const { store, id, incident } = await correlated();
    const { model } = answeringModel(() => incident);
    await invoke(handlerFor(store, model), request(id));
    const first = await store.getNarrative(id);

    await store.saveNarrative(id, first!.narrative, first!.narrativeBasis);
    const older = { ...first!.narrative.audit, generated_at: '2026-11-23T11:00:00.000Z' };
    await store.saveNarrative(
      id,
      { ...first!.narrative, summary: 'older', audit: older },
      first!.narrativeBasis,
    );

    expect(await store.getNarrative(id)).toEqual(first);
  });
});
