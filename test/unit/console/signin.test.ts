import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consoleApp } from '../../../console/app.ts';
import { cognitoAuthenticator, safeNext } from '../../../console/auth.ts';
import { aesTokenSealer } from '../../../shared/respond/token-sealer.ts';
import { memoryApprovalStore, memoryAuditLog, recordingTasks } from '../../support/approval-fakes.ts';
import { CODE, consoleFixture, expectSecurityHeaders } from './setup.ts';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

describe('dev sign-in', () => {
  it('shows a form that keeps a safe `next`', async () => {
    const f = consoleFixture();
    const { res, body } = await f.get('/signin?next=%2Fapprovals%2Fabc');
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expect(body).toContain('<form method="post" action="/signin">');
    expect(body).toContain('name="next" value="/approvals/abc"');
    const evil = await f.get('/signin?next=%22%3E%3Cscript%3E');
    expect(evil.body).not.toContain('<script');
    expect(evil.body).toContain('name="next" value="/approvals"');
  });

  it('refuses a wrong code with 401 and no cookie', async () => {
    const f = consoleFixture();
    for (const code of ['wrong', '', `${CODE}x`, CODE.slice(0, -1)]) {
      const { res, body } = await f.post('/signin', { email: 'alice@example.org', code, next: '/approvals' });
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(body).toContain('That sign-in code is not right.');
    }
    const bad = await f.post('/signin', { email: 'not an email', code: CODE });
    expect(bad.res.status).toBe(400);
    expect(bad.res.headers.get('set-cookie')).toBeNull();
  });

  it('sets an HttpOnly, SameSite=Strict session cookie and returns to `next`', async () => {
    const f = consoleFixture();
    const { res } = await f.post('/signin', { email: 'Alice@Example.org', code: CODE, next: '/approvals/x' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/approvals/x');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^vigil_session=v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Max-Age=28800');
    expect(cookie).not.toContain('Secure');

    const page = await f.get('/approvals', cookie.split(';')[0]);
    expect(page.res.status).toBe(200);
    expect(page.body).toContain('alice (alice@example.org)');
  });

  it('sends only to console paths after sign-in', async () => {
    for (const next of [
      '//evil.example.com',
      'https://evil.example.com',
      '/\\evil.example.com',
      'javascript:alert(1)',
    ])
      expect(safeNext(next)).toBe('/approvals');
    expect(safeNext('/approvals/abc.def.ghi')).toBe('/approvals/abc.def.ghi');
    const f = consoleFixture();
    const { res } = await f.post('/signin', {
      email: 'alice@example.org',
      code: CODE,
      next: '//evil.example.com',
    });
    expect(res.headers.get('location')).toBe('/approvals');
  });

  it('marks the cookie Secure and __Host- on an https console', async () => {
    const f = consoleFixture({ consoleUrl: 'https://console.vigil.example.org' });
    const { res } = await f.post('/signin', { email: 'alice@example.org', code: CODE });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-vigil_session=/);
    expect(cookie).toContain('Secure');
    expect((await f.get('/approvals', cookie.split(';')[0])).res.status).toBe(200);
    // The same cookie without its prefix is not a session.
    expect((await f.get('/approvals', cookie.split(';')[0]!.replace('__Host-', ''))).res.status).toBe(401);
  });

  it('ends the session after 8 hours, and ignores a tampered or foreign cookie', async () => {
    const f = consoleFixture();
    const cookie = await f.signIn('alice@example.org');
    f.clock.now += 8 * 3_600_000 - 1;
    expect((await f.get('/approvals', cookie)).res.status).toBe(200);
    f.clock.now += 1;
    expect((await f.get('/approvals', cookie)).res.status).toBe(401);

    const fresh = await f.signIn('alice@example.org');
    const [name, value] = fresh.split('=') as [string, string];
    const [v, payload, sig] = value.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        email: 'boss@example.org',
      }),
    ).toString('base64url');
    for (const bad of [`${v}.${forged}.${sig}`, `${v}.${payload}.${sig.slice(1)}A`, 'v1.x.y', 'garbage'])
      expect((await f.get('/approvals', `${name}=${bad}`)).res.status).toBe(401);

    const other = consoleFixture();
    expect((await other.get('/approvals', fresh)).res.status).toBe(401);
  });

  it('signs out', async () => {
    const f = consoleFixture();
    const cookie = await f.signIn('alice@example.org');
    const { res } = await f.post('/signout', {}, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/^vigil_session=;.*Max-Age=0/);
  });

  it('refuses a sign-in posted from another site', async () => {
    const f = consoleFixture();
    const res = await f.app.request('/signin', {
      method: 'POST',
      headers: { 'content-type': FORM, origin: 'https://evil.example.com' },
      body: form({ email: 'alice@example.org', code: CODE }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
    expectSecurityHeaders(res);
  });
});

describe('Cognito authenticator', () => {
  const app = () =>
    consoleApp({
      consoleUrl: 'https://console.vigil.example.org',
      secret: randomBytes(32),
      auth: cognitoAuthenticator({ signInUrl: 'https://auth.vigil.example.org/login' }),
      approvals: {
        store: memoryApprovalStore(),
        audit: memoryAuditLog(),
        sealer: aesTokenSealer(randomBytes(32)),
        tasks: recordingTasks(),
        linkSecret: randomBytes(32),
      },
    });
  const event = (claims: unknown) => ({
    event: { requestContext: { authorizer: { jwt: { claims, scopes: null } } } },
  });

  it('reads the analyst from the claims API Gateway verified', async () => {
    const res = await app().request(
      '/approvals',
      {},
      event({
        email: 'Alice@Example.org',
        email_verified: 'true',
        sub: 'u-1',
        name: 'Alice A',
        origin_jti: 'j-1',
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Alice A (alice@example.org)');
  });

  it('treats missing, unverified or odd claims as not signed in, and has no dev sign-in', async () => {
    for (const env of [
      undefined,
      {},
      event(undefined),
      event({ sub: 'u-1' }),
      event({ email: 'alice@example.org', sub: 'u-1', email_verified: 'false' }),
      event({ email: 'not-an-email', sub: 'u-1' }),
    ]) {
      const res = await app().request('/approvals', {}, env);
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('href="https://auth.vigil.example.org/login"');
    }
    expect((await app().request('/signin')).status).toBe(404);
  });
});
