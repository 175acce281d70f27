import { describe, expect, it } from 'vitest';
import { ATTACKER_IP, attackStory, LEAKED_USER } from '../../../local/story/attack-story.ts';
import { PrototypePollutedError } from '../../../shared/detect/prototype-guard.ts';
import type { Detection, Signal } from '../../../shared/detect/types.ts';
import { noEnrichment } from '../../../shared/enrich/index.ts';
import { TransientError } from '../../../shared/errors.ts';
import { type NormalisedEvent, normalise } from '../../../shared/normalise/index.ts';
import { type DetectionReport, detectionSink } from '../../../shared/pipeline/detection-sink.ts';
import type { SignalPublisher } from '../../../shared/pipeline/signal-publisher.ts';
import { testConfig } from '../../support/detection-fixtures.ts';

const story: NormalisedEvent[] = attackStory().flatMap((e) =>
  normalise(e, { enrich: noEnrichment }).flatMap((r) => (r.ok ? [r.event] : [])),
);
const cloudtrail = story.filter((e) => e.source === 'cloudtrail');

/** Test detections with known behaviour, so the sink is tested apart from the catalogue's contents. */
const base = {
  description: 'test',
  attack: ['T1078'],
  tactic: 'TA0007',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  cases: [],
} satisfies Partial<Detection>;

const fromOutside: Detection = {
  ...base,
  id: 'test.untrusted_source',
  title: 'Call from outside the trusted networks',
  detect: (ev, ctx) => {
    const ip = ev.ocsf.src_endpoint?.ip;
    return ip && !ctx.config.isTrustedNetwork(ip) ? { evidence: { ip } } : undefined;
  },
};

/** Fires on the third call of one principal within an hour: state that must outlive one batch. */
const third: Detection = {
  ...base,
  id: 'test.third_call',
  title: 'Third call within an hour',
  detect: (ev, ctx) => {
    const who = ev.ocsf.actor?.user?.uid ?? ev.ocsf.actor?.user?.name ?? '?';
    return ctx.window.count(`third:${who}`, ev.ocsf.time, 3_600_000) === 3 ? {} : undefined;
  },
};

const broken: Detection = {
  ...base,
  id: 'test.broken',
  title: 'Always throws',
  triggers: ['ListBuckets', 'DescribeInstances', 'GetCallerIdentity'],
  detect: () => {
    throw new Error('bug');
  },
};

function recordingPublisher(fail?: () => Error | undefined): SignalPublisher & { published: Signal[][] } {
  const published: Signal[][] = [];
  return {
    published,
    async publish(signals) {
      const error = fail?.();
      if (error) throw error;
      published.push([...signals]);
    },
  };
}

const shuffled = <T>(xs: readonly T[]): T[] => {
  const out = [...xs];
  for (let i = out.length - 1, s = 7; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

describe('detectionSink', () => {
  it('publishes the signals of a batch, with ids that name the rule and the event', async () => {
    const publisher = recordingPublisher();
    const sink = detectionSink({ detections: [fromOutside], config: testConfig, publisher });
    await sink.accept(cloudtrail);
    expect(publisher.published).toHaveLength(1);
    const signals = publisher.published[0]!;
    expect(signals.length).toBeGreaterThan(0);
    for (const s of signals) {
      expect(s.id).toBe(`test.untrusted_source|${s.event_uid}`);
      expect(testConfig.isTrustedNetwork(String(s.evidence.ip))).toBe(false);
    }
    expect(signals.some((s) => s.evidence.ip === ATTACKER_IP)).toBe(true);
    expect(signals.some((s) => String(s.evidence.actor ?? '').includes(LEAKED_USER))).toBe(true);
  });

  it('runs a batch in event-time order whatever order it arrived in', async () => {
    const inOrder = recordingPublisher();
    const mixed = recordingPublisher();
    await detectionSink({ detections: [third], config: testConfig, publisher: inOrder }).accept(cloudtrail);
    await detectionSink({ detections: [third], config: testConfig, publisher: mixed }).accept(
      shuffled(cloudtrail),
    );
    expect(inOrder.published.flat().length).toBeGreaterThan(0);
    expect(mixed.published).toEqual(inOrder.published);
  });

  it('keeps window state across batches, as a container does across invocations', async () => {
    const whole = recordingPublisher();
    const split = recordingPublisher();
    await detectionSink({ detections: [third], config: testConfig, publisher: whole }).accept(cloudtrail);
    const sink = detectionSink({ detections: [third], config: testConfig, publisher: split });
    for (const ev of cloudtrail) await sink.accept([ev]);
    expect(split.published.flat()).toEqual(whole.published.flat());
  });

  it('does not call the publisher when nothing fires', async () => {
    const publisher = recordingPublisher();
    const reports: DetectionReport[] = [];
    const trusting = { ...testConfig, isTrustedNetwork: () => true };
    await detectionSink({
      detections: [fromOutside],
      config: trusting,
      publisher,
      onBatch: (r) => reports.push(r),
    }).accept(cloudtrail);
    expect(publisher.published).toEqual([]);
    expect(reports).toEqual([{ events: cloudtrail.length, signals: 0, faults: {} }]);
  });

  it('fails the batch when publishing fails, and yields the same signals when the batch comes again', async () => {
    let down = true;
    const publisher = recordingPublisher(() =>
      down ? new TransientError('queue unavailable', 'test') : undefined,
    );
    const sink = detectionSink({ detections: [fromOutside], config: testConfig, publisher });
    await expect(sink.accept(cloudtrail)).rejects.toBeInstanceOf(TransientError);
    down = false;
    await sink.accept(cloudtrail);
    const reference = recordingPublisher();
    await detectionSink({ detections: [fromOutside], config: testConfig, publisher: reference }).accept(
      cloudtrail,
    );
    expect(publisher.published).toEqual(reference.published);
  });

  it('reports a detection that throws, per batch, and still publishes what the others found', async () => {
    const publisher = recordingPublisher();
    const reports: DetectionReport[] = [];
    const sink = detectionSink({
      detections: [broken, fromOutside],
      config: testConfig,
      publisher,
      onBatch: (r) => reports.push(r),
    });
    const half = Math.floor(cloudtrail.length / 2);
    await sink.accept(cloudtrail.slice(0, half));
    await sink.accept(cloudtrail.slice(half));
    const thrown = cloudtrail.filter((e) =>
      broken.triggers?.includes(String((e.raw as { eventName?: unknown }).eventName)),
    );
    expect(thrown.length).toBeGreaterThan(0);
    const total = reports.reduce((n, r) => n + (r.faults['test.broken'] ?? 0), 0);
    expect(total).toBe(thrown.length);
    expect(reports.every((r) => Object.keys(r.faults).every((id) => id === 'test.broken'))).toBe(true);
    expect(publisher.published.flat().length).toBe(reports.reduce((n, r) => n + r.signals, 0));
    expect(sink.engine.faults.get('test.broken')).toBe(thrown.length);
  });

  it('refuses a batch, publishing nothing, once something has added to Object.prototype', async () => {
    const publisher = recordingPublisher();
    const sink = detectionSink({ detections: [fromOutside], config: testConfig, publisher });
    // What a prototype-pollution bug elsewhere would do: every record would seem to carry the field.
    const proto = Object.prototype as Record<string, unknown>;
    proto.errorCode = 'AccessDenied';
    try {
      await expect(sink.accept(cloudtrail)).rejects.toThrow(PrototypePollutedError);
      await expect(sink.accept(cloudtrail)).rejects.toThrow(/"errorCode"/);
    } finally {
      delete proto.errorCode;
    }
    expect(publisher.published).toEqual([]);
    await sink.accept(cloudtrail);
    expect(publisher.published.flat().length).toBeGreaterThan(0);
  });
});
