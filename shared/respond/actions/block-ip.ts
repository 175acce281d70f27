/**
 * block_ip: denies one external address at the edges Vigil was given — the WAF IP sets (used by
 * blocking rules of the deployment's web ACLs) and network ACLs. Not destructive: it only refuses
 * traffic from an address the organisation does not own.
 *
 * The address becomes a single-host CIDR (/32 or /128, RFC 5952 text for IPv6). A WAF IP set holds
 * one address family, so sets of the other family are skipped (the state says which and why).
 * Network ACLs get a deny entry in each direction with the lowest free rule number of the
 * configured range, which sits below the VPC's own allow rules: NACLs evaluate lowest first.
 *
 * Concurrency: UpdateIPSet replaces the whole list and carries the lock token GetIPSet returned.
 * If someone changed the set in between, WAF answers WAFOptimisticLockException and nothing is
 * written. The run then fails as a whole; retrying it re-inspects (fresh list and token), so the
 * retry neither loses the other writer's addresses nor repeats anything already done. See
 * `isRetryableBlockError`.
 */
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  type DescribeNetworkAclsCommandOutput,
} from '@aws-sdk/client-ec2';
import { GetIPSetCommand, type GetIPSetCommandOutput, UpdateIPSetCommand } from '@aws-sdk/client-wafv2';
import ipaddr from 'ipaddr.js';
import { canonicalAddress, parseAddress } from '../../enrich/address.ts';
import { ValidationError } from '../../errors.ts';
import { PLAYBOOKS } from '../../narrate/playbooks.ts';
import { rethrowAwsError } from '../../store/aws-errors.ts';
import type { ActionSettings, FromEarlierCall, ResponseAction } from '../action.ts';
import type { ActionTarget, ApiCall } from '../types.ts';

const SOURCE = 'respond.block_ip';
/** WAF's "the token is stale: someone else updated the set since you read it". */
const WAF_LOCK_CONFLICT = 'WAFOptimisticLockException';
/** WAF IP sets and CloudFront-scoped web ACLs live in us-east-1 only. */
const CLOUDFRONT_REGION = 'us-east-1';

type Scope = 'REGIONAL' | 'CLOUDFRONT';

/** One configured WAF IP set of the address's family, as GetIPSet returned it. */
type IpSetState = {
  name: string;
  id: string;
  scope: Scope;
  /** Kept because UpdateIPSet replaces the whole specification: an omitted description is erased. */
  description: string | null;
  addresses: string[];
  lock_token: string;
};

/** A network ACL entry, reduced to what deciding "is the address denied" needs. */
type NaclEntry = {
  rule_number: number;
  egress: boolean;
  action: string;
  protocol: string;
  /** Canonical CIDR text (IPv4 or IPv6), or null for entries on a prefix list or malformed. */
  cidr: string | null;
};

/** A type alias (not an interface) so it is assignable to the runner's `Record<string, unknown>`. */
export type BlockIpState = {
  /** The single-host CIDR blocked, canonical. */
  cidr: string;
  version: 4 | 6;
  ip_sets: IpSetState[];
  /** Configured sets not used for this address, with the reason. */
  skipped: { name: string; id: string; scope: Scope; reason: string }[];
  nacls: { id: string; entries: NaclEntry[] }[];
};

/** A list placeholder (`$with` / `$without`, resolved by the runner). */
type ListRef = FromEarlierCall;

/** The single-host CIDR for the target, or undefined when it is not an address Vigil may block. */
function cidrOf(target: ActionTarget): { cidr: string; version: 4 | 6 } | undefined {
  if (target.type !== 'ip') return undefined;
  const address = parseAddress(target.id);
  if (!address) return undefined;
  // The catalogue's own rule: never block an address the organisation may own (private ranges…).
  if (!PLAYBOOKS.block_ip.appliesTo({ type: 'ip', id: target.id })) return undefined;
  return address.kind() === 'ipv4'
    ? { cidr: `${canonicalAddress(address)}/32`, version: 4 }
    : { cidr: `${canonicalAddress(address)}/128`, version: 6 };
}

/** Canonical text of a CIDR as AWS returned it, or null when it does not parse. */
function canonicalCidr(text: string | undefined): string | null {
  if (!text) return null;
  try {
    const [address, bits] = ipaddr.parseCIDR(text);
    return `${canonicalAddress(address)}/${bits}`;
  } catch {
    return null;
  }
}

/**
 * Whether a list holds exactly this CIDR (in any spelling). A wider range that covers the address
 * does not count: it is someone else's entry, and may be removed without regard to this block.
 */
const holds = (addresses: readonly string[], cidr: string): boolean =>
  addresses.some((a) => canonicalCidr(a) === cidr);

/** Whether a NACL has a deny-everything entry for the CIDR in one direction, ahead of the VPC's allows. */
const denies = (entries: readonly NaclEntry[], cidr: string, egress: boolean, settings: ActionSettings) =>
  entries.some(
    (e) =>
      e.egress === egress &&
      e.action === 'deny' &&
      e.protocol === '-1' &&
      e.cidr === cidr &&
      e.rule_number <= settings.networkAclRuleRange[1],
  );

interface NaclPlan {
  naclId: string;
  egress: boolean;
  ruleNumber: number;
}

/** The deny entries still to create, with their rule numbers. Pure; throws when a range is full. */
function naclPlan(state: BlockIpState, settings: ActionSettings): NaclPlan[] {
  const [low, high] = settings.networkAclRuleRange;
  const plan: NaclPlan[] = [];
  for (const nacl of state.nacls)
    for (const egress of [false, true]) {
      if (denies(nacl.entries, state.cidr, egress, settings)) continue;
      const used = new Set(nacl.entries.filter((e) => e.egress === egress).map((e) => e.rule_number));
      let ruleNumber = low;
      while (ruleNumber <= high && used.has(ruleNumber)) ruleNumber++;
      if (ruleNumber > high)
        throw new ValidationError(
          `network ACL ${nacl.id} has no free ${egress ? 'egress' : 'ingress'} rule number in ${low}-${high}`,
          SOURCE,
          { naclId: nacl.id },
        );
      plan.push({ naclId: nacl.id, egress, ruleNumber });
    }
  return plan;
}

const wafv2 = (operation: string, input: Record<string, unknown>, mutating = true): ApiCall => ({
  service: 'wafv2',
  operation,
  input,
  mutating,
});
const ec2 = (operation: string, input: Record<string, unknown>, mutating = true): ApiCall => ({
  service: 'ec2',
  operation,
  input,
  mutating,
});

const setKey = (s: { name: string; scope: Scope; id: string }) => ({
  Name: s.name,
  Scope: s.scope,
  Id: s.id,
});

const createEntry = (p: NaclPlan, cidr: string, version: 4 | 6): ApiCall =>
  ec2('CreateNetworkAclEntry', {
    NetworkAclId: p.naclId,
    RuleNumber: p.ruleNumber,
    Protocol: '-1',
    RuleAction: 'deny',
    Egress: p.egress,
    ...(version === 4 ? { CidrBlock: cidr } : { Ipv6CidrBlock: cidr }),
  });

const awsName = (e: unknown): unknown =>
  typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;

/**
 * Whether a failed block_ip run should simply be run again: a WAF lock conflict (another writer
 * updated the IP set between our read and our write). The runner rethrows it unchanged (it is not
 * a throttle), possibly wrapped; the whole action is retried, since only a fresh inspect gets a
 * fresh lock token.
 */
export function isRetryableBlockError(e: unknown): boolean {
  let current: unknown = e;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if (awsName(current) === WAF_LOCK_CONFLICT) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

async function read<T>(
  send: () => Promise<T>,
  context: Record<string, string>,
  missing: { names: readonly string[]; message: string },
): Promise<T> {
  try {
    return await send();
  } catch (e) {
    const name = awsName(e);
    if (typeof name === 'string' && missing.names.includes(name))
      throw new ValidationError(missing.message, SOURCE, { ...context, awsError: name });
    rethrowAwsError(e, SOURCE, context);
  }
}

const nowhere = (what: string) =>
  new ValidationError(
    `block_ip has nowhere to block ${what}: configure WAF IP sets (wafIpSets) or network ACLs (networkAclIds)`,
    SOURCE,
  );

export const blockIp: ResponseAction<BlockIpState> = {
  id: 'block_ip',
  destructive: false,
  retryable: isRetryableBlockError,
  commands: {
    'wafv2:GetIPSet': GetIPSetCommand,
    'wafv2:UpdateIPSet': UpdateIPSetCommand,
    'ec2:DescribeNetworkAcls': DescribeNetworkAclsCommand,
    'ec2:CreateNetworkAclEntry': CreateNetworkAclEntryCommand,
    'ec2:DeleteNetworkAclEntry': DeleteNetworkAclEntryCommand,
  },

  async inspect(target, clients, ctx) {
    const { wafIpSets, networkAclIds } = ctx.settings;
    if (wafIpSets.length === 0 && networkAclIds.length === 0) throw nowhere('anything');
    const parsed = cidrOf(target);
    if (!parsed)
      throw new ValidationError('target is not an external IP address Vigil may block', SOURCE, {
        type: target.type,
      });
    const { cidr, version } = parsed;
    const family = version === 4 ? 'IPV4' : 'IPV6';

    const ipSets: IpSetState[] = [];
    const skipped: BlockIpState['skipped'] = [];
    const wafRegion = wafIpSets.some((s) => s.scope === 'CLOUDFRONT')
      ? await clients.wafv2.config.region()
      : undefined;
    for (const set of wafIpSets) {
      const context = { ipSet: set.name, scope: set.scope };
      if (set.scope === 'CLOUDFRONT' && wafRegion !== CLOUDFRONT_REGION)
        throw new ValidationError(
          `WAF IP set ${set.name} is CLOUDFRONT-scoped: it needs a WAF client for ${CLOUDFRONT_REGION}, not ${wafRegion}`,
          SOURCE,
          context,
        );
      const got: GetIPSetCommandOutput = await read(
        () => clients.wafv2.send(new GetIPSetCommand(setKey(set))),
        context,
        {
          names: ['WAFNonexistentItemException'],
          message: `the configured WAF IP set ${set.name} does not exist`,
        },
      );
      if (!got.IPSet || !got.LockToken)
        throw new ValidationError(
          'WAF returned the IP set without its addresses or lock token',
          SOURCE,
          context,
        );
      if (got.IPSet.IPAddressVersion !== family) {
        skipped.push({
          name: set.name,
          id: set.id,
          scope: set.scope,
          reason: `holds ${got.IPSet.IPAddressVersion ?? 'unknown'} addresses; ${cidr} is ${family}`,
        });
        continue;
      }
      ipSets.push({
        name: set.name,
        id: set.id,
        scope: set.scope,
        description: got.IPSet.Description ?? null,
        addresses: got.IPSet.Addresses ?? [],
        lock_token: got.LockToken,
      });
    }

    const nacls: BlockIpState['nacls'] = [];
    if (networkAclIds.length > 0) {
      const context = { networkAclIds: networkAclIds.join(',') };
      const described: DescribeNetworkAclsCommandOutput = await read(
        () => clients.ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [...networkAclIds] })),
        context,
        {
          names: ['InvalidNetworkAclID.NotFound', 'InvalidNetworkAclID.Malformed'],
          message: 'a configured network ACL does not exist',
        },
      );
      for (const id of networkAclIds) {
        const acl = described.NetworkAcls?.find((a) => a.NetworkAclId === id);
        if (!acl)
          throw new ValidationError(`the configured network ACL ${id} does not exist`, SOURCE, context);
        nacls.push({
          id,
          entries: (acl.Entries ?? []).flatMap((e) =>
            typeof e.RuleNumber === 'number'
              ? [
                  {
                    rule_number: e.RuleNumber,
                    egress: e.Egress === true,
                    action: e.RuleAction ?? '',
                    protocol: e.Protocol ?? '',
                    cidr: canonicalCidr(e.CidrBlock ?? e.Ipv6CidrBlock),
                  },
                ]
              : [],
          ),
        });
      }
    }

    // Every set of the other family and no ACL: a run would block nothing and call it done.
    if (ipSets.length === 0 && nacls.length === 0) throw nowhere(`an ${family} address`);
    return { cidr, version, ip_sets: ipSets, skipped, nacls };
  },

  converge(_target, state, ctx) {
    const calls: ApiCall[] = [];
    for (const set of state.ip_sets)
      if (!holds(set.addresses, state.cidr))
        calls.push(
          wafv2('UpdateIPSet', {
            ...setKey(set),
            ...(set.description !== null ? { Description: set.description } : {}),
            Addresses: [...set.addresses, state.cidr],
            LockToken: set.lock_token,
          }),
        );
    for (const p of naclPlan(state, ctx.settings)) calls.push(createEntry(p, state.cidr, state.version));
    return calls;
  },

  undo(_target, state, ctx) {
    const rollback: ApiCall[] = [];
    for (const set of state.ip_sets) {
      if (holds(set.addresses, state.cidr)) continue;
      // Others may have changed the set since: read it again and remove only our address from
      // the list as it is then, with the lock token of that read.
      rollback.push(
        wafv2('GetIPSet', setKey(set), false),
        wafv2('UpdateIPSet', {
          ...setKey(set),
          ...(set.description !== null ? { Description: set.description } : {}),
          Addresses: { $from: 'GetIPSet', $path: 'IPSet.Addresses', $without: [state.cidr] },
          LockToken: { $from: 'GetIPSet', $path: 'LockToken' },
        }),
      );
    }
    for (const p of naclPlan(state, ctx.settings))
      rollback.push(
        ec2('DeleteNetworkAclEntry', { NetworkAclId: p.naclId, RuleNumber: p.ruleNumber, Egress: p.egress }),
      );
    return {
      before: { ...state },
      rollback,
      manual: state.skipped.map(
        (s) => `WAF IP set ${s.name} was not used (${s.reason}); block the address there by hand if needed.`,
      ),
    };
  },

  contained(_target, state, ctx) {
    return (
      state.ip_sets.every((s) => holds(s.addresses, state.cidr)) &&
      state.nacls.every(
        (n) =>
          denies(n.entries, state.cidr, false, ctx.settings) &&
          denies(n.entries, state.cidr, true, ctx.settings),
      )
    );
  },

  blind(target, ctx) {
    const parsed = cidrOf(target);
    // Nowhere configured, or a target inspect would refuse: a run would make no call.
    if (!parsed || (ctx.settings.wafIpSets.length === 0 && ctx.settings.networkAclIds.length === 0))
      return [];
    const { cidr, version } = parsed;
    const calls: ApiCall[] = [];
    // Without inspection the family of each set is unknown: every set is shown. The list a run
    // writes is "the addresses found plus this one", written as a `$with` placeholder (a proposed
    // runner extension, the mirror of `$without`); a real run also keeps the set's description.
    for (const set of ctx.settings.wafIpSets) {
      const addresses: ListRef = { $from: 'GetIPSet', $path: 'IPSet.Addresses', $with: [cidr] };
      calls.push(
        wafv2('GetIPSet', setKey(set), false),
        wafv2('UpdateIPSet', {
          ...setKey(set),
          Addresses: addresses,
          LockToken: { $from: 'GetIPSet', $path: 'LockToken' },
        }),
      );
    }
    if (ctx.settings.networkAclIds.length > 0) {
      calls.push(ec2('DescribeNetworkAcls', { NetworkAclIds: [...ctx.settings.networkAclIds] }, false));
      // The rule number shown is the range's first; inspection picks the lowest one still free.
      const ruleNumber = ctx.settings.networkAclRuleRange[0];
      for (const naclId of ctx.settings.networkAclIds)
        for (const egress of [false, true])
          calls.push(createEntry({ naclId, egress, ruleNumber }, cidr, version));
    }
    return calls;
  },
};

/** For tests and narratives: the CIDR block_ip writes for a target, or undefined when it refuses it. */
export const blockedCidr = (target: ActionTarget): string | undefined => cidrOf(target)?.cidr;
