/**
 * Issue #5, acceptance 1: the state machine CDK synthesizes, run locally (aws-local-stepfunctions)
 * with every Task bound to the same step functions the Lambda handlers wrap, every store on
 * DynamoDB Local, approvals answered through the console app, and the AWS account faked at the
 * SDK boundary (aws-sdk-client-mock) so actions really apply and converge.
 *
 * The incident is the demo story's: a leaked CI access key. Its narrative recommends deactivating
 * the key, quarantining the user (destructive: two approvers) and blocking the attacker's address.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleApp } from '../../console/app.ts';
import { devAuthenticator } from '../../console/auth.ts';
import { localDetection } from '../../local/detection-runtime.ts';
import { latestApprovalLink } from '../../local/outbox-mailer.ts';
import { runPipeline } from '../../local/replay.ts';
import { localResponseRuntime } from '../../local/response-runtime.ts';
import {
  ATTACKER_IP,
  attackStory,
  LEAKED_KEY,
  LEAKED_USER,
  STORY_ACCOUNT,
} from '../../local/story/attack-story.ts';
import { DEFAULT_POLICY } from '../../shared/correlate/policy.ts';
import { defaultEnricher } from '../../shared/enrich/index.ts';
import { normalise } from '../../shared/normalise/index.ts';
import type { AuditEntry } from '../../shared/respond/ports.ts';
import { aesTokenSealer } from '../../shared/respond/token-sealer.ts';
import { dynamoCorrelationStore } from '../../shared/store/dynamo-correlation-store.ts';
import { dynamoUndoStore } from '../../shared/store/dynamo-response-store.ts';
import { createTestAuditTable, type TestAuditTable } from '../support/audit-table.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';
import { fakeAwsAccount } from '../support/fake-aws-account.ts';

const CONSOLE_URL = 'http://127.0.0.1:8787';
const CODE = 'dev-code-state-machine';
const USER_ARN = `arn:aws:iam::${STORY_ACCOUNT}:user/${LEAKED_USER}`;
const WAF = {
  name: 'vigil-blocklist',
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  scope: 'REGIONAL' as const,
};
const BASE_CONFIG = { response: { approvalTimeoutSeconds: 600, actions: { wafIpSets: [WAF] } } };

let incidentId: string;
let storyEvents: ReturnType<typeof normalise>[number] extends infer R
  ? R extends { ok: true; event: infer E }
    ? E[]
    : never
  : never;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  const enrich = defaultEnricher();
  storyEvents = attackStory().flatMap((e) =>
    normalise(e, { enrich, receivedAt: Date.parse('2026-11-23T10:00:00Z') }).flatMap((r) =>
      r.ok ? [r.event] : [],
    ),
  ) as typeof storyEvents;
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A fresh world: tables with the story's incident in them, a fake account, a runtime, a console. */
async function world(config: Record<string, unknown> = BASE_CONFIG) {
  const table: TestTable = await createTestTable('respond-sm');
  const auditTable: TestAuditTable = await createTestAuditTable('respond-sm-audit');
  cleanups.push(
    () => table.drop(),
    () => auditTable.drop(),
  );
  const store = dynamoCorrelationStore({ client: table.client, tableName: table.tableName });
  await runPipeline(storyEvents, {
    store,
    detection: localDetection({ orgAccounts: [STORY_ACCOUNT] }),
    policy: DEFAULT_POLICY,
    batchSize: 25,
  });
  const incidents = await store.listIncidents();
  expect(incidents).toHaveLength(1);
  incidentId = incidents[0]!.id;

  const account = fakeAwsAccount({
    users: {
      [LEAKED_USER]: {
        arn: USER_ARN,
        tags: {},
        keys: { [LEAKED_KEY]: 'Active' },
        policies: {},
        loginProfile: true,
      },
    },
    ipSets: [{ name: WAF.name, id: WAF.id, addresses: ['203.0.113.0/24'], token: 1 }],
  });
  cleanups.push(async () => account.restore());
  const outboxDir = mkdtempSync(join(tmpdir(), 'vigil-outbox-'));
  const linkSecret = randomBytes(32);
  const sealKey = randomBytes(32);
  const runtime = localResponseRuntime({
    client: table.client,
    tableName: table.tableName,
    auditTableName: auditTable.tableName,
    outboxDir,
    consoleUrl: CONSOLE_URL,
    linkSecret,
    sealKey,
    config,
    clients: account.clients,
    approvers: ['alice@example.org', 'bob@example.org'],
  });
  const app = consoleApp({
    consoleUrl: CONSOLE_URL,
    secret: randomBytes(32),
    auth: devAuthenticator({
      secret: randomBytes(32),
      code: CODE,
      consoleUrl: CONSOLE_URL,
      now: () => Date.now(),
    }),
    approvals: {
      store: runtime.approvals,
      audit: runtime.audit,
      sealer: aesTokenSealer(sealKey),
      tasks: runtime.tokens,
      linkSecret,
    },
  });

  const post = async (path: string, fields: Record<string, string>, cookie?: string) =>
    app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: CONSOLE_URL,
        ...(cookie ? { cookie } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });
  const signIn = async (email: string) => {
    const res = await post('/signin', { email, code: CODE, next: '/approvals' });
    expect(res.status).toBe(303);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  };
  /** Opens the emailed link as `who` and presses a button, as an analyst would. */
  const decide = async (who: string, decision: 'approve' | 'reject', path?: string) => {
    const url = path ?? new URL((await latestApprovalLink(outboxDir))!).pathname;
    const cookie = await signIn(who);
    const page = await app.request(url, { headers: { cookie } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? 'none';
    const send = async () => {
      const res = await post(`${url}/decision`, { csrf, decision, reason: `${decision} by test` }, cookie);
      return { status: res.status, body: await res.text() };
    };
    const first = await send();
    /** The very same POST again (same session, same CSRF token): a replayed request. */
    return { ...first, url, pageStatus: page.status, replay: send };
  };
  const auditOf = async (): Promise<AuditEntry[]> => runtime.audit.list(incidentId);
  const events = async () =>
    (await auditOf()).map((e) => `${e.event}${e.action_key ? ` ${e.action_key.split(':')[0]}` : ''}`);
  const undo = dynamoUndoStore({ client: table.client, tableName: table.tableName });
  return { runtime, account, decide, auditOf, events, outboxDir, undo, app };
}

type Summary = {
  conclusion: string;
  counts: Record<string, number>;
  results: { action: string; status: string; verified?: boolean; reasons?: string[] }[];
};
const summaryOf = (out: unknown) => (out as { summary: Summary }).summary;

describe('response state machine, run locally from the synthesized definition', () => {
  it('approval by two analysts → actions converge → verified → audited and notified', async () => {
    const w = await world();
    const run = w.runtime.start(incidentId);
    await run.waitingForApproval;
    expect(w.account.effects).toEqual([]);

    const first = await w.decide('alice@example.org', 'approve');
    expect(first.status).toBe(200);
    expect(first.body).toMatch(/1 of 2/);
    // One approval of two: the execution still waits and nothing has changed in the account.
    expect(w.account.effects).toEqual([]);
    const again = await w.decide('alice@example.org', 'approve', first.url);
    expect(again.status).toBe(409);

    const second = await w.decide('bob@example.org', 'approve', first.url);
    expect(second.status).toBe(200);
    const summary = summaryOf(await run.result);
    expect(summary.conclusion).toBe('completed');
    expect(summary.results.map((r) => [r.action, r.status, r.verified])).toEqual([
      ['deactivate_access_key', 'applied', true],
      ['quarantine_iam_user', 'applied', true],
      ['block_ip', 'applied', true],
    ]);
    expect(w.account.effects).toEqual([
      'UpdateAccessKey',
      'PutUserPolicy',
      'DeleteLoginProfile',
      'UpdateIPSet',
    ]);
    expect(w.account.state.users[LEAKED_USER]!.keys[LEAKED_KEY]).toBe('Inactive');
    expect(w.account.state.ipSets[0]!.addresses).toContain(`${ATTACKER_IP}/32`);
    expect(await w.events()).toEqual(
      expect.arrayContaining([
        'planned',
        'approval_requested',
        'approval_recorded',
        'approved',
        'applied deactivate_access_key',
        'applied quarantine_iam_user',
        'applied block_ip',
        'verified deactivate_access_key',
        'verified quarantine_iam_user',
        'verified block_ip',
      ]),
    );
    // The plan is audited with the evidence each recommendation cited.
    const planned = (await w.auditOf()).find((e) => e.event === 'planned')!;
    const plannedActions = planned.details.actions as { action: string; evidence: string[] }[];
    expect(plannedActions.map((a) => a.action)).toEqual([
      'deactivate_access_key',
      'quarantine_iam_user',
      'block_ip',
    ]);
    for (const a of plannedActions) expect(a.evidence.length).toBeGreaterThan(0);
    const approvers = (await w.auditOf()).filter((e) => e.event === 'approval_recorded').map((e) => e.actor);
    expect(approvers.sort()).toEqual(['alice@example.org', 'bob@example.org']);
    // Undo records were written before the changes and hold the state before them.
    const undo = await w.undo.get((await w.auditOf())[0]!.plan_id, `deactivate_access_key:${LEAKED_KEY}`);
    expect(undo?.before).toMatchObject({ status: 'Active' });
    // An approval email, then the outcome email.
    expect(readdirSync(w.outboxDir).filter((f) => f.endsWith('.eml'))).toHaveLength(2);

    // The link was single use: the same POST again changes nothing.
    const replay = await second.replay();
    expect(replay.status).toBe(409);
    expect(replay.body).toMatch(/already/i);
    expect(w.account.effects).toHaveLength(4);
  });

  it('rejection: no action runs, the rejection is audited', async () => {
    const w = await world();
    const run = w.runtime.start(incidentId);
    await run.waitingForApproval;
    const res = await w.decide('alice@example.org', 'reject');
    expect(res.status).toBe(200);
    const summary = summaryOf(await run.result);
    expect(summary.conclusion).toBe('rejected');
    expect(summary.results).toEqual([]);
    expect(w.account.effects).toEqual([]);
    expect(await w.events()).toEqual(expect.arrayContaining(['rejected']));
  });

  it('timeout: no decision before TimeoutSeconds means no action; a late decision finds the task gone', async () => {
    const w = await world({ response: { ...BASE_CONFIG.response, approvalTimeoutSeconds: 1 } });
    const run = w.runtime.start(incidentId);
    await run.waitingForApproval;
    const summary = summaryOf(await run.result);
    expect(summary.conclusion).toBe('timed_out');
    expect(w.account.effects).toEqual([]);
    expect(await w.events()).toEqual(expect.arrayContaining(['timed_out']));
    const late = await w.decide('alice@example.org', 'approve');
    // The link expired with the task: a clear page, and the decision form is gone.
    expect(late.pageStatus).toBe(410);
    expect(late.status).toBe(403);
    expect(w.account.effects).toEqual([]);
  });

  it('a tampered link is refused and the execution keeps waiting', async () => {
    const w = await world();
    const run = w.runtime.start(incidentId);
    await run.waitingForApproval;
    const url = new URL((await latestApprovalLink(w.outboxDir))!).pathname;
    const last = url.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${url.slice(0, -2)}${last}${url.at(-1)}`;
    const res = await w.decide('alice@example.org', 'approve', tampered);
    expect(res.status).toBe(403);
    expect(w.account.effects).toEqual([]);
    expect((await w.auditOf()).some((e) => e.event === 'approval_recorded')).toBe(false);
    await w.decide('alice@example.org', 'reject', url);
    expect(summaryOf(await run.result).conclusion).toBe('rejected');
  });

  it('a protected principal is never a target: its actions are blocked with the reason, the rest may run', async () => {
    const w = await world({ response: { ...BASE_CONFIG.response, protectedPrincipals: [LEAKED_USER] } });
    const run = w.runtime.start(incidentId);
    await run.waitingForApproval;
    // Only block_ip is left, which needs one approver.
    await w.decide('alice@example.org', 'approve');
    const summary = summaryOf(await run.result);
    expect(summary.results.map((r) => r.action)).toEqual(['block_ip']);
    expect(w.account.effects).toEqual(['UpdateIPSet']);
    const blocked = (await w.auditOf()).filter((e) => e.event === 'blocked');
    expect(blocked.map((e) => e.action_key?.split(':')[0]).sort()).toEqual([
      'deactivate_access_key',
      'quarantine_iam_user',
    ]);
    for (const b of blocked)
      expect((b.details as { reasons: string[] }).reasons).toContain(
        `${LEAKED_USER} is a configured protected (break-glass) principal`,
      );
  });

  it('budget exceeded: the incident may take one action, the others are blocked at run time', async () => {
    const w = await world({
      response: { ...BASE_CONFIG.response, budgets: { perIncident: 1, perHour: 20 } },
    });
    const run = w.runtime.start(incidentId);
    await run.waitingForApproval;
    await w.decide('alice@example.org', 'approve');
    await w.decide('bob@example.org', 'approve');
    const summary = summaryOf(await run.result);
    expect(summary.results.map((r) => r.status)).toEqual(['applied', 'blocked', 'blocked']);
    expect(summary.results[1]!.reasons).toEqual(["the incident's action budget (1) is spent"]);
    expect(w.account.effects).toEqual(['UpdateAccessKey']);
  });

  it('kill switch: engaged while the approval waits, it stops every action after approval', async () => {
    const w = await world();
    const run = w.runtime.start(incidentId);
    await run.waitingForApproval;
    await w.runtime.killSwitch.set(true, 'incident-commander@example.org', 'change freeze', Date.now());
    await w.decide('alice@example.org', 'approve');
    await w.decide('bob@example.org', 'approve');
    const summary = summaryOf(await run.result);
    expect(summary.results.every((r) => r.status === 'blocked')).toBe(true);
    expect(summary.results[0]!.reasons?.[0]).toMatch(/kill switch/);
    expect(w.account.effects).toEqual([]);
    // Engaged before an execution starts, the guard stops it before any approval is asked.
    const second = w.runtime.start(incidentId);
    expect(summaryOf(await second.result).conclusion).toBe('no_action');
  });

  it('a failure mid-action, then a re-run: the re-run converges without repeating any effect', async () => {
    const w = await world();
    // Not transient: the state's Retry does not hide it; the action ends failed after its first change.
    w.account.failOnce(
      'DeleteLoginProfile',
      Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    const first = w.runtime.start(incidentId);
    await first.waitingForApproval;
    await w.decide('alice@example.org', 'approve');
    await w.decide('bob@example.org', 'approve');
    const one = summaryOf(await first.result);
    expect(one.results.map((r) => r.status)).toEqual(['applied', 'failed', 'applied']);
    expect(w.account.effects).toEqual(['UpdateAccessKey', 'PutUserPolicy', 'UpdateIPSet']);

    const second = w.runtime.start(incidentId);
    await second.waitingForApproval;
    await w.decide('alice@example.org', 'approve');
    await w.decide('bob@example.org', 'approve');
    const two = summaryOf(await second.result);
    expect(two.results.map((r) => [r.action, r.status, r.verified])).toEqual([
      ['deactivate_access_key', 'already_converged', true],
      ['quarantine_iam_user', 'applied', true],
      ['block_ip', 'already_converged', true],
    ]);
    // Both approval rounds and both runs' outcomes are in the audit trail, each as its own entry.
    const trail = await w.auditOf();
    expect(trail.filter((e) => e.event === 'approval_recorded')).toHaveLength(4);
    expect(trail.filter((e) => e.event === 'approved')).toHaveLength(2);
    expect(
      trail.filter(
        (e) => e.event === 'already_converged' && e.action_key?.startsWith('deactivate_access_key'),
      ),
    ).toHaveLength(1);
    expect(
      trail.filter((e) => e.event === 'verified' && e.action_key?.startsWith('quarantine_iam_user')),
    ).toHaveLength(1);
    // Each effect happened exactly once across both runs; the re-run only finished the quarantine.
    expect(w.account.effects).toEqual([
      'UpdateAccessKey',
      'PutUserPolicy',
      'UpdateIPSet',
      'DeleteLoginProfile',
    ]);
    // The undo record kept the state from before the first run: a console password existed.
    const planId = (await w.auditOf())[0]!.plan_id;
    const undo = await w.undo.get(planId, `quarantine_iam_user:${USER_ARN}`);
    expect(undo?.before).toMatchObject({ login_profile: true });
  });
});

afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
});
