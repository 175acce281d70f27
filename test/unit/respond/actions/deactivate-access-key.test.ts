import {
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  NoSuchEntityException,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../../../shared/errors.ts';
import type { ActionContext } from '../../../../shared/respond/action.ts';
import { deactivateAccessKey } from '../../../../shared/respond/actions/deactivate-access-key.ts';
import { apply, dryRun, rollback, sendCalls, verify } from '../../../../shared/respond/run-action.ts';
import type { ActionTarget, ApiCall } from '../../../../shared/respond/types.ts';
import { memoryUndoStore } from '../../../support/memory-undo-store.ts';
import { testResponseClients } from '../../../support/response-clients.ts';

const clients = testResponseClients();
const iamMock = mockClient(IAMClient);

const KEY = 'AKIAIOSFODNN7EXAMPLE';
const target: ActionTarget = { type: 'access_key', id: KEY, account: '111122223333' };
const ctx: ActionContext = {
  plan_id: 'inc-1#1',
  incident_id: 'inc-1',
  key: `deactivate_access_key:${KEY}`,
  planned_at: Date.UTC(2025, 0, 15, 10, 30),
  settings: {
    wafIpSets: [],
    networkAclIds: [],
    networkAclRuleRange: [90, 99],
    quarantineSecurityGroupName: 'vigil-quarantine',
  },
};

const unavailable = () =>
  Object.assign(new Error('x'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
const noSuchEntity = (message: string) => new NoSuchEntityException({ message, $metadata: {} });

// --- A small stateful fake of the account's access keys -------------------------------------------

type Status = 'Active' | 'Inactive' | 'Expired';
interface Fake {
  /** key id → owner and status, in creation order. */
  keys: Map<string, { user: string; status: Status }>;
  users: Set<string>;
  /** The identity the client is signed as: what UpdateAccessKey acts on without UserName. */
  caller: string;
  /** Keys per ListAccessKeys page (IAM allows 2 keys per user; a small page exercises Marker). */
  pageSize: number;
  /** Fail the next call of an operation before it takes effect. */
  failBefore: Set<string>;
  /** Apply the next call of an operation, then lose its response. */
  failAfter: Set<string>;
  /** Effects that actually happened, per operation. */
  effects: Record<string, number>;
}

let fake: Fake;

function account(keys: [string, string, Status][]): Fake {
  return {
    keys: new Map(keys.map(([id, user, status]) => [id, { user, status }])),
    users: new Set([...keys.map(([, user]) => user), 'vigil-responder']),
    caller: 'vigil-responder',
    pageSize: 1,
    failBefore: new Set(),
    failAfter: new Set(),
    effects: {},
  };
}

function mockAccount(): void {
  iamMock.on(GetAccessKeyLastUsedCommand).callsFake(({ AccessKeyId }) => {
    const key = fake.keys.get(AccessKeyId);
    // IAM answers an unknown or root key without a user name.
    return key
      ? { UserName: key.user, AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } }
      : { AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } };
  });
  iamMock.on(ListAccessKeysCommand).callsFake(({ UserName, Marker }) => {
    if (!fake.users.has(UserName)) throw noSuchEntity(`user ${UserName}`);
    const own = [...fake.keys].filter(([, k]) => k.user === UserName);
    const start = Marker ? Number(Marker) : 0;
    const page = own.slice(start, start + fake.pageSize);
    const more = start + fake.pageSize < own.length;
    return {
      AccessKeyMetadata: page.map(([id, k]) => ({ UserName, AccessKeyId: id, Status: k.status })),
      IsTruncated: more,
      ...(more ? { Marker: String(start + fake.pageSize) } : {}),
    };
  });
  iamMock.on(UpdateAccessKeyCommand).callsFake(({ UserName, AccessKeyId, Status }) => {
    if (fake.failBefore.delete('UpdateAccessKey')) throw unavailable();
    // Without UserName, IAM acts on the caller's own keys.
    const user = UserName ?? fake.caller;
    const key = fake.keys.get(AccessKeyId);
    if (!key || key.user !== user) throw noSuchEntity(`key ${AccessKeyId} of ${user}`);
    key.status = Status;
    fake.effects.UpdateAccessKey = (fake.effects.UpdateAccessKey ?? 0) + 1;
    if (fake.failAfter.delete('UpdateAccessKey')) throw unavailable();
    return {};
  });
}

const READS = new Set(['GetAccessKeyLastUsedCommand', 'ListAccessKeysCommand']);
const sentNames = () => iamMock.calls().map((c) => (c.args[0] as object).constructor.name);
const updates = () => iamMock.commandCalls(UpdateAccessKeyCommand).map((c) => c.args[0].input);

function deps(now = () => 1_000) {
  return { clients, undo: memoryUndoStore(), now };
}

beforeEach(() => {
  iamMock.reset();
  fake = account([
    ['AKIAOTHERKEY00000001', 'alice', 'Inactive'],
    [KEY, 'alice', 'Active'],
    ['AKIACALLERKEY0000001', 'vigil-responder', 'Active'],
  ]);
  mockAccount();
});

afterEach(() => {
  // SAFETY, whatever the test: no UpdateAccessKey ever left without the owning user's name.
  for (const input of updates()) expect(input.UserName).toEqual(expect.any(String));
  // And the responder's own key was never touched.
  expect(fake.keys.get('AKIACALLERKEY0000001')?.status).toBe('Active');
});

describe('deactivate_access_key', () => {
  it('is reversible, so it needs no extra approvers', () => {
    expect(deactivateAccessKey.destructive).toBe(false);
    expect(Object.keys(deactivateAccessKey.commands).sort()).toEqual([
      'iam:GetAccessKeyLastUsed',
      'iam:UpdateAccessKey',
    ]);
  });

  it('deactivates an active key, naming its owner, and records how to turn it back on', async () => {
    const d = deps();
    const outcome = await apply(deactivateAccessKey, target, ctx, d);

    const expected = { UserName: 'alice', AccessKeyId: KEY, Status: 'Inactive' };
    expect(updates()).toEqual([expected]);
    expect(outcome).toEqual({
      status: 'applied',
      calls: [{ service: 'iam', operation: 'UpdateAccessKey', input: expected, mutating: true }],
    });
    expect(fake.keys.get(KEY)?.status).toBe('Inactive');
    // The user's other key is untouched.
    expect(fake.keys.get('AKIAOTHERKEY00000001')?.status).toBe('Inactive');
    expect(await verify(deactivateAccessKey, target, ctx, d)).toBe(true);

    expect(await d.undo.get(ctx.plan_id, ctx.key)).toEqual({
      plan_id: ctx.plan_id,
      key: ctx.key,
      action: 'deactivate_access_key',
      target,
      before: { user_name: 'alice', status: 'Active' },
      rollback: [
        {
          service: 'iam',
          operation: 'UpdateAccessKey',
          input: { UserName: 'alice', AccessKeyId: KEY, Status: 'Active' },
          mutating: true,
        },
      ],
      manual: [],
      recorded_at: 1_000,
    });
  });

  it('rollback sends exactly the recorded calls and the key is active again', async () => {
    const d = deps();
    await apply(deactivateAccessKey, target, ctx, d);
    const record = await d.undo.get(ctx.plan_id, ctx.key);
    iamMock.resetHistory();

    const undone = await rollback(deactivateAccessKey, ctx, d);

    expect(undone).toEqual({ calls: record?.rollback, manual: [] });
    expect(updates()).toEqual(record?.rollback.map((c) => c.input));
    expect(sentNames()).toEqual(['UpdateAccessKeyCommand']);
    expect(fake.keys.get(KEY)?.status).toBe('Active');
    expect(await verify(deactivateAccessKey, target, ctx, d)).toBe(false);
  });

  it('finds the key on a later ListAccessKeys page (Marker)', async () => {
    fake = account([
      ['AKIAFIRSTKEY00000001', 'bob', 'Active'],
      ['AKIASECONDKEY0000001', 'bob', 'Active'],
      [KEY, 'bob', 'Active'],
      ['AKIACALLERKEY0000001', 'vigil-responder', 'Active'],
    ]);
    await apply(deactivateAccessKey, target, ctx, deps());

    expect(iamMock.commandCalls(ListAccessKeysCommand).map((c) => c.args[0].input)).toEqual([
      { UserName: 'bob' },
      { UserName: 'bob', Marker: '1' },
      { UserName: 'bob', Marker: '2' },
    ]);
    expect(updates()).toEqual([{ UserName: 'bob', AccessKeyId: KEY, Status: 'Inactive' }]);
    expect(fake.keys.get('AKIAFIRSTKEY00000001')?.status).toBe('Active');
  });

  it('dry-run inspects with reads only and returns the calls apply then makes', async () => {
    const d = deps();
    const outcome = await dryRun(deactivateAccessKey, target, ctx, d);

    expect(updates()).toEqual([]);
    expect(sentNames().every((n) => READS.has(n))).toBe(true);
    expect(sentNames().length).toBeGreaterThan(0);
    expect(fake.keys.get(KEY)?.status).toBe('Active');
    expect(d.undo.records.size).toBe(0);
    expect(outcome).toEqual({
      status: 'dry_run',
      inspected: true,
      calls: [
        {
          service: 'iam',
          operation: 'UpdateAccessKey',
          input: { UserName: 'alice', AccessKeyId: KEY, Status: 'Inactive' },
          mutating: true,
        },
      ],
    });

    const applied = await apply(deactivateAccessKey, target, ctx, d);
    expect(applied.calls).toEqual(outcome.calls);
  });

  it('dry-run without an AWS account returns the blind calls, the user name left to the runner', async () => {
    const outcome = await dryRun(deactivateAccessKey, target, ctx, { undo: memoryUndoStore(), now: () => 1 });

    expect(iamMock.calls()).toEqual([]);
    expect(outcome).toMatchObject({ status: 'dry_run', inspected: false });
    const blind = deactivateAccessKey.blind(target, ctx);
    expect(outcome.calls).toEqual(blind);
    expect(blind).toEqual([
      { service: 'iam', operation: 'GetAccessKeyLastUsed', input: { AccessKeyId: KEY }, mutating: false },
      {
        service: 'iam',
        operation: 'UpdateAccessKey',
        input: {
          UserName: { $from: 'GetAccessKeyLastUsed', $path: 'UserName' },
          AccessKeyId: KEY,
          Status: 'Inactive',
        },
        mutating: true,
      },
    ]);

    // The placeholder resolves to the owner when the blind calls are sent: never the caller's keys.
    await sendCalls(deactivateAccessKey, blind, clients);
    expect(updates()).toEqual([{ UserName: 'alice', AccessKeyId: KEY, Status: 'Inactive' }]);
    expect(fake.keys.get(KEY)?.status).toBe('Inactive');
  });

  it('an inactive key is already converged: no mutation, no undo record', async () => {
    fake.keys.get(KEY)!.status = 'Inactive';
    const d = deps();

    expect(await apply(deactivateAccessKey, target, ctx, d)).toEqual({
      status: 'already_converged',
      calls: [],
    });
    expect(updates()).toEqual([]);
    expect(d.undo.records.size).toBe(0);
    expect(await verify(deactivateAccessKey, target, ctx, d)).toBe(true);
  });

  it('an expired key is made inactive, and rollback does not turn it on', async () => {
    fake.keys.get(KEY)!.status = 'Expired';
    const d = deps();
    await apply(deactivateAccessKey, target, ctx, d);

    expect(updates()).toEqual([{ UserName: 'alice', AccessKeyId: KEY, Status: 'Inactive' }]);
    expect((await d.undo.get(ctx.plan_id, ctx.key))?.rollback).toEqual([]);
  });

  it('a re-run after a failed call sends it once more and keeps the first undo record', async () => {
    let clock = 1_000;
    const d = deps(() => clock);
    fake.failBefore.add('UpdateAccessKey');

    await expect(apply(deactivateAccessKey, target, ctx, d)).rejects.toBeInstanceOf(TransientError);
    expect(fake.keys.get(KEY)?.status).toBe('Active');
    const first = await d.undo.get(ctx.plan_id, ctx.key);
    expect(first?.recorded_at).toBe(1_000);

    clock = 2_000;
    expect(await apply(deactivateAccessKey, target, ctx, d)).toMatchObject({ status: 'applied' });

    expect(fake.effects.UpdateAccessKey).toBe(1);
    expect(fake.keys.get(KEY)?.status).toBe('Inactive');
    expect(await d.undo.get(ctx.plan_id, ctx.key)).toEqual(first);
  });

  it('a re-run after a call whose response was lost repeats nothing and keeps the first undo record', async () => {
    let clock = 1_000;
    const d = deps(() => clock);
    fake.failAfter.add('UpdateAccessKey');

    await expect(apply(deactivateAccessKey, target, ctx, d)).rejects.toBeInstanceOf(TransientError);
    const first = await d.undo.get(ctx.plan_id, ctx.key);

    clock = 2_000;
    expect(await apply(deactivateAccessKey, target, ctx, d)).toEqual({
      status: 'already_converged',
      calls: [],
    });

    expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(1);
    expect(fake.effects.UpdateAccessKey).toBe(1);
    expect(await d.undo.get(ctx.plan_id, ctx.key)).toEqual(first);
    // Rollback still restores the state before the first run.
    expect(first?.rollback.map((c) => c.input)).toEqual([
      { UserName: 'alice', AccessKeyId: KEY, Status: 'Active' },
    ]);
  });

  it('a key IAM names no owner for (unknown, or the root user) is refused', async () => {
    const unknown: ActionTarget = { type: 'access_key', id: 'AKIAUNKNOWNKEY000001' };
    const d = deps();

    await expect(apply(deactivateAccessKey, unknown, ctx, d)).rejects.toThrow(ValidationError);
    await expect(dryRun(deactivateAccessKey, unknown, ctx, d)).rejects.toThrow(/root user/);
    expect(updates()).toEqual([]);
    expect(d.undo.records.size).toBe(0);
  });

  it('a key missing from its owner, or an owner that is gone, is refused', async () => {
    // GetAccessKeyLastUsed says alice, but the key is no longer hers (deleted in between).
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: 'alice' });
    fake.keys.delete(KEY);
    await expect(apply(deactivateAccessKey, target, ctx, deps())).rejects.toThrow(/not among alice's keys/);

    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: 'carol' });
    await expect(apply(deactivateAccessKey, target, ctx, deps())).rejects.toThrow(ValidationError);

    iamMock.on(GetAccessKeyLastUsedCommand).rejects(noSuchEntity('no key'));
    await expect(apply(deactivateAccessKey, target, ctx, deps())).rejects.toThrow(ValidationError);
    expect(updates()).toEqual([]);
  });

  it('throttling during inspect is transient, and nothing is changed', async () => {
    iamMock.on(ListAccessKeysCommand).rejects(Object.assign(new Error('slow down'), { name: 'Throttling' }));
    await expect(apply(deactivateAccessKey, target, ctx, deps())).rejects.toBeInstanceOf(TransientError);
    expect(updates()).toEqual([]);
  });

  it('a target that is not a long-term key id is refused, and blind plans nothing for it', async () => {
    for (const bad of [
      { type: 'access_key', id: 'ASIAIOSFODNN7EXAMPLE' },
      { type: 'principal', id: KEY },
      { type: 'access_key', id: '' },
    ] as ActionTarget[]) {
      await expect(apply(deactivateAccessKey, bad, ctx, deps())).rejects.toThrow(ValidationError);
      expect(deactivateAccessKey.blind(bad, ctx)).toEqual([]);
    }
    expect(iamMock.calls()).toEqual([]);
  });

  it('SAFETY: every UpdateAccessKey it can build names the owning user', () => {
    const statuses = fc.constantFrom('Active', 'Inactive', 'Expired');
    const names = fc.stringMatching(/^[\w+=,.@-]{1,64}$/);
    fc.assert(
      fc.property(names, statuses, (user_name, status) => {
        const state = { user_name, status };
        const calls: ApiCall[] = [
          ...deactivateAccessKey.converge(target, state, ctx),
          ...deactivateAccessKey.undo(target, state, ctx).rollback,
          ...deactivateAccessKey.blind(target, ctx),
        ];
        const writes = calls.filter((c) => c.operation === 'UpdateAccessKey');
        expect(writes.length).toBeGreaterThan(0);
        for (const c of writes) {
          expect(c.mutating).toBe(true);
          expect(c.input.UserName).toBeDefined();
          expect(c.input.AccessKeyId).toBe(KEY);
        }
        // Converged and contained agree, and rollback re-enables only what was active.
        expect(deactivateAccessKey.converge(target, state, ctx).length === 0).toBe(
          deactivateAccessKey.contained(target, state, ctx),
        );
        expect(deactivateAccessKey.undo(target, state, ctx).rollback.length).toBe(
          status === 'Active' ? 1 : 0,
        );
      }),
    );
  });
});
