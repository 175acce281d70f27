/** Local development sign-in (the dev authenticator): a one-time code and an email address. */
import type { Hono } from 'hono';
import { type DevAuthenticator, isEmail, safeNext } from '../auth.ts';
import type { ConsoleEnv } from '../env.ts';
import { signinPage } from '../views/signin.ts';

const field = (v: unknown) => (typeof v === 'string' ? v : '');

export function signinRoutes(app: Hono<ConsoleEnv>, auth: DevAuthenticator): void {
  app.get('/signin', (c) =>
    c.html(signinPage({ next: safeNext(c.req.query('next')), analyst: c.get('analyst') }).value),
  );

  app.post('/signin', async (c) => {
    const body = await c.req.parseBody();
    const next = safeNext(field(body['next']));
    const email = field(body['email']).trim().toLowerCase();
    if (!auth.codeMatches(field(body['code'])))
      return c.html(signinPage({ next, error: 'That sign-in code is not right.' }).value, 401);
    if (!isEmail(email))
      return c.html(signinPage({ next, error: 'Enter an email address to sign in as.' }).value, 400);
    auth.startSession(c, email);
    return c.redirect(next, 303);
  });

  app.post('/signout', (c) => {
    auth.endSession(c);
    return c.redirect('/signin', 303);
  });
}
