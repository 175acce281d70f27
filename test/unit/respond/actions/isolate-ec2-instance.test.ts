// isolate_ec2_instance against a small stateful fake of one account: the mocks read and write a
// plain object, so "converged" and "re-run sends only what is missing" are shown, not assumed.
import {
  AttachInstancesCommand,
  DescribeAutoScalingInstancesCommand,
  type DescribeAutoScalingInstancesCommandInput,
  DetachInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  type DescribeSecurityGroupsCommandInput,
  DescribeSnapshotsCommand,
  type DescribeSnapshotsCommandInput,
  type IpPermission,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../../../shared/errors.ts';
import type { ActionContext } from '../../../../shared/respond/action.ts';
import { isolateEc2Instance } from '../../../../shared/respond/actions/isolate-ec2-instance.ts';
import { apply, dryRun, rollback, verify } from '../../../../shared/respond/run-action.ts';
import type { ApiCall } from '../../../../shared/respond/types.ts';
import { memoryUndoStore } from '../../../support/memory-undo-store.ts';
import { testResponseClients } from '../../../support/response-clients.ts';

const INSTANCE = 'i-0123456789abcdef0';
const ACCOUNT = '111122223333';
const VPC = 'vpc-0a1b2c3d';
const _credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'not-a-secret' };

const ctx: ActionContext = {
  plan_id: 'inc-42#1',
  incident_id: 'inc-42',
  key: `isolate_ec2_instance:${INSTANCE}`,
  planned_at: 1_760_000_000_000,
  settings: {
    wafIpSets: [],
    networkAclIds: [],
    networkAclRuleRange: [10, 19],
    quarantineSecurityGroupName: 'vigil-quarantine',
  },
};
const target = { type: 'resource' as const, id: INSTANCE, account: ACCOUNT, region: 'us-east-1' };

const awsError = (name: string, status = 400) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const unavailable = () =>
  Object.assign(new Error('x'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });

interface FakeInstance {
  state: string;
  owner: string;
  vpc: string;
  enis: { id: string; groups: string[] }[];
  volumes: string[];
  tags: Record<string, string>;
}
interface FakeGroup {
  id: string;
  name: string;
  vpc: string;
  tags: Record<string, string>;
  ingress: IpPermission[];
  egress: IpPermission[];
}
interface FakeAccount {
  instances: Record<string, FakeInstance>;
  groups: FakeGroup[];
  /** instance id → Auto Scaling group name */
  membership: Record<string, string>;
  snapshots: { id: string; volume: string; tags: Record<string, string> }[];
  /** Every mutating call the fake accepted, in order across clients: `<Operation> <detail>`. */
  effects: string[];
  /** `<Operation> <detail>` keys that fail once with a 503. */
  failOnce: Set<string>;
  seq: number;
}

const DEFAULT_EGRESS: IpPermission = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

function freshAccount(): FakeAccount {
  return {
    instances: {
      [INSTANCE]: {
        state: 'running',
        owner: ACCOUNT,
        vpc: VPC,
        enis: [
          { id: 'eni-primary', groups: ['sg-web'] },
          { id: 'eni-secondary', groups: ['sg-web', 'sg-admin'] },
        ],
        volumes: ['vol-root', 'vol-data'],
        tags: { Name: 'web-1' },
      },
    },
    groups: [
      { id: 'sg-web', name: 'web', vpc: VPC, tags: {}, ingress: [], egress: [DEFAULT_EGRESS] },
      { id: 'sg-admin', name: 'admin', vpc: VPC, tags: {}, ingress: [], egress: [DEFAULT_EGRESS] },
    ],
    membership: { [INSTANCE]: 'web-asg' },
    snapshots: [],
    effects: [],
    failOnce: new Set(),
    seq: 0,
  };
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const specTags = (specs: { Tags?: { Key?: string; Value?: string }[] }[] | undefined) =>
  Object.fromEntries((specs?.[0]?.Tags ?? []).map((t) => [t.Key!, t.Value!]));

function setup() {
  const account = freshAccount();
  const clients = testResponseClients();
  const ec2 = mockClient(clients.ec2);
  const asg = mockClient(clients.autoscaling);
  const effect = (what: string) => {
    if (account.failOnce.delete(what)) throw unavailable();
    account.effects.push(what);
  };
  const instance = (id: string | undefined) => {
    const i = id ? account.instances[id] : undefined;
    if (!i) throw awsError('InvalidInstanceID.NotFound');
    return i;
  };
  const eni = (id: string | undefined) => {
    const found = Object.values(account.instances)
      .flatMap((i) => i.enis)
      .find((e) => e.id === id);
    if (!found) throw awsError('InvalidNetworkInterfaceID.NotFound');
    return found;
  };

  ec2.on(DescribeInstancesCommand).callsFake((input) => {
    const id = input.InstanceIds?.[0];
    const i = instance(id);
    return {
      Reservations: [
        {
          OwnerId: i.owner,
          Instances: [
            {
              InstanceId: id,
              State: { Name: i.state },
              VpcId: i.vpc,
              NetworkInterfaces: i.enis.map((e) => ({
                NetworkInterfaceId: e.id,
                VpcId: i.vpc,
                Groups: e.groups.map((g) => ({ GroupId: g, GroupName: g })),
              })),
              BlockDeviceMappings: i.volumes.map((v, n) => ({
                DeviceName: `/dev/sd${'abcdefgh'[n]}`,
                Ebs: { VolumeId: v },
              })),
              Tags: tagList(i.tags),
            },
          ],
        },
      ],
    };
  });
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: DescribeSecurityGroupsCommandInput) => {
    const vpc = input.Filters?.find((f) => f.Name === 'vpc-id')?.Values ?? [];
    const names = input.Filters?.find((f) => f.Name === 'group-name')?.Values ?? [];
    return {
      SecurityGroups: account.groups
        .filter((g) => vpc.includes(g.vpc) && names.includes(g.name))
        .map((g) => ({
          GroupId: g.id,
          GroupName: g.name,
          VpcId: g.vpc,
          Tags: tagList(g.tags),
          IpPermissions: structuredClone(g.ingress),
          IpPermissionsEgress: structuredClone(g.egress),
        })),
    };
  });
  ec2.on(CreateSecurityGroupCommand).callsFake((input) => {
    if (account.groups.some((g) => g.vpc === input.VpcId && g.name === input.GroupName))
      throw awsError('InvalidGroup.Duplicate');
    effect(`CreateSecurityGroup ${input.GroupName}`);
    const id = `sg-quarantine${++account.seq}`;
    account.groups.push({
      id,
      name: input.GroupName!,
      vpc: input.VpcId!,
      tags: specTags(input.TagSpecifications),
      ingress: [],
      egress: [structuredClone(DEFAULT_EGRESS)],
    });
    return { GroupId: id };
  });
  ec2.on(RevokeSecurityGroupEgressCommand).callsFake((input) => {
    const group = account.groups.find((g) => g.id === input.GroupId);
    if (!group) throw awsError('InvalidGroup.NotFound');
    const wanted = JSON.stringify(input.IpPermissions);
    if (JSON.stringify(group.egress) !== wanted) throw awsError('InvalidPermission.NotFound');
    effect(`RevokeSecurityGroupEgress ${group.id}`);
    group.egress = [];
    return { Return: true };
  });
  ec2.on(ModifyNetworkInterfaceAttributeCommand).callsFake((input) => {
    const e = eni(input.NetworkInterfaceId);
    for (const g of input.Groups ?? [])
      if (!account.groups.some((x) => x.id === g)) throw awsError('InvalidGroup.NotFound');
    effect(`ModifyNetworkInterfaceAttribute ${e.id}`);
    e.groups = [...(input.Groups ?? [])];
    return {};
  });
  ec2.on(CreateSnapshotCommand).callsFake((input) => {
    effect(`CreateSnapshot ${input.VolumeId}`);
    const id = `snap-${++account.seq}`;
    account.snapshots.push({ id, volume: input.VolumeId!, tags: specTags(input.TagSpecifications) });
    return { SnapshotId: id, VolumeId: input.VolumeId, State: 'pending' };
  });
  ec2.on(DescribeSnapshotsCommand).callsFake((input: DescribeSnapshotsCommandInput) => {
    const plan = input.Filters?.find((f) => f.Name === 'tag:vigil:plan')?.Values ?? [];
    return {
      Snapshots: account.snapshots
        .filter((s) => plan.includes(s.tags['vigil:plan'] ?? ''))
        .map((s) => ({ SnapshotId: s.id, VolumeId: s.volume, State: 'completed', Tags: tagList(s.tags) })),
    };
  });
  ec2.on(CreateTagsCommand).callsFake((input) => {
    const i = instance(input.Resources?.[0]);
    effect(`CreateTags ${input.Resources?.[0]}`);
    for (const t of input.Tags ?? []) i.tags[t.Key!] = t.Value!;
    return {};
  });
  ec2.on(DeleteTagsCommand).callsFake((input) => {
    const i = instance(input.Resources?.[0]);
    effect(`DeleteTags ${input.Resources?.[0]}`);
    for (const t of input.Tags ?? [])
      if (t.Value === undefined || i.tags[t.Key!] === t.Value) delete i.tags[t.Key!];
    return {};
  });
  asg
    .on(DescribeAutoScalingInstancesCommand)
    .callsFake((input: DescribeAutoScalingInstancesCommandInput) => ({
      AutoScalingInstances: (input.InstanceIds ?? []).flatMap((id) =>
        account.membership[id]
          ? [{ InstanceId: id, AutoScalingGroupName: account.membership[id], LifecycleState: 'InService' }]
          : [],
      ),
    }));
  asg.on(DetachInstancesCommand).callsFake((input) => {
    const id = input.InstanceIds?.[0] ?? '';
    if (account.membership[id] !== input.AutoScalingGroupName) throw awsError('ValidationError');
    effect(`DetachInstances ${id}`);
    delete account.membership[id];
    return { Activities: [] };
  });
  asg.on(AttachInstancesCommand).callsFake((input) => {
    const id = input.InstanceIds?.[0] ?? '';
    if (account.membership[id]) throw awsError('ValidationError');
    effect(`AttachInstances ${id}`);
    account.membership[id] = input.AutoScalingGroupName!;
    return {};
  });

  const undo = memoryUndoStore();
  const deps = { clients, undo, now: () => 1_760_000_001_000 };
  return {
    account,
    clients,
    ec2,
    asg,
    undo,
    deps,
    restore: () => {
      ec2.restore();
      asg.restore();
    },
  };
}

let env: ReturnType<typeof setup>;
beforeEach(() => {
  env = setup();
});
afterEach(() => env.restore());

/** Calls of any command that is not a read (Describe…), across both mocked clients. */
const mutatingCallCount = () =>
  [...env.ec2.calls(), ...env.asg.calls()].filter(
    (c) => !(c.args[0] as object).constructor.name.startsWith('Describe'),
  ).length;

const SNAPSHOT_TAGS = [
  {
    ResourceType: 'snapshot',
    Tags: [
      { Key: 'vigil:plan', Value: 'inc-42#1' },
      { Key: 'vigil:incident', Value: 'inc-42' },
    ],
  },
];
const snapshotInput = (volume: string) => ({
  VolumeId: volume,
  Description: `Vigil forensic snapshot of ${volume} from ${INSTANCE} (incident inc-42)`,
  TagSpecifications: SNAPSHOT_TAGS,
});

/** What a first run against the fresh account sends, placeholders as written. */
const FIRST_RUN: ApiCall[] = [
  {
    service: 'autoscaling',
    operation: 'DetachInstances',
    input: {
      InstanceIds: [INSTANCE],
      AutoScalingGroupName: 'web-asg',
      ShouldDecrementDesiredCapacity: false,
    },
    mutating: true,
  },
  {
    service: 'ec2',
    operation: 'CreateSecurityGroup',
    input: {
      GroupName: 'vigil-quarantine',
      Description: 'Vigil quarantine: no inbound or outbound rules',
      VpcId: VPC,
      TagSpecifications: [
        { ResourceType: 'security-group', Tags: [{ Key: 'vigil:quarantine', Value: 'true' }] },
      ],
    },
    mutating: true,
  },
  {
    service: 'ec2',
    operation: 'RevokeSecurityGroupEgress',
    input: {
      GroupId: { $from: 'CreateSecurityGroup', $path: 'GroupId' },
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
    mutating: true,
  },
  ...['eni-primary', 'eni-secondary'].map((id) => ({
    service: 'ec2' as const,
    operation: 'ModifyNetworkInterfaceAttribute',
    input: { NetworkInterfaceId: id, Groups: [{ $from: 'CreateSecurityGroup', $path: 'GroupId' }] },
    mutating: true,
  })),
  ...['vol-root', 'vol-data'].map((v) => ({
    service: 'ec2' as const,
    operation: 'CreateSnapshot',
    input: snapshotInput(v),
    mutating: true,
  })),
  {
    service: 'ec2',
    operation: 'CreateTags',
    input: { Resources: [INSTANCE], Tags: [{ Key: 'vigil:isolated', Value: 'inc-42' }] },
    mutating: true,
  },
];

describe('isolate_ec2_instance', () => {
  it('detaches, quarantines every interface, snapshots every volume and tags, in that order', async () => {
    const outcome = await apply(isolateEc2Instance, target, ctx, env.deps);
    expect(outcome).toEqual({ status: 'applied', calls: FIRST_RUN });

    // Cross-client order, as the account saw it.
    expect(env.account.effects).toEqual([
      `DetachInstances ${INSTANCE}`,
      'CreateSecurityGroup vigil-quarantine',
      'RevokeSecurityGroupEgress sg-quarantine1',
      'ModifyNetworkInterfaceAttribute eni-primary',
      'ModifyNetworkInterfaceAttribute eni-secondary',
      'CreateSnapshot vol-root',
      'CreateSnapshot vol-data',
      `CreateTags ${INSTANCE}`,
    ]);
    // Exact SDK inputs, placeholders resolved.
    expect(env.asg.commandCalls(DetachInstancesCommand)[0]!.args[0].input).toEqual({
      InstanceIds: [INSTANCE],
      AutoScalingGroupName: 'web-asg',
      ShouldDecrementDesiredCapacity: false,
    });
    expect(env.ec2.commandCalls(CreateSecurityGroupCommand)[0]!.args[0].input).toEqual(FIRST_RUN[1]!.input);
    expect(env.ec2.commandCalls(RevokeSecurityGroupEgressCommand)[0]!.args[0].input).toEqual({
      GroupId: 'sg-quarantine1',
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    const modified = env.ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand).map((c) => c.args[0].input);
    expect(modified).toEqual([
      { NetworkInterfaceId: 'eni-primary', Groups: ['sg-quarantine1'] },
      { NetworkInterfaceId: 'eni-secondary', Groups: ['sg-quarantine1'] },
    ]);
    expect(env.ec2.commandCalls(CreateSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      snapshotInput('vol-root'),
      snapshotInput('vol-data'),
    ]);
    expect(env.ec2.commandCalls(CreateTagsCommand)[0]!.args[0].input).toEqual({
      Resources: [INSTANCE],
      Tags: [{ Key: 'vigil:isolated', Value: 'inc-42' }],
    });
    expect(env.ec2.commandCalls(DeleteTagsCommand)).toHaveLength(0);
    expect(env.asg.commandCalls(AttachInstancesCommand)).toHaveLength(0);
    expect(mutatingCallCount()).toBe(8);

    // The account is now contained, and the quarantine group allows nothing.
    expect(await verify(isolateEc2Instance, target, ctx, env.deps)).toBe(true);
    const quarantine = env.account.groups.find((g) => g.name === 'vigil-quarantine')!;
    expect(quarantine).toMatchObject({ ingress: [], egress: [], tags: { 'vigil:quarantine': 'true' } });
  });

  it('records the state before any change and the calls that restore it', async () => {
    await apply(isolateEc2Instance, target, ctx, env.deps);
    const record = await env.undo.get(ctx.plan_id, ctx.key);
    expect(record).toMatchObject({
      plan_id: 'inc-42#1',
      key: ctx.key,
      action: 'isolate_ec2_instance',
      target,
      recorded_at: 1_760_000_001_000,
    });
    expect(record!.before).toEqual({
      instance_id: INSTANCE,
      vpc_id: VPC,
      interfaces: [
        { id: 'eni-primary', groups: ['sg-web'] },
        { id: 'eni-secondary', groups: ['sg-web', 'sg-admin'] },
      ],
      volumes: ['vol-root', 'vol-data'],
      isolated_tag: null,
      quarantine: null,
      auto_scaling_group: 'web-asg',
      snapshotted: [],
    });
    expect(record!.rollback).toEqual([
      {
        service: 'ec2',
        operation: 'ModifyNetworkInterfaceAttribute',
        input: { NetworkInterfaceId: 'eni-primary', Groups: ['sg-web'] },
        mutating: true,
      },
      {
        service: 'ec2',
        operation: 'ModifyNetworkInterfaceAttribute',
        input: { NetworkInterfaceId: 'eni-secondary', Groups: ['sg-web', 'sg-admin'] },
        mutating: true,
      },
      {
        service: 'autoscaling',
        operation: 'AttachInstances',
        input: { InstanceIds: [INSTANCE], AutoScalingGroupName: 'web-asg' },
        mutating: true,
      },
      {
        service: 'ec2',
        operation: 'DeleteTags',
        input: { Resources: [INSTANCE], Tags: [{ Key: 'vigil:isolated', Value: 'inc-42' }] },
        mutating: true,
      },
    ]);
    expect(record!.manual).toHaveLength(3);
    expect(record!.manual[0]).toMatch(/snapshots tagged vigil:plan=inc-42#1 are kept as forensic evidence/);
    expect(record!.manual[1]).toMatch(/quarantine security group vigil-quarantine .* left in place/);
    expect(record!.manual[2]).toMatch(/desired capacity/);
  });

  it('rolls back by sending exactly the recorded calls; snapshots and the quarantine group stay', async () => {
    await apply(isolateEc2Instance, target, ctx, env.deps);
    const record = await env.undo.get(ctx.plan_id, ctx.key);
    env.account.effects = [];

    const result = await rollback(isolateEc2Instance, ctx, env.deps);
    expect(result.calls).toEqual(record!.rollback);
    expect(result.manual).toEqual(record!.manual);
    expect(env.account.effects).toEqual([
      'ModifyNetworkInterfaceAttribute eni-primary',
      'ModifyNetworkInterfaceAttribute eni-secondary',
      `AttachInstances ${INSTANCE}`,
      `DeleteTags ${INSTANCE}`,
    ]);
    expect(env.ec2.commandCalls(DeleteTagsCommand)[0]!.args[0].input).toEqual(record!.rollback[3]!.input);
    expect(env.asg.commandCalls(AttachInstancesCommand)[0]!.args[0].input).toEqual(
      record!.rollback[2]!.input,
    );

    const instance = env.account.instances[INSTANCE]!;
    expect(instance.enis).toEqual(freshAccount().instances[INSTANCE]!.enis);
    expect(instance.tags).toEqual({ Name: 'web-1' });
    expect(env.account.membership[INSTANCE]).toBe('web-asg');
    expect(env.account.snapshots.map((s) => s.volume)).toEqual(['vol-root', 'vol-data']);
    expect(env.account.groups.some((g) => g.name === 'vigil-quarantine')).toBe(true);
    expect(await verify(isolateEc2Instance, target, ctx, env.deps)).toBe(false);
  });

  it('dry-run with clients inspects, changes nothing and returns the calls apply then makes', async () => {
    const preview = await dryRun(isolateEc2Instance, target, ctx, env.deps);
    expect(preview).toEqual({ status: 'dry_run', calls: FIRST_RUN, inspected: true });
    expect(mutatingCallCount()).toBe(0);
    expect(env.account.effects).toEqual([]);
    expect(env.undo.records.size).toBe(0);

    const applied = await apply(isolateEc2Instance, target, ctx, env.deps);
    expect(applied.calls).toEqual(preview.calls);
  });

  it('dry-run without clients returns the blind worst case, every call declared', async () => {
    const preview = await dryRun(isolateEc2Instance, target, ctx, { undo: env.undo, now: env.deps.now });
    expect(preview.status).toBe('dry_run');
    if (preview.status !== 'dry_run') return;
    expect(preview.inspected).toBe(false);
    expect(preview.calls.map((c) => `${c.operation}:${c.mutating}`)).toEqual([
      'DescribeInstances:false',
      'DescribeAutoScalingInstances:false',
      'DetachInstances:true',
      'CreateSecurityGroup:true',
      'RevokeSecurityGroupEgress:true',
      'ModifyNetworkInterfaceAttribute:true',
      'CreateSnapshot:true',
      'CreateTags:true',
    ]);
    expect(preview.calls[2]!.input).toEqual({
      InstanceIds: [INSTANCE],
      AutoScalingGroupName: {
        $from: 'DescribeAutoScalingInstances',
        $path: 'AutoScalingInstances.0.AutoScalingGroupName',
      },
      ShouldDecrementDesiredCapacity: false,
    });
    expect(preview.calls[5]!.input).toEqual({
      NetworkInterfaceId: {
        $from: 'DescribeInstances',
        $path: 'Reservations.0.Instances.0.NetworkInterfaces.0.NetworkInterfaceId',
      },
      Groups: [{ $from: 'CreateSecurityGroup', $path: 'GroupId' }],
    });
    // Every placeholder names a call that comes earlier in the list.
    const refs = JSON.stringify(preview.calls).match(/"\$from":"(\w+)"/g) ?? [];
    for (const ref of refs) {
      const op = ref.slice('"$from":"'.length, -1);
      expect(preview.calls.some((c) => c.operation === op)).toBe(true);
    }
    for (const call of preview.calls)
      expect(isolateEc2Instance.commands[`${call.service}:${call.operation}`]).toBeDefined();
    expect(mutatingCallCount()).toBe(0);
  });

  it('an instance already contained converges to nothing and records no undo', async () => {
    await apply(isolateEc2Instance, target, ctx, env.deps);
    env.undo.records.clear();
    env.ec2.resetHistory();
    env.asg.resetHistory();

    const again = await apply(isolateEc2Instance, target, ctx, env.deps);
    expect(again).toEqual({ status: 'already_converged', calls: [] });
    expect(mutatingCallCount()).toBe(0);
    expect(env.undo.records.size).toBe(0);
  });

  it('after a failure mid-way, a re-run sends only the missing calls and keeps the first undo record', async () => {
    env.account.failOnce.add('CreateSnapshot vol-data');
    await expect(apply(isolateEc2Instance, target, ctx, env.deps)).rejects.toBeInstanceOf(TransientError);
    const first = structuredClone(await env.undo.get(ctx.plan_id, ctx.key));
    expect(first!.before).toMatchObject({ auto_scaling_group: 'web-asg', quarantine: null });

    const second = await apply(isolateEc2Instance, target, ctx, env.deps);
    expect(second).toEqual({
      status: 'applied',
      calls: [
        { service: 'ec2', operation: 'CreateSnapshot', input: snapshotInput('vol-data'), mutating: true },
        FIRST_RUN[7],
      ],
    });
    // The record still holds the state before the FIRST run (in the group, no quarantine group).
    expect(await env.undo.get(ctx.plan_id, ctx.key)).toEqual(first);

    // Each effect exactly once across both runs.
    expect(env.account.effects).toEqual([
      `DetachInstances ${INSTANCE}`,
      'CreateSecurityGroup vigil-quarantine',
      'RevokeSecurityGroupEgress sg-quarantine1',
      'ModifyNetworkInterfaceAttribute eni-primary',
      'ModifyNetworkInterfaceAttribute eni-secondary',
      'CreateSnapshot vol-root',
      'CreateSnapshot vol-data',
      `CreateTags ${INSTANCE}`,
    ]);
    expect(env.asg.commandCalls(DetachInstancesCommand)).toHaveLength(1);
    expect(env.ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(1);
    expect(env.ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(2);
    // Three attempts for two volumes: the failed one and its retry.
    expect(env.ec2.commandCalls(CreateSnapshotCommand).map((c) => c.args[0].input.VolumeId)).toEqual([
      'vol-root',
      'vol-data',
      'vol-data',
    ]);
    expect(await verify(isolateEc2Instance, target, ctx, env.deps)).toBe(true);
  });

  it('finishes closing a quarantine group it created when the egress revoke failed', async () => {
    env.account.failOnce.add('RevokeSecurityGroupEgress sg-quarantine1');
    await expect(apply(isolateEc2Instance, target, ctx, env.deps)).rejects.toBeInstanceOf(TransientError);

    const second = await apply(isolateEc2Instance, target, ctx, env.deps);
    expect(second.calls.map((c) => c.operation)).toEqual([
      'RevokeSecurityGroupEgress',
      'ModifyNetworkInterfaceAttribute',
      'ModifyNetworkInterfaceAttribute',
      'CreateSnapshot',
      'CreateSnapshot',
      'CreateTags',
    ]);
    // The existing group is addressed by id, not created again.
    expect(second.calls[0]!.input).toEqual({
      GroupId: 'sg-quarantine1',
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    expect(second.calls[1]!.input).toEqual({ NetworkInterfaceId: 'eni-primary', Groups: ['sg-quarantine1'] });
    expect(env.ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(1);
    expect(env.asg.commandCalls(DetachInstancesCommand)).toHaveLength(1);
    expect(await verify(isolateEc2Instance, target, ctx, env.deps)).toBe(true);
  });

  it('reuses an existing empty quarantine group and leaves interfaces already on it alone', async () => {
    env.account.groups.push({
      id: 'sg-q',
      name: 'vigil-quarantine',
      vpc: VPC,
      tags: {},
      ingress: [],
      egress: [],
    });
    env.account.instances[INSTANCE]!.enis[0]!.groups = ['sg-q'];
    delete env.account.membership[INSTANCE];

    const outcome = await apply(isolateEc2Instance, target, ctx, env.deps);
    expect(outcome.calls.map((c) => c.operation)).toEqual([
      'ModifyNetworkInterfaceAttribute',
      'CreateSnapshot',
      'CreateSnapshot',
      'CreateTags',
    ]);
    expect(outcome.calls[0]!.input).toEqual({ NetworkInterfaceId: 'eni-secondary', Groups: ['sg-q'] });
    const record = await env.undo.get(ctx.plan_id, ctx.key);
    expect(record!.rollback.map((c) => c.operation)).toEqual([
      'ModifyNetworkInterfaceAttribute',
      'DeleteTags',
    ]);
    expect(record!.manual).toHaveLength(2);
  });

  it('accepts the instance ARN as target', async () => {
    const arn = { type: 'resource' as const, id: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${INSTANCE}` };
    const preview = await dryRun(isolateEc2Instance, arn, ctx, env.deps);
    expect(preview.calls).toEqual(FIRST_RUN);
  });

  it('refuses a missing, terminated, foreign or malformed target, and one in another region', async () => {
    const noChange = async (t: typeof target, message: RegExp) => {
      const failure = apply(isolateEc2Instance, t, ctx, env.deps);
      await expect(failure).rejects.toBeInstanceOf(ValidationError);
      await expect(failure).rejects.toThrow(message);
    };
    await noChange({ ...target, id: 'i-0000000000000000f' }, /does not exist/);
    await noChange({ ...target, id: 'sg-0123' }, /not an EC2 instance/);
    await noChange({ ...target, account: '999988887777' }, /another account/);
    await noChange({ ...target, region: 'eu-west-1' }, /is in eu-west-1/);
    env.account.instances[INSTANCE]!.state = 'terminated';
    await noChange(target, /terminated/);
    expect(mutatingCallCount()).toBe(0);
    expect(env.undo.records.size).toBe(0);
    expect(isolateEc2Instance.blind({ ...target, id: 'not-an-instance' }, ctx)).toEqual([]);
  });

  it('refuses to repurpose a quarantine-named group that allows traffic', async () => {
    env.account.groups.push({
      id: 'sg-someone',
      name: 'vigil-quarantine',
      vpc: VPC,
      tags: {},
      ingress: [],
      egress: [DEFAULT_EGRESS],
    });
    await expect(apply(isolateEc2Instance, target, ctx, env.deps)).rejects.toThrow(/will not repurpose/);
    expect(mutatingCallCount()).toBe(0);
  });

  it('declares a command for every call it can build', async () => {
    const state = await isolateEc2Instance.inspect(target, env.clients, ctx);
    const all = [
      ...isolateEc2Instance.converge(target, state, ctx),
      ...isolateEc2Instance.undo(target, state, ctx).rollback,
      ...isolateEc2Instance.blind(target, ctx),
    ];
    for (const call of all)
      expect(isolateEc2Instance.commands[`${call.service}:${call.operation}`]).toBeDefined();
    expect(isolateEc2Instance.destructive).toBe(true);
  });
});
