import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ConsoleData, HealthSnapshot } from '../../../console/data.ts';
import type { ConsoleEnv } from '../../../console/env.ts';
import { healthReport, healthRoutes, RECENT_QUARANTINED } from '../../../console/routes/health.ts';
import { printable } from '../../../console/views/health.ts';

const NOW = Date.parse('2026-11-21T09:00:00Z');
const HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
const ESCAPED = '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;';

const unused = () => {
  throw new Error('not used by these pages');
};

function fakeData(snapshot: HealthSnapshot): ConsoleData & { reads: number } {
  const data = {
    reads: 0,
    incidents: unused,
    incident: unused,
    audit: unused,
    verdicts: { record: unused, list: unused, forIncident: unused },
    suppressions: { list: unused, put: unused },
    async health() {
      data.reads++;
      return snapshot;
    },
  };
  return data;
}

function appWith(snapshot: HealthSnapshot) {
  const data = fakeData(snapshot);
  const app = new Hono<ConsoleEnv>();
  healthRoutes(app, { data, now: () => NOW });
  return { app, data };
}

async function get(app: Hono<ConsoleEnv>, path: string) {
  const res = await app.request(path);
  return { res, body: await res.text() };
}

const LOCAL: HealthSnapshot = {
  quarantined: {
    count: 3,
    recent: [
      {
        id: 'q-1',
        reason: 'not JSON: unexpected token at 0',
        received_at: Date.parse('2026-11-21T08:00:00Z'),
      },
      {
        id: 'q-3',
        reason: `field "eventName" is ${HOSTILE}`,
        received_at: Date.parse('2026-11-21T08:50:00Z'),
      },
      {
        id: `q-2${HOSTILE}`,
        reason: 'user \u202egnp.exe\u202c said\u0007 hi',
        received_at: Date.parse('2026-11-21T08:30:00Z'),
      },
    ],
  },
  deadLetters: [],
  lastEventBySource: {
    okta: NOW - 90_000,
    cloudtrail: NOW - 3725_000,
    github: NOW + 120_000,
  },
};

describe('healthReport', () => {
  it('sorts reasons newest first, keeps the newest few, sources by name, and passes on named fields only', () => {
    const recent = Array.from({ length: 15 }, (_, i) => ({
      id: `q-${i}`,
      reason: `reason ${i}`,
      received_at: NOW - (15 - i) * 1000,
      raw: 'the whole event, which the report must not carry',
    }));
    const snapshot = {
      quarantined: { count: 15, recent },
      deadLetters: [
        { name: 'vigil-ingest-dlq', count: 2, url: 'https://sqs.eu-west-1.amazonaws.com/111122223333/x' },
      ],
      lastEventBySource: { securityhub: NOW - 1000, cloudtrail: NOW - 2000 },
      secret: 'nope',
    } as unknown as HealthSnapshot;
    const report = healthReport(snapshot, NOW);
    expect(report.quarantined.recent).toHaveLength(RECENT_QUARANTINED);
    expect(report.quarantined.recent.map((q) => q.id)).toEqual(
      Array.from({ length: RECENT_QUARANTINED }, (_, i) => `q-${14 - i}`),
    );
    expect(report.quarantined.recent[0]).toEqual({
      id: 'q-14',
      reason: 'reason 14',
      received_at: NOW - 1000,
    });
    expect(report.deadLetters).toEqual([{ name: 'vigil-ingest-dlq', count: 2 }]);
    expect(Object.keys(report)).toEqual([
      'generatedAt',
      'quarantined',
      'deadLetters',
      'lastEventBySource',
      'lastEventAgeSeconds',
    ]);
    expect(Object.keys(report.lastEventBySource)).toEqual(['cloudtrail', 'securityhub']);
    expect(report.lastEventAgeSeconds).toEqual({ cloudtrail: 2, securityhub: 1 });
  });

  it('printable replaces control and direction characters and cuts long text', () => {
    expect(printable('a\u202eb\u0000c\u2066d\n')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFD');
    expect(printable('x'.repeat(400))).toBe(`${'x'.repeat(300)}…`);
    expect(printable('😀'.repeat(5), 3)).toBe('😀😀😀…');
  });
});

describe('GET /health', () => {
  it('shows the quarantine count with the newest reasons escaped and inert', async () => {
    const { app, data } = appWith(LOCAL);
    const { res, body } = await get(app, '/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(data.reads).toBe(1);
    expect(body).toContain('<title>Pipeline health · Vigil</title>');
    expect(body).toContain('As of 2026-11-21 09:00:00 UTC.');
    expect(body).toContain('<p>3 events quarantined as malformed input; the newest 3:</p>');
    expect(body).toContain(`<td>field &quot;eventName&quot; is ${ESCAPED}</td>`);
    expect(body).toContain(`<td><code>q-2${ESCAPED}</code></td>`);
    expect(body).not.toContain('<img');
    expect(body).not.toMatch(/<script/i);
    expect(body).not.toContain('onerror=alert(1)>');
    // Direction overrides and control characters cannot disguise a reason.
    for (const ch of ['\u202e', '\u202c', '\u0007']) expect(body).not.toContain(ch);
    expect(body).toContain('user \uFFFDgnp.exe\uFFFD said\uFFFD hi');
    // Newest first.
    const order = ['q-3', 'q-2', 'q-1'].map((id) => body.indexOf(`<td><code>${id}`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(body).toContain('<tr><td>2026-11-21 08:50:00 UTC</td><td><code>q-3</code></td>');
  });

  it('says there are no dead-letter queues in local mode, and gives each source its age', async () => {
    const { app } = appWith(LOCAL);
    const { body } = await get(app, '/health');
    expect(body).toContain('<h2>Dead-letter queues</h2><p>No dead-letter queues in local mode.</p>');
    expect(body).toContain(
      '<tr><td><code>cloudtrail</code></td><td>2026-11-21 07:57:55 UTC</td><td>1 h 2 min ago</td></tr>',
    );
    expect(body).toContain(
      '<tr><td><code>okta</code></td><td>2026-11-21 08:58:30 UTC</td><td>1 min 30 s ago</td></tr>',
    );
    expect(body).toContain(
      '<tr><td><code>github</code></td><td>2026-11-21 09:02:00 UTC</td><td>2 min ahead of the console&#39;s clock</td></tr>',
    );
    expect(body.indexOf('<code>cloudtrail</code>')).toBeLessThan(body.indexOf('<code>github</code>'));
    expect(body.indexOf('<code>github</code>')).toBeLessThan(body.indexOf('<code>okta</code>'));
  });

  it('lists dead-letter queues with what waits in them', async () => {
    const { app } = appWith({
      ...LOCAL,
      deadLetters: [
        { name: 'vigil-normalise-dlq', count: 4 },
        { name: `vigil-${HOSTILE}`, count: 0 },
      ],
    });
    const { body } = await get(app, '/health');
    expect(body).toContain('<p class="banner bad">4 messages waiting in dead-letter queues.</p>');
    expect(body).toContain('<tr><td><code>vigil-normalise-dlq</code></td><td>4</td></tr>');
    expect(body).toContain(`<tr><td><code>vigil-${ESCAPED}</code></td><td>0</td></tr>`);
    expect(body).not.toContain('No dead-letter queues');
    expect(body).not.toContain('<img');
  });

  it('says so when nothing was quarantined or received, and survives a time that is not one', async () => {
    const { app } = appWith({
      quarantined: { count: 0, recent: [] },
      deadLetters: [{ name: 'vigil-ingest-dlq', count: 0 }],
      lastEventBySource: {},
    });
    const { body } = await get(app, '/health');
    expect(body).toContain('<p>Nothing has been quarantined.</p>');
    expect(body).toContain('<p>Every dead-letter queue is empty.</p>');
    expect(body).toContain('<p>No events received yet.</p>');

    const odd = appWith({ ...LOCAL, lastEventBySource: { okta: Number.NaN } });
    const page = await get(odd.app, '/health');
    expect(page.res.status).toBe(200);
    expect(page.body).toContain('<tr><td><code>okta</code></td><td>unknown time</td><td>unknown</td></tr>');
  });
});

describe('GET /health.json', () => {
  it('is valid JSON with the same snapshot, hostile text intact but unable to form markup', async () => {
    const { app } = appWith(LOCAL);
    const { res, body } = await get(app, '/health.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(body).not.toMatch(/[<>]/);
    const parsed = JSON.parse(body);
    expect(parsed).toEqual({
      generatedAt: NOW,
      quarantined: {
        count: 3,
        recent: [
          {
            id: 'q-3',
            reason: `field "eventName" is ${HOSTILE}`,
            received_at: Date.parse('2026-11-21T08:50:00Z'),
          },
          {
            id: `q-2${HOSTILE}`,
            reason: 'user \u202egnp.exe\u202c said\u0007 hi',
            received_at: Date.parse('2026-11-21T08:30:00Z'),
          },
          {
            id: 'q-1',
            reason: 'not JSON: unexpected token at 0',
            received_at: Date.parse('2026-11-21T08:00:00Z'),
          },
        ],
      },
      deadLetters: [],
      lastEventBySource: { cloudtrail: NOW - 3725_000, github: NOW + 120_000, okta: NOW - 90_000 },
      lastEventAgeSeconds: { cloudtrail: 3725, github: -120, okta: 90 },
    });
    expect(parsed).toEqual(healthReport(LOCAL, NOW));
  });
});
