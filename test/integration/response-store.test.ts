import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../functions/lib/aws-clients.ts';
import { localDynamoClientConfig } from '../../local/dynamodb-local.ts';
import { describeError, TransientError, ValidationError } from '../../shared/errors.ts';
import type { ApprovalRequest, AuditEntry, DecisionResult } from '../../shared/respond/ports.ts';
import type { ResponsePlan, UndoRecord } from '../../shared/respond/types.ts';
import { auditSortKey, dynamoAuditLog } from '../../shared/store/dynamo-audit-log.ts';
import {
  dynamoApprovalStore,
  dynamoBudgetStore,
  dynamoKillSwitch,
  dynamoUndoStore,
} from '../../shared/store/dynamo-response-store.ts';
import { createTestAuditTable, type TestAuditTable } from '../support/audit-table.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';

const NOW = Date.parse('2026-11-23T10:15:00.000Z');
const HOUR_MS = 3_600_000;
const DAY_SECONDS = 86_400;

const id = () => randomBytes(16).toString('base64url');

/** A client whose endpoint refuses connections, to see how each adapter reports an outage. */
async function unreachableClient(): Promise<DynamoDBDocumentClient> {
  const closedPort = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  return documentClient({ ...localDynamoClientConfig(`http://127.0.0.1:${closedPort}`), maxAttempts: 1 });
}

const byPk = (items: Record<string, unknown>[], pk: string) => items.filter((i) => i.pk === pk);

describe('DynamoDB budget store', () => {
  let table: TestTable;
  let budgets: ReturnType<typeof dynamoBudgetStore>;

  beforeAll(async () => {
    table = await createTestTable('response-budget');
    budgets = dynamoBudgetStore({ client: table.client, tableName: table.tableName });
  });
  afterAll(() => table.drop());

  const reservation = (over: Partial<Parameters<typeof budgets.reserve>[0]> = {}) => ({
    plan_id: `inc-${id()}#1`,
    key: 'deactivate_access_key:AKIAEXAMPLE',
    incident_id: `inc-${id()}`,
    now: NOW,
    maxPerIncident: 5,
    maxPerHour: 1000,
    ...over,
  });

  it('takes one slot from the incident and the hour in one transaction, with TTLs', async () => {
    const r = reservation();
    expect(await budgets.reserve(r)).toEqual({ ok: true });

    const items = await table.scanAll();
    expect(byPk(items, `RESPONSE_BUDGET#${r.plan_id}`)).toEqual([
      expect.objectContaining({ sk: r.key, incident_id: r.incident_id, hour: '2026-11-23T10' }),
    ]);
    const [incident] = byPk(items, `BUDGET#INCIDENT#${r.incident_id}`);
    expect(incident).toMatchObject({ sk: 'COUNT', n: 1, expires_at: NOW / 1000 + 90 * DAY_SECONDS });
    const [hour] = byPk(items, 'BUDGET#HOUR#2026-11-23T10');
    expect(hour?.sk).toBe('COUNT');
    expect(hour?.expires_at).toBe(Date.parse('2026-11-23T11:00:00Z') / 1000 + 2 * DAY_SECONDS);
  });

  it('counts a (plan, key) once: re-runs, sequential or concurrent, succeed without counting again', async () => {
    const r = reservation();
    expect(await budgets.reserve(r)).toEqual({ ok: true });
    const again = await Promise.all(
      Array.from({ length: 6 }, (_, i) => budgets.reserve({ ...r, now: NOW + i * 60_000 })),
    );
    expect(again).toEqual(Array.from({ length: 6 }, () => ({ ok: true })));

    const items = await table.scanAll();
    expect(byPk(items, `BUDGET#INCIDENT#${r.incident_id}`)[0]?.n).toBe(1);
    expect(byPk(items, `RESPONSE_BUDGET#${r.plan_id}`)).toHaveLength(1);
  });

  it('lets exactly 5 of 20 parallel reservations for different keys through a budget of 5', async () => {
    const base = reservation();
    const keys = Array.from(
      { length: 20 },
      (_, i) => `isolate_ec2_instance:i-${String(i).padStart(17, '0')}`,
    );
    const results = await Promise.all(keys.map((key) => budgets.reserve({ ...base, key })));

    const granted = keys.filter((_, i) => results[i]?.ok);
    expect(granted).toHaveLength(5);
    expect(results.filter((r) => !r.ok)).toEqual(
      Array.from({ length: 15 }, () => ({ ok: false, reason: "the incident's action budget (5) is spent" })),
    );
    const items = await table.scanAll();
    expect(byPk(items, `BUDGET#INCIDENT#${base.incident_id}`)[0]?.n).toBe(5);
    // The reservations are exactly the keys that were told yes: no slot taken without an answer.
    expect(
      byPk(items, `RESPONSE_BUDGET#${base.plan_id}`)
        .map((i) => i.sk)
        .sort(),
    ).toEqual(granted.sort());
  });

  it('keeps a granted reservation valid once the budget is spent, and a refusal counts nothing', async () => {
    const base = reservation({ maxPerIncident: 1 });
    const first = { ...base, key: 'deactivate_access_key:AKIAFIRST' };
    const second = { ...base, key: 'deactivate_access_key:AKIASECOND' };
    expect(await budgets.reserve(first)).toEqual({ ok: true });
    expect(await budgets.reserve(second)).toEqual({
      ok: false,
      reason: "the incident's action budget (1) is spent",
    });
    expect(await budgets.reserve(first)).toEqual({ ok: true });
    expect((await budgets.reserve(second)).ok).toBe(false);

    const items = await table.scanAll();
    expect(byPk(items, `BUDGET#INCIDENT#${base.incident_id}`)[0]?.n).toBe(1);
    expect(byPk(items, `RESPONSE_BUDGET#${base.plan_id}`).map((i) => i.sk)).toEqual([first.key]);
  });

  it('shares the hourly budget across incidents and starts afresh the next hour', async () => {
    const at = Date.parse('2026-11-24T07:59:59.999Z');
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await budgets.reserve(reservation({ now: at, maxPerHour: 3 })));
    expect(results.slice(0, 3)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(results[3]).toEqual({
      ok: false,
      reason: 'the hourly action budget (3) is spent for 2026-11-24T07:00 UTC',
    });

    expect(await budgets.reserve(reservation({ now: at + 1, maxPerHour: 3 }))).toEqual({ ok: true });
    const items = await table.scanAll();
    expect(byPk(items, 'BUDGET#HOUR#2026-11-24T07')[0]?.n).toBe(3);
    expect(byPk(items, 'BUDGET#HOUR#2026-11-24T08')[0]?.n).toBe(1);
  });

  it('refuses a budget below one without writing anything', async () => {
    const r = reservation({ maxPerIncident: 0 });
    expect(await budgets.reserve(r)).toEqual({
      ok: false,
      reason: "the incident's action budget (0) is spent",
    });
    expect(byPk(await table.scanAll(), `BUDGET#INCIDENT#${r.incident_id}`)).toEqual([]);
  });

  /**
   * DynamoDB Local runs transactions one at a time, so it never reports TransactionConflict; the
   * cancellation AWS returns under contention is injected at the SDK boundary.
   */
  function conflictingClient(conflicts: number, codes = ['None', 'TransactionConflict', 'None']) {
    let calls = 0;
    const client = {
      send: async (command: unknown) => {
        if (command instanceof TransactWriteCommand && calls++ < conflicts) {
          const e = new Error(
            'Transaction cancelled, please refer cancellation reasons for specific reasons',
          );
          Object.assign(e, {
            name: 'TransactionCanceledException',
            CancellationReasons: codes.map((Code) => ({ Code })),
            $metadata: { httpStatusCode: 400 },
          });
          throw e;
        }
        return table.client.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    return { client, calls: () => calls };
  }

  it('retries a transaction that conflicted, with capped jittered backoff, and then counts once', async () => {
    const { client, calls } = conflictingClient(2, ['TransactionConflict', 'ConditionalCheckFailed', 'None']);
    const delays: number[] = [];
    const store = dynamoBudgetStore({
      client,
      tableName: table.tableName,
      retry: { sleep: async (ms) => void delays.push(ms), random: () => 0.999, baseDelayMs: 100 },
    });
    const r = reservation();
    // A conflict on the reservation itself is never read as a refusal, even next to a full counter.
    expect(await store.reserve(r)).toEqual({ ok: true });
    expect(calls()).toBe(3);
    expect(delays).toEqual([99, 199]);
    expect(byPk(await table.scanAll(), `BUDGET#INCIDENT#${r.incident_id}`)[0]?.n).toBe(1);
  });

  it('gives up on a transaction that keeps conflicting as a TransientError', async () => {
    const { client, calls } = conflictingClient(Number.POSITIVE_INFINITY);
    const store = dynamoBudgetStore({
      client,
      tableName: table.tableName,
      retry: { sleep: async () => undefined, maxAttempts: 3 },
    });
    const error = await store.reserve(reservation()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).context).toMatchObject({
      cancellation: 'TransactionConflict',
      attempts: 3,
    });
    expect(calls()).toBe(3);
  });

  it('reports an unreachable DynamoDB as a TransientError', async () => {
    const client = await unreachableClient();
    const store = dynamoBudgetStore({ client, tableName: table.tableName });
    await expect(store.reserve(reservation())).rejects.toBeInstanceOf(TransientError);
    client.destroy();
  });
});

describe('DynamoDB kill switch', () => {
  let table: TestTable;
  let killSwitch: ReturnType<typeof dynamoKillSwitch>;

  beforeAll(async () => {
    table = await createTestTable('response-kill-switch');
    killSwitch = dynamoKillSwitch({ client: table.client, tableName: table.tableName });
  });
  afterAll(() => table.drop());

  const stateItem = async () =>
    (await table.scanAll()).find((i) => i.pk === 'CONFIG#KILL_SWITCH' && i.sk === 'STATE');

  it('is not engaged when it has never been set', async () => {
    expect(await killSwitch.engaged()).toBe(false);
  });

  it('engages and disengages, each time keeping who flipped it, why and when', async () => {
    await killSwitch.set(true, 'alice@example.com', 'credential leak drill', NOW);
    expect(await killSwitch.engaged()).toBe(true);
    expect(await stateItem()).toMatchObject({
      engaged: true,
      by: 'alice@example.com',
      reason: 'credential leak drill',
      at: NOW,
    });

    await killSwitch.set(false, 'bob@example.com', 'drill over', NOW + 60_000);
    expect(await killSwitch.engaged()).toBe(false);
    expect(await stateItem()).toMatchObject({
      engaged: false,
      by: 'bob@example.com',
      reason: 'drill over',
      at: NOW + 60_000,
    });
    expect((await stateItem())?.expires_at).toBeUndefined();
  });

  it('throws on a state it cannot read, so the guard fails closed', async () => {
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { pk: 'CONFIG#KILL_SWITCH', sk: 'STATE', engaged: 'yes' },
      }),
    );
    await expect(killSwitch.engaged()).rejects.toBeInstanceOf(ValidationError);
    await killSwitch.set(false, 'bob@example.com', 'repaired', NOW);

    const client = await unreachableClient();
    await expect(dynamoKillSwitch({ client, tableName: table.tableName }).engaged()).rejects.toBeInstanceOf(
      TransientError,
    );
    client.destroy();
  });
});

function plan(incidentId: string): ResponsePlan {
  return {
    id: `${incidentId}#2`,
    incident_id: incidentId,
    playbook: 'deactivate_access_key',
    mode: 'approve',
    actions: [
      {
        key: 'deactivate_access_key:AKIAIOSFODNN7EXAMPLE',
        action: 'deactivate_access_key',
        target: { type: 'access_key', id: 'AKIAIOSFODNN7EXAMPLE', account: '123456789012' },
        mode: 'approve',
        destructive: false,
      },
      {
        key: 'isolate_ec2_instance:i-0123456789abcdef0',
        action: 'isolate_ec2_instance',
        target: { type: 'resource', id: 'i-0123456789abcdef0', account: '123456789012', region: 'eu-west-1' },
        mode: 'approve',
        destructive: true,
      },
    ],
    blocked: [
      {
        key: 'quarantine_iam_user:arn:aws:iam::123456789012:user/break-glass',
        action: 'quarantine_iam_user',
        target: { type: 'principal', id: 'arn:aws:iam::123456789012:user/break-glass' },
        reasons: ['the principal is protected', 'the target could not be inspected'],
      },
    ],
    approvals_required: 2,
    created_at: NOW - 5_000,
  };
}

function approvalRequest(over: Partial<ApprovalRequest> = {}): ApprovalRequest {
  const incidentId = `inc-${id()}`;
  const p = plan(incidentId);
  return {
    id: id(),
    plan_id: p.id,
    incident_id: incidentId,
    plan: p,
    incident_title: 'Access key used from 203[.]0[.]113[.]7 after a console login from a new country',
    sealed_token: `SEALED-${randomBytes(48).toString('base64url')}`,
    required: 2,
    approvers: [],
    status: 'pending',
    created_at: NOW,
    expires_at: NOW + 24 * HOUR_MS,
    ...over,
  };
}

const outcomes = (results: DecisionResult[]) => results.map((r) => r.outcome).sort();

describe('DynamoDB approval store', () => {
  let table: TestTable;
  let approvals: ReturnType<typeof dynamoApprovalStore>;

  beforeAll(async () => {
    table = await createTestTable('response-approvals');
    approvals = dynamoApprovalStore({ client: table.client, tableName: table.tableName });
  });
  afterAll(() => table.drop());

  const item = async (requestId: string) =>
    (await table.scanAll()).find((i) => i.pk === `APPROVAL#${requestId}` && i.sk === 'META');

  it('stores a request and reads it back exactly, indexed as pending, kept a week past its link', async () => {
    const request = approvalRequest({ plan: { ...plan('inc-x'), playbook: null } });
    expect(await approvals.create(request)).toStrictEqual(request);
    expect(await approvals.get(request.id)).toStrictEqual(request);

    const stored = await item(request.id);
    expect(stored).toMatchObject({
      gsi1pk: 'APPROVAL_PENDING',
      gsi1sk: `00${NOW}#${request.id}`,
      expires_at: request.expires_at / 1000 + 7 * DAY_SECONDS,
      expires_at_ms: request.expires_at,
      approvals_missing: 2,
    });
    expect(await approvals.get(id())).toBeUndefined();
  });

  it('keeps the first request when the same id is created again', async () => {
    const request = approvalRequest();
    await approvals.create(request);
    const redelivered = { ...request, sealed_token: 'SEALED-other', incident_title: 'changed' };
    expect(await approvals.create(redelivered)).toStrictEqual(request);
    expect(await approvals.get(request.id)).toStrictEqual(request);
  });

  it('records the first of two approvers and approves with the second, in one update each', async () => {
    const request = approvalRequest({ required: 2 });
    await approvals.create(request);

    const first = await approvals.approve(request.id, 'alice@example.com', NOW + 1_000);
    expect(first).toMatchObject({ outcome: 'recorded', request: { status: 'pending' } });
    expect(first.outcome === 'recorded' && first.request.approvers).toEqual([
      { who: 'alice@example.com', at: NOW + 1_000 },
    ]);
    const second = await approvals.approve(request.id, 'bob@example.com', NOW + 2_000);
    expect(second).toEqual({
      outcome: 'approved',
      request: {
        ...request,
        status: 'approved',
        decided_at: NOW + 2_000,
        approvers: [
          { who: 'alice@example.com', at: NOW + 1_000 },
          { who: 'bob@example.com', at: NOW + 2_000 },
        ],
      },
    });
    const stored = await item(request.id);
    expect(stored?.gsi1pk).toBeUndefined();
    expect(stored?.gsi1sk).toBeUndefined();
    expect(stored?.approver_ids).toEqual(new Set(['alice@example.com', 'bob@example.com']));
  });

  it('lets two analysts approving a 2-approver request at once both count, exactly one deciding', async () => {
    for (let round = 0; round < 5; round++) {
      const request = approvalRequest({ required: 2 });
      await approvals.create(request);
      const results = await Promise.all([
        approvals.approve(request.id, 'alice@example.com', NOW + 1_000),
        approvals.approve(request.id, 'bob@example.com', NOW + 1_000),
      ]);
      expect(outcomes(results)).toEqual(['approved', 'recorded']);
      const final = await approvals.get(request.id);
      expect(final?.status).toBe('approved');
      expect(final?.approvers.map((a) => a.who).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    }
  });

  it('refuses a second approval by the same analyst, sequential or concurrent', async () => {
    const request = approvalRequest({ required: 2 });
    await approvals.create(request);
    await approvals.approve(request.id, 'alice@example.com', NOW + 1_000);
    const again = await approvals.approve(request.id, 'alice@example.com', NOW + 2_000);
    expect(again).toMatchObject({
      outcome: 'refused',
      reason: 'same_approver',
      request: { status: 'pending' },
    });
    expect((await approvals.get(request.id))?.approvers).toHaveLength(1);

    const racing = approvalRequest({ required: 2 });
    await approvals.create(racing);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => approvals.approve(racing.id, 'carol@example.com', NOW + 1_000)),
    );
    expect(results.filter((r) => r.outcome === 'recorded')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'refused' && r.reason === 'same_approver')).toHaveLength(3);
    expect(await approvals.get(racing.id)).toMatchObject({
      status: 'pending',
      approvers: [{ who: 'carol@example.com' }],
    });
  });

  it('approves a 1-approver request exactly once among 30 parallel approvers; the rest are told it is decided', async () => {
    const request = approvalRequest({ required: 1 });
    await approvals.create(request);
    const people = Array.from({ length: 30 }, (_, i) => `analyst-${i}@example.com`);
    const results = await Promise.all(people.map((who) => approvals.approve(request.id, who, NOW + 1_000)));

    const approved = results.filter((r) => r.outcome === 'approved');
    expect(approved).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'refused' && r.reason === 'decided')).toHaveLength(29);
    const final = await approvals.get(request.id);
    expect(final?.status).toBe('approved');
    expect(final?.approvers).toHaveLength(1);
    expect(final?.approvers[0]?.who).toBe(
      approved[0]?.outcome === 'approved' && approved[0].request.approvers[0]?.who,
    );
  });

  it('needs every one of three approvers, and refuses a fourth as decided', async () => {
    const request = approvalRequest({ required: 3 });
    await approvals.create(request);
    const results = [];
    for (const who of ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'])
      results.push(await approvals.approve(request.id, who, NOW + 1_000));
    expect(results.map((r) => r.outcome)).toEqual(['recorded', 'recorded', 'approved', 'refused']);
    expect(results[3]).toMatchObject({ reason: 'decided', request: { status: 'approved' } });
  });

  it('rejects a pending request once, and refuses approvals and rejections after a decision', async () => {
    const request = approvalRequest({ required: 2 });
    await approvals.create(request);
    await approvals.approve(request.id, 'alice@example.com', NOW + 1_000);
    const rejected = await approvals.reject(
      request.id,
      'bob@example.com',
      'the key is a build robot',
      NOW + 2_000,
    );
    expect(rejected).toEqual({
      outcome: 'rejected',
      request: {
        ...request,
        approvers: [{ who: 'alice@example.com', at: NOW + 1_000 }],
        status: 'rejected',
        rejected_by: 'bob@example.com',
        reason: 'the key is a build robot',
        decided_at: NOW + 2_000,
      },
    });
    expect((await item(request.id))?.gsi1pk).toBeUndefined();
    expect(await approvals.approve(request.id, 'carol@example.com', NOW + 3_000)).toMatchObject({
      outcome: 'refused',
      reason: 'decided',
      request: { status: 'rejected' },
    });
    expect(await approvals.reject(request.id, 'carol@example.com', 'again', NOW + 3_000)).toMatchObject({
      outcome: 'refused',
      reason: 'decided',
    });

    const approved = approvalRequest({ required: 1 });
    await approvals.create(approved);
    await approvals.approve(approved.id, 'alice@example.com', NOW + 1_000);
    const late = await approvals.reject(approved.id, 'bob@example.com', 'too late', NOW + 2_000);
    expect(late).toMatchObject({ outcome: 'refused', reason: 'decided', request: { status: 'approved' } });
    expect((await approvals.get(approved.id))?.rejected_by).toBeUndefined();
  });

  it('refuses decisions on an expired link, from the moment it expires', async () => {
    const request = approvalRequest({ required: 1, expires_at: NOW + HOUR_MS });
    await approvals.create(request);
    expect(await approvals.approve(request.id, 'alice@example.com', NOW + HOUR_MS)).toMatchObject({
      outcome: 'refused',
      reason: 'expired',
      request: { status: 'pending' },
    });
    expect(await approvals.reject(request.id, 'alice@example.com', 'late', NOW + 2 * HOUR_MS)).toMatchObject({
      outcome: 'refused',
      reason: 'expired',
    });
    expect((await approvals.get(request.id))?.approvers).toEqual([]);
    expect(await approvals.approve(request.id, 'alice@example.com', NOW + HOUR_MS - 1)).toMatchObject({
      outcome: 'approved',
    });
  });

  it('refuses decisions on a request that does not exist', async () => {
    expect(await approvals.approve(id(), 'alice@example.com', NOW)).toEqual({
      outcome: 'refused',
      reason: 'not_found',
    });
    expect(await approvals.reject(id(), 'alice@example.com', 'no', NOW)).toEqual({
      outcome: 'refused',
      reason: 'not_found',
    });
  });

  it('never puts the sealed token in an error', async () => {
    const request = approvalRequest();
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          pk: `APPROVAL#${request.id}`,
          sk: 'META',
          id: request.id,
          sealed_token: request.sealed_token,
        },
      }),
    );
    const malformed = await approvals.get(request.id).catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(ValidationError);
    const refused = await approvals.approve(request.id, 'alice@example.com', NOW).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);

    const client = await unreachableClient();
    const offline = dynamoApprovalStore({ client, tableName: table.tableName });
    const outage = await offline.create(approvalRequest()).catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(TransientError);
    client.destroy();

    for (const e of [malformed, refused, outage]) {
      const shown = `${describeError(e)} ${JSON.stringify((e as ValidationError).context)}`;
      expect(shown).not.toContain('SEALED-');
    }
  });
});

describe('pending approvals listing', () => {
  let table: TestTable;
  let approvals: ReturnType<typeof dynamoApprovalStore>;

  beforeAll(async () => {
    table = await createTestTable('response-approvals-pending');
    approvals = dynamoApprovalStore({ client: table.client, tableName: table.tableName });
  });
  afterAll(() => table.drop());

  it('lists pending, unexpired requests newest first, across pages', async () => {
    const open = Array.from({ length: 12 }, (_, i) =>
      approvalRequest({ created_at: NOW - i * 60_000, incident_title: 'x'.repeat(100_000) }),
    );
    const expired = approvalRequest({ created_at: NOW + 1, expires_at: NOW + 10 });
    const approved = approvalRequest({ required: 1, created_at: NOW + 2 });
    const rejected = approvalRequest({ created_at: NOW + 3 });
    for (const r of [...[...open].reverse(), expired, approved, rejected]) await approvals.create(r);
    await approvals.approve(approved.id, 'alice@example.com', NOW + 5);
    await approvals.reject(rejected.id, 'alice@example.com', 'benign', NOW + 5);

    const pending = await approvals.listPending(NOW + 100);
    expect(pending.map((r) => r.id)).toEqual(open.map((r) => r.id));
    expect(pending[0]).toStrictEqual(open[0]);
  });
});

function undoRecord(over: Partial<UndoRecord> = {}): UndoRecord {
  return {
    plan_id: `inc-${id()}#1`,
    key: 'deactivate_access_key:AKIAIOSFODNN7EXAMPLE',
    action: 'deactivate_access_key',
    target: { type: 'access_key', id: 'AKIAIOSFODNN7EXAMPLE', account: '123456789012' },
    before: { UserName: 'ci-deployer', Status: 'Active', tags: { team: 'platform' }, lastUsed: null },
    rollback: [
      {
        service: 'iam',
        operation: 'UpdateAccessKey',
        input: { UserName: 'ci-deployer', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', Status: 'Active' },
        mutating: true,
      },
    ],
    manual: [],
    recorded_at: NOW,
    ...over,
  };
}

describe('DynamoDB undo store', () => {
  let table: TestTable;
  let undo: ReturnType<typeof dynamoUndoStore>;

  beforeAll(async () => {
    table = await createTestTable('response-undo');
    undo = dynamoUndoStore({ client: table.client, tableName: table.tableName });
  });
  afterAll(() => table.drop());

  it('reads a record back exactly, and keeps it without TTL', async () => {
    const record = undoRecord({ manual: ['the console password was deleted; set a new one by hand'] });
    expect(await undo.recordOnce(record)).toStrictEqual(record);
    expect(await undo.get(record.plan_id, record.key)).toStrictEqual(record);
    const [stored] = byPk(await table.scanAll(), `UNDO#${record.plan_id}`);
    expect(stored).toMatchObject({ sk: record.key });
    expect(stored?.expires_at).toBeUndefined();
    expect(await undo.get(record.plan_id, 'deactivate_access_key:AKIAOTHER')).toBeUndefined();
  });

  it('keeps the first record: a second one for the same action is returned the first, never written', async () => {
    const first = undoRecord();
    await undo.recordOnce(first);
    const halfChanged = {
      ...first,
      before: { UserName: 'ci-deployer', Status: 'Inactive' },
      recorded_at: NOW + 1,
    };
    expect(await undo.recordOnce(halfChanged)).toStrictEqual(first);
    expect(await undo.get(first.plan_id, first.key)).toStrictEqual(first);
  });

  it('keeps one record among concurrent first writes, and every writer gets that one', async () => {
    const base = undoRecord();
    const attempts = Array.from({ length: 10 }, (_, i) => ({
      ...base,
      before: { attempt: i },
      recorded_at: NOW + i,
    }));
    const returned = await Promise.all(attempts.map((r) => undo.recordOnce(r)));
    const stored = await undo.get(base.plan_id, base.key);
    expect(attempts).toContainEqual(stored);
    for (const r of returned) expect(r).toStrictEqual(stored);
  });
});

describe('DynamoDB audit log', () => {
  let table: TestAuditTable;
  let audit: ReturnType<typeof dynamoAuditLog>;

  beforeAll(async () => {
    table = await createTestAuditTable('response-audit');
    audit = dynamoAuditLog({ client: table.client, tableName: table.tableName });
  });
  afterAll(() => table.drop());

  const entry = (incidentId: string, over: Partial<AuditEntry> = {}): AuditEntry => ({
    incident_id: incidentId,
    plan_id: `${incidentId}#1`,
    event: 'planned',
    actor: 'vigil',
    at: NOW,
    details: { playbook: 'deactivate_access_key', calls: [{ operation: 'UpdateAccessKey' }] },
    ...over,
  });

  it('is a table of keys only: no index and no TTL', async () => {
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes).toBeUndefined();
    const ttl = await table.client.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
  });

  it('keeps each occurrence (ref) of the same event as its own entry, and a retry of one once', async () => {
    const incident = `inc-${id()}`;
    const first = entry(incident, {
      event: 'approval_recorded',
      actor: 'alice@example.org',
      ref: 'approval-1',
    });
    const second = entry(incident, {
      event: 'approval_recorded',
      actor: 'alice@example.org',
      ref: 'approval-2',
      at: NOW + 1,
    });
    await audit.append(first);
    await audit.append(second);
    await audit.append({ ...first, at: NOW + 5, details: { retried: true } });
    expect(await audit.list(incident)).toEqual([first, second]);
  });

  it('lists an incident in time order, ties by identity, and nothing of other incidents', async () => {
    const incident = `inc-${id()}`;
    const entries = [
      entry(incident, { event: 'applied', action_key: 'deactivate_access_key:AKIA1', at: NOW + 3_000 }),
      entry(incident, {
        event: 'approved',
        actor: 'alice@example.com',
        at: NOW + 2_000,
        model_id: 'anthropic.claude',
      }),
      entry(incident, { event: 'planned', at: NOW }),
      entry(incident, { event: 'approval_requested', at: NOW + 1_000 }),
      entry(incident, { event: 'applied', action_key: 'deactivate_access_key:AKIA0', at: NOW + 3_000 }),
    ];
    for (const e of entries) await audit.append(e);
    await audit.append(entry(`inc-${id()}`));

    expect(await audit.list(incident)).toStrictEqual([
      entries[2],
      entries[3],
      entries[1],
      entries[4],
      entries[0],
    ]);
    expect(await audit.list(`inc-${id()}`)).toEqual([]);
  });

  it('appends an identity once: a second write with other details keeps the first', async () => {
    const incident = `inc-${id()}`;
    const first = entry(incident, { event: 'applied', action_key: 'deactivate_access_key:AKIA1', at: NOW });
    await audit.append(first);
    await audit.append({ ...first, at: NOW + 5_000, details: { overwritten: true } });
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => audit.append({ ...first, at: NOW + i, details: { retry: i } })),
    );
    expect(await audit.list(incident)).toStrictEqual([first]);

    // Each part of the identity makes a different entry.
    await audit.append({ ...first, actor: 'alice@example.com' });
    await audit.append({ ...first, action_key: 'deactivate_access_key:AKIA2' });
    await audit.append({ ...first, event: 'verified' });
    await audit.append({ ...first, plan_id: `${incident}#2` });
    const { action_key: _, ...withoutAction } = first;
    await audit.append(withoutAction);
    expect(await audit.list(incident)).toHaveLength(6);
  });

  it('keeps identities apart even when an action key or actor contains the separator', async () => {
    const incident = `inc-${id()}`;
    const a = entry(incident, { action_key: 'x#y', actor: 'z', at: NOW });
    const b = entry(incident, { action_key: 'x', actor: 'y#z', at: NOW + 1 });
    const c = entry(incident, { action_key: '-', at: NOW + 2 });
    const d = entry(incident, { at: NOW + 3 });
    for (const e of [a, b, c, d]) await audit.append(e);
    expect(await audit.list(incident)).toStrictEqual([a, b, c, d]);
    expect(auditSortKey(entry(incident, { event: 'applied', action_key: 'k:1' }))).toBe(
      `${incident}#1#applied#k:1#vigil`,
    );
  });

  it('reads every page of a large incident', async () => {
    const incident = `inc-${id()}`;
    const big = 'evidence '.repeat(6_000);
    const entries = Array.from({ length: 25 }, (_, i) =>
      entry(incident, {
        event: 'failed',
        action_key: `isolate_ec2_instance:i-${i}`,
        at: NOW + i,
        details: { big },
      }),
    );
    for (const e of entries) await audit.append(e);
    const listed = await audit.list(incident);
    expect(listed.map((e) => e.action_key)).toEqual(entries.map((e) => e.action_key));
  });

  it('reports an unreachable DynamoDB as a TransientError', async () => {
    const client = await unreachableClient();
    const offline = dynamoAuditLog({ client, tableName: table.tableName });
    await expect(offline.append(entry('inc-1'))).rejects.toBeInstanceOf(TransientError);
    await expect(offline.list('inc-1')).rejects.toBeInstanceOf(TransientError);
    client.destroy();
  });
});
