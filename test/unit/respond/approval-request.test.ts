import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { approvalLinkIn } from '../../../local/outbox-mailer.ts';
import { approvalIdFor, verifyLink } from '../../../shared/respond/approval-link.ts';
import { type RequestApprovalDeps, requestApproval } from '../../../shared/respond/request-approval.ts';
import { aesTokenSealer } from '../../../shared/respond/token-sealer.ts';
import {
  memoryApprovalStore,
  memoryAuditLog,
  planFor,
  recordingMailer,
} from '../../support/approval-fakes.ts';

const now = Date.parse('2026-11-23T10:00:00Z');
const token = `AQCEAAAAKgAAAAMAAAAA${'t0k3n'.repeat(80)}`;

type Settings = Omit<RequestApprovalDeps, 'store' | 'audit' | 'mailer' | 'sealer'>;

function setup(overrides: Partial<Settings> = {}) {
  const settings: Settings = {
    linkSecret: randomBytes(32),
    consoleUrl: 'http://127.0.0.1:8787/',
    approvers: ['alice@example.org', 'bob@example.org'],
    from: 'Vigil <vigil@example.org>',
    timeoutSeconds: 3600,
    now: () => now,
    ...overrides,
  };
  return {
    ...settings,
    store: memoryApprovalStore(),
    audit: memoryAuditLog(),
    sealer: aesTokenSealer(randomBytes(32)),
    mailer: recordingMailer(),
  };
}

describe('requestApproval', () => {
  it('stores the request with the token sealed, mails one signed link and audits without secrets', async () => {
    const deps = setup();
    const plan = planFor('inc-1', 2, now);
    const out = await requestApproval({ plan, incidentTitle: 'Leaked key', taskToken: token }, deps);

    expect(out.created).toBe(true);
    expect(out.approvalId).toBe(approvalIdFor(deps.linkSecret, plan.id, token));
    const stored = deps.store.requests.get(out.approvalId)!;
    expect(stored).toMatchObject({
      plan_id: plan.id,
      incident_id: 'inc-1',
      required: 2,
      approvers: [],
      status: 'pending',
      created_at: now,
      expires_at: now + 3_600_000,
      incident_title: 'Leaked key',
    });
    expect(stored.plan).toEqual(plan);
    expect(JSON.stringify(stored)).not.toContain('t0k3n');
    expect(await deps.sealer.open(stored.sealed_token, out.approvalId)).toBe(token);
    await expect(deps.sealer.open(stored.sealed_token, 'another-approval')).rejects.toThrow();

    expect(verifyLink(deps.linkSecret, out.link, now)).toEqual({
      ok: true,
      approvalId: out.approvalId,
      expiresAt: now + 3_600_000,
    });

    expect(deps.mailer.sent).toHaveLength(1);
    const mail = deps.mailer.sent[0]!;
    expect(mail.to).toEqual(['alice@example.org', 'bob@example.org']);
    expect(mail.subject).toBe('[Vigil] Approval needed: Leaked key');
    expect(approvalLinkIn(mail.raw)).toBe(`http://127.0.0.1:8787/approvals/${out.link}`);
    expect(mail.raw.toString()).not.toContain('t0k3n');

    expect(deps.audit.entries).toEqual([
      {
        incident_id: 'inc-1',
        plan_id: plan.id,
        event: 'approval_requested',
        actor: 'vigil',
        at: now,
        ref: out.approvalId,
        details: {
          approval_id: out.approvalId,
          required: 2,
          approvers: ['alice@example.org', 'bob@example.org'],
          expires_at: now + 3_600_000,
          actions: plan.actions.map((a) => a.key),
        },
      },
    ]);
    const audited = JSON.stringify(deps.audit.entries);
    expect(audited).not.toContain('t0k3n');
    expect(audited).not.toContain(out.link);
    expect(audited).not.toContain(out.link.split('.')[2]!);
  });

  it('finds the same request on redelivery and mails nothing more', async () => {
    let clock = now;
    const deps = setup({ now: () => clock });
    const plan = planFor('inc-1', 1, now);
    const first = await requestApproval({ plan, incidentTitle: 'Leaked key', taskToken: token }, deps);
    clock += 5_000;
    const again = await requestApproval({ plan, incidentTitle: 'Leaked key', taskToken: token }, deps);
    expect(again).toEqual({ ...first, created: false });
    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.audit.entries).toHaveLength(1);
    expect(deps.store.requests.size).toBe(1);

    // Another token (another execution of the same plan) is another request.
    const other = await requestApproval({ plan, incidentTitle: 'Leaked key', taskToken: `${token}x` }, deps);
    expect(other.approvalId).not.toBe(first.approvalId);
    expect(other.created).toBe(true);
    expect(deps.mailer.sent).toHaveLength(2);
  });

  it('mails on redelivery when the first attempt stored the request but never got the mail out', async () => {
    const deps = setup();
    const plan = planFor('inc-1', 1, now);
    const failing = {
      ...deps,
      mailer: {
        async send() {
          throw new Error('SMTP down');
        },
      },
    };
    await expect(
      requestApproval({ plan, incidentTitle: 'Leaked key', taskToken: token }, failing),
    ).rejects.toThrow('SMTP down');
    expect(deps.audit.entries).toHaveLength(0);

    const retried = await requestApproval({ plan, incidentTitle: 'Leaked key', taskToken: token }, deps);
    expect(retried.created).toBe(false);
    expect(deps.mailer.sent).toHaveLength(1);
    expect(approvalLinkIn(deps.mailer.sent[0]!.raw)).toContain(retried.link);
    expect(deps.audit.entries.map((e) => e.event)).toEqual(['approval_requested']);

    await requestApproval({ plan, incidentTitle: 'Leaked key', taskToken: token }, deps);
    expect(deps.mailer.sent).toHaveLength(1);
  });

  it('refuses before storing anything when it could never be approved or mailed', async () => {
    const plan = planFor('inc-1', 2, now);
    const input = { plan, incidentTitle: 'Leaked key', taskToken: token };
    for (const overrides of [
      { approvers: ['alice@example.org'] },
      { approvers: ['alice@example.org', 'bob@example.org\r\nBcc: eve@example.net'] },
      { timeoutSeconds: 0 },
      { timeoutSeconds: 1.5 },
      { consoleUrl: 'file:///etc/passwd' },
    ]) {
      const deps = setup(overrides);
      await expect(requestApproval(input, deps)).rejects.toThrow();
      expect(deps.store.calls).toEqual([]);
      expect(deps.mailer.sent).toEqual([]);
    }
    const deps = setup();
    await expect(requestApproval({ ...input, taskToken: '' }, deps)).rejects.toThrow(/task token/);
    await expect(
      requestApproval({ ...input, plan: { ...plan, approvals_required: 0 } }, deps),
    ).rejects.toThrow(/needs no approval/);
    expect(deps.store.calls).toEqual([]);
  });
});
