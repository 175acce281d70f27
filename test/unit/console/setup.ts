/** A console on the in-memory approval ports, with helpers to sign in and post forms like a browser. */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { consoleApp } from '../../../console/app.ts';
import { devAuthenticator } from '../../../console/auth.ts';
import { requestApproval } from '../../../shared/respond/request-approval.ts';
import { aesTokenSealer } from '../../../shared/respond/token-sealer.ts';
import type { ResponsePlan } from '../../../shared/respond/types.ts';
import {
  memoryApprovalStore,
  memoryAuditLog,
  planFor,
  recordingMailer,
  recordingTasks,
} from '../../support/approval-fakes.ts';

export const START = Date.parse('2026-11-23T10:00:00Z');
export const CODE = 'dev-code-7f3a9c21';
export const TOKEN = `AQCEAAAAKgAAAAMAAAAA${'task-token'.repeat(40)}`;

export interface ConsoleSetup {
  consoleUrl?: string;
  onError?: (e: unknown, route: string) => void;
}

export function consoleFixture(options: ConsoleSetup = {}) {
  const consoleUrl = options.consoleUrl ?? 'http://127.0.0.1:8787';
  const clock = { now: START };
  const now = () => clock.now;
  const store = memoryApprovalStore();
  const audit = memoryAuditLog();
  const sealer = aesTokenSealer(randomBytes(32));
  const tasks = recordingTasks();
  const mailer = recordingMailer();
  const linkSecret = randomBytes(32);
  const auth = devAuthenticator({ secret: randomBytes(32), code: CODE, consoleUrl, now });
  const app = consoleApp({
    consoleUrl,
    secret: randomBytes(32),
    auth,
    approvals: { store, audit, sealer, tasks, linkSecret },
    now,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const origin = new URL(consoleUrl).origin;

  async function request(plan: ResponsePlan = planFor('inc-1', 2, START), title = 'Leaked CI key') {
    const out = await requestApproval(
      { plan, incidentTitle: title, taskToken: `${TOKEN}-${plan.id}` },
      {
        store,
        audit,
        sealer,
        mailer,
        linkSecret,
        consoleUrl,
        approvers: ['alice@example.org', 'bob@example.org'],
        from: 'vigil@example.org',
        timeoutSeconds: 3600,
        now,
      },
    );
    return { ...out, path: `/approvals/${out.link}` };
  }

  /** Signs in through the form; returns the Cookie header a browser would send. */
  async function signIn(email: string): Promise<string> {
    const res = await app.request('/signin', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ email, code: CODE, next: '/approvals' }).toString(),
    });
    expect(res.status).toBe(303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    return setCookie.split(';')[0]!;
  }

  async function get(path: string, cookie?: string) {
    const res = await app.request(path, { headers: cookie ? { cookie } : {} });
    return { res, body: await res.text() };
  }

  async function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin, ...headers },
      body: new URLSearchParams(fields).toString(),
    });
    return { res, body: await res.text() };
  }

  /** The CSRF token of the decision form on an approval page, as the signed-in analyst sees it. */
  async function csrfFor(path: string, cookie: string): Promise<string> {
    const { body } = await get(path, cookie);
    const token = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
    expect(token).toBeDefined();
    return token!;
  }

  return {
    app,
    clock,
    store,
    audit,
    tasks,
    mailer,
    sealer,
    linkSecret,
    origin,
    request,
    signIn,
    get,
    post,
    csrfFor,
  };
}

export const SECURITY_HEADER_VALUES = {
  'content-security-policy':
    "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

export function expectSecurityHeaders(res: Response) {
  for (const [name, value] of Object.entries(SECURITY_HEADER_VALUES))
    expect(res.headers.get(name)).toBe(value);
}
