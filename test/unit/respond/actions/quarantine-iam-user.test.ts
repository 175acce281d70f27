import {
  DeleteLoginProfileCommand,
  DeleteUserPolicyCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../../../shared/errors.ts';
import type { ActionContext } from '../../../../shared/respond/action.ts';
import {
  type QuarantineState,
  quarantineIamUser,
} from '../../../../shared/respond/actions/quarantine-iam-user.ts';
import { apply, dryRun, rollback, verify } from '../../../../shared/respond/run-action.ts';
import type { ActionTarget, ApiCall } from '../../../../shared/respond/types.ts';
import { memoryUndoStore } from '../../../support/memory-undo-store.ts';
import { testResponseClients } from '../../../support/response-clients.ts';

const clients = testResponseClients();
const iamMock = mockClient(IAMClient);

const ARN = 'arn:aws:iam::111122223333:user/engineering/contractors/mallory';
const target: ActionTarget = { type: 'principal', id: ARN, account: '111122223333' };
const ctx: ActionContext = {
  plan_id: 'inc-7#2',
  incident_id: 'inc-7',
  key: `quarantine_iam_user:${ARN}`,
  planned_at: Date.UTC(2025, 0, 15, 10, 30),
  settings: {
    wafIpSets: [],
    networkAclIds: [],
    networkAclRuleRange: [90, 99],
    quarantineSecurityGroupName: 'vigil-quarantine',
  },
};

const POLICY = 'vigil-quarantine-deny-all';
/** The exact text the action must send. */
const DENY_ALL =
  '{"Version":"2012-10-17","Statement":[{"Sid":"VigilQuarantineDenyAll","Effect":"Deny","Action":"*","Resource":"*"}]}';

const unavailable = () =>
  Object.assign(new Error('x'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
const noSuchEntity = (message: string) => new NoSuchEntityException({ message, $metadata: {} });

// --- A small stateful fake of the account's IAM users ---------------------------------------------

interface FakeUser {
  arn: string;
  /** Inline policies, name → document as it was put (IAM returns it URL-encoded). */
  policies: Map<string, string>;
  password: boolean;
}
interface Fake {
  users: Map<string, FakeUser>;
  failBefore: Set<string>;
  effects: Record<string, number>;
}

let fake: Fake;

function user(name: string): FakeUser {
  const u = fake.users.get(name);
  if (!u) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return u;
}

function effect(op: string): void {
  if (fake.failBefore.delete(op)) throw unavailable();
  fake.effects[op] = (fake.effects[op] ?? 0) + 1;
}

function mockAccount(): void {
  iamMock.on(GetUserCommand).callsFake(({ UserName }) => {
    const u = user(UserName);
    return {
      User: {
        UserName,
        Arn: u.arn,
        Path: '/engineering/contractors/',
        UserId: 'AIDAEXAMPLE',
        CreateDate: new Date(0),
      },
    };
  });
  iamMock.on(GetUserPolicyCommand).callsFake(({ UserName, PolicyName }) => {
    const doc = user(UserName).policies.get(PolicyName);
    if (doc === undefined) throw noSuchEntity(`policy ${PolicyName}`);
    return { UserName, PolicyName, PolicyDocument: encodeURIComponent(doc) };
  });
  iamMock.on(PutUserPolicyCommand).callsFake(({ UserName, PolicyName, PolicyDocument }) => {
    const u = user(UserName);
    effect('PutUserPolicy');
    u.policies.set(PolicyName, PolicyDocument);
    return {};
  });
  iamMock.on(DeleteUserPolicyCommand).callsFake(({ UserName, PolicyName }) => {
    const u = user(UserName);
    if (!u.policies.has(PolicyName)) throw noSuchEntity(`policy ${PolicyName}`);
    effect('DeleteUserPolicy');
    u.policies.delete(PolicyName);
    return {};
  });
  iamMock.on(GetLoginProfileCommand).callsFake(({ UserName }) => {
    if (!user(UserName).password) throw noSuchEntity(`login profile of ${UserName}`);
    return { LoginProfile: { UserName, CreateDate: new Date(0), PasswordResetRequired: false } };
  });
  iamMock.on(DeleteLoginProfileCommand).callsFake(({ UserName }) => {
    const u = user(UserName);
    if (!u.password) throw noSuchEntity(`login profile of ${UserName}`);
    effect('DeleteLoginProfile');
    u.password = false;
    return {};
  });
}

const MUTATING = new Set(['PutUserPolicyCommand', 'DeleteUserPolicyCommand', 'DeleteLoginProfileCommand']);
const sent = () =>
  iamMock.calls().map((c) => {
    const cmd = c.args[0] as { constructor: { name: string }; input: unknown };
    return { name: cmd.constructor.name.replace(/Command$/, ''), input: cmd.input };
  });
const mutations = () => sent().filter((c) => MUTATING.has(`${c.name}Command`));

const putDenyAll: ApiCall = {
  service: 'iam',
  operation: 'PutUserPolicy',
  input: { UserName: 'mallory', PolicyName: POLICY, PolicyDocument: DENY_ALL },
  mutating: true,
};
const deletePassword: ApiCall = {
  service: 'iam',
  operation: 'DeleteLoginProfile',
  input: { UserName: 'mallory' },
  mutating: true,
};

function deps(now = () => 1_000) {
  return { clients, undo: memoryUndoStore(), now };
}

beforeEach(() => {
  iamMock.reset();
  fake = {
    users: new Map([['mallory', { arn: ARN, policies: new Map([['other', '{"x":1}']]), password: true }]]),
    failBefore: new Set(),
    effects: {},
  };
  mockAccount();
});

describe('quarantine_iam_user', () => {
  it('is destructive (it locks a person out) and declares only its writes', () => {
    expect(quarantineIamUser.destructive).toBe(true);
    expect(Object.keys(quarantineIamUser.commands).sort()).toEqual([
      'iam:DeleteLoginProfile',
      'iam:DeleteUserPolicy',
      'iam:PutUserPolicy',
    ]);
  });

  it('puts the deny-all policy first, then deletes the password, and records the undo', async () => {
    const d = deps();
    const outcome = await apply(quarantineIamUser, target, ctx, d);

    expect(mutations()).toEqual([
      { name: 'PutUserPolicy', input: putDenyAll.input },
      { name: 'DeleteLoginProfile', input: deletePassword.input },
    ]);
    expect(iamMock.commandCalls(PutUserPolicyCommand).map((c) => c.args[0].input)).toEqual([
      putDenyAll.input,
    ]);
    expect(outcome).toEqual({ status: 'applied', calls: [putDenyAll, deletePassword] });
    const mallory = fake.users.get('mallory')!;
    expect(JSON.parse(mallory.policies.get(POLICY)!)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'VigilQuarantineDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
    });
    expect(mallory.policies.get('other')).toBe('{"x":1}');
    expect(mallory.password).toBe(false);
    expect(await verify(quarantineIamUser, target, ctx, d)).toBe(true);

    const record = await d.undo.get(ctx.plan_id, ctx.key);
    expect(record).toMatchObject({
      plan_id: ctx.plan_id,
      key: ctx.key,
      action: 'quarantine_iam_user',
      target,
      before: { user_name: 'mallory', policy_document: null, login_profile: true },
      rollback: [
        {
          service: 'iam',
          operation: 'DeleteUserPolicy',
          input: { UserName: 'mallory', PolicyName: POLICY },
          mutating: true,
        },
      ],
      recorded_at: 1_000,
    });
    expect(record?.manual).toHaveLength(1);
    expect(record?.manual[0]).toMatch(/console password of IAM user mallory was deleted/);
    expect(record?.manual[0]).toMatch(/CreateLoginProfile/);
    expect(record?.manual[0]).toMatch(/PasswordResetRequired/);
  });

  it('rollback sends exactly the recorded calls; the password stays gone and is reported', async () => {
    const d = deps();
    await apply(quarantineIamUser, target, ctx, d);
    const record = await d.undo.get(ctx.plan_id, ctx.key);
    iamMock.resetHistory();

    const undone = await rollback(quarantineIamUser, ctx, d);

    expect(sent()).toEqual(record?.rollback.map((c) => ({ name: c.operation, input: c.input })));
    expect(undone).toEqual({ calls: record?.rollback, manual: record?.manual });
    const mallory = fake.users.get('mallory')!;
    expect(mallory.policies.has(POLICY)).toBe(false);
    expect(mallory.policies.get('other')).toBe('{"x":1}');
    expect(mallory.password).toBe(false);
  });

  it('overwrites a different policy of the same name and rollback puts the previous one back', async () => {
    const previous =
      '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]\n}';
    const mallory = fake.users.get('mallory')!;
    mallory.policies.set(POLICY, previous);
    mallory.password = false;
    const d = deps();

    await apply(quarantineIamUser, target, ctx, d);
    expect(mutations()).toEqual([{ name: 'PutUserPolicy', input: putDenyAll.input }]);
    const record = await d.undo.get(ctx.plan_id, ctx.key);
    // The decoded text, not IAM's URL-encoded form.
    expect(record?.before).toEqual({ user_name: 'mallory', policy_document: previous, login_profile: false });
    expect(record?.rollback).toEqual([
      {
        service: 'iam',
        operation: 'PutUserPolicy',
        input: { UserName: 'mallory', PolicyName: POLICY, PolicyDocument: previous },
        mutating: true,
      },
    ]);
    expect(record?.manual).toEqual([]);

    await rollback(quarantineIamUser, ctx, d);
    expect(mallory.policies.get(POLICY)).toBe(previous);
  });

  it('dry-run inspects with reads only and returns the calls apply then makes', async () => {
    const d = deps();
    const outcome = await dryRun(quarantineIamUser, target, ctx, d);

    expect(mutations()).toEqual([]);
    expect(sent().map((c) => c.name)).toEqual(['GetUser', 'GetUserPolicy', 'GetLoginProfile']);
    expect(fake.users.get('mallory')?.password).toBe(true);
    expect(d.undo.records.size).toBe(0);
    expect(outcome).toEqual({ status: 'dry_run', inspected: true, calls: [putDenyAll, deletePassword] });

    expect((await apply(quarantineIamUser, target, ctx, d)).calls).toEqual(outcome.calls);
  });

  it('dry-run without an AWS account returns the blind calls', async () => {
    const outcome = await dryRun(quarantineIamUser, target, ctx, { undo: memoryUndoStore(), now: () => 1 });

    expect(iamMock.calls()).toEqual([]);
    expect(outcome).toMatchObject({
      status: 'dry_run',
      inspected: false,
      calls: [putDenyAll, deletePassword],
    });
    expect(quarantineIamUser.blind(target, ctx)).toEqual([putDenyAll, deletePassword]);
  });

  it('an equal policy (other formatting, URL-encoded) and no password is already converged', async () => {
    const mallory = fake.users.get('mallory')!;
    mallory.policies.set(
      POLICY,
      '{ "Statement": [ { "Resource": "*", "Action": "*", "Effect": "Deny", "Sid": "VigilQuarantineDenyAll" } ],\n  "Version": "2012-10-17" }',
    );
    mallory.password = false;
    const d = deps();

    expect(await apply(quarantineIamUser, target, ctx, d)).toEqual({
      status: 'already_converged',
      calls: [],
    });
    expect(mutations()).toEqual([]);
    expect(d.undo.records.size).toBe(0);
    expect(await verify(quarantineIamUser, target, ctx, d)).toBe(true);
  });

  it('with the policy already in place, only the password is deleted and rollback leaves the policy', async () => {
    fake.users.get('mallory')!.policies.set(POLICY, DENY_ALL);
    const d = deps();

    await apply(quarantineIamUser, target, ctx, d);
    expect(mutations()).toEqual([{ name: 'DeleteLoginProfile', input: deletePassword.input }]);
    const record = await d.undo.get(ctx.plan_id, ctx.key);
    expect(record?.rollback).toEqual([]);
    expect(record?.manual).toHaveLength(1);
  });

  it('a re-run after the second call failed sends only that call and keeps the first undo record', async () => {
    let clock = 1_000;
    const d = deps(() => clock);
    fake.failBefore.add('DeleteLoginProfile');

    await expect(apply(quarantineIamUser, target, ctx, d)).rejects.toBeInstanceOf(TransientError);
    // The policy took effect; the password is still there.
    const mallory = fake.users.get('mallory')!;
    expect(mallory.policies.get(POLICY)).toBe(DENY_ALL);
    expect(mallory.password).toBe(true);
    expect(await verify(quarantineIamUser, target, ctx, d)).toBe(false);
    const first = await d.undo.get(ctx.plan_id, ctx.key);
    iamMock.resetHistory();

    clock = 2_000;
    const second = await apply(quarantineIamUser, target, ctx, d);

    expect(second).toEqual({ status: 'applied', calls: [deletePassword] });
    expect(mutations()).toEqual([{ name: 'DeleteLoginProfile', input: deletePassword.input }]);
    // Each effect happened once across both runs (the failed attempt changed nothing).
    expect(fake.effects).toEqual({ PutUserPolicy: 1, DeleteLoginProfile: 1 });
    expect(mallory.password).toBe(false);
    // The record is still the one from before any change: rollback removes the policy this plan added.
    expect(await d.undo.get(ctx.plan_id, ctx.key)).toEqual(first);
    expect(first?.recorded_at).toBe(1_000);
    expect(first?.rollback.map((c) => c.operation)).toEqual(['DeleteUserPolicy']);
  });

  it('a user that does not exist is refused, with no change and no undo record', async () => {
    fake.users.clear();
    const d = deps();

    await expect(apply(quarantineIamUser, target, ctx, d)).rejects.toThrow(ValidationError);
    await expect(dryRun(quarantineIamUser, target, ctx, d)).rejects.toThrow(/does not exist/);
    expect(mutations()).toEqual([]);
    expect(d.undo.records.size).toBe(0);
  });

  it('a same-named user that is not the one the plan names (other account or path) is refused', async () => {
    fake.users.get('mallory')!.arn = 'arn:aws:iam::444455556666:user/engineering/contractors/mallory';
    await expect(apply(quarantineIamUser, target, ctx, deps())).rejects.toThrow(
      /not the user the plan names/,
    );

    fake.users.get('mallory')!.arn = 'arn:aws:iam::111122223333:user/mallory';
    await expect(apply(quarantineIamUser, target, ctx, deps())).rejects.toThrow(ValidationError);

    const elsewhere: ActionTarget = { ...target, account: '999999999999' };
    await expect(apply(quarantineIamUser, elsewhere, ctx, deps())).rejects.toThrow(ValidationError);
    expect(mutations()).toEqual([]);
  });

  it('a target that is not an IAM user ARN is refused, and blind plans nothing for it', async () => {
    for (const bad of [
      { type: 'principal', id: 'arn:aws:sts::111122223333:assumed-role/Admin/mallory' },
      { type: 'principal', id: 'arn:aws:iam::111122223333:role/mallory' },
      { type: 'principal', id: 'arn:aws:iam::111122223333:user/' },
      { type: 'principal', id: 'arn:aws:iam::111122223333:user//mallory' },
      { type: 'principal', id: 'mallory' },
      { type: 'access_key', id: ARN },
    ] as ActionTarget[]) {
      await expect(apply(quarantineIamUser, bad, ctx, deps())).rejects.toThrow(ValidationError);
      expect(quarantineIamUser.blind(bad, ctx)).toEqual([]);
    }
    expect(iamMock.calls()).toEqual([]);
  });

  it('takes the user name from the last segment of a pathless ARN too', async () => {
    const plain: ActionTarget = { type: 'principal', id: 'arn:aws:iam::111122223333:user/mallory' };
    fake.users.get('mallory')!.arn = plain.id;
    await apply(quarantineIamUser, plain, ctx, deps());
    expect(mutations().map((c) => c.input)).toEqual([putDenyAll.input, deletePassword.input]);
  });

  it('for any starting state, the calls lead to contained and the rollback restores the policy', () => {
    const docs = fc.option(
      fc.oneof(
        fc.constant(DENY_ALL),
        fc.constant('not json {'),
        fc.json(),
        fc.constant('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'),
      ),
      { nil: null },
    );
    fc.assert(
      fc.property(docs, fc.boolean(), (policy_document, login_profile) => {
        const state: QuarantineState = { user_name: 'mallory', policy_document, login_profile };
        // Play the calls on a model of the state.
        const model = { ...state };
        for (const c of quarantineIamUser.converge(target, state, ctx)) {
          if (c.operation === 'PutUserPolicy') model.policy_document = c.input.PolicyDocument as string;
          if (c.operation === 'DeleteLoginProfile') model.login_profile = false;
        }
        expect(quarantineIamUser.contained(target, model, ctx)).toBe(true);
        expect(quarantineIamUser.converge(target, model, ctx)).toEqual([]);
        for (const c of quarantineIamUser.undo(target, state, ctx).rollback) {
          if (c.operation === 'PutUserPolicy') model.policy_document = c.input.PolicyDocument as string;
          if (c.operation === 'DeleteUserPolicy') model.policy_document = null;
        }
        expect(model.policy_document).toBe(state.policy_document);
        expect(quarantineIamUser.undo(target, state, ctx).manual.length).toBe(login_profile ? 1 : 0);
      }),
    );
  });
});
