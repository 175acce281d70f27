import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csrfToken, csrfValid } from '../../../console/csrf.ts';
import { planFor } from '../../support/approval-fakes.ts';
import { consoleFixture, expectSecurityHeaders, START } from './setup.ts';

describe('CSRF tokens', () => {
  const secret = randomBytes(32);

  it('are bound to the session and the approval', () => {
    const t = csrfToken(secret, 'session-1', 'approval-1');
    expect(csrfValid(secret, 'session-1', 'approval-1', t)).toBe(true);
    expect(csrfValid(secret, 'session-2', 'approval-1', t)).toBe(false);
    expect(csrfValid(secret, 'session-1', 'approval-2', t)).toBe(false);
    expect(csrfValid(randomBytes(32), 'session-1', 'approval-1', t)).toBe(false);
    for (const bad of [undefined, '', 42, ['x'], `${t}x`, t.slice(1), 'x'.repeat(5000)])
      expect(csrfValid(secret, 'session-1', 'approval-1', bad)).toBe(false);
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        fc.pre(s !== t);
        expect(csrfValid(secret, 'session-1', 'approval-1', s)).toBe(false);
      }),
    );
  });
});

describe('the decision form', () => {
  it('is refused without the CSRF field, with another session’s token, or for another approval', async () => {
    const f = consoleFixture();
    const { path } = await f.request();
    const other = await f.request(planFor('inc-2', 2, START), 'Another incident');
    const alice = await f.signIn('alice@example.org');
    const bob = await f.signIn('bob@example.org');
    const bobsToken = await f.csrfFor(path, bob);
    const alicesOtherToken = await f.csrfFor(other.path, alice);
    const aliceAgain = await f.signIn('alice@example.org');
    const alicesOtherSession = await f.csrfFor(path, aliceAgain);

    for (const fields of <Record<string, string>[]>[
      { decision: 'approve' },
      { decision: 'approve', csrf: '' },
      { decision: 'approve', csrf: bobsToken },
      { decision: 'approve', csrf: alicesOtherToken },
      { decision: 'approve', csrf: alicesOtherSession },
    ]) {
      const { res, body } = await f.post(`${path}/decision`, fields, { cookie: alice });
      expect(res.status).toBe(403);
      expectSecurityHeaders(res);
      expect(body).toContain('The form could not be verified');
    }
    expect(f.store.calls.filter((c) => c === 'approve' || c === 'reject')).toEqual([]);
    expect(f.audit.entries.map((e) => e.event)).toEqual(['approval_requested', 'approval_requested']);
  });

  it('is refused from another origin even with a valid token', async () => {
    const f = consoleFixture();
    const { path } = await f.request();
    const alice = await f.signIn('alice@example.org');
    const csrf = await f.csrfFor(path, alice);
    for (const headers of <Record<string, string>[]>[
      { origin: 'https://evil.example.com' },
      { origin: 'null' },
      { origin: 'http://127.0.0.1:8788' },
      { origin: f.origin, 'sec-fetch-site': 'cross-site' },
    ]) {
      const { res, body } = await f.post(
        `${path}/decision`,
        { decision: 'approve', csrf },
        { cookie: alice, ...headers },
      );
      expect(res.status).toBe(403);
      expect(body).toContain('Cross-site request refused');
    }
    expect(f.store.calls.filter((c) => c === 'approve')).toEqual([]);

    // Same origin, or no Origin header at all (older clients): accepted.
    const ok = await f.post(
      `${path}/decision`,
      { decision: 'approve', csrf },
      { cookie: alice, 'sec-fetch-site': 'same-origin' },
    );
    expect(ok.res.status).toBe(200);
    const bob = await f.signIn('bob@example.org');
    const res = await f.app.request(`${path}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: bob },
      body: new URLSearchParams({ decision: 'approve', csrf: await f.csrfFor(path, bob) }).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Approved. The response continues.');
  });

  it('refuses an oversized body before parsing it', async () => {
    const f = consoleFixture();
    const { path } = await f.request();
    const alice = await f.signIn('alice@example.org');
    const csrf = await f.csrfFor(path, alice);
    const { res } = await f.post(
      `${path}/decision`,
      { decision: 'approve', csrf, reason: 'x'.repeat(20_000) },
      { cookie: alice },
    );
    expect(res.status).toBe(413);
    expect(f.store.calls.filter((c) => c === 'approve')).toEqual([]);
  });
});
