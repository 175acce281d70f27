/**
 * isolate_ec2_instance: cuts an instance off the network while keeping it (and its disks) for
 * forensics. Destructive: it interrupts whatever the instance serves.
 *
 * Contained means: out of its Auto Scaling group, every network interface on exactly the
 * quarantine security group (no inbound, no outbound rules), every EBS volume snapshotted by this
 * plan, and the instance tagged `vigil:isolated`.
 *
 * WHAT ISOLATION DOES NOT DO: security groups are stateful and EC2 tracks connections. Changing
 * an interface's groups stops NEW connections at once, but a connection already tracked (e.g. an
 * attacker's open SSH session or reverse shell) may carry on until it goes idle or is closed.
 * Narratives and reports must say "new connections are blocked", never "all traffic stopped".
 * (A network ACL deny, or stopping the instance, is what ends tracked connections.)
 */
import {
  AttachInstancesCommand,
  type AutoScalingInstanceDetails,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  DescribeSecurityGroupsCommand,
  type DescribeSecurityGroupsCommandOutput,
  DescribeSnapshotsCommand,
  type DescribeSnapshotsCommandOutput,
  type IpPermission,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { ValidationError } from '../../errors.ts';
import { rethrowAwsError } from '../../store/aws-errors.ts';
import type { ActionContext, FromEarlierCall, ResponseAction } from '../action.ts';
import type { ActionTarget, ApiCall } from '../types.ts';

const SOURCE = 'respond.isolate_ec2_instance';
/** Bounds a misbehaving paginator; a plan's snapshots fit in one page many times over. */
const MAX_PAGES = 20;

export const ISOLATED_TAG = 'vigil:isolated';
export const QUARANTINE_TAG = 'vigil:quarantine';
export const PLAN_TAG = 'vigil:plan';
export const INCIDENT_TAG = 'vigil:incident';
const QUARANTINE_DESCRIPTION = 'Vigil quarantine: no inbound or outbound rules';
/** CreateSnapshot's Description limit. */
const MAX_DESCRIPTION = 255;
/** The two catch-all egress destinations a security group may carry. */
const ANYWHERE_V4 = '0.0.0.0/0';
const ANYWHERE_V6 = '::/0';

/**
 * The quarantine group as inspect found it. `open_egress` lists the catch-all egress ranges it
 * still allows: a group Vigil created keeps AWS's default allow-all egress until the revoke that
 * follows the create; if that revoke failed, the next run finishes the job.
 */
type QuarantineGroup = { id: string; open_egress: string[] };

/** A type alias (not an interface) so it is assignable to the runner's `Record<string, unknown>`. */
export type IsolateState = {
  instance_id: string;
  vpc_id: string;
  /** Every network interface attached to the instance, with its security groups as found. */
  interfaces: { id: string; groups: string[] }[];
  /** EBS volume ids (instance-store volumes cannot be snapshotted). */
  volumes: string[];
  /** Value of the `vigil:isolated` tag, or null when absent. */
  isolated_tag: string | null;
  /** The quarantine group in the instance's VPC, or null when it does not exist yet. */
  quarantine: QuarantineGroup | null;
  /** The Auto Scaling group the instance is in (and not already leaving), or null. */
  auto_scaling_group: string | null;
  /** Volumes that already have a snapshot tagged with this plan. */
  snapshotted: string[];
};

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const INSTANCE_ARN = /^arn:aws(?:-[a-z]+)*:ec2:([a-z0-9-]*):(\d{12}):instance\/(i-[0-9a-f]{8,17})$/;

interface ParsedTarget {
  instanceId: string;
  region?: string;
  account?: string;
}

/** The instance id (and the region and account an ARN names), or undefined for anything else. */
function parseTarget(target: ActionTarget): ParsedTarget | undefined {
  if (target.type !== 'resource') return undefined;
  if (INSTANCE_ID.test(target.id)) return { instanceId: target.id };
  const m = INSTANCE_ARN.exec(target.id);
  if (!m) return undefined;
  return { instanceId: m[3]!, ...(m[1] ? { region: m[1] } : {}), account: m[2]! };
}

const ec2 = (operation: string, input: Record<string, unknown>, mutating = true): ApiCall => ({
  service: 'ec2',
  operation,
  input,
  mutating,
});
const autoscaling = (operation: string, input: Record<string, unknown>, mutating = true): ApiCall => ({
  service: 'autoscaling',
  operation,
  input,
  mutating,
});
const from = (operation: string, path: string): FromEarlierCall => ({ $from: operation, $path: path });

const awsName = (e: unknown): unknown =>
  typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;

/**
 * Sends one inspect read. Errors named in `missing` mean the target is not there (ValidationError);
 * throttling and 5xx become TransientError; anything else propagates.
 */
async function read<T>(
  send: () => Promise<T>,
  context: Record<string, string>,
  missing?: { names: readonly string[]; message: string },
): Promise<T> {
  try {
    return await send();
  } catch (e) {
    const name = awsName(e);
    if (missing && typeof name === 'string' && missing.names.includes(name))
      throw new ValidationError(missing.message, SOURCE, { ...context, awsError: name });
    rethrowAwsError(e, SOURCE, context);
  }
}

/** An egress permission that is only "all protocols to anywhere" (what AWS gives a new group). */
function catchAllRanges(p: IpPermission): string[] | undefined {
  if (p.IpProtocol !== '-1') return undefined;
  if ((p.UserIdGroupPairs ?? []).length > 0 || (p.PrefixListIds ?? []).length > 0) return undefined;
  const v4 = (p.IpRanges ?? []).map((r) => r.CidrIp);
  const v6 = (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6);
  if (!v4.every((c) => c === ANYWHERE_V4) || !v6.every((c) => c === ANYWHERE_V6)) return undefined;
  return [...(v4.length > 0 ? [ANYWHERE_V4] : []), ...(v6.length > 0 ? [ANYWHERE_V6] : [])];
}

/**
 * Reads the existing quarantine group. Vigil uses it when it has no rules at all, and finishes
 * closing it when it is a group Vigil created (tagged) that still has only AWS's default
 * allow-all egress. Anything else is a group someone shaped by hand: never repurpose it on a guess.
 */
function quarantineOf(group: SecurityGroup, context: Record<string, string>): QuarantineGroup {
  const id = group.GroupId;
  if (!id) throw new ValidationError('EC2 listed the quarantine group without an id', SOURCE, context);
  const ours = (group.Tags ?? []).some((t) => t.Key === QUARANTINE_TAG && t.Value === 'true');
  const ingress = group.IpPermissions ?? [];
  const egress = group.IpPermissionsEgress ?? [];
  const open = egress.map(catchAllRanges);
  if (ingress.length === 0 && egress.length === 0) return { id, open_egress: [] };
  if (ours && ingress.length === 0 && open.every((r) => r !== undefined))
    return { id, open_egress: [...new Set(open.flat())].sort() };
  throw new ValidationError(
    `security group ${id} has the quarantine name but allows traffic; Vigil will not repurpose it — empty it or configure another quarantine group name`,
    SOURCE,
    { ...context, groupId: id },
  );
}

/** Whether an interface is on exactly the quarantine group, nothing more. */
const onlyOn = (groups: readonly string[], groupId: string): boolean =>
  groups.length === 1 && groups[0] === groupId;

const snapshotDescription = (volumeId: string, instanceId: string, ctx: ActionContext): string =>
  `Vigil forensic snapshot of ${volumeId} from ${instanceId} (incident ${ctx.incident_id})`.slice(
    0,
    MAX_DESCRIPTION,
  );

const detach = (instanceId: string, group: unknown): ApiCall =>
  autoscaling('DetachInstances', {
    InstanceIds: [instanceId],
    AutoScalingGroupName: group,
    ShouldDecrementDesiredCapacity: false,
  });

const createGroup = (vpcId: unknown, ctx: ActionContext): ApiCall =>
  ec2('CreateSecurityGroup', {
    GroupName: ctx.settings.quarantineSecurityGroupName,
    Description: QUARANTINE_DESCRIPTION,
    VpcId: vpcId,
    TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: QUARANTINE_TAG, Value: 'true' }] }],
  });

const revokeEgress = (groupId: unknown, ranges: readonly string[]): ApiCall => {
  const v4 = ranges.includes(ANYWHERE_V4);
  const v6 = ranges.includes(ANYWHERE_V6);
  return ec2('RevokeSecurityGroupEgress', {
    GroupId: groupId,
    IpPermissions: [
      {
        IpProtocol: '-1',
        ...(v4 ? { IpRanges: [{ CidrIp: ANYWHERE_V4 }] } : {}),
        ...(v6 ? { Ipv6Ranges: [{ CidrIpv6: ANYWHERE_V6 }] } : {}),
      },
    ],
  });
};

const setGroups = (interfaceId: unknown, groups: unknown[]): ApiCall =>
  ec2('ModifyNetworkInterfaceAttribute', { NetworkInterfaceId: interfaceId, Groups: groups });

const snapshot = (volumeId: unknown, description: string, ctx: ActionContext): ApiCall =>
  ec2('CreateSnapshot', {
    VolumeId: volumeId,
    Description: description,
    TagSpecifications: [
      {
        ResourceType: 'snapshot',
        Tags: [
          { Key: PLAN_TAG, Value: ctx.plan_id },
          { Key: INCIDENT_TAG, Value: ctx.incident_id },
        ],
      },
    ],
  });

const tagIsolated = (instanceId: string, ctx: ActionContext): ApiCall =>
  ec2('CreateTags', { Resources: [instanceId], Tags: [{ Key: ISOLATED_TAG, Value: ctx.incident_id }] });

export const isolateEc2Instance: ResponseAction<IsolateState> = {
  id: 'isolate_ec2_instance',
  destructive: true,
  commands: {
    'ec2:DescribeInstances': DescribeInstancesCommand,
    'ec2:DescribeSecurityGroups': DescribeSecurityGroupsCommand,
    'ec2:DescribeSnapshots': DescribeSnapshotsCommand,
    'ec2:CreateSecurityGroup': CreateSecurityGroupCommand,
    'ec2:RevokeSecurityGroupEgress': RevokeSecurityGroupEgressCommand,
    'ec2:ModifyNetworkInterfaceAttribute': ModifyNetworkInterfaceAttributeCommand,
    'ec2:CreateSnapshot': CreateSnapshotCommand,
    'ec2:CreateTags': CreateTagsCommand,
    'ec2:DeleteTags': DeleteTagsCommand,
    'autoscaling:DescribeAutoScalingInstances': DescribeAutoScalingInstancesCommand,
    'autoscaling:DetachInstances': DetachInstancesCommand,
    'autoscaling:AttachInstances': AttachInstancesCommand,
  },

  async inspect(target, clients, ctx) {
    const parsed = parseTarget(target);
    if (!parsed)
      throw new ValidationError('target is not an EC2 instance id (i-…) or instance ARN', SOURCE, {
        type: target.type,
      });
    const { instanceId } = parsed;
    const context = { instanceId };
    if (parsed.account && target.account && parsed.account !== target.account)
      throw new ValidationError('the instance ARN names another account than the target', SOURCE, context);
    const region = parsed.region ?? target.region;
    if (parsed.region && target.region && parsed.region !== target.region)
      throw new ValidationError('the instance ARN names another region than the target', SOURCE, context);
    const clientRegion = await clients.ec2.config.region();
    if (region && region !== clientRegion)
      throw new ValidationError(
        `the instance is in ${region} but the EC2 client is for ${clientRegion}`,
        SOURCE,
        context,
      );

    const described: DescribeInstancesCommandOutput = await read(
      () => clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
      context,
      {
        names: ['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed'],
        message: 'the instance does not exist',
      },
    );
    const reservation = described.Reservations?.find((r) =>
      r.Instances?.some((i) => i.InstanceId === instanceId),
    );
    const instance = reservation?.Instances?.find((i) => i.InstanceId === instanceId);
    if (!instance) throw new ValidationError('the instance does not exist', SOURCE, context);
    const owner = parsed.account ?? target.account;
    if (owner && reservation?.OwnerId && reservation.OwnerId !== owner)
      throw new ValidationError('the instance belongs to another account than the target', SOURCE, context);
    if (instance.State?.Name === 'terminated')
      throw new ValidationError('the instance is terminated: nothing left to isolate', SOURCE, context);
    const vpcId = instance.VpcId;
    if (!vpcId) throw new ValidationError('the instance is not in a VPC', SOURCE, context);

    const interfaces = (instance.NetworkInterfaces ?? []).map((n) => {
      if (!n.NetworkInterfaceId)
        throw new ValidationError('EC2 listed a network interface without an id', SOURCE, context);
      // Security groups are per VPC: a quarantine group cannot hold an interface of another VPC
      // (multi-VPC attachments). Half an isolation would be reported as a whole one: refuse.
      if (n.VpcId && n.VpcId !== vpcId)
        throw new ValidationError(
          `network interface ${n.NetworkInterfaceId} is in another VPC (${n.VpcId}); isolate this instance by hand`,
          SOURCE,
          context,
        );
      return {
        id: n.NetworkInterfaceId,
        groups: (n.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
      };
    });
    if (interfaces.length === 0)
      throw new ValidationError('EC2 listed the instance without network interfaces', SOURCE, context);
    const volumes = [
      ...new Set(
        (instance.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.VolumeId ? [b.Ebs.VolumeId] : [])),
      ),
    ];
    const isolatedTag = instance.Tags?.find((t) => t.Key === ISOLATED_TAG)?.Value ?? null;

    const groups: DescribeSecurityGroupsCommandOutput = await read(
      () =>
        clients.ec2.send(
          new DescribeSecurityGroupsCommand({
            Filters: [
              { Name: 'vpc-id', Values: [vpcId] },
              { Name: 'group-name', Values: [ctx.settings.quarantineSecurityGroupName] },
            ],
          }),
        ),
      context,
    );
    const group = groups.SecurityGroups?.find(
      (g) => g.GroupName === ctx.settings.quarantineSecurityGroupName && g.VpcId === vpcId,
    );
    const quarantine = group ? quarantineOf(group, context) : null;

    const scaling = await read(
      () => clients.autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] })),
      context,
    );
    const membership: AutoScalingInstanceDetails | undefined = scaling.AutoScalingInstances?.find(
      (a) => a.InstanceId === instanceId,
    );
    // An instance already leaving (Detaching/Detached, e.g. after an earlier run) needs no detach.
    const leaving = membership?.LifecycleState?.startsWith('Detach') ?? false;
    const autoScalingGroup =
      membership?.AutoScalingGroupName && !leaving ? membership.AutoScalingGroupName : null;

    const snapshotted = new Set<string>();
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const listed: DescribeSnapshotsCommandOutput = await read(
        () =>
          clients.ec2.send(
            new DescribeSnapshotsCommand({
              OwnerIds: ['self'],
              Filters: [{ Name: `tag:${PLAN_TAG}`, Values: [ctx.plan_id] }],
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        context,
      );
      // A failed snapshot is no evidence: take another.
      for (const s of listed.Snapshots ?? [])
        if (s.VolumeId && s.State !== 'error') snapshotted.add(s.VolumeId);
      if (!listed.NextToken || listed.NextToken === token) break;
      token = listed.NextToken;
    }

    return {
      instance_id: instanceId,
      vpc_id: vpcId,
      interfaces,
      volumes,
      isolated_tag: isolatedTag,
      quarantine,
      auto_scaling_group: autoScalingGroup,
      snapshotted: volumes.filter((v) => snapshotted.has(v)),
    };
  },

  converge(_target, state, ctx) {
    const calls: ApiCall[] = [];
    // 1. Leave the Auto Scaling group first. An isolated instance fails the group's health checks,
    //    and the group would then terminate it — destroying the evidence this action keeps — and
    //    launch a replacement. Not decrementing the desired capacity lets the group replace it now.
    if (state.auto_scaling_group) calls.push(detach(state.instance_id, state.auto_scaling_group));

    // 2. The quarantine group: created per VPC on first use and reused after. A new group comes with
    //    AWS's default allow-all egress rule, which must go or the group would not isolate at all.
    let groupId: string | FromEarlierCall;
    if (state.quarantine) {
      groupId = state.quarantine.id;
      if (state.quarantine.open_egress.length > 0)
        calls.push(revokeEgress(groupId, state.quarantine.open_egress));
    } else {
      calls.push(createGroup(state.vpc_id, ctx));
      groupId = from('CreateSecurityGroup', 'GroupId');
      calls.push(revokeEgress(groupId, [ANYWHERE_V4]));
    }

    // 3. Every interface, not just the primary one: ModifyInstanceAttribute(Groups) changes only the
    //    primary interface, and a secondary interface would stay reachable. (Connections already
    //    tracked may outlive this change; see the module comment.)
    for (const eni of state.interfaces)
      if (typeof groupId !== 'string' || !onlyOn(eni.groups, groupId))
        calls.push(setGroups(eni.id, [groupId]));

    // 4. Evidence: one snapshot per EBS volume, tagged with the plan so a re-run finds it.
    for (const volume of state.volumes)
      if (!state.snapshotted.includes(volume))
        calls.push(snapshot(volume, snapshotDescription(volume, state.instance_id, ctx), ctx));

    // 5. Last, the marker: its presence says every step before it was reached at least once.
    if (state.isolated_tag === null) calls.push(tagIsolated(state.instance_id, ctx));
    return calls;
  },

  undo(_target, state, ctx) {
    const groupId = state.quarantine?.id;
    const rollback: ApiCall[] = [];
    // Network first, group second: reattached while still quarantined, the instance would fail
    // the group's health checks and be terminated.
    for (const eni of state.interfaces)
      if (!groupId || !onlyOn(eni.groups, groupId)) rollback.push(setGroups(eni.id, [...eni.groups]));
    if (state.auto_scaling_group)
      rollback.push(
        autoscaling('AttachInstances', {
          InstanceIds: [state.instance_id],
          AutoScalingGroupName: state.auto_scaling_group,
        }),
      );
    // Value-qualified: deletes only the tag this incident wrote.
    if (state.isolated_tag === null)
      rollback.push(
        ec2('DeleteTags', {
          Resources: [state.instance_id],
          Tags: [{ Key: ISOLATED_TAG, Value: ctx.incident_id }],
        }),
      );

    const manual = [
      `EBS snapshots tagged ${PLAN_TAG}=${ctx.plan_id} are kept as forensic evidence: delete them when the investigation closes.`,
      `The quarantine security group ${ctx.settings.quarantineSecurityGroupName} in ${state.vpc_id} is left in place for reuse.`,
    ];
    if (state.auto_scaling_group)
      manual.push(
        `Reattaching to ${state.auto_scaling_group} raises its desired capacity by one (the replacement launched at isolation stays): lower it again if that is not wanted.`,
      );
    return { before: { ...state }, rollback, manual };
  },

  contained(_target, state) {
    const q = state.quarantine;
    return (
      q !== null &&
      q.open_egress.length === 0 &&
      state.interfaces.every((eni) => onlyOn(eni.groups, q.id)) &&
      state.auto_scaling_group === null &&
      state.isolated_tag !== null &&
      state.volumes.every((v) => state.snapshotted.includes(v))
    );
  },

  blind(target, ctx) {
    const parsed = parseTarget(target);
    // A target inspect would refuse gets no calls: a run would make none.
    if (!parsed) return [];
    const { instanceId } = parsed;
    const instance = 'Reservations.0.Instances.0';
    // One interface and one volume stand for however many inspection would find.
    return [
      ec2('DescribeInstances', { InstanceIds: [instanceId] }, false),
      autoscaling('DescribeAutoScalingInstances', { InstanceIds: [instanceId] }, false),
      detach(instanceId, from('DescribeAutoScalingInstances', 'AutoScalingInstances.0.AutoScalingGroupName')),
      createGroup(from('DescribeInstances', `${instance}.VpcId`), ctx),
      revokeEgress(from('CreateSecurityGroup', 'GroupId'), [ANYWHERE_V4]),
      setGroups(from('DescribeInstances', `${instance}.NetworkInterfaces.0.NetworkInterfaceId`), [
        from('CreateSecurityGroup', 'GroupId'),
      ]),
      snapshot(
        from('DescribeInstances', `${instance}.BlockDeviceMappings.0.Ebs.VolumeId`),
        `Vigil forensic snapshot from ${instanceId} (incident ${ctx.incident_id})`.slice(0, MAX_DESCRIPTION),
        ctx,
      ),
      tagIsolated(instanceId, ctx),
    ];
  },
};
