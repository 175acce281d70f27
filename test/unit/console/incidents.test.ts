/**
 * The incident queue, the incident page and the verdict → suppression loop, through hono's
 * `app.request()` on the real console app (`consoleApp`: security headers, cross-origin refusal,
 * body limit, dev sign-in) with `incidentRoutes` registered on it, over real incident views: the
 * fixture is `vigil replay --json` output of the attack story and the labelled CloudTrail and
 * GitHub samples (test/fixtures/console-incidents.json). One more incident is a hostile copy of a
 * real one, with markup, `javascript:` URLs and markdown links in every log-derived field.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { consoleApp } from '../../../console/app.ts';
import { devAuthenticator } from '../../../console/auth.ts';
import { csrfToken } from '../../../console/csrf.ts';
import type { ConsoleData } from '../../../console/data.ts';
import { csrfPurpose, incidentRoutes } from '../../../console/routes/incidents.ts';
import type { Suppression } from '../../../shared/correlate/types.ts';
import type { IncidentView } from '../../../shared/correlate/view.ts';
import { backtest, suppressionIdFor } from '../../../shared/feedback/backtest.ts';
import { type Verdict, type VerdictStore, verdictId } from '../../../shared/feedback/types.ts';
import { escapeHtml } from '../../../shared/narrate/escape.ts';
import { decide } from '../../../shared/respond/decide.ts';
import { requestApproval } from '../../../shared/respond/request-approval.ts';
import { aesTokenSealer } from '../../../shared/respond/token-sealer.ts';
import {
  memoryApprovalStore,
  memoryAuditLog,
  planFor,
  recordingMailer,
  recordingTasks,
} from '../../support/approval-fakes.ts';
import { CODE, expectSecurityHeaders, START } from './setup.ts';

const DAY = 86_400_000;
const FIXTURE = JSON.parse(
  readFileSync(new URL('../../fixtures/console-incidents.json', import.meta.url), 'utf8'),
) as { incidents: IncidentView[] };

const STORY = 'inc-571e53b3df2adbb4';
/** CloudTrail sample: one principal (an assumed-role session). */
const DR_EVIL = 'inc-894b7989af143fed';
/** CloudTrail sample: four principals, so a suppression cannot be scoped from the incident. */
const SAMPLE_ROLE = 'inc-9b19a8d2b6cc77d1';
const HOSTILE_ID = 'inc-40571e0000000bad';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';
const JS_URL = 'javascript:alert(document.cookie)';
const MARKDOWN = '[click here](javascript:alert(1))';
const HOSTILE = `${SCRIPT} ${IMG} ${JS_URL} ${MARKDOWN}`;
const HOSTILE_SIGNAL = `evil.rule|${IMG}/../%41?x=1#frag`;
const HOSTILE_EVIDENCE = 'ev-1" onmouseover="alert(1)';

/** A real incident (dr.evil's) with every log-derived field replaced by hostile text. */
function hostileIncident(): IncidentView {
  const i = structuredClone(FIXTURE.incidents.find((x) => x.id === DR_EVIL)!);
  const realEvidence = i.evidence[0]!.id;
  i.id = HOSTILE_ID;
  i.title = HOSTILE;
  i.entities = i.entities.map((e) =>
    e.type === 'principal' ? { ...e, id: `arn:aws:iam::1:user/${IMG}` } : e,
  );
  i.entities.push({ type: 'resource', id: `${JS_URL}${SCRIPT}` });
  const first = i.signals[0]!;
  first.id = HOSTILE_SIGNAL;
  first.title = HOSTILE;
  first.rule_id = `evil.rule${IMG}`;
  first.attack = [`T1078${SCRIPT}`];
  const item = i.evidence[0]!;
  item.source = HOSTILE;
  item.event_uid = IMG;
  item.facts = { actor: HOSTILE, url: JS_URL, note: MARKDOWN, [IMG]: 'a hostile key' };
  i.evidence.push({ ...item, id: HOSTILE_EVIDENCE, facts: { x: SCRIPT } });
  i.narrative.summary = `${HOSTILE} <a href="${JS_URL}">read more</a>`;
  i.narrative.claims = [
    {
      text: `${HOSTILE} ${MARKDOWN}`,
      evidence: [realEvidence, HOSTILE_EVIDENCE, JS_URL, '#top', 'ev-not-here'],
    },
  ];
  i.narrative.hypotheses = [{ text: MARKDOWN, evidence: [JS_URL] }];
  i.narrative.open_questions = [HOSTILE];
  i.response = {
    ...i.response!,
    actions: i.response!.actions.map((a) => ({ ...a, target: HOSTILE })),
    blocked: [{ action: 'block_ip', target: IMG, reasons: [HOSTILE] }],
  };
  return i;
}

function memoryVerdicts(): VerdictStore & { verdicts: Verdict[] } {
  const verdicts: Verdict[] = [];
  return {
    verdicts,
    async record(v) {
      const first = verdicts.find((x) => x.id === v.id);
      if (first) return structuredClone(first);
      verdicts.push(structuredClone(v));
      return structuredClone(v);
    },
    async list() {
      return structuredClone(verdicts).sort((a, b) => a.at - b.at);
    },
    async forIncident(id) {
      return structuredClone(verdicts.filter((v) => v.incident_id === id)).sort((a, b) => a.at - b.at);
    },
  };
}

async function incidentConsole() {
  const consoleUrl = 'http://127.0.0.1:8787';
  const origin = new URL(consoleUrl).origin;
  const clock = { now: START };
  const now = () => clock.now;
  const secret = randomBytes(32);
  const auth = devAuthenticator({ secret: randomBytes(32), code: CODE, consoleUrl, now });
  const approvals = memoryApprovalStore();
  const audit = memoryAuditLog();
  const sealer = aesTokenSealer(randomBytes(32));
  const tasks = recordingTasks();
  const linkSecret = randomBytes(32);

  // Real audit trails: a pending approval for the story, a decided one for dr.evil, hostile details.
  const ask = (incidentId: string, required: number) =>
    requestApproval(
      { plan: planFor(incidentId, required, START), incidentTitle: 't', taskToken: `token-${incidentId}` },
      {
        store: approvals,
        audit,
        sealer,
        mailer: recordingMailer(),
        linkSecret,
        consoleUrl,
        approvers: ['alice@example.org', 'bob@example.org'],
        from: 'vigil@example.org',
        timeoutSeconds: 3600,
        now,
      },
    );
  await ask(STORY, 2);
  const decided = await ask(DR_EVIL, 1);
  await decide(
    { link: decided.link, who: 'bob@example.org', decision: 'approve' },
    { store: approvals, audit, sealer, tasks, linkSecret, now },
  );
  await audit.append({
    incident_id: HOSTILE_ID,
    plan_id: `${HOSTILE_ID}#1`,
    event: 'blocked',
    actor: HOSTILE,
    at: START,
    action_key: IMG,
    details: { reason: HOSTILE, url: JS_URL, nested: { html: SCRIPT } },
  });

  const incidents = [...FIXTURE.incidents, hostileIncident()];
  const verdicts = memoryVerdicts();
  const suppressions: Suppression[] = [];
  const calls: string[] = [];
  const data: ConsoleData = {
    async incidents() {
      calls.push('incidents');
      return structuredClone(incidents);
    },
    async incident(id) {
      calls.push('incident');
      return structuredClone(incidents.find((i) => i.id === id));
    },
    audit: (id) => audit.list(id),
    verdicts,
    suppressions: {
      async list(at) {
        return suppressions.filter((s) => s.expires_at > at);
      },
      async put(s) {
        const k = suppressions.findIndex((x) => x.id === s.id);
        if (k >= 0) suppressions[k] = s;
        else suppressions.push(s);
      },
    },
    health: async () => ({ quarantined: { count: 0, recent: [] }, deadLetters: [], lastEventBySource: {} }),
  };

  const app = consoleApp({
    consoleUrl,
    secret,
    auth,
    approvals: { store: approvals, audit, sealer, tasks, linkSecret },
    now,
  });
  incidentRoutes(app, { data, csrfSecret: secret, now, signInUrl: (next) => auth.signInUrl(next) });

  async function signIn(email: string): Promise<string> {
    const res = await app.request('/signin', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ email, code: CODE, next: '/incidents' }).toString(),
    });
    expect(res.status).toBe(303);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }
  async function get(path: string, cookie?: string) {
    const res = await app.request(path, { headers: cookie ? { cookie } : {} });
    return { res, body: await res.text() };
  }
  async function post(path: string, fields: Record<string, string>, cookie?: string, headers = {}) {
    const res = await app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin,
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });
    return { res, body: await res.text() };
  }
  /** A valid form token for this session, as only the server can make one (never shown for these cases). */
  function mint(cookie: string, kind: 'verdict' | 'suppression', incidentId: string, signalId: string) {
    const payload = cookie.split('=')[1]!.split('.')[1]!;
    const { sid } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid: string };
    return csrfToken(secret, sid, csrfPurpose(kind, incidentId, signalId));
  }
  return { app, clock, data, verdicts, suppressions, calls, incidents, signIn, get, post, mint };
}

const pathOf = (incidentId: string) => `/incidents/${encodeURIComponent(incidentId)}`;
const signalAction = (incidentId: string, signalId: string, action: 'verdict' | 'suppression') =>
  `${pathOf(incidentId)}/signals/${encodeURIComponent(signalId)}/${action}`;
const unescapeHtml = (s: string) =>
  s
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&#96;', '`')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/** The form of `action` on a page and its CSRF token. */
function formOf(body: string, action: string): { csrf: string } {
  const at = body.indexOf(`<form method="post" action="${action.replaceAll('&', '&amp;')}">`);
  expect(at, `form ${action}`).toBeGreaterThanOrEqual(0);
  const csrf = /name="csrf" value="([A-Za-z0-9_-]+)"/.exec(body.slice(at))?.[1];
  expect(csrf).toBeDefined();
  return { csrf: csrf! };
}

const TAGS = new Set(
  'html head meta title style body header nav main strong a span h1 h2 h3 p small br form input label select option button table thead tbody tr th td code ul ol li abbr svg line text path circle desc'.split(
    ' ',
  ),
);
const ATTRIBUTES = new Set(
  'class lang charset name content href id method action type value maxlength placeholder aria-label aria-labelledby role viewBox width height style xmlns x y x1 x2 y1 y2 cx cy r d fill stroke stroke-width stroke-dasharray text-anchor font-size for selected title'.split(
    ' ',
  ),
);

/**
 * Every tag on the page is one the views write, with only the attributes they write, each value
 * quoted; every link goes to an evidence anchor or a console page; no script anywhere.
 */
function expectInert(body: string) {
  expect(body).not.toMatch(/<script/i);
  expect(body).not.toMatch(/<img/i);
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    const [tag, closing, name, rest] = m as unknown as [string, string, string, string];
    if (tag.toLowerCase().startsWith('<!doctype')) continue;
    expect(TAGS.has(name), `tag <${name}>`).toBe(true);
    if (closing) continue;
    // Attributes: name="value" with no raw quote inside, or a bare boolean; nothing else.
    const attrs = rest.replace(/\/$/, '');
    expect(attrs, tag).toMatch(/^(\s+[a-zA-Z][a-zA-Z0-9-]*(="[^"<>]*")?)*\s*$/);
    for (const a of attrs.matchAll(/\s([a-zA-Z][a-zA-Z0-9-]*)(?:="([^"]*)")?/g)) {
      expect(ATTRIBUTES.has(a[1]!), `attribute ${a[1]} in ${tag}`).toBe(true);
      if (a[1] === 'href')
        expect(unescapeHtml(a[2] ?? '')).toMatch(
          /^(#ev-[A-Za-z0-9_-]+|\/incidents(\/[A-Za-z0-9%._~-]+)?|\/approvals|\/metrics|\/health|\/signin\?next=[A-Za-z0-9%._~-]*)$/,
        );
      if (a[1] === 'action')
        expect(unescapeHtml(a[2] ?? '')).toMatch(
          /^\/incidents(\/[A-Za-z0-9%._~-]+\/signals\/[A-Za-z0-9%._~!'()*-]+\/(verdict|suppression))?$/,
        );
    }
  }
  expect(body).not.toMatch(/href="\s*javascript:/i);
}

describe('GET /incidents', () => {
  it('needs a signed-in analyst', async () => {
    const f = await incidentConsole();
    const { res, body } = await f.get('/incidents');
    expect(res.status).toBe(401);
    expectSecurityHeaders(res);
    expect(body).toContain('href="/signin?next=%2Fincidents"');
    expect(f.calls).toEqual([]);
  });

  it('lists every incident riskiest first with severity, risk, title link, tactics, entities, opened, MTTD and status', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const { res, body } = await f.get('/incidents', alice);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expectInert(body);
    expect(body).toContain(`${f.incidents.length} of ${f.incidents.length} incidents, riskiest first.`);

    const rows = [
      ...body.matchAll(/<tr><td><span[^>]*>(\w+)<\/span><\/td><td>(\d+)<\/td><td><a href="([^"]+)">/g),
    ];
    expect(rows).toHaveLength(f.incidents.length);
    const risks = rows.map((r) => Number(r[2]));
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
    expect(rows[0]?.[3]).toBe(`/incidents/${STORY}`);
    expect(rows[0]?.[1]).toBe('critical');

    const story = f.incidents.find((i) => i.id === STORY)!;
    const storyRow = body.slice(body.indexOf(`href="/incidents/${STORY}"`)).split('</tr>')[0]!;
    expect(storyRow).toContain(story.title);
    expect(storyRow).toContain('<abbr title="TA0004 Privilege Escalation">TA0004</abbr>');
    expect(storyRow).toContain(`<td>${story.entities.length}</td>`);
    expect(storyRow).toContain('<td>2026-11-20 09:59:44 UTC</td>');
    expect(storyRow).toContain('<td>48 min 20 s</td>'); // mttd_seconds 2900
    expect(storyRow).toContain('<td>open</td>');
  });

  it('filters by status, severity, tactic and entity, and keeps the values in the form', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const listed = async (query: string) => {
      const { res, body } = await f.get(`/incidents?${query}`, alice);
      expect(res.status).toBe(200);
      return { body, ids: [...body.matchAll(/<td><a href="\/incidents\/([^"]+)">/g)].map((m) => m[1]) };
    };
    const ids = (pred: (i: IncidentView) => boolean) =>
      f.incidents
        .filter(pred)
        .sort(
          (a, b) =>
            b.risk - a.risk || Date.parse(b.opened_at) - Date.parse(a.opened_at) || (a.id < b.id ? -1 : 1),
        )
        .map((i) => i.id);

    const critical = await listed('severity=critical');
    expect(critical.ids).toEqual(ids((i) => i.severity === 'critical'));
    expect(critical.ids.length).toBeGreaterThan(1);
    expect(critical.body).toContain('<option value="critical" selected>critical</option>');

    const credential = await listed('tactic=TA0006');
    expect(credential.ids).toEqual(ids((i) => i.tactics.includes('TA0006')));
    expect(credential.ids.length).toBeGreaterThan(0);
    expect(credential.ids).not.toContain(STORY);
    expect(credential.body).toContain('<option value="TA0006" selected>TA0006 Credential Access</option>');

    const key = await listed('entity=akiaqxample7leaked');
    expect(key.ids).toEqual([STORY]);
    expect(key.body).toContain('name="entity" value="akiaqxample7leaked"');

    expect((await listed('status=closed')).ids).toEqual([]);
    expect((await listed('status=open&severity=high&tactic=TA0005')).ids).toEqual(
      ids((i) => i.status === 'open' && i.severity === 'high' && i.tactics.includes('TA0005')),
    );

    const odd = await listed(`severity=urgent&tactic=TA9999&status=maybe&entity=${encodeURIComponent(IMG)}`);
    expect(odd.body).toContain('Ignored filters with an unknown value: status, severity, tactic.');
    expect(odd.ids).toEqual([HOSTILE_ID]);
    expect(odd.body).toContain('name="entity" value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expectInert(odd.body);
  });
});

describe('GET /incidents/:id', () => {
  it('shows the story: narrative, cited evidence, timeline, risk chart, ATT&CK, entities, signals, response and audit', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const story = f.incidents.find((i) => i.id === STORY)!;
    const { res, body } = await f.get(`/incidents/${STORY}`, alice);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expectInert(body);

    expect(body).toContain(`<h1>${escapeHtml(story.title)}</h1>`);
    expect(body).toMatch(/<strong>Risk<\/strong> 560 · <strong>Status<\/strong> open/);
    expect(body).toContain(story.narrative.summary);

    // Each claim links to its evidence, and every link lands on an element with that id.
    const claims = body.slice(body.indexOf('<h3>Claims</h3>'), body.indexOf('<h2>Timeline</h2>'));
    expect(story.narrative.claims.length).toBeGreaterThan(2);
    for (const claim of story.narrative.claims) {
      const at = claims.indexOf(`<li>${escapeHtml(claim.text)}`);
      expect(at).toBeGreaterThanOrEqual(0);
      const li = claims.slice(at).split('</li>')[0]!;
      for (const ev of claim.evidence) {
        const n = story.evidence.findIndex((e) => e.id === ev) + 1;
        expect(n).toBeGreaterThan(0);
        expect(li).toContain(`<a href="#${ev}" title="${ev}">[E${n}]</a>`);
      }
    }
    const targets = new Set([...body.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]));
    expect(targets.size).toBe(story.evidence.length);
    for (const t of targets) expect(body.split(`id="${t}"`).length - 1).toBe(1);
    for (const [k, e] of story.evidence.entries())
      expect(body).toContain(`<tr id="${e.id}"><td><strong>E${k + 1}</strong><br><code>${e.id}</code>`);

    // The timeline lists the signals in time order.
    const timeline = body.slice(body.indexOf('<h2>Timeline</h2>'), body.indexOf('<h2>Risk over time</h2>'));
    const times = [...timeline.matchAll(/<li>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map((m) => m[1]!);
    expect(times).toHaveLength(story.signals.length);
    expect(times).toEqual([...times].sort());

    // Risk chart: one marker per signal, cumulative, with the scored risk as reference.
    const svg = body.slice(body.indexOf('<svg'), body.indexOf('</svg>'));
    expect(svg).toContain('role="img"');
    expect(svg.split('<circle').length - 1).toBe(story.signals.length);
    const total = story.signals.reduce((n, s) => n + s.risk, 0);
    expect(svg).toContain(`(running total ${total})`);
    expect(svg).toContain('incident risk 560');

    expect(body).toContain('<td>TA0004 Privilege Escalation</td><td><code>T1098.003</code>');
    expect(body).toContain(
      '<td>principal</td><td><code>arn:aws:iam::111122223333:user/ci-deployer</code></td>',
    );

    // Signals, each with the three verdict buttons in a CSRF form of its own.
    for (const s of story.signals) formOf(body, signalAction(STORY, s.id, 'verdict'));
    expect(
      body.split(
        'value="false_positive" style="padding:.1rem .4rem;margin:0 .25rem .25rem 0;font-size:.85em">False positive</button>',
      ).length - 1,
    ).toBe(story.signals.length);

    expect(body).toContain('<strong>Playbook:</strong> deactivate_access_key');
    expect(body).toContain('<td><code>quarantine_iam_user</code></td>');
    expect(body).toContain('<li>no WAF IP set or network ACL is configured for block_ip</li>');

    expect(body).toContain('<h2>Audit trail</h2>');
    expect(body).toContain('approval_requested (<a href="/approvals">pending</a>)');
    expect(body).toContain('open the pending approvals');
  });

  it('shows a decided approval without a pending link', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const { body } = await f.get(`/incidents/${DR_EVIL}`, alice);
    expect(body).toContain('<td>approved</td><td>bob@example.org</td>');
    expect(body).not.toContain('pending');
  });

  it('says 404 for an unknown incident and does not look up ids of another shape', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    expect((await f.get('/incidents/inc-0000000000000000', alice)).res.status).toBe(404);
    f.calls.length = 0;
    const odd = await f.get(`/incidents/${encodeURIComponent('<script>x</script>')}`, alice);
    expect(odd.res.status).toBe(404);
    expectSecurityHeaders(odd.res);
    expect(odd.body).not.toContain('<script');
    expect(f.calls).toEqual([]);
    expect((await f.get(`/incidents/${STORY}`)).res.status).toBe(401);
  });
});

describe('hostile incident text', () => {
  it('renders inert in the queue and on the incident page', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const queue = await f.get('/incidents', alice);
    expectInert(queue.body);
    expect(queue.body).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt; javascript:alert(document.cookie) [click here](javascript:alert(1))',
    );

    const { res, body } = await f.get(`/incidents/${HOSTILE_ID}`, alice);
    expect(res.status).toBe(200);
    expectInert(body);
    // Shown as text, never as markup or links.
    expect(body).toContain('&lt;a href=&quot;javascript:alert(document.cookie)&quot;&gt;read more&lt;/a&gt;');
    expect(body).toContain('[click here](javascript:alert(1))');
    expect(body).toContain('<strong>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</strong>: a hostile key');
    expect(body).not.toContain('<a href="javascript');
    // Only real evidence ids became links; the others are text, and the hostile item has no id.
    const links = [...body.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    expect(links.every((l) => /^ev-[0-9a-f]{12}$/.test(l!))).toBe(true);
    expect(body).toContain('[ev-1&quot; onmouseover=&quot;alert(1)?]');
    expect(body).toContain('[javascript:alert(document.cookie)?]');
    expect(body).toContain('[ev-not-here?]');
    expect(body).toContain(
      '<tr><td><code>ev-1&quot; onmouseover=&quot;alert(1)</code><br>(not a valid evidence id: not linked)',
    );
    // The hostile signal id is only ever a percent-encoded path segment.
    formOf(body, signalAction(HOSTILE_ID, HOSTILE_SIGNAL, 'verdict'));
    expect(body).toContain('<td>blocked</td><td>&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('stays inert through a false-positive verdict, its proposal and the confirmation', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const page = await f.get(`/incidents/${HOSTILE_ID}`, alice);
    const { csrf } = formOf(page.body, signalAction(HOSTILE_ID, HOSTILE_SIGNAL, 'verdict'));
    const proposal = await f.post(
      signalAction(HOSTILE_ID, HOSTILE_SIGNAL, 'verdict'),
      { csrf, verdict: 'false_positive', reason: HOSTILE },
      alice,
    );
    expect(proposal.res.status).toBe(200);
    expectInert(proposal.body);
    expect(f.verdicts.verdicts).toMatchObject([
      { incident_id: HOSTILE_ID, signal_id: HOSTILE_SIGNAL, rule_id: `evil.rule${IMG}`, reason: HOSTILE },
    ]);
    expect(proposal.body).toContain(
      '<code>principal:arn:aws:iam::1:user/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</code>',
    );

    const confirm = formOf(proposal.body, signalAction(HOSTILE_ID, HOSTILE_SIGNAL, 'suppression'));
    const done = await f.post(
      signalAction(HOSTILE_ID, HOSTILE_SIGNAL, 'suppression'),
      { csrf: confirm.csrf, days: '7' },
      alice,
    );
    expect(done.res.status).toBe(200);
    expectInert(done.body);
    expect(f.suppressions).toMatchObject([{ rule_id: `evil.rule${IMG}`, reason: HOSTILE }]);
  });
});

describe('POST /incidents/:id/signals/:signalId/verdict', () => {
  const storySignal = () => FIXTURE.incidents.find((i) => i.id === STORY)!.signals[0]!;

  it('needs a signed-in analyst and the form’s CSRF token for this signal and session', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const bob = await f.signIn('bob@example.org');
    const s = storySignal();
    const other = FIXTURE.incidents.find((i) => i.id === STORY)!.signals[1]!;
    const action = signalAction(STORY, s.id, 'verdict');
    const page = await f.get(`/incidents/${STORY}`, alice);
    const { csrf } = formOf(page.body, action);
    const { csrf: otherSignals } = formOf(page.body, signalAction(STORY, other.id, 'verdict'));
    const bobs = formOf((await f.get(`/incidents/${STORY}`, bob)).body, action).csrf;

    const anonymous = await f.post(action, { csrf, verdict: 'true_positive' });
    expect(anonymous.res.status).toBe(401);
    expectSecurityHeaders(anonymous.res);

    f.calls.length = 0;
    for (const token of [undefined, '', 'x'.repeat(43), otherSignals, bobs, `${csrf}x`]) {
      const fields: Record<string, string> = { verdict: 'true_positive' };
      if (token !== undefined) fields['csrf'] = token;
      const { res, body } = await f.post(action, fields, alice);
      expect(res.status).toBe(403);
      expectSecurityHeaders(res);
      expect(body).toContain('The form could not be verified');
    }
    // The suppression form's token of the same signal is not a verdict token.
    const suppressionToken = f.mint(alice, 'suppression', STORY, s.id);
    expect((await f.post(action, { csrf: suppressionToken, verdict: 'benign' }, alice)).res.status).toBe(403);
    // Another site's form is refused by the app before the route runs.
    const cross = await f.post(action, { csrf, verdict: 'true_positive' }, alice, {
      origin: 'https://evil.example',
    });
    expect(cross.res.status).toBe(403);
    expect(f.verdicts.verdicts).toEqual([]);
    expect(f.calls).toEqual([]);
  });

  it('records a true positive and returns to the incident, which then shows it; a second, different verdict is refused', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const s = storySignal();
    const action = signalAction(STORY, s.id, 'verdict');
    const { csrf } = formOf((await f.get(`/incidents/${STORY}`, alice)).body, action);

    const { res } = await f.post(
      action,
      { csrf, verdict: 'true_positive', reason: '  real attack  ' },
      alice,
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/incidents/${STORY}`);
    expectSecurityHeaders(res);
    expect(f.verdicts.verdicts).toEqual([
      {
        id: verdictId(STORY, s.id, 'alice@example.org'),
        incident_id: STORY,
        signal_id: s.id,
        rule_id: s.rule_id,
        verdict: 'true_positive',
        analyst: 'alice@example.org',
        at: START,
        reason: 'real attack',
      },
    ]);

    const after = await f.get(`/incidents/${STORY}`, alice);
    expect(after.body).toContain(
      '<li>true positive — alice@example.org, 2026-11-23 10:00:00 UTC: real attack</li>',
    );
    expect(after.body).not.toContain(`action="${action}"`);

    const again = await f.post(action, { csrf, verdict: 'false_positive' }, alice);
    expect(again.res.status).toBe(409);
    expect(again.body).toContain('Your verdict stands: true positive');
    expect(f.verdicts.verdicts).toHaveLength(1);
    // The same verdict again is fine (a double submit).
    expect((await f.post(action, { csrf, verdict: 'true_positive' }, alice)).res.status).toBe(303);
    expect(f.verdicts.verdicts).toHaveLength(1);
  });

  it('refuses an unknown verdict, an over-long reason, an unknown signal or incident', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const s = storySignal();
    const action = signalAction(STORY, s.id, 'verdict');
    const { csrf } = formOf((await f.get(`/incidents/${STORY}`, alice)).body, action);
    expect((await f.post(action, { csrf, verdict: 'malicious' }, alice)).res.status).toBe(400);
    expect(
      (await f.post(action, { csrf, verdict: 'benign', reason: 'x'.repeat(501) }, alice)).res.status,
    ).toBe(400);
    // Tokens are bound to the ids: valid ones for ids that do not exist find nothing.
    const ghost = 'no.such|signal';
    const missing = await f.post(
      signalAction(STORY, ghost, 'verdict'),
      { csrf: f.mint(alice, 'verdict', STORY, ghost), verdict: 'benign' },
      alice,
    );
    expect(missing.res.status).toBe(404);
    expect(missing.body).toContain('The incident has no such signal.');
    const noIncident = await f.post(
      signalAction('inc-0000000000000000', s.id, 'verdict'),
      { csrf: f.mint(alice, 'verdict', 'inc-0000000000000000', s.id), verdict: 'benign' },
      alice,
    );
    expect(noIncident.res.status).toBe(404);
    expect(f.verdicts.verdicts).toEqual([]);
  });

  it('on a false positive, proposes the suppression with its backtest and a confirm form', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const story = f.incidents.find((i) => i.id === STORY)!;
    const s = story.signals.find((x) => x.rule_id === 'aws.iam.access_key_untrusted_network')!;
    const action = signalAction(STORY, s.id, 'verdict');
    const { csrf } = formOf((await f.get(`/incidents/${STORY}`, alice)).body, action);

    const { res, body } = await f.post(
      action,
      { csrf, verdict: 'false_positive', reason: 'our CI egress' },
      alice,
    );
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expectInert(body);
    expect(body).toContain('Recorded: false positive by alice@example.org at 2026-11-23 10:00:00 UTC.');
    expect(body).toContain(
      '<tr><th>Rule</th><td><code>aws.iam.access_key_untrusted_network</code></td></tr>',
    );
    expect(body).toContain(
      '<tr><th>Entity pattern</th><td><code>principal:arn:aws:iam::111122223333:user/ci-deployer</code></td></tr>',
    );
    expect(body).toContain(`<tr><th>Expires</th><td>2026-12-23 10:00:00 UTC</td></tr>`);
    expect(body).toContain('<tr><th>Reason</th><td>our CI egress</td></tr>');

    const expected = backtest(
      {
        id: 'x',
        rule_id: s.rule_id,
        entity_pattern: 'principal:arn:aws:iam::111122223333:user/ci-deployer',
        expires_at: START + 30 * DAY,
        reason: '',
        created_by: '',
      },
      f.incidents,
      START,
    );
    const sameRule = story.signals.filter((x) => x.rule_id === s.rule_id).length;
    expect(expected.signals).toBe(sameRule);
    expect(body).toContain(
      `would have silenced at most ${sameRule} past signals in 1 incident (of ${expected.considered} stored signals).`,
    );
    expect(body).toContain(`<li><a href="/incidents/${STORY}">`);
    const confirm = formOf(body, signalAction(STORY, s.id, 'suppression'));
    expect(confirm.csrf).not.toBe(csrf);
    expect(body).toContain('<option value="30" selected>30 days</option>');
    // Nothing is suppressed until the analyst confirms.
    expect(f.suppressions).toEqual([]);
  });

  it('records the false positive but proposes nothing when the scope cannot be told from the view', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const s = f.incidents.find((i) => i.id === SAMPLE_ROLE)!.signals[0]!;
    const action = signalAction(SAMPLE_ROLE, s.id, 'verdict');
    const { csrf } = formOf((await f.get(`/incidents/${SAMPLE_ROLE}`, alice)).body, action);
    const { res, body } = await f.post(action, { csrf, verdict: 'false_positive' }, alice);
    expect(res.status).toBe(200);
    expect(body).toContain('No suppression is proposed: the incident names 4 principal entities');
    expect(body).not.toContain('/suppression"');
    expect(f.verdicts.verdicts).toHaveLength(1);

    // Even with a valid token, confirming is refused: the server recomputes the proposal.
    const confirm = await f.post(
      signalAction(SAMPLE_ROLE, s.id, 'suppression'),
      { csrf: f.mint(alice, 'suppression', SAMPLE_ROLE, s.id), days: '30' },
      alice,
    );
    expect(confirm.res.status).toBe(409);
    expect(confirm.body).toContain('No suppression can be made: the incident names 4 principal entities');
    expect(f.suppressions).toEqual([]);
  });
});

describe('POST /incidents/:id/signals/:signalId/suppression', () => {
  async function proposed() {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const s = f.incidents.find((i) => i.id === STORY)!.signals[0]!;
    const verdictForm = formOf(
      (await f.get(`/incidents/${STORY}`, alice)).body,
      signalAction(STORY, s.id, 'verdict'),
    );
    const proposal = await f.post(
      signalAction(STORY, s.id, 'verdict'),
      { csrf: verdictForm.csrf, verdict: 'false_positive', reason: 'pentest by the red team' },
      alice,
    );
    const { csrf } = formOf(proposal.body, signalAction(STORY, s.id, 'suppression'));
    return {
      f,
      alice,
      s,
      csrf,
      verdictCsrf: verdictForm.csrf,
      action: signalAction(STORY, s.id, 'suppression'),
    };
  }

  it('stores the recomputed suppression, ignoring everything in the form but the duration', async () => {
    const { f, alice, s, csrf, action } = await proposed();
    f.clock.now += 60_000;
    const { res, body } = await f.post(
      action,
      {
        csrf,
        days: '7',
        rule_id: '*',
        entity_pattern: '*',
        expires_at: String(Number.MAX_SAFE_INTEGER),
        reason: 'forged',
        created_by: 'mallory@example.org',
        id: 'sup-forged',
      },
      alice,
    );
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expectInert(body);
    const id = suppressionIdFor(verdictId(STORY, s.id, 'alice@example.org'));
    const expected: Suppression = {
      id,
      rule_id: s.rule_id,
      entity_pattern: 'principal:arn:aws:iam::111122223333:user/ci-deployer',
      expires_at: f.clock.now + 7 * DAY,
      reason: 'pentest by the red team',
      created_by: 'alice@example.org',
    };
    expect(f.suppressions).toEqual([expected]);
    expect(body).toContain(`Suppression <code>${id}</code> is stored. It applies to new signals from now on`);
    expect(body).toContain('until 2026-11-30 10:01:00 UTC');

    // Confirming again (a double submit, or a new duration) rewrites the same suppression.
    await f.post(action, { csrf }, alice);
    expect(f.suppressions).toEqual([{ ...expected, expires_at: f.clock.now + 30 * DAY }]);
  });

  it('refuses a duration off the list, a bad token, a verdict token, and anyone without the verdict', async () => {
    const { f, alice, csrf, verdictCsrf, action } = await proposed();
    expect((await f.post(action, { csrf, days: '365' }, alice)).res.status).toBe(400);
    expect((await f.post(action, { csrf, days: '7.5' }, alice)).res.status).toBe(400);
    expect((await f.post(action, { csrf: verdictCsrf, days: '7' }, alice)).res.status).toBe(403);
    expect((await f.post(action, { days: '7' }, alice)).res.status).toBe(403);
    expect((await f.post(action, { csrf, days: '7' })).res.status).toBe(401);

    // Bob sees Alice's verdict; her confirm token is not his; and with a token of his own he still
    // has no false-positive verdict of his own to suppress on.
    const bob = await f.signIn('bob@example.org');
    const bobPage = await f.get(`/incidents/${STORY}`, bob);
    expect(bobPage.body).toContain(
      '<li>false positive — alice@example.org, 2026-11-23 10:00:00 UTC: pentest by the red team</li>',
    );
    expect((await f.post(action, { csrf, days: '7' }, bob)).res.status).toBe(403);
    const s = f.incidents.find((i) => i.id === STORY)!.signals[0]!;
    const bobs = await f.post(action, { csrf: f.mint(bob, 'suppression', STORY, s.id), days: '7' }, bob);
    expect(bobs.res.status).toBe(409);
    expect(bobs.body).toContain('No false-positive verdict');
    expect(f.suppressions).toEqual([]);
  });

  it('refuses when the analyst’s verdict is not a false positive', async () => {
    const f = await incidentConsole();
    const alice = await f.signIn('alice@example.org');
    const s = f.incidents.find((i) => i.id === STORY)!.signals[2]!;
    const page = await f.get(`/incidents/${STORY}`, alice);
    await f.post(
      signalAction(STORY, s.id, 'verdict'),
      { csrf: formOf(page.body, signalAction(STORY, s.id, 'verdict')).csrf, verdict: 'benign' },
      alice,
    );
    // A valid token (no page ever offered one here) does not make a benign verdict a false positive.
    const { res, body } = await f.post(
      signalAction(STORY, s.id, 'suppression'),
      { csrf: f.mint(alice, 'suppression', STORY, s.id) },
      alice,
    );
    expect(res.status).toBe(409);
    expect(body).toContain('No false-positive verdict');
    expect(f.suppressions).toEqual([]);
  });
});
