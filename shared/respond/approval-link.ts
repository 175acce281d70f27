/**
 * Approval links: `<approval id>.<expiry>.<signature>`, an HMAC-SHA256 over the id and the expiry
 * with a deployment secret. The id alone is unguessable (128 bits); the signature lets the console
 * refuse a tampered or expired link before touching the store. Single use is the store's job (one
 * conditional update per decision), not the link's.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type LinkCheck =
  | { ok: true; approvalId: string; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'tampered' | 'expired' };

const ID = /^[A-Za-z0-9_-]{22,64}$/;
const EXPIRY = /^[0-9a-z]{1,12}$/;

const mac = (secret: Uint8Array, payload: string) =>
  createHmac('sha256', secret).update(`vigil-approval-link\n${payload}`).digest('base64url');

/** A fresh approval id: 128 random bits, URL-safe. */
export const newApprovalId = (): string => randomBytes(16).toString('base64url');

/**
 * A stable approval id for one (plan, task token): a redelivered "request approval" invocation
 * carries the same token and must find the same request, not mail a second link. Unguessable
 * without the secret.
 */
export const approvalIdFor = (secret: Uint8Array, planId: string, taskToken: string): string =>
  createHmac('sha256', secret)
    .update(`vigil-approval-id\n${planId}\n${taskToken}`)
    .digest('base64url')
    .slice(0, 32);

export function signLink(secret: Uint8Array, approvalId: string, expiresAt: number): string {
  const payload = `${approvalId}.${Math.floor(expiresAt).toString(36)}`;
  return `${payload}.${mac(secret, payload)}`;
}

export function verifyLink(secret: Uint8Array, link: string, now: number): LinkCheck {
  if (typeof link !== 'string' || link.length > 200) return { ok: false, reason: 'malformed' };
  const parts = link.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [id = '', expiry = '', signature = ''] = parts;
  if (!ID.test(id) || !EXPIRY.test(expiry)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(secret, `${id}.${expiry}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'tampered' };
  const expiresAt = Number.parseInt(expiry, 36);
  if (!(expiresAt > now)) return { ok: false, reason: 'expired' };
  return { ok: true, approvalId: id, expiresAt };
}
