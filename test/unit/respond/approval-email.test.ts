import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { approvalLinkIn, textParts } from '../../../local/outbox-mailer.ts';
import { approvalSubject, composeApprovalEmail } from '../../../shared/respond/approval-email.ts';
import { signLink } from '../../../shared/respond/approval-link.ts';
import type { ApprovalRequest } from '../../../shared/respond/ports.ts';
import { planFor } from '../../support/approval-fakes.ts';

const now = Date.parse('2026-11-23T10:00:00Z');
const secret = randomBytes(32);
const consoleUrl = 'https://console.vigil.example.org';

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  const plan = planFor('inc-1', 2, now);
  return {
    id: 'A'.repeat(32),
    plan_id: plan.id,
    incident_id: plan.incident_id,
    plan,
    incident_title: 'Leaked CI access key used for discovery',
    sealed_token: 'v1.sealed',
    required: 2,
    approvers: [],
    status: 'pending',
    created_at: now,
    expires_at: now + 3_600_000,
    ...overrides,
  };
}

/** Headers of the top-level message, unfolded, lower-case names; repeated names kept. */
function headersOf(raw: Buffer): [string, string][] {
  const text = raw.toString('latin1');
  const head = text.slice(0, text.search(/\r?\n\r?\n/));
  return head
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)
    .map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
    });
}

/** RFC 2047 encoded words (what nodemailer uses for non-ASCII subjects). */
const decodeWords = (value: string) =>
  value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_x, hex: string) =>
                String.fromCharCode(Number.parseInt(hex, 16)),
              ),
            'latin1',
          ).toString('utf8'),
    );

async function compose(r: ApprovalRequest = request()) {
  const link = signLink(secret, r.id, r.expires_at);
  const email = await composeApprovalEmail({
    request: r,
    link,
    consoleUrl,
    approvers: ['alice@example.org', 'bob@example.org'],
    from: 'Vigil <vigil@example.org>',
    date: new Date(now),
  });
  const parts = textParts(email.raw.toString('latin1'));
  const text = parts.find((p) => p.type === 'text/plain')?.text ?? '';
  const html = parts.find((p) => p.type === 'text/html')?.text ?? '';
  return { email, link, text, html, headers: headersOf(email.raw) };
}

describe('the approval email', () => {
  it('is one RFC 5322 message with the plan, the approvers, the expiry and the link, in text and HTML', async () => {
    const { email, link, text, html, headers } = await compose();
    const h = Object.fromEntries(headers);
    expect(h['from']).toBe('Vigil <vigil@example.org>');
    expect(h['to']).toBe('alice@example.org, bob@example.org');
    expect(decodeWords(h['subject'] ?? '')).toBe(
      '[Vigil] Approval needed: Leaked CI access key used for discovery',
    );
    expect(h['date']).toBe('Mon, 23 Nov 2026 10:00:00 +0000');
    expect(h['mime-version']).toBe('1.0');
    expect(h['content-type']).toMatch(/^multipart\/alternative;/);
    expect(h['auto-submitted']).toBe('auto-generated');
    expect(email.to).toEqual(['alice@example.org', 'bob@example.org']);

    const url = `${consoleUrl}/approvals/${link}`;
    for (const body of [text, html]) {
      expect(body).toContain('Leaked CI access key used for discovery');
      expect(body).toContain(
        'deactivate_access_key on access_key AKIAEXAMPLEKEY000001, account 111122223333',
      );
      expect(body).toContain('(mode approve, destructive: no)');
      expect(body).toContain('quarantine_iam_user on principal arn:aws:iam::111122223333:user/ci-deploy');
      expect(body).toContain('(mode approve, destructive: yes)');
      expect(body).toContain('no WAF IP set or network ACL is configured for block_ip');
      expect(body).toContain('2 (from alice@example.org, bob@example.org)');
      expect(body).toContain('2026-11-23 11:00:00 UTC');
      expect(body).toContain(url);
      expect(body).toContain(
        'Opening the link changes nothing: approving needs signing in to the console and pressing Approve.',
      );
    }
    expect(html).toContain(`<a href="${url}">`);
    expect(approvalLinkIn(email.raw)).toBe(url);
  });

  it('defangs and escapes incident-derived text, and keeps the subject one header line', async () => {
    const hostile = 'Evil <script>alert(1)</script> via http://evil.example.com/x\r\nBcc: victim@example.net';
    const r = request({ incident_title: hostile });
    r.plan.actions[0]!.target.id = 'AKIA<img src=x onerror=alert(1)>';
    r.plan.blocked[0]!.reasons = ['see "https://phish.example.net" & <b>click</b>'];
    const { email, text, html, headers } = await compose(r);

    expect(headers.map(([name]) => name)).not.toContain('bcc');
    const subject = decodeWords(Object.fromEntries(headers)['subject'] ?? '');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toBe(subject);
    expect(subject).toContain('hxxp[:]//evil.example[.]com/x Bcc: victim@example[.]net');
    expect(subject).toContain('‹script›');

    for (const body of [text, html]) {
      expect(body).not.toContain('http://evil');
      expect(body).not.toContain('https://phish');
      expect(body).not.toMatch(/<script|<img|<b>/);
    }
    expect(html).toContain('Evil ‹script›alert(1)‹/script›');
    expect(html).toContain('&quot;hxxps[:]//phish.example[.]net&quot; &amp; ‹b›click‹/b›');
    // The only link is Vigil's own.
    expect(html.match(/href=/g)).toHaveLength(1);
    expect(text.match(/https?:\/\//g)).toHaveLength(1);
  });

  it('bounds the subject and names an untitled incident', () => {
    expect(approvalSubject('x'.repeat(1000)).length).toBeLessThan(160);
    expect(approvalSubject(' \r\n ')).toBe('[Vigil] Approval needed: untitled incident');
  });

  it('refuses recipient and sender addresses that could smuggle headers or recipients', async () => {
    const r = request();
    const base = { request: r, link: 'x', consoleUrl, from: 'vigil@example.org', date: new Date(now) };
    for (const bad of [
      'a@example.org, b@example.org',
      'a@example.org\r\nBcc: c@example.org',
      'not-an-address',
      '',
    ])
      await expect(composeApprovalEmail({ ...base, approvers: [bad] })).rejects.toThrow(
        /plain email address/,
      );
    await expect(composeApprovalEmail({ ...base, approvers: [] })).rejects.toThrow(/no approvers/);
    await expect(
      composeApprovalEmail({
        ...base,
        approvers: ['a@example.org'],
        from: 'x@example.org\r\nBcc: y@example.org',
      }),
    ).rejects.toThrow(/From address/);
    await expect(
      composeApprovalEmail({ ...base, approvers: ['a@example.org'], consoleUrl: 'javascript:alert(1)' }),
    ).rejects.toThrow(/http/);
  });
});
