import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../../../shared/errors.ts';
import type { ActionContext } from '../../../../shared/respond/action.ts';
import {
  cutoffOf,
  type RevokeState,
  revokeDocument,
  revokeRoleSessions,
  roleNameOf,
} from '../../../../shared/respond/actions/revoke-role-sessions.ts';
import { apply, dryRun, rollback, verify } from '../../../../shared/respond/run-action.ts';
import type { ActionTarget, ApiCall } from '../../../../shared/respond/types.ts';
import { memoryUndoStore } from '../../../support/memory-undo-store.ts';
import { testResponseClients } from '../../../support/response-clients.ts';

const clients = testResponseClients();
const iamMock = mockClient(IAMClient);

const SESSION_ARN = 'arn:aws:sts::111122223333:assumed-role/ci-deployer/build-4711';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/pipelines/ci-deployer';
const target: ActionTarget = { type: 'principal', id: SESSION_ARN, account: '111122223333' };
const PLANNED_AT = Date.UTC(2025, 0, 15, 10, 30, 5, 250);
const ctx: ActionContext = {
  plan_id: 'inc-9#1',
  incident_id: 'inc-9',
  key: `revoke_role_sessions:${SESSION_ARN}`,
  planned_at: PLANNED_AT,
  settings: {
    wafIpSets: [],
    networkAclIds: [],
    networkAclRuleRange: [90, 99],
    quarantineSecurityGroupName: 'vigil-quarantine',
  },
};

const POLICY = 'vigil-revoke-older-sessions';
/** The exact text the action must send for this plan. */
const OURS =
  '{"Version":"2012-10-17","Statement":[{"Sid":"VigilRevokeOlderSessions","Effect":"Deny","Action":"*",' +
  '"Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2025-01-15T10:30:05.250Z"}}}]}';
/** What the console's "Revoke active sessions" writes (an earlier revocation, pretty-printed). */
const consoleRevocation = (time: string) =>
  JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': time } },
        },
      ],
    },
    null,
    2,
  );

const unavailable = () =>
  Object.assign(new Error('x'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
const noSuchEntity = (message: string) => new NoSuchEntityException({ message, $metadata: {} });

// --- A small stateful fake of the account's IAM roles ---------------------------------------------

interface FakeRole {
  arn: string;
  path: string;
  policies: Map<string, string>;
}
interface Fake {
  roles: Map<string, FakeRole>;
  failBefore: Set<string>;
  failAfter: Set<string>;
  effects: Record<string, number>;
}

let fake: Fake;

function role(name: string): FakeRole {
  const r = fake.roles.get(name);
  if (!r) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return r;
}

function mutate(op: string, change: () => void): Record<string, never> {
  if (fake.failBefore.delete(op)) throw unavailable();
  change();
  fake.effects[op] = (fake.effects[op] ?? 0) + 1;
  if (fake.failAfter.delete(op)) throw unavailable();
  return {};
}

function mockAccount(): void {
  iamMock.on(GetRoleCommand).callsFake(({ RoleName }) => {
    const r = role(RoleName);
    return {
      Role: { RoleName, Arn: r.arn, Path: r.path, RoleId: 'AROAEXAMPLE', CreateDate: new Date(0) },
    };
  });
  iamMock.on(GetRolePolicyCommand).callsFake(({ RoleName, PolicyName }) => {
    const doc = role(RoleName).policies.get(PolicyName);
    if (doc === undefined) throw noSuchEntity(`policy ${PolicyName}`);
    return { RoleName, PolicyName, PolicyDocument: encodeURIComponent(doc) };
  });
  iamMock.on(PutRolePolicyCommand).callsFake(({ RoleName, PolicyName, PolicyDocument }) => {
    const r = role(RoleName);
    return mutate('PutRolePolicy', () => r.policies.set(PolicyName, PolicyDocument));
  });
  iamMock.on(DeleteRolePolicyCommand).callsFake(({ RoleName, PolicyName }) => {
    const r = role(RoleName);
    if (!r.policies.has(PolicyName)) throw noSuchEntity(`policy ${PolicyName}`);
    return mutate('DeleteRolePolicy', () => r.policies.delete(PolicyName));
  });
}

const MUTATING = new Set(['PutRolePolicyCommand', 'DeleteRolePolicyCommand']);
const sent = () =>
  iamMock.calls().map((c) => {
    const cmd = c.args[0] as { constructor: { name: string }; input: unknown };
    return { name: cmd.constructor.name.replace(/Command$/, ''), input: cmd.input };
  });
const mutations = () => sent().filter((c) => MUTATING.has(`${c.name}Command`));

const putOurs: ApiCall = {
  service: 'iam',
  operation: 'PutRolePolicy',
  input: { RoleName: 'ci-deployer', PolicyName: POLICY, PolicyDocument: OURS },
  mutating: true,
};

function deps(now = () => 1_000) {
  return { clients, undo: memoryUndoStore(), now };
}

beforeEach(() => {
  iamMock.reset();
  fake = {
    roles: new Map([
      ['ci-deployer', { arn: ROLE_ARN, path: '/pipelines/', policies: new Map([['deploy', '{"a":1}']]) }],
    ]),
    failBefore: new Set(),
    failAfter: new Set(),
    effects: {},
  };
  mockAccount();
});

describe('roleNameOf', () => {
  it.each([
    [SESSION_ARN, 'ci-deployer'],
    [ROLE_ARN, 'ci-deployer'],
    ['arn:aws:iam::111122223333:role/Admin', 'Admin'],
    ['arn:aws-us-gov:sts::111122223333:assumed-role/Admin/alice@example.com', 'Admin'],
    ['arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS', undefined],
    ['arn:aws:iam::111122223333:role/aws-service-role/AWSServiceRoleForSupport', undefined],
    ['arn:aws:sts::111122223333:assumed-role/Admin', undefined],
    ['arn:aws:sts::111122223333:assumed-role/Admin/a/b', undefined],
    ['arn:aws:sts::111122223333:federated-user/alice', undefined],
    ['arn:aws:iam::111122223333:user/alice', undefined],
    ['arn:aws:iam::111122223333:role/', undefined],
    ['arn:aws:iam::1111:role/Admin', undefined],
    ['ci-deployer', undefined],
    ['', undefined],
  ])('%s → %s', (id, name) => {
    expect(roleNameOf(id)).toBe(name);
  });
});

describe('revoke_role_sessions', () => {
  it('is not destructive (new sessions keep working) and declares only its writes', () => {
    expect(revokeRoleSessions.destructive).toBe(false);
    expect(Object.keys(revokeRoleSessions.commands).sort()).toEqual([
      'iam:DeleteRolePolicy',
      'iam:PutRolePolicy',
    ]);
  });

  it('puts a deny for sessions issued before the plan time and records the undo', async () => {
    const d = deps();
    const outcome = await apply(revokeRoleSessions, target, ctx, d);

    expect(iamMock.commandCalls(PutRolePolicyCommand).map((c) => c.args[0].input)).toEqual([putOurs.input]);
    expect(mutations()).toEqual([{ name: 'PutRolePolicy', input: putOurs.input }]);
    expect(outcome).toEqual({ status: 'applied', calls: [putOurs] });
    const r = fake.roles.get('ci-deployer')!;
    expect(JSON.parse(r.policies.get(POLICY)!).Statement[0].Condition).toEqual({
      DateLessThan: { 'aws:TokenIssueTime': '2025-01-15T10:30:05.250Z' },
    });
    expect(r.policies.get('deploy')).toBe('{"a":1}');
    expect(await verify(revokeRoleSessions, target, ctx, d)).toBe(true);

    expect(await d.undo.get(ctx.plan_id, ctx.key)).toEqual({
      plan_id: ctx.plan_id,
      key: ctx.key,
      action: 'revoke_role_sessions',
      target,
      before: { role_name: 'ci-deployer', policy_document: null },
      rollback: [
        {
          service: 'iam',
          operation: 'DeleteRolePolicy',
          input: { RoleName: 'ci-deployer', PolicyName: POLICY },
          mutating: true,
        },
      ],
      manual: [],
      recorded_at: 1_000,
    });
  });

  it('rollback sends exactly the recorded calls and the policy is gone', async () => {
    const d = deps();
    await apply(revokeRoleSessions, target, ctx, d);
    const record = await d.undo.get(ctx.plan_id, ctx.key);
    iamMock.resetHistory();

    expect(await rollback(revokeRoleSessions, ctx, d)).toEqual({ calls: record?.rollback, manual: [] });
    expect(sent()).toEqual(record?.rollback.map((c) => ({ name: c.operation, input: c.input })));
    expect(fake.roles.get('ci-deployer')?.policies.has(POLICY)).toBe(false);
    expect(fake.roles.get('ci-deployer')?.policies.get('deploy')).toBe('{"a":1}');
  });

  it('accepts a role ARN with a path and checks it is that very role', async () => {
    const byRole: ActionTarget = { type: 'principal', id: ROLE_ARN };
    await apply(revokeRoleSessions, byRole, { ...ctx, key: `revoke_role_sessions:${ROLE_ARN}` }, deps());
    expect(mutations()).toEqual([{ name: 'PutRolePolicy', input: putOurs.input }]);

    // Same name, other path: not the role the plan names.
    const otherPath: ActionTarget = { type: 'principal', id: 'arn:aws:iam::111122223333:role/ci-deployer' };
    await expect(apply(revokeRoleSessions, otherPath, ctx, deps())).rejects.toThrow(
      /not the role the plan names/,
    );
  });

  it('replaces an earlier revocation, and rollback puts the earlier one back', async () => {
    const earlier = consoleRevocation('2024-11-02T08:00:00.000Z');
    fake.roles.get('ci-deployer')!.policies.set(POLICY, earlier);
    const d = deps();

    await apply(revokeRoleSessions, target, ctx, d);
    expect(mutations()).toEqual([{ name: 'PutRolePolicy', input: putOurs.input }]);
    const record = await d.undo.get(ctx.plan_id, ctx.key);
    expect(record?.before).toEqual({ role_name: 'ci-deployer', policy_document: earlier });
    expect(record?.rollback).toEqual([
      {
        service: 'iam',
        operation: 'PutRolePolicy',
        input: { RoleName: 'ci-deployer', PolicyName: POLICY, PolicyDocument: earlier },
        mutating: true,
      },
    ]);

    await rollback(revokeRoleSessions, ctx, d);
    expect(fake.roles.get('ci-deployer')?.policies.get(POLICY)).toBe(earlier);
  });

  it('a later revocation already covers these sessions: converged, no mutation, no undo record', async () => {
    fake.roles.get('ci-deployer')!.policies.set(POLICY, consoleRevocation('2025-01-15T11:00:00Z'));
    const d = deps();

    expect(await apply(revokeRoleSessions, target, ctx, d)).toEqual({
      status: 'already_converged',
      calls: [],
    });
    expect(mutations()).toEqual([]);
    expect(d.undo.records.size).toBe(0);
    expect(await verify(revokeRoleSessions, target, ctx, d)).toBe(true);
  });

  it('a re-run of the same plan finds its own cut-off and changes nothing', async () => {
    const d = deps();
    await apply(revokeRoleSessions, target, ctx, d);
    iamMock.resetHistory();

    expect(await apply(revokeRoleSessions, target, ctx, d)).toEqual({
      status: 'already_converged',
      calls: [],
    });
    expect(mutations()).toEqual([]);
  });

  it('an unreadable policy of that name is overwritten, and kept for rollback', async () => {
    fake.roles.get('ci-deployer')!.policies.set(POLICY, '{"Statement":[{"Effect":"Deny","Action":"*"}]}');
    const d = deps();
    await apply(revokeRoleSessions, target, ctx, d);

    expect(mutations()).toEqual([{ name: 'PutRolePolicy', input: putOurs.input }]);
    expect((await d.undo.get(ctx.plan_id, ctx.key))?.rollback[0]?.input.PolicyDocument).toBe(
      '{"Statement":[{"Effect":"Deny","Action":"*"}]}',
    );
  });

  it('dry-run inspects with reads only and returns the calls apply then makes', async () => {
    const d = deps();
    const outcome = await dryRun(revokeRoleSessions, target, ctx, d);

    expect(mutations()).toEqual([]);
    expect(sent().map((c) => c.name)).toEqual(['GetRole', 'GetRolePolicy']);
    expect(fake.roles.get('ci-deployer')?.policies.has(POLICY)).toBe(false);
    expect(d.undo.records.size).toBe(0);
    expect(outcome).toEqual({ status: 'dry_run', inspected: true, calls: [putOurs] });

    expect((await apply(revokeRoleSessions, target, ctx, d)).calls).toEqual(outcome.calls);
  });

  it('dry-run without an AWS account returns the blind calls', async () => {
    const outcome = await dryRun(revokeRoleSessions, target, ctx, { undo: memoryUndoStore(), now: () => 1 });

    expect(iamMock.calls()).toEqual([]);
    expect(outcome).toMatchObject({ status: 'dry_run', inspected: false, calls: [putOurs] });
    expect(revokeRoleSessions.blind(target, ctx)).toEqual([putOurs]);
  });

  it('a re-run after a failed call sends it once more and keeps the first undo record', async () => {
    const earlier = consoleRevocation('2024-11-02T08:00:00.000Z');
    fake.roles.get('ci-deployer')!.policies.set(POLICY, earlier);
    let clock = 1_000;
    const d = deps(() => clock);
    fake.failBefore.add('PutRolePolicy');

    await expect(apply(revokeRoleSessions, target, ctx, d)).rejects.toBeInstanceOf(TransientError);
    expect(fake.roles.get('ci-deployer')?.policies.get(POLICY)).toBe(earlier);
    const first = await d.undo.get(ctx.plan_id, ctx.key);
    iamMock.resetHistory();

    clock = 2_000;
    expect(await apply(revokeRoleSessions, target, ctx, d)).toEqual({ status: 'applied', calls: [putOurs] });
    expect(mutations()).toEqual([{ name: 'PutRolePolicy', input: putOurs.input }]);
    expect(fake.effects).toEqual({ PutRolePolicy: 1 });
    expect(await d.undo.get(ctx.plan_id, ctx.key)).toEqual(first);
    expect(first?.recorded_at).toBe(1_000);
  });

  it('a re-run after a call whose response was lost repeats nothing; rollback restores the state before', async () => {
    const earlier = consoleRevocation('2024-11-02T08:00:00.000Z');
    fake.roles.get('ci-deployer')!.policies.set(POLICY, earlier);
    let clock = 1_000;
    const d = deps(() => clock);
    fake.failAfter.add('PutRolePolicy');

    await expect(apply(revokeRoleSessions, target, ctx, d)).rejects.toBeInstanceOf(TransientError);
    const first = await d.undo.get(ctx.plan_id, ctx.key);

    clock = 2_000;
    expect(await apply(revokeRoleSessions, target, ctx, d)).toEqual({
      status: 'already_converged',
      calls: [],
    });
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(1);
    expect(fake.effects).toEqual({ PutRolePolicy: 1 });
    expect(await d.undo.get(ctx.plan_id, ctx.key)).toEqual(first);

    await rollback(revokeRoleSessions, ctx, d);
    expect(fake.roles.get('ci-deployer')?.policies.get(POLICY)).toBe(earlier);
  });

  it('a role that does not exist is refused, with no change and no undo record', async () => {
    fake.roles.clear();
    const d = deps();

    await expect(apply(revokeRoleSessions, target, ctx, d)).rejects.toThrow(ValidationError);
    await expect(dryRun(revokeRoleSessions, target, ctx, d)).rejects.toThrow(/does not exist/);
    expect(mutations()).toEqual([]);
    expect(d.undo.records.size).toBe(0);
  });

  it('a same-named role in another account is refused', async () => {
    fake.roles.get('ci-deployer')!.arn = 'arn:aws:iam::444455556666:role/pipelines/ci-deployer';
    await expect(apply(revokeRoleSessions, target, ctx, deps())).rejects.toThrow(
      /not the role the plan names/,
    );

    await expect(
      apply(revokeRoleSessions, { ...target, account: '999999999999' }, ctx, deps()),
    ).rejects.toThrow(ValidationError);
    expect(mutations()).toEqual([]);
  });

  it('refuses service-linked roles, by ARN (before any call) and by the path IAM reports', async () => {
    const linkedArn =
      'arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS';
    const byArn: ActionTarget = { type: 'principal', id: linkedArn };
    await expect(apply(revokeRoleSessions, byArn, ctx, deps())).rejects.toThrow(ValidationError);
    expect(revokeRoleSessions.blind(byArn, ctx)).toEqual([]);
    expect(iamMock.calls()).toEqual([]);

    // An assumed-role ARN does not show the path: GetRole does.
    fake.roles.set('AWSServiceRoleForECS', {
      arn: linkedArn,
      path: '/aws-service-role/ecs.amazonaws.com/',
      policies: new Map(),
    });
    const session: ActionTarget = {
      type: 'principal',
      id: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECS/ecs-session',
    };
    await expect(apply(revokeRoleSessions, session, ctx, deps())).rejects.toThrow(/service-linked/);
    expect(mutations()).toEqual([]);
  });

  it('a target of the wrong kind, or a plan time that is not a time, is refused', async () => {
    for (const bad of [
      { type: 'principal', id: 'arn:aws:iam::111122223333:user/alice' },
      { type: 'resource', id: SESSION_ARN },
    ] as ActionTarget[]) {
      await expect(apply(revokeRoleSessions, bad, ctx, deps())).rejects.toThrow(ValidationError);
      expect(revokeRoleSessions.blind(bad, ctx)).toEqual([]);
    }
    const noTime = { ...ctx, planned_at: Number.NaN };
    await expect(apply(revokeRoleSessions, target, noTime, deps())).rejects.toThrow(ValidationError);
    expect(revokeRoleSessions.blind(target, noTime)).toEqual([]);
    expect(iamMock.calls()).toEqual([]);
  });

  it('reads cut-offs IAM-style: latest of several, zone-less as UTC, narrower denies ignored', () => {
    const doc = (statement: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
    const deny = (time: unknown, extra: Record<string, unknown> = {}) => ({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:tokenissuetime': time } },
      ...extra,
    });
    expect(cutoffOf(doc([deny('2025-01-01T00:00:00Z'), deny('2025-02-01T00:00:00Z')]))).toBe(
      Date.UTC(2025, 1, 1),
    );
    expect(cutoffOf(doc(deny(['2025-01-01T00:00:00Z', '2025-03-01T00:00:00Z'])))).toBe(Date.UTC(2025, 2, 1));
    expect(cutoffOf(doc(deny('2025-01-01T00:00:00')))).toBe(Date.UTC(2025, 0, 1));
    expect(cutoffOf(doc({ ...deny('2025-01-01T00:00:00Z'), Action: 's3:*' }))).toBeUndefined();
    expect(cutoffOf(doc({ ...deny('2025-01-01T00:00:00Z'), Effect: 'Allow' }))).toBeUndefined();
    expect(cutoffOf(doc(deny('2025-01-01T00:00:00Z', { NotResource: 'x' })))).toBeUndefined();
    expect(
      cutoffOf(
        doc({
          ...deny('2025-01-01T00:00:00Z'),
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2025-01-01T00:00:00Z' }, Bool: { x: 'true' } },
        }),
      ),
    ).toBeUndefined();
    expect(cutoffOf(doc(deny('yesterday')))).toBeUndefined();
    expect(cutoffOf('not json')).toBeUndefined();
    expect(cutoffOf(revokeDocument('2025-01-15T10:30:05.250Z'))).toBe(PLANNED_AT);
  });

  it('for any earlier state and plan time, the calls lead to contained and rollback restores', () => {
    const times = fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) });
    const existing = fc.option(
      fc.oneof(
        times.map((t) => consoleRevocation(new Date(t).toISOString())),
        fc.constant('{"Version":"2012-10-17"}'),
        fc.string(),
      ),
      { nil: null },
    );
    fc.assert(
      fc.property(times, existing, (planned_at, policy_document) => {
        const c = { ...ctx, planned_at };
        const state: RevokeState = { role_name: 'ci-deployer', policy_document };
        const calls = revokeRoleSessions.converge(target, state, c);
        expect(calls.length === 0).toBe(revokeRoleSessions.contained(target, state, c));
        const model = { ...state };
        for (const call of calls) model.policy_document = call.input.PolicyDocument as string;
        expect(revokeRoleSessions.contained(target, model, c)).toBe(true);
        expect(revokeRoleSessions.converge(target, model, c)).toEqual([]);
        for (const call of revokeRoleSessions.undo(target, state, c).rollback)
          model.policy_document =
            call.operation === 'DeleteRolePolicy' ? null : (call.input.PolicyDocument as string);
        expect(model.policy_document).toBe(state.policy_document);
      }),
    );
  });
});
