/**
 * Who is using the console. Two implementations of one port:
 *
 * - `devAuthenticator` (local): sign in at /signin with the one-time code the demo prints and any
 *   email address; the session is an HMAC-signed cookie (HttpOnly, SameSite=Strict, Secure on
 *   https) that expires after 8 hours, checked on every read.
 * - `cognitoAuthenticator` (AWS): API Gateway's JWT authorizer has already verified the Cognito
 *   token; the Lambda event carries its claims, and this reads the analyst from them.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { ValidationError } from '../shared/errors.ts';

export interface Analyst {
  /** Email address: the identity approvals and the audit trail record. */
  id: string;
  name: string;
  /** This sign-in's id: CSRF tokens are bound to it. */
  session: string;
}

export interface Authenticator {
  readonly kind: 'dev' | 'cognito';
  analystOf(c: Context): Promise<Analyst | undefined>;
  /** Where a visitor who is not signed in goes to sign in, then back to `next` (a console path). */
  signInUrl(next: string): string;
}

export interface DevAuthenticator extends Authenticator {
  readonly kind: 'dev';
  /** Whether `code` is the dev sign-in code (constant time). */
  codeMatches(code: string): boolean;
  /** Sets the session cookie for a new sign-in; returns the analyst it signs in. */
  startSession(c: Context, email: string): Analyst;
  endSession(c: Context): void;
}

export const isDevAuthenticator = (auth: Authenticator): auth is DevAuthenticator =>
  auth.kind === 'dev' && 'startSession' in auth;

export interface DevAuthenticatorOptions {
  /** Signs session cookies; 32 random bytes. */
  secret: Uint8Array;
  /** The one-time sign-in code of this run (the demo prints it at start). */
  code: string;
  /** The console's own URL: https makes the cookie Secure and `__Host-` prefixed. */
  consoleUrl: string;
  now: () => number;
  /** Default 8 hours. */
  sessionMs?: number;
}

const SOURCE = 'console.auth';
const EIGHT_HOURS = 8 * 3_600_000;
const COOKIE = 'vigil_session';
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;
const NEXT = /^\/(?![/\\])[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/;

const SessionSchema = z.object({
  sid: z.string().min(16).max(64),
  email: z.string().max(254),
  exp: z.number().int(),
});

/** A console path to return to after signing in; anything else (other hosts, `//x`) becomes `/approvals`. */
export function safeNext(next: string | undefined): string {
  return next && next.length <= 512 && NEXT.test(next) ? next : '/approvals';
}

export function isEmail(s: string): boolean {
  return s.length <= 254 && EMAIL.test(s);
}

const nameOf = (email: string) => email.slice(0, email.indexOf('@'));

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function devAuthenticator(options: DevAuthenticatorOptions): DevAuthenticator {
  const { secret, now } = options;
  if (secret.length < 32) throw new ValidationError('the session secret must be at least 32 bytes', SOURCE);
  if (options.code.length < 8) throw new ValidationError('the dev sign-in code is too short', SOURCE);
  const sessionMs = options.sessionMs ?? EIGHT_HOURS;
  const secure = new URL(options.consoleUrl).protocol === 'https:';
  const codeDigest = sha256(options.code);
  const prefix = secure ? ({ prefix: 'host' } as const) : {};
  const mac = (payload: string) =>
    createHmac('sha256', secret).update(`vigil-session\n${payload}`).digest('base64url');

  const read = (c: Context): Analyst | undefined => {
    const value = secure ? getCookie(c, COOKIE, 'host') : getCookie(c, COOKIE);
    if (!value || value.length > 1024) return undefined;
    const [version, payload = '', signature = ''] = value.split('.');
    if (version !== 'v1') return undefined;
    const expected = Buffer.from(mac(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let parsed: z.infer<typeof SessionSchema>;
    try {
      parsed = SessionSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      return undefined;
    }
    if (!(parsed.exp > now()) || !isEmail(parsed.email)) return undefined;
    return { id: parsed.email, name: nameOf(parsed.email), session: parsed.sid };
  };

  return {
    kind: 'dev',
    async analystOf(c) {
      return read(c);
    },
    signInUrl(next) {
      return `/signin?next=${encodeURIComponent(safeNext(next))}`;
    },
    codeMatches(code) {
      return timingSafeEqual(sha256(code), codeDigest);
    },
    startSession(c, given) {
      const email = given.trim().toLowerCase();
      if (!isEmail(email)) throw new ValidationError('not an email address', SOURCE);
      const sid = randomBytes(18).toString('base64url');
      const exp = now() + sessionMs;
      const payload = Buffer.from(JSON.stringify({ sid, email, exp })).toString('base64url');
      setCookie(c, COOKIE, `v1.${payload}.${mac(payload)}`, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        secure,
        maxAge: Math.floor(sessionMs / 1000),
        ...prefix,
      });
      return { id: email, name: nameOf(email), session: sid };
    },
    endSession(c) {
      deleteCookie(c, COOKIE, { path: '/', secure, httpOnly: true, sameSite: 'Strict', ...prefix });
    },
  };
}

const ClaimsSchema = z.object({
  email: z.string().max(254).refine(isEmail),
  email_verified: z.union([z.boolean(), z.string()]).optional(),
  name: z.string().max(200).optional(),
  sub: z.string().min(1).max(128),
  origin_jti: z.string().max(128).optional(),
  jti: z.string().max(128).optional(),
});

export interface CognitoAuthenticatorOptions {
  /** The Cognito hosted UI sign-in address; `next` is not passed on (the hosted UI returns to its callback). */
  signInUrl: string;
}

/**
 * Reads the claims API Gateway's JWT authorizer verified (`requestContext.authorizer.jwt.claims`
 * of the HTTP API event, which hono's Lambda adapter exposes as `c.env.event`). Requests without a
 * valid token never reach the function, so a missing or odd claim set means "not signed in".
 */
export function cognitoAuthenticator(options: CognitoAuthenticatorOptions): Authenticator {
  return {
    kind: 'cognito',
    async analystOf(c) {
      const env = c.env as
        | { event?: { requestContext?: { authorizer?: { jwt?: { claims?: unknown } } } } }
        | undefined;
      const parsed = ClaimsSchema.safeParse(env?.event?.requestContext?.authorizer?.jwt?.claims);
      if (!parsed.success) return undefined;
      const claims = parsed.data;
      if (claims.email_verified === false || claims.email_verified === 'false') return undefined;
      return {
        id: claims.email.toLowerCase(),
        name: claims.name ?? nameOf(claims.email),
        // origin_jti survives token refresh: a form rendered before a refresh still posts.
        session: claims.origin_jti ?? claims.jti ?? claims.sub,
      };
    },
    signInUrl() {
      return options.signInUrl;
    },
  };
}
