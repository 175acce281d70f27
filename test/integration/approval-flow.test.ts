/**
 * The human approval flow end to end on the real DynamoDB adapters (DynamoDB Local): request →
 * email → console page → sign-in → decisions → the Step Functions task answered once. Step
 * Functions itself is the recording TaskTokens fake: that is the port boundary.
 */
import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleApp } from '../../console/app.ts';
import { devAuthenticator } from '../../console/auth.ts';
import { approvalLinkIn, textParts } from '../../local/outbox-mailer.ts';
import { verifyLink } from '../../shared/respond/approval-link.ts';
import type { ApprovalStore } from '../../shared/respond/ports.ts';
import { requestApproval } from '../../shared/respond/request-approval.ts';
import { APPROVAL_REJECTED } from '../../shared/respond/task-tokens.ts';
import { aesTokenSealer } from '../../shared/respond/token-sealer.ts';
import { dynamoAuditLog } from '../../shared/store/dynamo-audit-log.ts';
import { dynamoApprovalStore } from '../../shared/store/dynamo-response-store.ts';
import { planFor, recordingMailer, recordingTasks } from '../support/approval-fakes.ts';
import { createTestAuditTable, type TestAuditTable } from '../support/audit-table.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';

const START = Date.parse('2026-11-23T10:00:00Z');
const CONSOLE_URL = 'http://127.0.0.1:8787';
const CODE = 'dev-code-91b2c7e4';
const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const CAROL = 'carol@example.org';
const tokenFor = (name: string) => `AQCEAAAAKgAAAAMAAAAA-${name}-${randomBytes(200).toString('base64url')}`;

/** The real store, with every call it gets counted (to show which requests never reach it). */
function counting(store: ApprovalStore): ApprovalStore & { calls: string[] } {
  const calls: string[] = [];
  const noted = <T>(name: string, result: T): T => {
    calls.push(name);
    return result;
  };
  return {
    calls,
    create: (r) => noted('create', store.create(r)),
    get: (id) => noted('get', store.get(id)),
    listPending: (now) => noted('listPending', store.listPending(now)),
    approve: (id, who, now) => noted('approve', store.approve(id, who, now)),
    reject: (id, who, reason, now) => noted('reject', store.reject(id, who, reason, now)),
  };
}

describe('approval flow on DynamoDB Local', () => {
  let table: TestTable;
  let auditTable: TestAuditTable;
  const clock = { now: START };
  const now = () => clock.now;
  const linkSecret = randomBytes(32);
  const sealer = aesTokenSealer(randomBytes(32));
  const tasks = recordingTasks();
  const mailer = recordingMailer();
  let store: ReturnType<typeof counting>;
  let audit: ReturnType<typeof dynamoAuditLog>;
  let app: ReturnType<typeof consoleApp>;

  const requestDeps = (timeoutSeconds = 3600) => ({
    store,
    audit,
    sealer,
    mailer,
    linkSecret,
    consoleUrl: CONSOLE_URL,
    approvers: [ALICE, BOB],
    from: 'Vigil <vigil@example.org>',
    timeoutSeconds,
    now,
  });

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const FORM = 'application/x-www-form-urlencoded';

  async function get(path: string, cookie?: string) {
    const res = await app.request(path, { headers: cookie ? { cookie } : {} });
    return { status: res.status, body: await res.text() };
  }
  async function post(path: string, fields: Record<string, string>, cookie?: string) {
    const res = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': FORM, origin: CONSOLE_URL, ...(cookie ? { cookie } : {}) },
      body: form(fields),
    });
    return { status: res.status, body: await res.text(), res };
  }
  async function signIn(email: string) {
    const { status, res } = await post('/signin', { email, code: CODE, next: '/approvals' });
    expect(status).toBe(303);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }
  async function csrfFor(path: string, cookie: string) {
    const { body } = await get(path, cookie);
    return /name="csrf" value="([^"]+)"/.exec(body)![1]!;
  }
  async function auditItems() {
    const out = await auditTable.client.send(
      new ScanCommand({ TableName: auditTable.tableName, ConsistentRead: true }),
    );
    return out.Items ?? [];
  }

  beforeAll(async () => {
    table = await createTestTable('approval-flow');
    auditTable = await createTestAuditTable('approval-flow-audit');
    store = counting(dynamoApprovalStore({ client: table.client, tableName: table.tableName }));
    audit = dynamoAuditLog({ client: auditTable.client, tableName: auditTable.tableName });
    app = consoleApp({
      consoleUrl: CONSOLE_URL,
      secret: randomBytes(32),
      auth: devAuthenticator({ secret: randomBytes(32), code: CODE, consoleUrl: CONSOLE_URL, now }),
      approvals: { store, audit, sealer, tasks, linkSecret },
      now,
    });
  });
  afterAll(async () => {
    await table?.drop();
    await auditTable?.drop();
  });

  it('walks request → email → page → two approvals → one answered task, and refuses everything else', async () => {
    // ── the request and its email
    const plan = planFor('inc-flow', 2, START);
    const token = tokenFor('approve');
    const requested = await requestApproval(
      { plan, incidentTitle: 'Leaked CI key used from 198.51.100.9', taskToken: token },
      requestDeps(),
    );
    expect(requested.created).toBe(true);
    const path = `/approvals/${requested.link}`;
    expect(verifyLink(linkSecret, requested.link, START)).toMatchObject({
      ok: true,
      approvalId: requested.approvalId,
      expiresAt: START + 3_600_000,
    });

    expect(mailer.sent).toHaveLength(1);
    const mail = mailer.sent[0]!;
    const raw = mail.raw.toString('latin1');
    const head = raw.slice(0, raw.search(/\r\n\r\n/)).replace(/\r\n[ \t]+/g, ' ');
    expect(head).toMatch(/^From: Vigil <vigil@example\.org>$/m);
    expect(head).toMatch(/^To: alice@example\.org, bob@example\.org$/m);
    expect(head).toMatch(/^Subject: .+$/m);
    expect(head).toMatch(/^Date: Mon, 23 Nov 2026 10:00:00 \+0000$/m);
    expect(head).toMatch(/^Message-ID: <[^>]+@example\.org>$/m);
    expect(head).toMatch(/^MIME-Version: 1\.0$/m);
    expect(mail.subject).toBe('[Vigil] Approval needed: Leaked CI key used from 198.51.100.9');
    const parts = textParts(raw);
    expect(parts.map((p) => p.type)).toEqual(['text/plain', 'text/html']);
    expect(parts[0]!.text).toContain(`${CONSOLE_URL}${path}`);
    expect(parts[0]!.text).toContain(
      'quarantine_iam_user on principal arn:aws:iam::111122223333:user/ci-deploy',
    );
    expect(approvalLinkIn(mail.raw)).toBe(`${CONSOLE_URL}${path}`);
    expect(raw).not.toContain(token.slice(-40));

    // ── opening the link shows the plan and changes nothing
    const itemsBefore = await table.scanAll();
    const auditBefore = await auditItems();
    const page = await get(path);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Leaked CI key used from 198.51.100.9');
    expect(page.body).toContain('<code>AKIAEXAMPLEKEY000001</code>');
    expect(page.body).toContain('<code>arn:aws:iam::111122223333:user/ci-deploy</code>');
    expect(page.body).toContain('no WAF IP set or network ACL is configured for block_ip');
    expect(page.body).toContain('0 of 2 required; 2 still needed.');
    expect(page.body).toContain('href="/signin?next=');
    expect(await table.scanAll()).toEqual(itemsBefore);
    expect(await auditItems()).toEqual(auditBefore);

    // ── deciding needs a session
    expect((await post(`${path}/decision`, { decision: 'approve', csrf: 'x' })).status).toBe(401);

    // ── alice approves: recorded, the task waits
    clock.now += 1_000;
    const alice = await signIn(ALICE);
    const aliceCsrf = await csrfFor(path, alice);
    const first = await post(`${path}/decision`, { decision: 'approve', csrf: aliceCsrf }, alice);
    expect(first.status).toBe(200);
    expect(first.body).toContain('Your approval is recorded. 1 more approval needed.');
    expect(tasks.calls).toEqual([]);

    // ── alice again: same approver, no effect
    const again = await post(`${path}/decision`, { decision: 'approve', csrf: aliceCsrf }, alice);
    expect(again.status).toBe(409);
    expect(again.body).toContain('You already approved this request');
    expect((await store.get(requested.approvalId))?.approvers.map((a) => a.who)).toEqual([ALICE]);
    expect(tasks.calls).toEqual([]);

    // ── bob approves: the request flips and the task hears it once, with the unsealed token
    clock.now += 60_000;
    const bob = await signIn(BOB);
    const bobCsrf = await csrfFor(path, bob);
    const second = await post(`${path}/decision`, { decision: 'approve', csrf: bobCsrf }, bob);
    expect(second.status).toBe(200);
    expect(second.body).toContain('Approved. The response continues.');
    expect(tasks.calls).toEqual([
      { kind: 'succeed', token, output: { approved_by: [ALICE, BOB], approval_id: requested.approvalId } },
    ]);
    const decided = await store.get(requested.approvalId);
    expect(decided).toMatchObject({ status: 'approved', decided_at: START + 61_000 });
    expect(await store.listPending(clock.now)).toEqual([]);

    // ── the same POST replayed: already decided, no second task call
    const replay = await post(`${path}/decision`, { decision: 'approve', csrf: bobCsrf }, bob);
    expect(replay.status).toBe(409);
    expect(replay.body).toContain('This request was already decided; your answer changed nothing.');
    expect(tasks.calls).toHaveLength(1);

    // ── a tampered link: 403 on GET and POST, without a store call
    store.calls.length = 0;
    const [id, expiry, sig] = requested.link.split('.') as [string, string, string];
    const tampered = `/approvals/${id}.${(Number.parseInt(expiry, 36) + 3_600_000).toString(36)}.${sig}`;
    const tamperedGet = await get(tampered, bob);
    expect(tamperedGet.status).toBe(403);
    expect(tamperedGet.body).toContain('This approval link is not valid');
    expect((await post(`${tampered}/decision`, { decision: 'approve', csrf: bobCsrf }, bob)).status).toBe(
      403,
    );
    expect(store.calls).toEqual([]);

    // ── a redelivered request for the same token: same id, no second email
    const redelivered = await requestApproval(
      { plan, incidentTitle: 'Leaked CI key used from 198.51.100.9', taskToken: token },
      requestDeps(),
    );
    expect(redelivered).toEqual({ ...requested, created: false });
    expect(mailer.sent).toHaveLength(1);
  });

  it('refuses an expired link with 410 and answers no task', async () => {
    const plan = planFor('inc-expiry', 1, clock.now);
    const requested = await requestApproval(
      { plan, incidentTitle: 'Short-lived', taskToken: tokenFor('expiry') },
      requestDeps(60),
    );
    const path = `/approvals/${requested.link}`;
    const carol = await signIn(CAROL);
    const csrf = await csrfFor(path, carol);
    clock.now += 60_000;
    store.calls.length = 0;
    const page = await get(path, carol);
    expect(page.status).toBe(410);
    expect(page.body).toContain('This approval link has expired');
    expect((await post(`${path}/decision`, { decision: 'approve', csrf }, carol)).status).toBe(410);
    expect(store.calls).toEqual([]);
    // Even a fresh, validly signed link cannot approve past the stored expiry: the store refuses.
    expect(await store.approve(requested.approvalId, CAROL, clock.now)).toMatchObject({
      outcome: 'refused',
      reason: 'expired',
    });
    expect(tasks.calls).toHaveLength(1);
  });

  it('rejects: the task fails once with Vigil.ApprovalRejected', async () => {
    const plan = planFor('inc-reject', 2, clock.now);
    const token = tokenFor('reject');
    const requested = await requestApproval(
      { plan, incidentTitle: 'Suspicious but known', taskToken: token },
      requestDeps(),
    );
    const path = `/approvals/${requested.link}`;
    const carol = await signIn(CAROL);
    const csrf = await csrfFor(path, carol);
    const out = await post(
      `${path}/decision`,
      { decision: 'reject', csrf, reason: 'the deploy key rotation, planned' },
      carol,
    );
    expect(out.status).toBe(200);
    expect(out.body).toContain('Rejected. Nothing will run.');
    expect(tasks.calls.slice(1)).toEqual([
      {
        kind: 'fail',
        token,
        error: APPROVAL_REJECTED,
        cause: `rejected by ${CAROL}: the deploy key rotation, planned`,
      },
    ]);
    expect(await store.get(requested.approvalId)).toMatchObject({
      status: 'rejected',
      rejected_by: CAROL,
      reason: 'the deploy key rotation, planned',
    });

    const replay = await post(`${path}/decision`, { decision: 'reject', csrf, reason: 'again' }, carol);
    expect(replay.status).toBe(409);
    expect(tasks.calls).toHaveLength(2);
  });

  it('leaves exactly the expected audit trail, with no task token or link in it', async () => {
    const events = async (incident: string) =>
      (await audit.list(incident)).map((e) => [e.event, e.actor] as const);
    expect(await events('inc-flow')).toEqual([
      ['approval_requested', 'vigil'],
      ['approval_recorded', ALICE],
      ['approval_recorded', BOB],
      ['approved', BOB],
    ]);
    expect(await events('inc-expiry')).toEqual([['approval_requested', 'vigil']]);
    expect(await events('inc-reject')).toEqual([
      ['approval_requested', 'vigil'],
      ['rejected', CAROL],
    ]);
    const items = await auditItems();
    expect(items).toHaveLength(7);
    const trail = JSON.stringify(items);
    expect(trail).not.toContain('AQCEAAAAKgAAAAMAAAAA');
    expect(trail).not.toContain('/approvals/');
    for (const { raw } of mailer.sent) {
      const url = approvalLinkIn(raw)!;
      const signature = url.split('.').at(-1)!;
      expect(trail).not.toContain(signature);
    }
    // The request table keeps the token sealed only.
    expect(JSON.stringify(await table.scanAll())).not.toContain('AQCEAAAAKgAAAAMAAAAA');
  });
});
