/**
 * The analyst console: a hono app that runs on Lambda behind API Gateway (Cognito sign-in) and
 * locally on @hono/node-server (dev sign-in). Each part of the console is a module under routes/
 * that registers its own routes; pages are rendered by small functions under views/ that escape
 * everything they interpolate. No page runs JavaScript.
 *
 * Every response carries a strict CSP (no scripts, no framing, forms post only here), `nosniff`,
 * `same-origin` referrers (approval links are credentials and must not leak to another site through
 * Referer; `no-referrer` would make browsers send `Origin: null` on the console's own form posts,
 * which the cross-origin check must refuse) and `no-store`.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ValidationError } from '../shared/errors.ts';
import type { ApprovalStore, AuditLog } from '../shared/respond/ports.ts';
import type { TaskTokens } from '../shared/respond/task-tokens.ts';
import type { TokenSealer } from '../shared/respond/token-sealer.ts';
import { type Authenticator, isDevAuthenticator } from './auth.ts';
import { isCrossOrigin } from './csrf.ts';
import type { ConsoleData } from './data.ts';
import type { ConsoleEnv } from './env.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { healthRoutes } from './routes/health.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { signinRoutes } from './routes/signin.ts';
import { messagePage } from './views/layout.ts';

export interface ConsoleDeps {
  /** The console's public URL (`https://…` in AWS): its origin is the only one forms are accepted from. */
  consoleUrl: string;
  /** 32 or more random bytes; signs CSRF tokens. */
  secret: Uint8Array;
  auth: Authenticator;
  approvals: {
    store: ApprovalStore;
    audit: AuditLog;
    sealer: TokenSealer;
    tasks: TaskTokens;
    /** The secret approval links are signed with (the one requestApproval used). */
    linkSecret: Uint8Array;
  };
  /** Incidents, verdicts, suppressions, metrics and health; without it the console serves approvals only. */
  data?: ConsoleData;
  now?: () => number;
  /** Told about failures that became a 500 page; gets the error and the route pattern, never the URL. */
  onError?: (error: unknown, route: string) => void;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Forms are small; anything bigger is refused before it is parsed. */
const MAX_BODY_BYTES = 16 * 1024;
const SOURCE = 'console.app';

const defaultOnError = (error: unknown, route: string) => {
  // The name and route only: URLs hold approval links, and messages can quote input.
  const name = error instanceof Error ? error.name : 'non-error';
  console.error(JSON.stringify({ level: 'ERROR', message: 'console request failed', route, error: name }));
};

export function consoleApp(deps: ConsoleDeps): Hono<ConsoleEnv> {
  if (deps.secret.length < 32)
    throw new ValidationError('the console secret must be at least 32 bytes', SOURCE);
  const origin = new URL(deps.consoleUrl).origin;
  const now = deps.now ?? Date.now;
  const onError = deps.onError ?? defaultOnError;
  const app = new Hono<ConsoleEnv>();

  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });

  app.use(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (isCrossOrigin(c, origin))
      return c.html(
        messagePage('Cross-site request refused', 'Forms are accepted from the console itself only.').value,
        403,
      );
    return bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.html(messagePage('Request too large', 'The form was too large.').value, 413),
    })(c, next);
  });

  app.use(async (c, next) => {
    c.set('analyst', await deps.auth.analystOf(c));
    return next();
  });

  if (isDevAuthenticator(deps.auth)) signinRoutes(app, deps.auth);
  approvalRoutes(app, {
    ...deps.approvals,
    csrfSecret: deps.secret,
    auth: deps.auth,
    now,
  });
  if (deps.data) {
    const data = deps.data;
    // Everything but the approval page itself (whose GET shows a sign-in link) names people, keys
    // and addresses: signed-in analysts only.
    for (const path of ['/metrics', '/health', '/health.json'])
      app.use(path, async (c, next) => {
        if (!c.get('analyst')) return c.redirect(deps.auth.signInUrl(c.req.path), 303);
        return next();
      });
    incidentRoutes(app, {
      data,
      csrfSecret: deps.secret,
      now,
      signInUrl: (next) => deps.auth.signInUrl(next),
    });
    metricsRoutes(app, { data, now });
    healthRoutes(app, { data, now });
  }
  app.get('/', (c) => c.redirect(deps.data ? '/incidents' : '/approvals', 303));

  app.notFound((c) =>
    c.html(messagePage('Not found', 'There is no such page.', c.get('analyst')).value, 404),
  );
  app.onError((error, c) => {
    onError(error, c.req.routePath);
    return c.html(
      messagePage('Something went wrong', 'The request failed; nothing more is known here.').value,
      500,
    );
  });
  return app;
}
