import { describe, expect, it } from 'vitest';
import { cloudTrailLines } from '../../../bench/cloudtrail-stream.ts';
import { memoryBaselineStore } from '../../../shared/baseline/memory-store.ts';
import { DEFAULT_BASELINE_POLICY } from '../../../shared/baseline/policy.ts';
import { baselineStage } from '../../../shared/baseline/stage.ts';
import type { BaselineStore } from '../../../shared/baseline/store.ts';
import { buildEngine } from '../../../shared/detect/engine.ts';
import { memoryWindow } from '../../../shared/detect/window.ts';
import { defaultEnricher } from '../../../shared/enrich/index.ts';
import { type NormalisedEvent, normalise } from '../../../shared/normalise/index.ts';
import { detectBatch } from '../../../shared/pipeline/detect.ts';
import { labelledEvents } from '../../support/data.ts';

type Json = Record<string, unknown>;
const enrich = defaultEnricher();
const TEMPLATE = (labelledEvents('panther_aws_cloudtrail.ndjson') as Json[]).find(
  (e) => String(e.userAgent).startsWith('aws-cli/2.13.0') && (e.userIdentity as Json).type === 'IAMUser',
) as Json;
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');

let seq = 0;
function call(at: number, ip = '46.91.25.204', region = 'eu-central-1'): NormalisedEvent {
  const [r] = normalise(
    {
      ...TEMPLATE,
      eventID: `stage-${++seq}`,
      eventTime: new Date(at).toISOString(),
      sourceIPAddress: ip,
      awsRegion: region,
    },
    { enrich },
  );
  if (!r?.ok) throw new Error('test record did not normalise');
  return r.event;
}

describe('baselineStage', () => {
  it('learns, then flags, and counts its writes against the events it saw', async () => {
    const store = memoryBaselineStore();
    const stage = baselineStage({ store });
    const week = Array.from({ length: 30 }, (_, i) => call(T0 + i * 6 * 3_600_000));
    expect(await stage.observe(week.slice(0, 15))).toEqual([]);
    expect(await stage.observe(week.slice(15))).toEqual([]);
    const writesAfterLearning = stage.writes;
    expect(writesAfterLearning).toBeGreaterThan(0);

    const signals = await stage.observe([call(T0 + 9 * DAY, '5.255.255.5', 'ap-southeast-1')]);
    expect(signals.map((s) => s.rule_id)).toEqual(['baseline.new_region', 'baseline.new_country']);
    expect(stage.writes).toBe(writesAfterLearning + 1);
    expect(stage.events).toBe(31);
  });

  it('does not touch the store for a batch without principals', async () => {
    const untouchable: BaselineStore = {
      load: () => Promise.reject(new Error('no read expected')),
      apply: () => Promise.reject(new Error('no write expected')),
    };
    const findings = labelledEvents('guardduty_findings_eventbridge.ndjson').flatMap((r) =>
      normalise(r, { enrich }).flatMap((x) => (x.ok ? [x.event] : [])),
    );
    expect(findings.length).toBeGreaterThan(0);
    const stage = baselineStage({ store: untouchable, policy: DEFAULT_BASELINE_POLICY });
    expect(await stage.observe(findings)).toEqual([]);
    expect(stage.writes).toBe(0);
  });

  it('plugs into detectBatch as its baselines stage', async () => {
    const stage = baselineStage({ store: memoryBaselineStore() });
    const week = Array.from({ length: 30 }, (_, i) => call(T0 + i * 6 * 3_600_000));
    const deps = {
      engine: buildEngine([]),
      context: {
        window: memoryWindow(),
        config: { orgAccounts: new Set<string>(), isTrustedNetwork: () => false },
      },
      baselines: stage,
    };
    expect(await detectBatch(week, deps)).toEqual([]);
    const found = await detectBatch([call(T0 + 9 * DAY, '200.160.2.3')], deps);
    expect(found.map((s) => [s.rule_id, s.origin])).toEqual([['baseline.new_country', 'baseline']]);
  });

  it('costs writes while principals learn, then almost none, on the benchmark stream', async () => {
    // 300 principals with a few habitual APIs, a home region and 3 addresses each (bench/cloudtrail-stream.ts), in
    // Lambda-sized batches. The memory store makes exactly one write per update, as the DynamoDB
    // adapter does outside of rare spills and races (covered on DynamoDB Local).
    const events = cloudTrailLines(60_000).flatMap((l) =>
      normalise(JSON.parse(l), { enrich }).flatMap((r) => (r.ok ? [r.event] : [])),
    );
    const stage = baselineStage({ store: memoryBaselineStore() });
    const perEvent: number[] = [];
    for (let part = 0; part < 3; part++) {
      const writes = stage.writes;
      for (let i = part * 20_000; i < (part + 1) * 20_000; i += 500)
        await stage.observe(events.slice(i, i + 500));
      perEvent.push((stage.writes - writes) / 20_000);
    }
    const [cold, warming, steady] = perEvent as [number, number, number];
    console.log(`baseline writes per event: cold ${cold}, warming ${warming}, steady ${steady}`);
    // Cold: about a dozen writes per principal (its values and its first minEvents events); once a
    // principal has learned, only a rare new value (a region outside its home) costs a write.
    expect(cold).toBeLessThan(0.2);
    expect(warming).toBeLessThan(cold / 5);
    expect(warming).toBeLessThan(0.02);
    expect(steady).toBeLessThanOrEqual(warming);
    expect(steady).toBeLessThan(0.005);
  });
});
