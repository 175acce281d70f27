import { describe, expect, it, vi } from 'vitest';
import { signLink } from '../../../shared/respond/approval-link.ts';
import { APPROVAL_REJECTED } from '../../../shared/respond/task-tokens.ts';
import { planFor } from '../../support/approval-fakes.ts';
import { consoleFixture, expectSecurityHeaders, START, TOKEN } from './setup.ts';

const HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>';

describe('GET /approvals/:link', () => {
  it('shows the whole plan to anyone with the link, offers sign-in, and changes nothing', async () => {
    const f = consoleFixture();
    const { path, link } = await f.request();
    const stored = structuredClone([...f.store.requests.values()]);
    const audited = structuredClone(f.audit.entries);
    f.store.calls.length = 0;
    f.audit.calls.length = 0;

    const { res, body } = await f.get(path);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(body).toContain('Leaked CI key');
    expect(body).toContain('<code>deactivate_access_key</code>');
    expect(body).toContain('access_key <code>AKIAEXAMPLEKEY000001</code>');
    expect(body).toContain('<code>arn:aws:iam::111122223333:user/ci-deploy</code>');
    expect(body).toMatch(/<td>approve<\/td><td>no<\/td>/);
    expect(body).toMatch(/<td>approve<\/td><td>yes<\/td>/);
    expect(body).toContain('Blocked actions (will not run)');
    expect(body).toContain('<li>no WAF IP set or network ACL is configured for block_ip</li>');
    expect(body).toContain('0 of 2 required; 2 still needed.');
    expect(body).toContain('<span class="status">pending</span>');
    expect(body).toContain('2026-11-23 11:00:00 UTC');
    expect(body).toContain(`href="/signin?next=${encodeURIComponent(`/approvals/${link}`)}"`);
    expect(body).not.toContain('<form');
    expect(body).not.toMatch(/<script/i);

    // Twice, signed in too: still nothing written.
    const alice = await f.signIn('alice@example.org');
    const signedIn = await f.get(path, alice);
    expect(signedIn.body).toContain(`<form method="post" action="${path}/decision">`);
    expect(signedIn.body).toMatch(/<input type="hidden" name="csrf" value="[A-Za-z0-9_-]{43}">/);
    expect(signedIn.body).toContain('<button type="submit" name="decision" value="approve">Approve</button>');
    expect(signedIn.body).toContain('<button type="submit" name="decision" value="reject">Reject</button>');
    expect(signedIn.body).toContain('name="reason"');

    expect(f.store.calls).toEqual(['get', 'get']);
    expect(f.audit.calls).toEqual([]);
    expect([...f.store.requests.values()]).toEqual(stored);
    expect(f.audit.entries).toEqual(audited);
    expect(f.tasks.calls).toEqual([]);
  });

  it('escapes hostile incident text and target ids', async () => {
    const f = consoleFixture();
    const plan = planFor('inc-1', 1, START);
    plan.actions[0]!.target.id = `AKIA${HOSTILE}`;
    plan.blocked[0]!.reasons = [HOSTILE];
    const { path } = await f.request(plan, HOSTILE);
    const alice = await f.signIn('alice@example.org');
    const { body } = await f.get(path, alice);
    expect(body).not.toContain('<img');
    expect(body).not.toMatch(/<script/i);
    expect(body).toContain(
      '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;',
    );
  });

  it('refuses a tampered or malformed link with 403 without reading the store', async () => {
    const f = consoleFixture();
    const { link } = await f.request();
    f.store.calls.length = 0;
    const [id, expiry, sig] = link.split('.') as [string, string, string];
    // A changed character, never the one already there (a fixed replacement would match it 1 time in 64).
    const other = (c: string | undefined) => (c === 'A' ? 'B' : 'A');
    for (const bad of [
      `${id}.${expiry}.${sig.slice(0, -1)}${other(sig.at(-1))}`,
      `${id}.${(Number.parseInt(expiry, 36) + 60).toString(36)}.${sig}`,
      `${id.slice(0, -1)}${other(id.at(-1))}.${expiry}.${sig}`,
      id,
      'x'.repeat(300),
      '%3Cscript%3E',
    ]) {
      const { res, body } = await f.get(`/approvals/${bad}`);
      expect(res.status).toBe(403);
      expectSecurityHeaders(res);
      expect(body).toContain('This approval link is not valid');
    }
    expect(f.store.calls).toEqual([]);
  });

  it('says 410 for an expired link and 404 for an unknown request', async () => {
    const f = consoleFixture();
    const { path } = await f.request();
    f.store.calls.length = 0;
    f.clock.now += 3_600_000;
    const expired = await f.get(path);
    expect(expired.res.status).toBe(410);
    expect(expired.body).toContain('This approval link has expired');
    expect(f.store.calls).toEqual([]);

    const unknown = await f.get(`/approvals/${signLink(f.linkSecret, 'Z'.repeat(32), f.clock.now + 60_000)}`);
    expect(unknown.res.status).toBe(404);
    expectSecurityHeaders(unknown.res);
  });
});

describe('POST /approvals/:link/decision', () => {
  it('needs a signed-in analyst', async () => {
    const f = consoleFixture();
    const { path } = await f.request();
    const { res, body } = await f.post(`${path}/decision`, { decision: 'approve', csrf: 'x' });
    expect(res.status).toBe(401);
    expectSecurityHeaders(res);
    expect(body).toContain('/signin?next=');
    expect(f.store.calls.filter((c) => c === 'approve')).toEqual([]);
  });

  it('records, refuses the same approver, approves on the second, and shows replays as already decided', async () => {
    const f = consoleFixture();
    const { path, approvalId } = await f.request();
    const alice = await f.signIn('alice@example.org');
    const bob = await f.signIn('bob@example.org');
    const aliceCsrf = await f.csrfFor(path, alice);

    const first = await f.post(
      `${path}/decision`,
      { decision: 'approve', csrf: aliceCsrf },
      { cookie: alice },
    );
    expect(first.res.status).toBe(200);
    expectSecurityHeaders(first.res);
    expect(first.body).toContain('Your approval is recorded. 1 more approval needed.');
    expect(first.body).toContain('alice@example.org at 2026-11-23 10:00:00 UTC');
    // Alice may still reject, not approve twice.
    expect(first.body).not.toContain('value="approve"');
    expect(first.body).toContain('value="reject"');

    const replay = await f.post(
      `${path}/decision`,
      { decision: 'approve', csrf: aliceCsrf },
      { cookie: alice },
    );
    expect(replay.res.status).toBe(409);
    expect(replay.body).toContain('You already approved this request as alice@example.org');
    expect(f.tasks.calls).toEqual([]);

    const bobCsrf = await f.csrfFor(path, bob);
    const second = await f.post(`${path}/decision`, { decision: 'approve', csrf: bobCsrf }, { cookie: bob });
    expect(second.res.status).toBe(200);
    expect(second.body).toContain('Approved. The response continues.');
    expect(second.body).toContain('<span class="status">approved</span>');
    expect(second.body).not.toContain('<form method="post" action="/approvals');
    expect(f.tasks.calls).toEqual([
      {
        kind: 'succeed',
        token: `${TOKEN}-inc-1#1`,
        output: { approved_by: ['alice@example.org', 'bob@example.org'], approval_id: approvalId },
      },
    ]);

    for (const [cookie, csrf] of [
      [bob, bobCsrf],
      [alice, aliceCsrf],
    ] as const) {
      const again = await f.post(`${path}/decision`, { decision: 'reject', csrf }, { cookie });
      expect(again.res.status).toBe(409);
      expect(again.body).toContain('This request was already decided; your answer changed nothing.');
    }
    expect(f.tasks.calls).toHaveLength(1);
  });

  it('rejects with a reason, shown escaped, and fails the task once', async () => {
    const f = consoleFixture();
    const { path } = await f.request();
    const alice = await f.signIn('alice@example.org');
    const csrf = await f.csrfFor(path, alice);
    const { res, body } = await f.post(
      `${path}/decision`,
      { decision: 'reject', csrf, reason: HOSTILE },
      { cookie: alice },
    );
    expect(res.status).toBe(200);
    expect(body).toContain('Rejected. Nothing will run.');
    expect(body).toContain('<span class="status">rejected</span> by alice@example.org');
    expect(body).not.toContain('<img');
    expect(f.tasks.calls).toEqual([
      {
        kind: 'fail',
        token: `${TOKEN}-inc-1#1`,
        error: APPROVAL_REJECTED,
        cause: `rejected by alice@example.org: ${HOSTILE}`,
      },
    ]);
  });

  it('refuses an unknown decision, a tampered link and an expired one', async () => {
    const f = consoleFixture();
    const { path, link } = await f.request();
    const alice = await f.signIn('alice@example.org');
    const csrf = await f.csrfFor(path, alice);
    expect(
      (await f.post(`${path}/decision`, { decision: 'maybe', csrf }, { cookie: alice })).res.status,
    ).toBe(400);

    f.store.calls.length = 0;
    const tampered = `${link.slice(0, -1)}${link.endsWith('A') ? 'B' : 'A'}`;
    const bad = await f.post(
      `/approvals/${tampered}/decision`,
      { decision: 'approve', csrf },
      { cookie: alice },
    );
    expect(bad.res.status).toBe(403);
    expect(bad.body).toContain('This approval link is not valid');

    f.clock.now += 3_600_000;
    const late = await f.post(`${path}/decision`, { decision: 'approve', csrf }, { cookie: alice });
    expect(late.res.status).toBe(410);
    expect(f.store.calls).toEqual([]);
    expect(f.tasks.calls).toEqual([]);
  });

  it('tells the analyst when the task had already timed out', async () => {
    const f = consoleFixture();
    f.tasks.succeed = async () => {
      throw Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    };
    const { path } = await f.request(planFor('inc-1', 1, START));
    const alice = await f.signIn('alice@example.org');
    const csrf = await f.csrfFor(path, alice);
    const { res, body } = await f.post(`${path}/decision`, { decision: 'approve', csrf }, { cookie: alice });
    expect(res.status).toBe(200);
    expect(body).toContain(
      'Approved and recorded, but the response had already timed out or been stopped: nothing ran.',
    );
  });
});

describe('the console around the approval pages', () => {
  it('lists pending approvals with signed links for signed-in analysts only', async () => {
    const f = consoleFixture();
    const { path } = await f.request();
    await f.request(planFor('inc-2', 1, START), HOSTILE);
    const anonymous = await f.get('/approvals');
    expect(anonymous.res.status).toBe(401);
    expect(anonymous.body).not.toContain('Leaked CI key');

    const alice = await f.signIn('alice@example.org');
    const { res, body } = await f.get('/approvals', alice);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expect(body).toContain(`<a href="${path}">Leaked CI key</a>`);
    expect(body).not.toContain('<img');
    const hrefs = [...body.matchAll(/href="(\/approvals\/[^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs).toHaveLength(2);
    for (const href of hrefs) expect((await f.get(href, alice)).res.status).toBe(200);
  });

  it('answers unknown pages and failures with the same headers, and logs no URL', async () => {
    const onError = vi.fn();
    const f = consoleFixture({ onError });
    const missing = await f.get('/nowhere');
    expect(missing.res.status).toBe(404);
    expectSecurityHeaders(missing.res);

    const { path } = await f.request();
    f.store.get = async () => {
      throw new Error(`boom ${path}`);
    };
    const failed = await f.get(path);
    expect(failed.res.status).toBe(500);
    expectSecurityHeaders(failed.res);
    expect(failed.body).not.toContain('boom');
    expect(onError).toHaveBeenCalledWith(expect.any(Error), '/approvals/:link');

    const root = await f.get('/');
    expect(root.res.status).toBe(303);
    expect(root.res.headers.get('location')).toBe('/approvals');
    expectSecurityHeaders(root.res);
  });
});
