import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ConsoleData } from '../../../console/data.ts';
import type { ConsoleEnv } from '../../../console/env.ts';
import { metricsRoutes } from '../../../console/routes/metrics.ts';
import { inlineBar, stackedBarChart } from '../../../console/views/chart.ts';
import { duration, percent } from '../../../console/views/duration.ts';
import type { IncidentView } from '../../../shared/correlate/view.ts';
import type { Verdict, VerdictKind } from '../../../shared/feedback/types.ts';

const story = JSON.parse(
  readFileSync(new URL('../../fixtures/story-incidents.json', import.meta.url), 'utf8'),
) as { incidents: IncidentView[] };
const REAL = story.incidents[0]!;
const NOW = Date.parse('2026-11-21T09:00:00Z');
const OPENED = Date.parse(REAL.opened_at);
const HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>';

const unused = () => {
  throw new Error('not used by these pages');
};

/** A ConsoleData with the incidents and verdicts given; everything else fails if touched. */
function fakeData(incidents: IncidentView[], verdicts: Verdict[]): ConsoleData & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async incidents() {
      reads.push('incidents');
      return incidents;
    },
    incident: unused,
    audit: unused,
    verdicts: {
      record: unused,
      async list() {
        reads.push('verdicts');
        return verdicts;
      },
      forIncident: unused,
    },
    suppressions: { list: unused, put: unused },
    health: unused,
  };
}

function appWith(data: ConsoleData, now = NOW) {
  const app = new Hono<ConsoleEnv>();
  metricsRoutes(app, { data, now: () => now });
  return app;
}

async function get(app: Hono<ConsoleEnv>, path: string) {
  const res = await app.request(path);
  return { res, body: await res.text() };
}

function verdict(signalId: string | undefined, rule: string, kind: VerdictKind, at: number): Verdict {
  return {
    id: `${REAL.id}#${signalId ?? 'incident'}#alice@example.org`,
    incident_id: REAL.id,
    ...(signalId ? { signal_id: signalId } : {}),
    rule_id: rule,
    verdict: kind,
    analyst: 'alice@example.org',
    at,
    reason: 'looked at it',
  };
}

const signalsOf = (rule: string) => REAL.signals.filter((s) => s.rule_id === rule).map((s) => s.id);

describe('duration and percent', () => {
  it('write durations in their two largest units and shares to one decimal', () => {
    expect(duration(0)).toBe('0 s');
    expect(duration(45.4)).toBe('45 s');
    expect(duration(2900.214)).toBe('48 min 20 s');
    expect(duration(3600)).toBe('1 h');
    expect(duration(7500)).toBe('2 h 5 min');
    expect(duration(86_400 * 3 + 4 * 3600 + 59)).toBe('3 d 4 h');
    expect(duration(-90)).toBe('1 min 30 s');
    expect(percent(null)).toBe('—');
    expect(percent(5 / 6)).toBe('83.3%');
    expect(percent(1)).toBe('100%');
    expect(percent(0)).toBe('0%');
  });
});

describe('chart helpers', () => {
  it('draw labelled SVG images with escaped text', () => {
    const chart = stackedBarChart({
      id: 'c',
      title: `t${HOSTILE}`,
      description: 'd',
      series: [{ key: 'x', label: `x${HOSTILE}`, color: '#000' }],
      bars: [{ label: 'l', name: `n${HOSTILE}`, values: { x: 2 } }],
    }).value;
    expect(chart).toMatch(/^<svg role="img" aria-labelledby="c-title c-desc"/);
    expect(chart).toContain('<title id="c-title">t&quot;&gt;&lt;img');
    expect(chart).toContain('<title>n&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(chart).not.toContain('<img');
    expect(chart).not.toMatch(/<script/i);

    const bar = inlineBar({ fraction: 0.25, label: HOSTILE, width: 100 }).value;
    expect(bar).toMatch(/^<svg role="img" width="100"/);
    expect(bar).toContain('<rect width="25" height="10"');
    expect(bar).not.toContain('<img');
    // Nothing to fill: the track only.
    expect(inlineBar({ fraction: null, label: 'none' }).value.match(/<rect/g)).toHaveLength(1);
  });
});

describe('GET /metrics', () => {
  it('shows MTTD and MTTR tiles, the per-day chart and precision per rule for the demo story', async () => {
    const stopped = signalsOf('aws.cloudtrail.logging_stopped');
    const untrusted = signalsOf('aws.iam.access_key_untrusted_network');
    const data = fakeData(story.incidents, [
      verdict(stopped[0], 'aws.cloudtrail.logging_stopped', 'true_positive', OPENED + 20 * 60_000),
      ...untrusted
        .slice(0, 5)
        .map((id) =>
          verdict(id, 'aws.iam.access_key_untrusted_network', 'true_positive', OPENED + 25 * 60_000),
        ),
      verdict(untrusted[5], 'aws.iam.access_key_untrusted_network', 'false_positive', OPENED + 25 * 60_000),
      verdict(untrusted[6], 'aws.iam.access_key_untrusted_network', 'benign', OPENED + 25 * 60_000),
    ]);
    const { res, body } = await get(appWith(data), '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(data.reads.sort()).toEqual(['incidents', 'verdicts']);

    expect(body).toContain('<title>Metrics · Vigil</title>');
    expect(body).toContain('As of 2026-11-21 09:00:00 UTC: 1 incident on record.');
    // MTTD: 09:11:24 → 09:59:44.214; MTTR: 20 minutes to the first verdict.
    expect(body).toContain(
      '<p style="font-size:1.7rem;font-weight:bold;margin:.2rem 0">48 min 20 s <span style="font-size:.95rem;font-weight:normal">median</span></p>',
    );
    expect(body).toContain('<p>mean 48 min 20 s</p><p>over 1 incident</p>');
    expect(body).toContain(
      '20 min <span style="font-size:.95rem;font-weight:normal">median</span></p><p>mean 20 min</p><p>over 1 answered incident; 0 unanswered</p>',
    );
    expect(body).toContain(
      '>12.5%</p><p>1 false positive of 8 judged signals</p><p>6 true positives, 1 benign</p>',
    );

    // The chart: an image with a title, one critical bar on 2026-11-20.
    expect(body).toContain('<svg role="img" aria-labelledby="per-day-title per-day-desc"');
    expect(body).toContain(
      '<title id="per-day-title">Incidents per day, 2026-10-23 to 2026-11-21 (UTC)</title>',
    );
    expect(body).toContain('1 incident in all, at most 1 on one day.</desc>');
    expect(body).toMatch(/<rect [^>]*fill="#7f1d1d"><title>2026-11-20: 1 critical<\/title><\/rect>/);
    expect(body.match(/<rect [^>]*><title>/g)).toHaveLength(1);
    expect(body).toContain(
      '<tr><td>2026-11-20</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>',
    );

    // Precision, worst first, each with a bar.
    const untrustedRow = body.indexOf('<td><code>aws.iam.access_key_untrusted_network</code></td>');
    const stoppedRow = body.indexOf('<td><code>aws.cloudtrail.logging_stopped</code></td>');
    expect(untrustedRow).toBeGreaterThan(0);
    expect(stoppedRow).toBeGreaterThan(untrustedRow);
    expect(body).toContain(
      '<td><code>aws.iam.access_key_untrusted_network</code></td><td>83.3%</td><td><svg role="img" width="120" height="10" viewBox="0 0 120 10" xmlns="http://www.w3.org/2000/svg"><title>aws.iam.access_key_untrusted_network: precision 83.3% (5 of 6)</title><rect width="120" height="10" fill="#e5e7eb"/><rect width="100" height="10"',
    );
    expect(body).toMatch(/<td>5<\/td><td>1<\/td><td>1<\/td><td>0<\/td><\/tr>/);
    expect(body).toContain('<td><code>aws.cloudtrail.logging_stopped</code></td><td>100%</td>');
    expect(body).toContain('How these are counted');
    expect(body).not.toMatch(/<script/i);
  });

  it('says what is missing when there are no incidents or verdicts', async () => {
    const { res, body } = await get(appWith(fakeData([], [])), '/metrics');
    expect(res.status).toBe(200);
    expect(body).toContain('0 incidents on record.');
    expect(body).toContain(
      '>— <span style="font-size:.95rem;font-weight:normal">median</span></p><p>mean —</p><p>over 0 incidents</p>',
    );
    expect(body).toContain('over 0 answered incidents; 0 unanswered</p>');
    expect(body).toContain('>—</p><p>0 false positives of 0 judged signals</p>');
    expect(body).toContain('No signal has a verdict yet');
    expect(body).toContain('<svg role="img"');
    expect(body).toContain('0 incidents opened from 2026-10-23 to 2026-11-21');
    expect(body).not.toContain('Counts per day');
  });

  it('counts the unanswered, what lies outside the window and what was dismissed', async () => {
    const old = {
      ...REAL,
      id: 'inc-old',
      opened_at: '2026-09-01T10:00:00.000Z',
      first_event_at: '2026-09-01T09:00:00.000Z',
    };
    const dismissed = { ...REAL, id: 'inc-fp', severity: 'low' as const };
    const data = fakeData(
      [REAL, old, dismissed],
      [
        {
          ...verdict(undefined, '*', 'false_positive', OPENED + 60_000),
          id: 'inc-fp#incident#a',
          incident_id: 'inc-fp',
        },
      ],
    );
    const { body } = await get(appWith(data), '/metrics');
    expect(body).toContain('over 2 incidents; 1 dismissed as not malicious left out');
    // inc-old opened 2026-09-01 10:00, 80 days and 23 hours before NOW.
    expect(body).toContain('over 1 answered incident; 2 unanswered, the oldest open for 80 d 23 h');
    expect(body).toContain(
      '2 incidents opened from 2026-10-23 to 2026-11-21 (UTC days, by the time each opened); 1 more outside these 30 days.',
    );
    expect(body).toMatch(/<title>2026-11-20: 1 low<\/title>/);
  });

  it('escapes rule ids in the table and in the bars', async () => {
    const data = fakeData(story.incidents, [verdict(`x|${HOSTILE}`, HOSTILE, 'false_positive', OPENED)]);
    const { body } = await get(appWith(data), '/metrics');
    expect(body).toContain(
      '<td><code>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;</code></td><td>0%</td>',
    );
    expect(body).toContain(
      '<title>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;: precision 0%',
    );
    expect(body).not.toContain('<img');
    expect(body).not.toMatch(/<script/i);
  });
});
