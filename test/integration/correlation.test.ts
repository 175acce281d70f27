import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDetection } from '../../local/detection-runtime.ts';
import { inEventOrder, runPipeline } from '../../local/replay.ts';
import { attackStory, LEAKED_USER, STORY_ACCOUNT } from '../../local/story/attack-story.ts';
import { DEFAULT_POLICY } from '../../shared/correlate/policy.ts';
import type { CorrelationStore } from '../../shared/correlate/store.ts';
import { buildEngine } from '../../shared/detect/engine.ts';
import type { Signal } from '../../shared/detect/types.ts';
import { memoryWindow } from '../../shared/detect/window.ts';
import { noEnrichment } from '../../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../../shared/normalise/index.ts';
import { correlateBatch } from '../../shared/pipeline/correlate.ts';
import { dynamoCorrelationStore } from '../../shared/store/dynamo-correlation-store.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';

const story: NormalisedEvent[] = attackStory().flatMap((e) =>
  normalise(e, { enrich: noEnrichment }).flatMap((r) => (r.ok ? [r.event] : [])),
);
const LEAKED_ARN = `arn:aws:iam::${STORY_ACCOUNT}:user/${LEAKED_USER}`;
const BENIGN = ['AppRole', 'DeployRole', 'dana.analyst'];

/** What must not change between replays: incident ids, their signal sets, risk and severity. */
async function picture(store: CorrelationStore) {
  const incidents = await store.listIncidents();
  return incidents
    .map((i) => ({
      id: i.id,
      risk: i.risk,
      severity: i.severity,
      signals: i.signals.map((s) => s.id).sort(),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** A seeded shuffle, so a failure reproduces. */
const shuffle = <T>(xs: T[], seed: number): T[] => {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

describe('correlation on DynamoDB Local', () => {
  const tables: TestTable[] = [];
  const storeOn = async () => {
    const t = await createTestTable('vigil-correlation');
    tables.push(t);
    return dynamoCorrelationStore({ client: t.client, tableName: t.tableName });
  };
  let reference: Awaited<ReturnType<typeof picture>>;
  let referenceStore: CorrelationStore;
  let signals: Signal[];

  beforeAll(async () => {
    referenceStore = await storeOn();
    await runPipeline(story, {
      store: referenceStore,
      detection: localDetection(),
      policy: DEFAULT_POLICY,
      batchSize: 40,
    });
    reference = await picture(referenceStore);
    // The signals the stream yields, for the delivery-order tests below.
    const detection = localDetection();
    const context = { window: memoryWindow(), config: detection.config };
    const engine = buildEngine(detection.engine.detections);
    signals = inEventOrder(story).flatMap((ev) => {
      detection.learnAccount(ev.ocsf.cloud?.account?.uid);
      return engine.run(ev, context);
    });
  });

  afterAll(async () => {
    for (const t of tables) await t.drop();
  });

  it('opens exactly one incident, for the principal whose key leaked, and none for benign principals', () => {
    expect(reference).toHaveLength(1);
    const [incident] = reference;
    expect(incident?.signals.length).toBeGreaterThanOrEqual(5);
  });

  it('anchors the incident on the leaked principal and joins the GuardDuty finding to its timeline', async () => {
    const [incident] = await referenceStore.listIncidents();
    expect(incident?.anchor).toBe(`principal:${LEAKED_ARN}`);
    expect(incident?.signals.some((s) => s.source === 'guardduty')).toBe(true);
    for (const benign of BENIGN) {
      expect(incident?.entities.some((e) => e.type === 'principal' && e.id.includes(benign))).toBe(false);
    }
    expect(incident?.tactics.length).toBeGreaterThanOrEqual(3);
    expect(incident?.first_event_at).toBeLessThanOrEqual(incident?.opened_at ?? 0);
  });

  it('replaying the same stream into the same store changes nothing', async () => {
    await runPipeline(story, {
      store: referenceStore,
      detection: localDetection(),
      policy: DEFAULT_POLICY,
      batchSize: 40,
    });
    expect(await picture(referenceStore)).toEqual(reference);
  });

  it('the stream shuffled with duplicates converges on the same incidents and risk', async () => {
    const store = await storeOn();
    const noisy = shuffle([...story, ...story.filter((_, i) => i % 3 === 0)], 7);
    await runPipeline(noisy, { store, detection: localDetection(), policy: DEFAULT_POLICY, batchSize: 25 });
    expect(await picture(store)).toEqual(reference);
  });

  it('records suppressed signals on their entities, visibly, without counting them', async () => {
    const store = await storeOn();
    const rule = 'aws.iam.access_key_untrusted_network';
    await store.putSuppression({
      id: 'sup-ci-deployer-untrusted',
      rule_id: rule,
      entity_pattern: `principal:*:user/${LEAKED_USER}`,
      expires_at: Date.parse('2027-01-01T00:00:00Z'),
      reason: 'false positive: CI runs from a new egress range',
      created_by: 'analyst@example.com',
    });
    await runPipeline(story, { store, detection: localDetection(), policy: DEFAULT_POLICY, batchSize: 40 });
    const entity = (await store.loadEntities([`principal:${LEAKED_ARN}`])).get(`principal:${LEAKED_ARN}`);
    const suppressed = entity?.signals.filter((s) => s.rule_id === rule) ?? [];
    expect(suppressed.length).toBeGreaterThan(0);
    for (const s of suppressed)
      expect(s.suppressed).toEqual({
        suppression_id: 'sup-ci-deployer-untrusted',
        reason: 'false positive: CI runs from a new egress range',
      });
    const [incident] = await store.listIncidents();
    const [unsuppressed] = reference;
    expect(incident?.signals.some((s) => s.rule_id === rule)).toBe(false);
    expect(incident?.risk).toBeLessThanOrEqual(unsuppressed?.risk ?? 0);
    expect(incident?.signals.length).toBe((unsuppressed?.signals.length ?? 0) - suppressed.length);
  });

  it('signals delivered out of order, duplicated and in other batch sizes converge on the same incidents', async () => {
    for (const [seed, size] of [
      [3, 1],
      [11, 7],
      [42, 64],
    ] as const) {
      const store = await storeOn();
      const delivered = shuffle([...signals, ...signals.filter((_, i) => i % 2 === 0)], seed);
      let clock = 0;
      for (let i = 0; i < delivered.length; i += size) {
        const batch = delivered.slice(i, i + size);
        clock = Math.max(clock, ...batch.map((s) => s.time));
        await correlateBatch(batch, { store, policy: DEFAULT_POLICY, now: () => clock });
      }
      expect(await picture(store)).toEqual(reference);
    }
  });
});
