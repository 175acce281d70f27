import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approvalIdFor, newApprovalId, signLink, verifyLink } from '../../../shared/respond/approval-link.ts';
import { aesTokenSealer } from '../../../shared/respond/token-sealer.ts';

const secret = randomBytes(32);
const now = Date.parse('2026-11-23T10:00:00Z');

describe('approval links', () => {
  it('verifies a link it signed until it expires', () => {
    const id = newApprovalId();
    const link = signLink(secret, id, now + 60_000);
    expect(verifyLink(secret, link, now)).toEqual({ ok: true, approvalId: id, expiresAt: now + 60_000 });
    expect(verifyLink(secret, link, now + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a link with any character changed, a moved expiry, or another secret', () => {
    const link = signLink(secret, newApprovalId(), now + 60_000);
    const [id, expiry, sig] = link.split('.') as [string, string, string];
    expect(verifyLink(secret, `${id}.${(Number.parseInt(expiry, 36) + 1).toString(36)}.${sig}`, now).ok).toBe(
      false,
    );
    expect(verifyLink(randomBytes(32), link, now)).toEqual({ ok: false, reason: 'tampered' });
    fc.assert(
      fc.property(fc.nat({ max: link.length - 1 }), fc.constantFrom(...'abcXYZ019_-.'), (at, ch) => {
        fc.pre(link[at] !== ch);
        const changed = `${link.slice(0, at)}${ch}${link.slice(at + 1)}`;
        expect(verifyLink(secret, changed, now).ok).toBe(false);
      }),
    );
  });

  it('calls garbage malformed, never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(verifyLink(secret, s, now).ok).toBe(false);
      }),
    );
    expect(verifyLink(secret, 'a.b', now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('derives one id per (plan, token), unguessable without the secret', () => {
    const a = approvalIdFor(secret, 'inc#1', 'token-1');
    expect(approvalIdFor(secret, 'inc#1', 'token-1')).toBe(a);
    expect(approvalIdFor(secret, 'inc#1', 'token-2')).not.toBe(a);
    expect(approvalIdFor(randomBytes(32), 'inc#1', 'token-1')).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('task token sealing', () => {
  it('round-trips, hides the token, and binds it to its approval id', async () => {
    const sealer = aesTokenSealer(randomBytes(32));
    const token = `AQB${'x'.repeat(600)}`;
    const sealed = await sealer.seal(token, 'approval-1');
    expect(sealed).not.toContain('xxxx');
    expect(await sealer.open(sealed, 'approval-1')).toBe(token);
    await expect(sealer.open(sealed, 'approval-2')).rejects.toThrow(/does not open/);
    await expect(aesTokenSealer(randomBytes(32)).open(sealed, 'approval-1')).rejects.toThrow(/does not open/);
    await expect(sealer.open('v1.short', 'approval-1')).rejects.toThrow(/not a sealed token/);
  });
});
