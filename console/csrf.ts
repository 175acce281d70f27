/**
 * Cross-site request forgery defences for the console's forms, in two layers:
 *
 * - a token per (session, approval): HMAC(secret, session id + approval id), put in the form as a
 *   hidden field and compared in constant time on POST. A page of another site cannot read it.
 * - the `Origin` header, when the browser sends one, must be the console's own origin; `null`
 *   (sandboxed frames, some redirects) and any other site are refused, as is
 *   `Sec-Fetch-Site: cross-site`.
 *
 * The session cookie is also SameSite=Strict; each layer alone would stop a forged decision.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';

export const CSRF_FIELD = 'csrf';

export function csrfToken(secret: Uint8Array, session: string, approvalId: string): string {
  return createHmac('sha256', secret).update(`vigil-csrf\n${session}\n${approvalId}`).digest('base64url');
}

export function csrfValid(secret: Uint8Array, session: string, approvalId: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 128) return false;
  const expected = Buffer.from(csrfToken(secret, session, approvalId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Whether a state-changing request comes from another origin than the console's. */
export function isCrossOrigin(c: Context, consoleOrigin: string): boolean {
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== consoleOrigin) return true;
  return c.req.header('sec-fetch-site') === 'cross-site';
}
