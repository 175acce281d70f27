import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signLink } from '../../../shared/respond/approval-link.ts';
import { decide } from '../../../shared/respond/decide.ts';
import { requestApproval } from '../../../shared/respond/request-approval.ts';
import { APPROVAL_REJECTED } from '../../../shared/respond/task-tokens.ts';
import { aesTokenSealer } from '../../../shared/respond/token-sealer.ts';
import {
  memoryApprovalStore,
  memoryAuditLog,
  planFor,
  recordingMailer,
  recordingTasks,
  sfnError,
} from '../../support/approval-fakes.ts';

const start = Date.parse('2026-11-23T10:00:00Z');
const token = `AQCEAAAAKgAAAAMAAAAA${'secret-token'.repeat(40)}`;

async function setup(required = 2, fault?: () => Error | undefined) {
  let clock = start;
  const deps = {
    store: memoryApprovalStore(),
    audit: memoryAuditLog(),
    sealer: aesTokenSealer(randomBytes(32)),
    tasks: recordingTasks(fault),
    linkSecret: randomBytes(32),
    now: () => clock,
  };
  const plan = planFor('inc-1', required, start);
  const { approvalId, link } = await requestApproval(
    { plan, incidentTitle: 'Leaked key', taskToken: token },
    {
      ...deps,
      mailer: recordingMailer(),
      consoleUrl: 'http://127.0.0.1:8787',
      approvers: ['alice@example.org', 'bob@example.org'],
      from: 'vigil@example.org',
      timeoutSeconds: 3600,
    },
  );
  deps.store.calls.length = 0;
  deps.audit.entries.length = 0;
  return {
    deps,
    approvalId,
    link,
    plan,
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

describe('decide', () => {
  it('refuses a malformed, tampered or expired link without touching the store', async () => {
    const { deps, link, tick } = await setup();
    const [id, expiry, sig] = link.split('.') as [string, string, string];
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of ['', 'nonsense', `${id}.${expiry}.${flipped}`, `${id}.${expiry}`, `${link}.x`])
      expect(await decide({ link: bad, who: 'alice@example.org', decision: 'approve' }, deps)).toEqual({
        kind: 'invalid_link',
      });
    tick(3_600_000);
    expect(await decide({ link, who: 'alice@example.org', decision: 'approve' }, deps)).toEqual({
      kind: 'expired',
    });
    expect(deps.store.calls).toEqual([]);
    expect(deps.audit.entries).toEqual([]);
  });

  it('records the first of two approvals, refuses the same approver, and answers the task on the second', async () => {
    const { deps, link, approvalId, plan, tick } = await setup(2);
    const first = await decide({ link, who: 'alice@example.org', decision: 'approve' }, deps);
    expect(first).toMatchObject({ kind: 'recorded', needed: 1 });
    expect(first.request?.approvers.map((a) => a.who)).toEqual(['alice@example.org']);
    expect(deps.tasks.calls).toEqual([]);

    tick(1000);
    const again = await decide({ link, who: 'alice@example.org', decision: 'approve' }, deps);
    expect(again).toMatchObject({ kind: 'same_approver', needed: 1 });
    expect(deps.tasks.calls).toEqual([]);

    tick(1000);
    const second = await decide({ link, who: 'bob@example.org', decision: 'approve' }, deps);
    expect(second).toMatchObject({ kind: 'approved', needed: 0, task: 'answered' });
    expect(second.request?.status).toBe('approved');
    expect(deps.tasks.calls).toEqual([
      {
        kind: 'succeed',
        token,
        output: { approved_by: ['alice@example.org', 'bob@example.org'], approval_id: approvalId },
      },
    ]);

    tick(1000);
    for (const who of ['bob@example.org', 'carol@example.org'])
      expect(await decide({ link, who, decision: 'approve' }, deps)).toMatchObject({
        kind: 'already_decided',
      });
    expect(await decide({ link, who: 'carol@example.org', decision: 'reject' }, deps)).toMatchObject({
      kind: 'already_decided',
    });
    expect(deps.tasks.calls).toHaveLength(1);

    expect(deps.audit.entries.map((e) => [e.event, e.actor, e.at])).toEqual([
      ['approval_recorded', 'alice@example.org', start],
      ['approval_recorded', 'bob@example.org', start + 2000],
      ['approved', 'bob@example.org', start + 2000],
    ]);
    expect(deps.audit.entries[2]).toMatchObject({
      plan_id: plan.id,
      incident_id: 'inc-1',
      details: {
        approval_id: approvalId,
        approved_by: ['alice@example.org', 'bob@example.org'],
        task: 'answered',
      },
    });
    expect(JSON.stringify(deps.audit.entries)).not.toContain('secret-token');
    expect(JSON.stringify(deps.audit.entries)).not.toContain(link);
  });

  it('rejects with one failed task, the reason cleaned and bounded', async () => {
    const { deps, link, approvalId } = await setup(2);
    await decide({ link, who: 'alice@example.org', decision: 'approve' }, deps);
    const out = await decide(
      { link, who: 'bob@example.org', decision: 'reject', reason: ' wrong\r\nhost\u202e ' + 'x'.repeat(600) },
      deps,
    );
    expect(out).toMatchObject({ kind: 'rejected', task: 'answered' });
    expect(out.request).toMatchObject({ status: 'rejected', rejected_by: 'bob@example.org' });
    const reason = `wrong host ${'x'.repeat(489)}`;
    expect(reason).toHaveLength(500);
    expect(deps.tasks.calls).toEqual([
      { kind: 'fail', token, error: APPROVAL_REJECTED, cause: `rejected by bob@example.org: ${reason}` },
    ]);
    expect(deps.audit.entries.at(-1)).toMatchObject({
      event: 'rejected',
      actor: 'bob@example.org',
      details: { approval_id: approvalId, reason, task: 'answered' },
    });
    expect(await decide({ link, who: 'bob@example.org', decision: 'reject' }, deps)).toMatchObject({
      kind: 'already_decided',
    });
    expect(deps.tasks.calls).toHaveLength(1);
  });

  it('says a rejection without a reason plainly', async () => {
    const { deps, link } = await setup(1);
    await decide({ link, who: 'alice@example.org', decision: 'reject' }, deps);
    expect(deps.tasks.calls[0]?.cause).toBe('rejected by alice@example.org');
  });

  it('keeps the decision but says so when the task is gone (timed out, stopped)', async () => {
    const { deps, link } = await setup(1, () => sfnError('TaskTimedOut'));
    const out = await decide({ link, who: 'alice@example.org', decision: 'approve' }, deps);
    expect(out).toMatchObject({ kind: 'approved', task: 'gone' });
    expect(deps.audit.entries.at(-1)).toMatchObject({
      event: 'approved',
      details: { task: 'gone', task_error: 'TaskTimedOut' },
    });
    expect(await decide({ link, who: 'bob@example.org', decision: 'approve' }, deps)).toMatchObject({
      kind: 'already_decided',
    });
    expect(deps.tasks.calls).toHaveLength(1);
  });

  it('tells "gone" from other failures to answer', async () => {
    const { deps, link } = await setup(1, () => sfnError('ServiceUnavailable'));
    const out = await decide({ link, who: 'alice@example.org', decision: 'reject' }, deps);
    expect(out).toMatchObject({ kind: 'rejected', task: 'unanswered' });
    expect(deps.audit.entries.at(-1)?.details).toMatchObject({
      task: 'unanswered',
      task_error: 'ServiceUnavailable',
    });
  });

  it('answers the task once when two approvers press at the same moment', async () => {
    const { deps, link } = await setup(2);
    await decide({ link, who: 'alice@example.org', decision: 'approve' }, deps);
    const results = await Promise.all(
      ['bob@example.org', 'carol@example.org', 'dave@example.org'].map((who) =>
        decide({ link, who, decision: 'approve' }, deps),
      ),
    );
    expect(results.map((r) => r.kind).sort()).toEqual(['already_decided', 'already_decided', 'approved']);
    expect(deps.tasks.calls).toHaveLength(1);
  });

  it('says not_found for a genuine link whose request is gone', async () => {
    const { deps } = await setup();
    const link = signLink(deps.linkSecret, 'B'.repeat(32), start + 60_000);
    expect(await decide({ link, who: 'alice@example.org', decision: 'approve' }, deps)).toEqual({
      kind: 'not_found',
    });
  });
});
