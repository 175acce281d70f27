import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  type DescribeNetworkAclsCommandInput,
  type NetworkAclEntry,
} from '@aws-sdk/client-ec2';
import { GetIPSetCommand, UpdateIPSetCommand } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../../../shared/errors.ts';
import type { ActionContext, ActionSettings } from '../../../../shared/respond/action.ts';
import { blockIp, isRetryableBlockError } from '../../../../shared/respond/actions/block-ip.ts';
import { apply, dryRun, rollback, verify } from '../../../../shared/respond/run-action.ts';
import type { ApiCall } from '../../../../shared/respond/types.ts';
import { memoryUndoStore } from '../../../support/memory-undo-store.ts';
import { testResponseClients } from '../../../support/response-clients.ts';

const _credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'not-a-secret' };
const settings: ActionSettings = {
  wafIpSets: [
    { name: 'vigil-block-v4', id: 'set-v4', scope: 'REGIONAL' },
    { name: 'vigil-block-v6', id: 'set-v6', scope: 'REGIONAL' },
  ],
  networkAclIds: ['acl-public'],
  networkAclRuleRange: [10, 19],
  quarantineSecurityGroupName: 'vigil-quarantine',
};
const ctxFor = (s: ActionSettings, ip = '203.0.113.9'): ActionContext => ({
  plan_id: 'inc-7#2',
  incident_id: 'inc-7',
  key: `block_ip:${ip}`,
  planned_at: 1_760_000_000_000,
  settings: s,
});
const ctx = ctxFor(settings);
const target = { type: 'ip' as const, id: '203.0.113.9' };
const CIDR = '203.0.113.9/32';

const awsError = (name: string, status = 400) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const unavailable = () =>
  Object.assign(new Error('x'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });

interface FakeSet {
  name: string;
  scope: string;
  version: 'IPV4' | 'IPV6';
  description?: string;
  addresses: string[];
  token: number;
}
interface FakeAccount {
  sets: Record<string, FakeSet>;
  nacls: Record<string, NetworkAclEntry[]>;
  effects: string[];
  failOnce: Set<string>;
  /** Runs once just before the next UpdateIPSet is judged: another writer getting in first. */
  race?: () => void;
}

const entry = (
  RuleNumber: number,
  Egress: boolean,
  RuleAction: 'allow' | 'deny',
  CidrBlock = '0.0.0.0/0',
) => ({
  RuleNumber,
  Egress,
  RuleAction,
  Protocol: '-1',
  CidrBlock,
});

function freshAccount(): FakeAccount {
  return {
    sets: {
      'set-v4': {
        name: 'vigil-block-v4',
        scope: 'REGIONAL',
        version: 'IPV4',
        description: 'Blocked by Vigil',
        addresses: ['198.51.100.0/24'],
        token: 1,
      },
      'set-v6': { name: 'vigil-block-v6', scope: 'REGIONAL', version: 'IPV6', addresses: [], token: 1 },
    },
    nacls: {
      'acl-public': [
        // Someone's own deny already holds ingress rule 10: ours must take 11.
        entry(10, false, 'deny', '192.0.2.0/24'),
        entry(100, false, 'allow'),
        entry(32767, false, 'deny'),
        entry(100, true, 'allow'),
        entry(32767, true, 'deny'),
      ],
    },
    effects: [],
    failOnce: new Set(),
  };
}

function setup() {
  const account = freshAccount();
  const clients = testResponseClients();
  const waf = mockClient(clients.wafv2);
  const ec2 = mockClient(clients.ec2);
  const effect = (what: string) => {
    if (account.failOnce.delete(what)) throw unavailable();
    account.effects.push(what);
  };
  const set = (input: { Id?: string; Name?: string; Scope?: string }) => {
    const s = input.Id ? account.sets[input.Id] : undefined;
    if (!s || s.name !== input.Name || s.scope !== input.Scope) throw awsError('WAFNonexistentItemException');
    return s;
  };

  waf.on(GetIPSetCommand).callsFake((input) => {
    const s = set(input);
    return {
      IPSet: {
        Name: s.name,
        Id: input.Id,
        ARN: `arn:aws:wafv2:us-east-1:111122223333:regional/ipset/${s.name}/${input.Id}`,
        IPAddressVersion: s.version,
        Addresses: [...s.addresses],
        ...(s.description ? { Description: s.description } : {}),
      },
      LockToken: `token-${s.token}`,
    };
  });
  waf.on(UpdateIPSetCommand).callsFake((input) => {
    const s = set(input);
    const race = account.race;
    account.race = undefined;
    race?.();
    if (input.LockToken !== `token-${s.token}`) throw awsError('WAFOptimisticLockException');
    effect(`UpdateIPSet ${input.Id}`);
    // UpdateIPSet replaces the whole specification: an omitted description is erased.
    s.addresses = [...(input.Addresses ?? [])];
    s.description = input.Description;
    s.token++;
    return { NextLockToken: `token-${s.token}` };
  });
  ec2.on(DescribeNetworkAclsCommand).callsFake((input: DescribeNetworkAclsCommandInput) => {
    const ids = input.NetworkAclIds ?? [];
    for (const id of ids) if (!account.nacls[id]) throw awsError('InvalidNetworkAclID.NotFound');
    return {
      NetworkAcls: ids.map((id) => ({
        NetworkAclId: id,
        VpcId: 'vpc-1',
        Entries: structuredClone(account.nacls[id]),
      })),
    };
  });
  ec2.on(CreateNetworkAclEntryCommand).callsFake((input) => {
    const entries = account.nacls[input.NetworkAclId ?? ''];
    if (!entries) throw awsError('InvalidNetworkAclID.NotFound');
    if (entries.some((e) => e.Egress === input.Egress && e.RuleNumber === input.RuleNumber))
      throw awsError('NetworkAclEntryAlreadyExists');
    effect(
      `CreateNetworkAclEntry ${input.NetworkAclId} ${input.Egress ? 'egress' : 'ingress'} ${input.RuleNumber}`,
    );
    entries.push({
      RuleNumber: input.RuleNumber,
      Egress: input.Egress,
      RuleAction: input.RuleAction,
      Protocol: input.Protocol,
      ...(input.CidrBlock ? { CidrBlock: input.CidrBlock } : {}),
      ...(input.Ipv6CidrBlock ? { Ipv6CidrBlock: input.Ipv6CidrBlock } : {}),
    });
    return {};
  });
  ec2.on(DeleteNetworkAclEntryCommand).callsFake((input) => {
    const entries = account.nacls[input.NetworkAclId ?? ''] ?? [];
    const at = entries.findIndex((e) => e.Egress === input.Egress && e.RuleNumber === input.RuleNumber);
    if (at === -1) throw awsError('InvalidNetworkAclEntry.NotFound');
    effect(
      `DeleteNetworkAclEntry ${input.NetworkAclId} ${input.Egress ? 'egress' : 'ingress'} ${input.RuleNumber}`,
    );
    entries.splice(at, 1);
    return {};
  });

  const undo = memoryUndoStore();
  const deps = { clients, undo, now: () => 1_760_000_002_000 };
  return {
    account,
    clients,
    waf,
    ec2,
    undo,
    deps,
    restore: () => {
      waf.restore();
      ec2.restore();
    },
  };
}

let env: ReturnType<typeof setup>;
beforeEach(() => {
  env = setup();
});
afterEach(() => env.restore());

const mutatingCallCount = () =>
  env.waf.commandCalls(UpdateIPSetCommand).length +
  env.ec2.commandCalls(CreateNetworkAclEntryCommand).length +
  env.ec2.commandCalls(DeleteNetworkAclEntryCommand).length;

const UPDATE_V4: ApiCall = {
  service: 'wafv2',
  operation: 'UpdateIPSet',
  input: {
    Name: 'vigil-block-v4',
    Scope: 'REGIONAL',
    Id: 'set-v4',
    Description: 'Blocked by Vigil',
    Addresses: ['198.51.100.0/24', CIDR],
    LockToken: 'token-1',
  },
  mutating: true,
};
const naclEntry = (RuleNumber: number, Egress: boolean): ApiCall => ({
  service: 'ec2',
  operation: 'CreateNetworkAclEntry',
  input: {
    NetworkAclId: 'acl-public',
    RuleNumber,
    Protocol: '-1',
    RuleAction: 'deny',
    Egress,
    CidrBlock: CIDR,
  },
  mutating: true,
});
const FIRST_RUN = [UPDATE_V4, naclEntry(11, false), naclEntry(10, true)];

describe('block_ip', () => {
  it('adds the /32 to each matching WAF set and a deny both ways to each NACL, lowest free rule', async () => {
    const outcome = await apply(blockIp, target, ctx, env.deps);
    expect(outcome).toEqual({ status: 'applied', calls: FIRST_RUN });
    expect(env.account.effects).toEqual([
      'UpdateIPSet set-v4',
      'CreateNetworkAclEntry acl-public ingress 11',
      'CreateNetworkAclEntry acl-public egress 10',
    ]);
    expect(env.waf.commandCalls(UpdateIPSetCommand).map((c) => c.args[0].input)).toEqual([UPDATE_V4.input]);
    expect(env.ec2.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input)).toEqual([
      naclEntry(11, false).input,
      naclEntry(10, true).input,
    ]);
    // The IPv6 set was read, not written; the description of the IPv4 set survived the replace.
    expect(env.waf.commandCalls(GetIPSetCommand).map((c) => c.args[0].input.Id)).toEqual([
      'set-v4',
      'set-v6',
    ]);
    expect(env.account.sets['set-v4']).toMatchObject({
      description: 'Blocked by Vigil',
      addresses: ['198.51.100.0/24', CIDR],
    });
    expect(await verify(blockIp, target, ctx, env.deps)).toBe(true);
  });

  it('records the state before any change, the rollback (re-read, then remove only ours) and the skipped set', async () => {
    await apply(blockIp, target, ctx, env.deps);
    const record = await env.undo.get(ctx.plan_id, ctx.key);
    expect(record).toMatchObject({ action: 'block_ip', target, recorded_at: 1_760_000_002_000 });
    expect(record!.before).toMatchObject({
      cidr: CIDR,
      version: 4,
      ip_sets: [
        {
          name: 'vigil-block-v4',
          id: 'set-v4',
          scope: 'REGIONAL',
          description: 'Blocked by Vigil',
          addresses: ['198.51.100.0/24'],
          lock_token: 'token-1',
        },
      ],
      skipped: [
        {
          name: 'vigil-block-v6',
          id: 'set-v6',
          scope: 'REGIONAL',
          reason: 'holds IPV6 addresses; 203.0.113.9/32 is IPV4',
        },
      ],
    });
    expect(record!.rollback).toEqual([
      {
        service: 'wafv2',
        operation: 'GetIPSet',
        input: { Name: 'vigil-block-v4', Scope: 'REGIONAL', Id: 'set-v4' },
        mutating: false,
      },
      {
        service: 'wafv2',
        operation: 'UpdateIPSet',
        input: {
          Name: 'vigil-block-v4',
          Scope: 'REGIONAL',
          Id: 'set-v4',
          Description: 'Blocked by Vigil',
          Addresses: { $from: 'GetIPSet', $path: 'IPSet.Addresses', $without: [CIDR] },
          LockToken: { $from: 'GetIPSet', $path: 'LockToken' },
        },
        mutating: true,
      },
      {
        service: 'ec2',
        operation: 'DeleteNetworkAclEntry',
        input: { NetworkAclId: 'acl-public', RuleNumber: 11, Egress: false },
        mutating: true,
      },
      {
        service: 'ec2',
        operation: 'DeleteNetworkAclEntry',
        input: { NetworkAclId: 'acl-public', RuleNumber: 10, Egress: true },
        mutating: true,
      },
    ]);
    expect(record!.manual).toEqual([
      'WAF IP set vigil-block-v6 was not used (holds IPV6 addresses; 203.0.113.9/32 is IPV4); block the address there by hand if needed.',
    ]);
  });

  // Needs the runner's `$without` (FromEarlierCall): the list as it is at rollback, minus ours.
  it('rolls back from the CURRENT list: addresses added since by others stay', async () => {
    await apply(blockIp, target, ctx, env.deps);
    const record = await env.undo.get(ctx.plan_id, ctx.key);
    // Someone else blocks another address after us.
    const v4 = env.account.sets['set-v4']!;
    v4.addresses.push('192.0.2.77/32');
    v4.token++;
    env.account.effects = [];

    const result = await rollback(blockIp, ctx, env.deps);
    expect(result.calls).toEqual(record!.rollback);
    expect(env.account.effects).toEqual([
      'UpdateIPSet set-v4',
      'DeleteNetworkAclEntry acl-public ingress 11',
      'DeleteNetworkAclEntry acl-public egress 10',
    ]);
    expect(env.waf.commandCalls(UpdateIPSetCommand).at(-1)!.args[0].input).toEqual({
      Name: 'vigil-block-v4',
      Scope: 'REGIONAL',
      Id: 'set-v4',
      Description: 'Blocked by Vigil',
      Addresses: ['198.51.100.0/24', '192.0.2.77/32'],
      LockToken: 'token-3',
    });
    expect(env.ec2.commandCalls(DeleteNetworkAclEntryCommand).map((c) => c.args[0].input)).toEqual([
      record!.rollback[2]!.input,
      record!.rollback[3]!.input,
    ]);
    expect(v4.addresses).toEqual(['198.51.100.0/24', '192.0.2.77/32']);
    expect(env.account.nacls['acl-public']).toEqual(freshAccount().nacls['acl-public']);
  });

  it('dry-run with clients changes nothing and returns the calls apply then makes', async () => {
    const preview = await dryRun(blockIp, target, ctx, env.deps);
    expect(preview).toEqual({ status: 'dry_run', calls: FIRST_RUN, inspected: true });
    expect(mutatingCallCount()).toBe(0);
    expect(env.undo.records.size).toBe(0);
    const applied = await apply(blockIp, target, ctx, env.deps);
    expect(applied.calls).toEqual(preview.calls);
  });

  it('dry-run without clients returns the blind worst case over every configured set and NACL', async () => {
    const preview = await dryRun(blockIp, target, ctx, { undo: env.undo, now: env.deps.now });
    expect(preview.status === 'dry_run' && preview.inspected).toBe(false);
    expect(preview.calls.map((c) => `${c.service}:${c.operation}:${c.mutating}`)).toEqual([
      'wafv2:GetIPSet:false',
      'wafv2:UpdateIPSet:true',
      'wafv2:GetIPSet:false',
      'wafv2:UpdateIPSet:true',
      'ec2:DescribeNetworkAcls:false',
      'ec2:CreateNetworkAclEntry:true',
      'ec2:CreateNetworkAclEntry:true',
    ]);
    expect(preview.calls[1]!.input).toEqual({
      Name: 'vigil-block-v4',
      Scope: 'REGIONAL',
      Id: 'set-v4',
      Addresses: { $from: 'GetIPSet', $path: 'IPSet.Addresses', $with: [CIDR] },
      LockToken: { $from: 'GetIPSet', $path: 'LockToken' },
    });
    expect(preview.calls[6]!.input).toEqual(naclEntry(10, true).input);
    for (const call of preview.calls)
      expect(blockIp.commands[`${call.service}:${call.operation}`]).toBeDefined();
    expect(mutatingCallCount()).toBe(0);
  });

  it('an address already blocked everywhere converges to nothing and records no undo', async () => {
    await apply(blockIp, target, ctx, env.deps);
    env.undo.records.clear();
    env.waf.resetHistory();
    env.ec2.resetHistory();
    expect(await apply(blockIp, target, ctx, env.deps)).toEqual({ status: 'already_converged', calls: [] });
    expect(mutatingCallCount()).toBe(0);
    expect(env.undo.records.size).toBe(0);
  });

  it('after a failure mid-way, a re-run sends only the missing entry and keeps the first undo record', async () => {
    env.account.failOnce.add('CreateNetworkAclEntry acl-public egress 10');
    await expect(apply(blockIp, target, ctx, env.deps)).rejects.toBeInstanceOf(TransientError);
    const first = structuredClone(await env.undo.get(ctx.plan_id, ctx.key));

    const second = await apply(blockIp, target, ctx, env.deps);
    expect(second).toEqual({ status: 'applied', calls: [naclEntry(10, true)] });
    expect(await env.undo.get(ctx.plan_id, ctx.key)).toEqual(first);
    expect(first!.rollback.map((c) => c.operation)).toEqual([
      'GetIPSet',
      'UpdateIPSet',
      'DeleteNetworkAclEntry',
      'DeleteNetworkAclEntry',
    ]);
    expect(env.account.effects).toEqual([
      'UpdateIPSet set-v4',
      'CreateNetworkAclEntry acl-public ingress 11',
      'CreateNetworkAclEntry acl-public egress 10',
    ]);
    expect(env.waf.commandCalls(UpdateIPSetCommand)).toHaveLength(1);
    expect(env.ec2.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input.RuleNumber)).toEqual(
      [11, 10, 10],
    );
    expect(await verify(blockIp, target, ctx, env.deps)).toBe(true);
  });

  it('a WAF lock conflict fails the run as a TransientError (the state retries); the retry re-reads and keeps the other writer', async () => {
    env.account.race = () => {
      const v4 = env.account.sets['set-v4']!;
      v4.addresses.push('192.0.2.55/32');
      v4.token++;
    };
    const failure = await apply(blockIp, target, ctx, env.deps).catch((e: unknown) => e);
    expect(isRetryableBlockError(failure)).toBe(true);
    expect(failure).toBeInstanceOf(TransientError);
    expect(env.account.effects).toEqual([]);

    const retry = await apply(blockIp, target, ctx, env.deps);
    expect(retry.calls[0]!.input).toMatchObject({
      Addresses: ['198.51.100.0/24', '192.0.2.55/32', CIDR],
      LockToken: 'token-2',
    });
    expect(env.account.sets['set-v4']!.addresses).toEqual(['198.51.100.0/24', '192.0.2.55/32', CIDR]);
    expect(await verify(blockIp, target, ctx, env.deps)).toBe(true);
  });

  it('isRetryableBlockError sees the lock conflict through a cause chain, and nothing else', () => {
    const lock = awsError('WAFOptimisticLockException');
    expect(isRetryableBlockError(lock)).toBe(true);
    expect(isRetryableBlockError(Object.assign(new Error('wrapped'), { cause: lock }))).toBe(true);
    expect(isRetryableBlockError(awsError('WAFLimitsExceededException'))).toBe(false);
    expect(isRetryableBlockError(undefined)).toBe(false);
    expect(isRetryableBlockError('WAFOptimisticLockException')).toBe(false);
  });

  it('blocks an IPv6 address as a normalised /128 in the IPv6 set and as Ipv6CidrBlock', async () => {
    const v6 = { type: 'ip' as const, id: '2001:DB8:0:0:0:0:0:9' };
    const v6ctx = ctxFor(settings, v6.id);
    const outcome = await apply(blockIp, v6, v6ctx, env.deps);
    expect(outcome.calls).toEqual([
      {
        service: 'wafv2',
        operation: 'UpdateIPSet',
        input: {
          Name: 'vigil-block-v6',
          Scope: 'REGIONAL',
          Id: 'set-v6',
          Addresses: ['2001:db8::9/128'],
          LockToken: 'token-1',
        },
        mutating: true,
      },
      ...[false, true].map((Egress) => ({
        service: 'ec2',
        operation: 'CreateNetworkAclEntry',
        input: {
          NetworkAclId: 'acl-public',
          RuleNumber: Egress ? 10 : 11,
          Protocol: '-1',
          RuleAction: 'deny',
          Egress,
          Ipv6CidrBlock: '2001:db8::9/128',
        },
        mutating: true,
      })),
    ]);
    const state = await blockIp.inspect(v6, env.clients, v6ctx);
    expect(state.skipped.map((s) => s.id)).toEqual(['set-v4']);
    expect(await verify(blockIp, v6, v6ctx, env.deps)).toBe(true);
  });

  it('counts the address already present in another spelling', async () => {
    env.account.sets['set-v6']!.addresses = ['2001:0db8:0000::0009/128'];
    const v6 = { type: 'ip' as const, id: '2001:db8::9' };
    const state = await blockIp.inspect(v6, env.clients, ctxFor(settings, v6.id));
    expect(blockIp.converge(v6, state, ctxFor(settings, v6.id)).map((c) => c.operation)).toEqual([
      'CreateNetworkAclEntry',
      'CreateNetworkAclEntry',
    ]);
  });

  it('with nowhere to block, inspect refuses and blind is empty', async () => {
    const none = ctxFor({ ...settings, wafIpSets: [], networkAclIds: [] });
    await expect(apply(blockIp, target, none, env.deps)).rejects.toThrow(/block_ip has nowhere to block/);
    expect(blockIp.blind(target, none)).toEqual([]);
    // Only sets of the other family and no NACL: also nowhere.
    const v4only = ctxFor({ ...settings, wafIpSets: [settings.wafIpSets[0]!], networkAclIds: [] });
    await expect(apply(blockIp, { type: 'ip', id: '2001:db8::9' }, v4only, env.deps)).rejects.toThrow(
      /nowhere to block an IPV6 address/,
    );
    expect(mutatingCallCount()).toBe(0);
  });

  it('refuses targets that are not external addresses, missing sets and ACLs, and full rule ranges', async () => {
    const refused = async (t: { type: 'ip'; id: string }, c: ActionContext, message: RegExp) => {
      const failure = apply(blockIp, t, c, env.deps);
      await expect(failure).rejects.toBeInstanceOf(ValidationError);
      await expect(failure).rejects.toThrow(message);
    };
    await refused({ type: 'ip', id: '10.1.2.3' }, ctx, /not an external IP address/);
    await refused({ type: 'ip', id: 'not-an-ip' }, ctx, /not an external IP address/);
    await refused(
      target,
      ctxFor({ ...settings, wafIpSets: [{ name: 'gone', id: 'set-gone', scope: 'REGIONAL' }] }),
      /WAF IP set gone does not exist/,
    );
    await refused(target, ctxFor({ ...settings, networkAclIds: ['acl-gone'] }), /network ACL does not exist/);
    await refused(
      target,
      ctxFor({ ...settings, networkAclRuleRange: [10, 10] }),
      /no free ingress rule number in 10-10/,
    );
    expect(blockIp.blind({ type: 'ip', id: '10.1.2.3' }, ctx)).toEqual([]);
    expect(mutatingCallCount()).toBe(0);
    expect(env.undo.records.size).toBe(0);
  });

  it('declares a command for every call it can build', async () => {
    const state = await blockIp.inspect(target, env.clients, ctx);
    const all = [
      ...blockIp.converge(target, state, ctx),
      ...blockIp.undo(target, state, ctx).rollback,
      ...blockIp.blind(target, ctx),
    ];
    for (const call of all) expect(blockIp.commands[`${call.service}:${call.operation}`]).toBeDefined();
    expect(blockIp.destructive).toBe(false);
  });
});
