/**
 * Approval pages. GET never writes: mail scanners and link previewers open links, so opening a
 * link only shows the request. Deciding takes a signed-in analyst, a CSRF token and a POST.
 */
import type { Context, Hono } from 'hono';
import { signLink, verifyLink } from '../../shared/respond/approval-link.ts';
import { type Decision, decide } from '../../shared/respond/decide.ts';
import type { ApprovalStore, AuditLog } from '../../shared/respond/ports.ts';
import type { TaskTokens } from '../../shared/respond/task-tokens.ts';
import type { TokenSealer } from '../../shared/respond/token-sealer.ts';
import type { Authenticator } from '../auth.ts';
import { CSRF_FIELD, csrfToken, csrfValid } from '../csrf.ts';
import type { ConsoleEnv } from '../env.ts';
import { approvalPage } from '../views/approval.ts';
import { approvalsListPage } from '../views/approvals-list.ts';
import { h } from '../views/html.ts';
import { messagePage } from '../views/layout.ts';

export interface ApprovalRoutesDeps {
  store: ApprovalStore;
  audit: AuditLog;
  sealer: TokenSealer;
  tasks: TaskTokens;
  linkSecret: Uint8Array;
  /** Signs CSRF tokens. */
  csrfSecret: Uint8Array;
  auth: Authenticator;
  now: () => number;
}

type C = Context<ConsoleEnv>;

const pagePath = (link: string) => `/approvals/${encodeURIComponent(link)}`;

export const INVALID_LINK = 'This approval link is not valid';

function signInPrompt(c: C, auth: Authenticator, next: string) {
  return c.html(
    messagePage(
      'Sign in required',
      'Sign in to the console first.',
      undefined,
      h`<p><a href="${auth.signInUrl(next)}">Sign in</a></p>`,
    ).value,
    401,
  );
}

const invalidLink = (c: C) =>
  c.html(
    messagePage(
      INVALID_LINK,
      'The link is incomplete or was changed. Open the link from the approval email exactly as it was sent.',
      c.get('analyst'),
    ).value,
    403,
  );

const expiredLink = (c: C) =>
  c.html(
    messagePage(
      'This approval link has expired',
      'The request timed out and nothing ran. A new request needs a new response from Vigil.',
      c.get('analyst'),
    ).value,
    410,
  );

const notFound = (c: C) =>
  c.html(
    messagePage('No such approval request', 'There is no approval request for this link.', c.get('analyst'))
      .value,
    404,
  );

const STATUS: Record<Decision['kind'], 200 | 403 | 404 | 409 | 410> = {
  recorded: 200,
  approved: 200,
  rejected: 200,
  same_approver: 409,
  already_decided: 409,
  expired: 410,
  not_found: 404,
  invalid_link: 403,
};

export function approvalRoutes(app: Hono<ConsoleEnv>, deps: ApprovalRoutesDeps): void {
  const { store, linkSecret, csrfSecret, auth, now } = deps;

  app.get('/approvals', async (c) => {
    const analyst = c.get('analyst');
    if (!analyst) return signInPrompt(c, auth, '/approvals');
    const pending = await store.listPending(now());
    const items = pending.map((request) => ({
      request,
      href: pagePath(signLink(linkSecret, request.id, request.expires_at)),
    }));
    return c.html(approvalsListPage(items, analyst).value);
  });

  app.get('/approvals/:link', async (c) => {
    const link = c.req.param('link');
    const at = now();
    const check = verifyLink(linkSecret, link, at);
    if (!check.ok) return check.reason === 'expired' ? expiredLink(c) : invalidLink(c);
    const request = await store.get(check.approvalId);
    if (!request) return notFound(c);
    const analyst = c.get('analyst');
    return c.html(
      approvalPage({
        request,
        link,
        now: at,
        analyst,
        csrf: analyst ? csrfToken(csrfSecret, analyst.session, request.id) : undefined,
        signInUrl: auth.signInUrl(pagePath(link)),
      }).value,
    );
  });

  app.post('/approvals/:link/decision', async (c) => {
    const link = c.req.param('link');
    const analyst = c.get('analyst');
    if (!analyst) return signInPrompt(c, auth, pagePath(link));
    const check = verifyLink(linkSecret, link, now());
    // An expired link was signed by us (the signature is checked first): its id is genuine.
    if (!check.ok && check.reason !== 'expired') return invalidLink(c);
    const approvalId = check.ok ? check.approvalId : (link.split('.')[0] ?? '');
    const body = await c.req.parseBody();
    if (!csrfValid(csrfSecret, analyst.session, approvalId, body[CSRF_FIELD]))
      return c.html(
        messagePage(
          'The form could not be verified',
          'Reload the approval page and try again. Nothing was recorded.',
          analyst,
        ).value,
        403,
      );
    const choice = body['decision'];
    if (choice !== 'approve' && choice !== 'reject')
      return c.html(messagePage('Unknown decision', 'Choose Approve or Reject.', analyst).value, 400);
    const reason = typeof body['reason'] === 'string' ? body['reason'] : undefined;

    const decision = await decide(
      { link, who: analyst.id, decision: choice, ...(reason ? { reason } : {}) },
      deps,
    );
    const request = decision.request;
    if (!request || decision.kind === 'invalid_link' || decision.kind === 'not_found')
      return decision.kind === 'invalid_link'
        ? invalidLink(c)
        : decision.kind === 'expired'
          ? expiredLink(c)
          : notFound(c);
    return c.html(
      approvalPage({
        request,
        link,
        now: now(),
        analyst,
        csrf: csrfToken(csrfSecret, analyst.session, request.id),
        signInUrl: auth.signInUrl(pagePath(link)),
        decision,
      }).value,
      STATUS[decision.kind],
    );
  });
}
