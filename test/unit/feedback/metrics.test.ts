import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IncidentView } from '../../../shared/correlate/view.ts';
import type { Severity } from '../../../shared/detect/types.ts';
import { computeMetrics, mean, median, WINDOW_DAYS } from '../../../shared/feedback/metrics.ts';
import type { Verdict, VerdictKind } from '../../../shared/feedback/types.ts';

const story = JSON.parse(
  readFileSync(new URL('../../fixtures/story-incidents.json', import.meta.url), 'utf8'),
) as { incidents: IncidentView[] };
const REAL = story.incidents[0]!;

const at = (iso: string) => Date.parse(iso);
const NOW = at('2026-11-20T12:00:00Z');
const MIN = 60_000;

interface IncidentInput {
  id: string;
  opened: string;
  first: string;
  severity?: Severity;
  /** Signal ids; each signal's rule is the part before `|`. */
  signals?: string[];
}

/** A real incident view from the demo story with the fields the metrics read replaced. */
function incident(i: IncidentInput): IncidentView {
  const template = REAL.signals[0]!;
  return {
    ...REAL,
    id: i.id,
    severity: i.severity ?? 'high',
    opened_at: new Date(at(i.opened)).toISOString(),
    first_event_at: new Date(at(i.first)).toISOString(),
    signals: (i.signals ?? [`rule.a|${i.id}-1`]).map((id) => ({
      ...template,
      id,
      rule_id: id.split('|')[0]!,
    })),
  };
}

function verdict(
  incidentId: string,
  signalId: string | undefined,
  kind: VerdictKind,
  when: number,
  analyst = 'alice@example.org',
): Verdict {
  return {
    id: `${incidentId}#${signalId ?? 'incident'}#${analyst}`,
    incident_id: incidentId,
    ...(signalId ? { signal_id: signalId } : {}),
    rule_id: signalId ? signalId.split('|')[0]! : '*',
    verdict: kind,
    analyst,
    at: when,
    reason: 'test',
  };
}

describe('median and mean', () => {
  it('are null on nothing, and the middle value or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(mean([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([600, 60, 120])).toBe(120);
    expect(median([1000, 60, 600, 120])).toBe(360);
    expect(mean([60, 120, 600, 1000])).toBe(445);
  });
});

describe('computeMetrics', () => {
  it('gives nulls and zeros, and 30 empty days ending today, on empty inputs', () => {
    const m = computeMetrics([], [], NOW);
    expect(m.incidents).toBe(0);
    expect(m.mttd).toEqual({ count: 0, medianSeconds: null, meanSeconds: null, dismissed: 0 });
    expect(m.mttr).toEqual({
      count: 0,
      medianSeconds: null,
      meanSeconds: null,
      unanswered: 0,
      oldestUnansweredSeconds: null,
    });
    expect(m.precision).toEqual([]);
    expect(m.verdicts).toEqual({
      signals: 0,
      truePositive: 0,
      falsePositive: 0,
      benign: 0,
      disputed: 0,
      falsePositiveRate: null,
    });
    expect(m.perDay).toHaveLength(WINDOW_DAYS);
    expect(m.perDay[0]!.day).toBe('2026-10-22');
    expect(m.perDay[0]!.start).toBe(at('2026-10-22T00:00:00Z'));
    expect(m.perDay.at(-1)!.day).toBe('2026-11-20');
    expect(m.perDay.every((d) => d.total === 0)).toBe(true);
    expect(m.outsideWindow).toBe(0);
  });

  it('computes every figure of a single incident by hand', () => {
    const one = incident({
      id: 'inc-1',
      first: '2026-11-20T09:10:00Z',
      opened: '2026-11-20T10:00:00Z',
      severity: 'critical',
      signals: ['rule.a|e1', 'rule.b|e2'],
    });
    const m = computeMetrics(
      [one],
      [verdict('inc-1', 'rule.a|e1', 'true_positive', at('2026-11-20T10:30:00Z'))],
      NOW,
    );
    expect(m.mttd).toEqual({ count: 1, medianSeconds: 3000, meanSeconds: 3000, dismissed: 0 });
    expect(m.mttr).toEqual({
      count: 1,
      medianSeconds: 1800,
      meanSeconds: 1800,
      unanswered: 0,
      oldestUnansweredSeconds: null,
    });
    expect(m.precision).toEqual([
      { rule_id: 'rule.a', truePositive: 1, falsePositive: 0, benign: 0, disputed: 0, precision: 1 },
    ]);
    expect(m.verdicts.falsePositiveRate).toBe(0);
    expect(m.perDay.at(-1)).toEqual({
      day: '2026-11-20',
      start: at('2026-11-20T00:00:00Z'),
      bySeverity: { critical: 1, high: 0, medium: 0, low: 0, info: 0 },
      total: 1,
    });
    expect(m.outsideWindow).toBe(0);
  });

  it('takes the median and mean of MTTD over incidents, odd and even counts', () => {
    const open = '2026-11-20T10:00:00Z';
    const earlier = (seconds: number) => new Date(at(open) - seconds * 1000).toISOString();
    const three = [60, 120, 600].map((s, i) => incident({ id: `inc-${i}`, first: earlier(s), opened: open }));
    expect(computeMetrics(three, [], NOW).mttd).toMatchObject({
      count: 3,
      medianSeconds: 120,
      meanSeconds: 260,
    });
    const four = [...three, incident({ id: 'inc-3', first: earlier(1000), opened: open })];
    expect(computeMetrics(four, [], NOW).mttd).toMatchObject({
      count: 4,
      medianSeconds: 360,
      meanSeconds: 445,
    });
  });

  it('ends MTTR at the first verdict of any kind on the incident or its signals, and counts the unanswered', () => {
    const a = incident({ id: 'a', first: '2026-11-20T08:00:00Z', opened: '2026-11-20T09:00:00Z' });
    const b = incident({ id: 'b', first: '2026-11-20T08:00:00Z', opened: '2026-11-20T09:00:00Z' });
    const c = incident({ id: 'c', first: '2026-11-19T08:00:00Z', opened: '2026-11-19T10:00:00Z' });
    const d = incident({ id: 'd', first: '2026-11-20T10:00:00Z', opened: '2026-11-20T11:00:00Z' });
    const open = at('2026-11-20T09:00:00Z');
    const m = computeMetrics(
      [a, b, c, d],
      [
        verdict('a', 'rule.a|a-1', 'true_positive', open + 5 * MIN),
        // Earlier, and a false positive: still the first answer.
        verdict('a', 'rule.a|a-1', 'false_positive', open + 2 * MIN, 'bob@example.org'),
        // An incident verdict, benign: an answer too.
        verdict('b', undefined, 'benign', open + 10 * MIN),
        // A verdict on an incident not on record answers nothing here.
        verdict('zz', undefined, 'true_positive', open),
      ],
      NOW,
    );
    expect(m.mttr).toEqual({
      count: 2,
      medianSeconds: 360,
      meanSeconds: 360,
      unanswered: 2,
      // c opened 26 h before NOW; d 1 h.
      oldestUnansweredSeconds: 26 * 3600,
    });
  });

  it('treats verdicts at the same instant: agreeing ones count once, disagreeing ones are disputed', () => {
    const x = incident({ id: 'x', first: '2026-11-20T08:00:00Z', opened: '2026-11-20T09:00:00Z' });
    const t = at('2026-11-20T09:30:00Z');
    const m = computeMetrics(
      [x],
      [
        verdict('x', 'rule.a|agree', 'true_positive', t),
        verdict('x', 'rule.a|agree', 'true_positive', t, 'bob@example.org'),
        verdict('x', 'rule.a|split', 'true_positive', t),
        verdict('x', 'rule.a|split', 'false_positive', t, 'bob@example.org'),
        // Disagreeing, but the later review settles it.
        verdict('x', 'rule.b|settled', 'true_positive', t),
        verdict('x', 'rule.b|settled', 'false_positive', t + 1, 'bob@example.org'),
      ],
      NOW,
    );
    expect(m.precision).toEqual([
      { rule_id: 'rule.b', truePositive: 0, falsePositive: 1, benign: 0, disputed: 0, precision: 0 },
      { rule_id: 'rule.a', truePositive: 1, falsePositive: 0, benign: 0, disputed: 1, precision: 1 },
    ]);
    expect(m.verdicts).toEqual({
      signals: 2,
      truePositive: 1,
      falsePositive: 1,
      benign: 0,
      disputed: 1,
      falsePositiveRate: 0.5,
    });
    // Tied first verdicts: the time is the same either way.
    expect(m.mttr.medianSeconds).toBe(1800);
  });

  it('keeps benign apart from precision but in the false-positive rate denominator', () => {
    const x = incident({ id: 'x', first: '2026-11-20T08:00:00Z', opened: '2026-11-20T09:00:00Z' });
    const t = at('2026-11-20T09:30:00Z');
    const judge = (signal: string, kind: VerdictKind) => verdict('x', signal, kind, t);
    const m = computeMetrics(
      [x],
      [
        judge('rule.r|1', 'true_positive'),
        judge('rule.r|2', 'true_positive'),
        judge('rule.r|3', 'true_positive'),
        judge('rule.r|4', 'false_positive'),
        judge('rule.r|5', 'benign'),
        judge('rule.r|6', 'benign'),
        judge('rule.only-benign|1', 'benign'),
        // Incident verdicts judge no rule.
        verdict('x', undefined, 'false_positive', t),
      ],
      NOW,
    );
    expect(m.precision).toEqual([
      { rule_id: 'rule.r', truePositive: 3, falsePositive: 1, benign: 2, disputed: 0, precision: 0.75 },
      {
        rule_id: 'rule.only-benign',
        truePositive: 0,
        falsePositive: 0,
        benign: 1,
        disputed: 0,
        precision: null,
      },
    ]);
    expect(m.verdicts).toEqual({
      signals: 7,
      truePositive: 3,
      falsePositive: 1,
      benign: 3,
      disputed: 0,
      falsePositiveRate: 1 / 7,
    });
  });

  it('orders rules worst first: precision, then more judged signals, then rule id', () => {
    const x = incident({ id: 'x', first: '2026-11-20T08:00:00Z', opened: '2026-11-20T09:00:00Z' });
    const t = at('2026-11-20T09:30:00Z');
    const judge = (signal: string, kind: VerdictKind) => verdict('x', signal, kind, t);
    const m = computeMetrics(
      [x],
      [
        judge('rule.c|1', 'benign'),
        judge('rule.b|1', 'true_positive'),
        judge('rule.a|1', 'true_positive'),
        judge('rule.a|2', 'false_positive'),
        judge('rule.d|1', 'true_positive'),
        judge('rule.d|2', 'false_positive'),
        judge('rule.d|3', 'benign'),
        judge('rule.e|1', 'true_positive'),
        judge('rule.e|2', 'false_positive'),
      ],
      NOW,
    );
    expect(m.precision.map((r) => [r.rule_id, r.precision])).toEqual([
      ['rule.d', 0.5],
      ['rule.a', 0.5],
      ['rule.e', 0.5],
      ['rule.b', 1],
      ['rule.c', null],
    ]);
  });

  it('leaves incidents analysts dismissed out of MTTD (but not out of MTTR)', () => {
    const base = { first: '2026-11-20T08:00:00Z', opened: '2026-11-20T09:00:00Z' };
    const t = at('2026-11-20T09:10:00Z');
    const incidents = [
      incident({ id: 'fp', ...base }),
      incident({ id: 'benign', ...base }),
      incident({ id: 'all-signals', ...base, signals: ['rule.a|s1', 'rule.b|s2'] }),
      incident({ id: 'some-signals', ...base, signals: ['rule.a|s3', 'rule.b|s4'] }),
      incident({ id: 'reopened', ...base }),
      incident({ id: 'overruled', ...base, signals: ['rule.a|s5'] }),
      incident({ id: 'untouched', first: '2026-11-20T08:30:00Z', opened: '2026-11-20T09:00:00Z' }),
    ];
    const m = computeMetrics(
      incidents,
      [
        verdict('fp', undefined, 'false_positive', t),
        verdict('benign', undefined, 'benign', t),
        verdict('all-signals', 'rule.a|s1', 'false_positive', t),
        verdict('all-signals', 'rule.b|s2', 'benign', t),
        verdict('some-signals', 'rule.a|s3', 'false_positive', t),
        verdict('reopened', undefined, 'false_positive', t),
        verdict('reopened', undefined, 'true_positive', t + MIN, 'bob@example.org'),
        // The incident verdict decides over its signals' verdicts.
        verdict('overruled', 'rule.a|s5', 'false_positive', t),
        verdict('overruled', undefined, 'true_positive', t),
      ],
      NOW,
    );
    // some-signals, reopened, overruled: 3600 s each; untouched: 1800 s.
    expect(m.mttd).toEqual({ count: 4, medianSeconds: 3600, meanSeconds: 3150, dismissed: 3 });
    expect(m.mttr).toMatchObject({ count: 6, medianSeconds: 600, meanSeconds: 600, unanswered: 1 });
  });

  it('counts incidents per UTC day and severity within the 30 days ending now, and the rest as outside', () => {
    const make = (id: string, opened: string, severity: Severity) =>
      incident({ id, opened, first: '2026-09-01T00:00:00Z', severity });
    const m = computeMetrics(
      [
        make('too-old', '2026-10-21T23:59:59.999Z', 'critical'),
        make('way-too-old', '2026-10-10T12:00:00Z', 'high'),
        make('first-day', '2026-10-22T00:00:00Z', 'low'),
        make('mid-1', '2026-11-05T03:00:00Z', 'high'),
        make('mid-2', '2026-11-05T23:59:59Z', 'high'),
        make('mid-3', '2026-11-05T12:00:00Z', 'medium'),
        make('today', '2026-11-20T00:00:00Z', 'info'),
        make('exactly-now', '2026-11-20T12:00:00Z', 'critical'),
        make('future', '2026-11-20T12:00:00.001Z', 'critical'),
      ],
      [],
      NOW,
    );
    const byDay = Object.fromEntries(m.perDay.filter((d) => d.total > 0).map((d) => [d.day, d.bySeverity]));
    expect(byDay).toEqual({
      '2026-10-22': { critical: 0, high: 0, medium: 0, low: 1, info: 0 },
      '2026-11-05': { critical: 0, high: 2, medium: 1, low: 0, info: 0 },
      '2026-11-20': { critical: 1, high: 0, medium: 0, low: 0, info: 1 },
    });
    expect(m.perDay.reduce((sum, d) => sum + d.total, 0)).toBe(6);
    expect(m.outsideWindow).toBe(3);
    // MTTD is over every incident on record, not only the window.
    expect(m.mttd.count).toBe(9);
  });

  it('on the demo story: MTTD is the incident view’s own figure, and verdicts on real signals count per rule', () => {
    const now = at('2026-11-21T09:00:00Z');
    const quiet = computeMetrics(story.incidents, [], now);
    expect(story.incidents).toHaveLength(1);
    // 09:11:24.000 → 09:59:44.214
    expect(quiet.mttd).toEqual({ count: 1, medianSeconds: 2900.214, meanSeconds: 2900.214, dismissed: 0 });
    expect(Math.round(quiet.mttd.medianSeconds!)).toBe(REAL.mttd_seconds);
    expect(quiet.mttr).toEqual({
      count: 0,
      medianSeconds: null,
      meanSeconds: null,
      unanswered: 1,
      oldestUnansweredSeconds: (now - at(REAL.opened_at)) / 1000,
    });
    expect(quiet.perDay.filter((d) => d.total > 0)).toEqual([
      {
        day: '2026-11-20',
        start: at('2026-11-20T00:00:00Z'),
        bySeverity: { critical: 1, high: 0, medium: 0, low: 0, info: 0 },
        total: 1,
      },
    ]);

    const of = (rule: string) => REAL.signals.filter((s) => s.rule_id === rule).map((s) => s.id);
    const untrusted = of('aws.iam.access_key_untrusted_network');
    const stopped = of('aws.cloudtrail.logging_stopped');
    expect(untrusted).toHaveLength(7);
    expect(stopped).toHaveLength(1);
    const opened = at(REAL.opened_at);
    const judged = computeMetrics(
      story.incidents,
      [
        verdict(REAL.id, stopped[0], 'true_positive', opened + 20 * MIN),
        ...untrusted.slice(0, 5).map((id) => verdict(REAL.id, id, 'true_positive', opened + 25 * MIN)),
        verdict(REAL.id, untrusted[5], 'false_positive', opened + 25 * MIN),
        verdict(REAL.id, untrusted[6], 'benign', opened + 25 * MIN),
      ],
      now,
    );
    expect(judged.mttr).toMatchObject({ count: 1, medianSeconds: 1200, unanswered: 0 });
    expect(judged.precision).toEqual([
      {
        rule_id: 'aws.iam.access_key_untrusted_network',
        truePositive: 5,
        falsePositive: 1,
        benign: 1,
        disputed: 0,
        precision: 5 / 6,
      },
      {
        rule_id: 'aws.cloudtrail.logging_stopped',
        truePositive: 1,
        falsePositive: 0,
        benign: 0,
        disputed: 0,
        precision: 1,
      },
    ]);
    expect(judged.verdicts.falsePositiveRate).toBe(1 / 8);
    expect(judged.mttd.dismissed).toBe(0);
  });
});
