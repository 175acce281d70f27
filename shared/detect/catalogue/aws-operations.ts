/**
 * AWS operational changes with security weight: the network perimeter (security groups, network
 * ACLs, routes, VPC connectivity), opt-in regions, AWS's own compromised-key quarantine, data
 * copies and recovery settings (RDS, S3), container images and functions changed by hand, and the
 * guardrails of security and AI services (Macie, Bedrock).
 *
 * Severity policy: changes people make by hand are legitimate most of the time, so they are low
 * unless the change itself weakens security — opens something to the world, removes a control or a
 * recovery copy, or creates a path for data to leave. Infrastructure-as-code and AWS acting on its
 * own are quieter still. CloudTrail only; records are read raw (canonical or lower-case keys).
 */
import { classifyAddress } from '../../enrich/ip-class.ts';
import type { Detection, EntityRef, Hit, Severity } from '../types.ts';
import {
  type ActorClass,
  actorClass,
  actorOf,
  ct,
  denied,
  eventName,
  eventSource,
  FOREIGN,
  failed,
  guarded,
  isExternalAddress,
  isInteractiveOrStolen,
  lambdaNames,
  OFFICE_IP,
  ORG,
  RISK,
  rb,
  rl,
  rs,
  rsx,
  rv,
  untrustedSource,
  who,
} from './aws-helpers-a.ts';
import {
  accountEntity,
  bucketArn,
  ctItems,
  foreignAccount,
  isConsoleSession,
  MINUTE,
  once,
  principalOf,
  reachedTier,
  resourceEntity,
  safeDecode,
  timeOf,
} from './aws-helpers-b.ts';

const at = (severity: Severity): Pick<Hit, 'severity' | 'risk'> => ({ severity, risk: RISK[severity] });

/** People (and root): whose hand-made changes these detections report. */
const BY_PERSON: ReadonlySet<ActorClass> = new Set(['human', 'root']);
/** Anyone but IaC and AWS itself: a workload changing the perimeter is as odd as a person doing it. */
const NOT_AUTOMATION: ReadonlySet<ActorClass> = new Set(['human', 'root', 'workload', 'unknown']);

const EC2 = 'ec2.amazonaws.com';
const RDS = 'rds.amazonaws.com';

// ---------------------------------------------------------------------------------------------
// Network reach: CIDRs and ports
// ---------------------------------------------------------------------------------------------

/** How far an address range reaches: the whole internet, part of it, or only internal space. */
export type Reach = 'world' | 'internet' | 'internal';

/**
 * `0.0.0.0/0` and `::/0` are the world; so is any IPv4 range of /4 or wider and any IPv6 range of
 * /3 or wider (splitting the world into `0.0.0.0/1` + `128.0.0.0/1` does not make it smaller). A
 * narrower range reaches the internet when its base address is routable; otherwise it is internal.
 */
export function reachOf(cidr: string): Reach | undefined {
  const m = /^\s*([0-9a-fA-F:.]+)\/(\d{1,3})\s*$/.exec(cidr);
  if (!m) return undefined;
  const base = m[1] as string;
  const prefix = Number(m[2]);
  const v6 = base.includes(':');
  if (prefix > (v6 ? 128 : 32)) return undefined;
  if (prefix <= (v6 ? 3 : 4)) return 'world';
  const kind = classifyAddress(base).kind;
  if (kind === 'invalid') return undefined;
  return isExternalAddress(base) ? 'internet' : 'internal';
}

/** Remote administration, databases, caches and cluster control planes: never for the open internet. */
export const ADMIN_PORTS: ReadonlyMap<number, string> = new Map([
  [22, 'ssh'],
  [23, 'telnet'],
  [135, 'msrpc'],
  [139, 'netbios'],
  [445, 'smb'],
  [1433, 'mssql'],
  [1521, 'oracle'],
  [2375, 'docker'],
  [2376, 'docker-tls'],
  [2379, 'etcd'],
  [3306, 'mysql'],
  [3389, 'rdp'],
  [5432, 'postgres'],
  [5601, 'kibana'],
  [5900, 'vnc'],
  [5985, 'winrm'],
  [5986, 'winrm-tls'],
  [6379, 'redis'],
  [6443, 'kubernetes-api'],
  [9200, 'elasticsearch'],
  [10250, 'kubelet'],
  [11211, 'memcached'],
  [27017, 'mongodb'],
]);

interface PortSpan {
  /** Every port (protocol -1/all, or a full range). */
  all: boolean;
  /** Admin ports inside the span, by name. */
  admin: string[];
  text: string;
}

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,5}$/.test(v.trim())) return Number(v);
  return undefined;
};

/** The ports a rule covers. Protocol numbers: 6 tcp, 17 udp, -1 all; ICMP has no ports. */
export function portSpan(protocol: unknown, from: unknown, to: unknown): PortSpan | undefined {
  // Only a string or number names a protocol; anything else in a hostile record is no protocol at all.
  const p =
    protocol === undefined || protocol === null
      ? '-1'
      : typeof protocol === 'string' || typeof protocol === 'number'
        ? String(protocol).toLowerCase()
        : '';
  if (p === '-1' || p === 'all') return { all: true, admin: [...ADMIN_PORTS.values()], text: 'all' };
  if (!['tcp', 'udp', '6', '17'].includes(p)) return undefined;
  const lo = num(from) ?? 0;
  const hi = num(to) ?? 65535;
  if (lo <= 0 && hi >= 65535) return { all: true, admin: [...ADMIN_PORTS.values()], text: `${p}:all` };
  const admin = [...ADMIN_PORTS].filter(([port]) => port >= lo && port <= hi).map(([, name]) => name);
  return { all: false, admin, text: lo === hi ? `${p}:${lo}` : `${p}:${lo}-${hi}` };
}

// ---------------------------------------------------------------------------------------------
// Security groups
// ---------------------------------------------------------------------------------------------

interface Grant {
  cidr: string;
  reach: Reach;
  ports: PortSpan;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Address-range grants of a security-group call, in every request shape CloudTrail uses. */
export function securityGroupGrants(raw: unknown): Grant[] {
  const out: Grant[] = [];
  const push = (cidr: unknown, ports: PortSpan | undefined) => {
    if (typeof cidr !== 'string' || !ports) return;
    const reach = reachOf(cidr);
    if (reach) out.push({ cidr, reach, ports });
  };
  // Current shape: ipPermissions.items[] with ipRanges / ipv6Ranges.
  for (const perm of ctItems(raw, 'requestParameters.ipPermissions')) {
    const ports = portSpan(rv(perm, 'ipProtocol'), rv(perm, 'fromPort'), rv(perm, 'toPort'));
    for (const r of ctItems(perm, 'ipRanges')) push(rv(r, 'cidrIp'), ports);
    for (const r of ctItems(perm, 'ipv6Ranges')) push(rv(r, 'cidrIpv6'), ports);
  }
  // Legacy shape: one rule spelled out in the request itself.
  const legacy = rsx(raw, 'requestParameters.cidrIp');
  if (legacy) {
    push(
      legacy,
      portSpan(
        rv(raw, 'requestParameters.ipProtocol'),
        rv(raw, 'requestParameters.fromPort'),
        rv(raw, 'requestParameters.toPort'),
      ),
    );
  }
  // ModifySecurityGroupRules: SecurityGroupRule objects with CidrIpv4 / CidrIpv6, a few levels down.
  const walk = (v: unknown, depth: number) => {
    if (depth > 5) return;
    if (Array.isArray(v)) {
      for (const x of v.slice(0, 100)) walk(x, depth + 1);
      return;
    }
    if (!isObject(v)) return;
    if ('CidrIpv4' in v || 'CidrIpv6' in v) {
      if (rb(v, 'IsEgress') !== true) {
        const ports = portSpan(v.IpProtocol, v.FromPort, v.ToPort);
        push(v.CidrIpv4, ports);
        push(v.CidrIpv6, ports);
      }
      return;
    }
    for (const x of Object.values(v)) walk(x, depth + 1);
  };
  if (eventName(raw) === 'ModifySecurityGroupRules') walk(rv(raw, 'requestParameters'), 0);
  return out;
}

const groupId = (raw: unknown): string =>
  rsx(raw, 'requestParameters.groupId') ??
  rsx(raw, 'requestParameters.ModifySecurityGroupRulesRequest.GroupId') ??
  rsx(raw, 'requestParameters.groupName') ??
  '';

interface Opening {
  severity: Severity;
  risk: number;
}

/**
 * How much one ingress grant opens, by who made it:
 * - the world on admin ports (or all ports): high (medium when IaC deploys it — a misconfiguration,
 *   not an intrusion, but the exposure is the same);
 * - the world on other ports: medium (low for IaC) — a public listener is a decision worth a look;
 * - one internet address or range on an admin port, by hand: medium — "let my IP in on SSH" is how
 *   an intruder reaches an instance, and an admin bypassing the bastion looks the same;
 * - an internet address or range on another port, by hand: a notable opening (medium on the
 *   timeline, low risk) — intruders let their own hosts in this way too;
 * - anything else a person adds (internal ranges, including non-routable ones): low from a script or
 *   the CLI, but a notable change (medium, low risk) when typed into the console — see `byConsole`;
 *   workloads and IaC narrowing or adding internal rules: nothing.
 */
function ingressOpening(g: Grant, cls: ActorClass, byConsole: boolean): Opening | undefined {
  const at = (severity: Severity): Opening => ({ severity, risk: RISK[severity] });
  const admin = g.ports.all || g.ports.admin.length > 0;
  const automation = cls === 'automation';
  if (g.reach === 'world') {
    if (admin) return at(automation ? 'medium' : 'high');
    return at(automation ? 'low' : 'medium');
  }
  if (g.reach === 'internet' && admin && NOT_AUTOMATION.has(cls)) return at('medium');
  if (!BY_PERSON.has(cls)) return undefined;
  return g.reach === 'internet' || byConsole ? { severity: 'medium', risk: RISK.low } : at('low');
}

const ORDER: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const worst = (a: Severity | undefined, b: Severity | undefined): Severity | undefined =>
  a === undefined ? b : b === undefined ? a : ORDER[a] >= ORDER[b] ? a : b;

const sgOpened: Detection = {
  id: 'aws.ec2.security_group_opened',
  title: 'Security group opened to the internet',
  description:
    'An ingress rule was added to a security group. Opening admin or database ports (SSH, RDP, SQL, Redis, ' +
    'Kubernetes…) or all traffic to 0.0.0.0/0 or ::/0 is high; other ports open to the world, and admin ports ' +
    'opened by hand to a specific internet address (the "let my IP in" move intruders use to reach an ' +
    'instance), are medium. Other ports opened by hand to an internet address or range are a notable ' +
    'firewall change: medium on the timeline but low risk, so routine admin work never opens an incident ' +
    'alone. Internal and non-routable ranges, and rules referencing other groups, added by people, are low; ' +
    'address ranges of any kind typed into the console by a person are that notable change (console firewall ' +
    'edits bypass IaC review, and a hijacked console session opens access this way). ' +
    'Revocations, failed calls and AWS services are ignored; IaC deployments count one step lower. Egress ' +
    'opened to the world on every port by a person is low.',
  attack: ['T1562.007'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules', 'AuthorizeSecurityGroupEgress'],
  detect: guarded({ source: EC2 }, (raw): Hit | undefined => {
    const cls = actorClass(raw);
    const grants = securityGroupGrants(raw);
    // A firewall rule typed into the console bypassed whatever review IaC gives: drift at best, and
    // a hijacked console session (phished SSO) changes firewalls exactly this way. Runbook scripts
    // adding internal ranges stay low.
    const byConsole = isConsoleSession(raw);
    let severity: Severity | undefined;
    let risk: number = RISK.low;
    const opened: string[] = [];
    if (eventName(raw) === 'AuthorizeSecurityGroupEgress') {
      const wide = grants.find((g) => g.reach === 'world' && g.ports.all);
      if (!wide || !BY_PERSON.has(cls)) return undefined;
      return {
        evidence: { group: groupId(raw), direction: 'egress', cidr: wide.cidr, ports: wide.ports.text },
        ...at('low'),
      };
    }
    for (const g of grants) {
      const o = ingressOpening(g, cls, byConsole);
      if (o === undefined) continue;
      if (worst(severity, o.severity) !== severity || (o.severity === severity && o.risk > risk)) {
        severity = o.severity;
        risk = o.risk;
      }
      opened.push(
        `${g.cidr} ${g.ports.text}${g.ports.admin.length && !g.ports.all ? ` (${g.ports.admin.join(',')})` : ''}`,
      );
    }
    // Rules that reference another security group or a prefix list, added by a person.
    if (severity === undefined && grants.length === 0 && BY_PERSON.has(cls)) severity = 'low';
    if (severity === undefined) return undefined;
    return {
      evidence: {
        group: groupId(raw),
        direction: 'ingress',
        opened: opened.join('; ').slice(0, 300),
        actor: cls,
      },
      severity,
      risk,
    };
  }),
  cases: [
    {
      name: 'SSH opened to 0.0.0.0/0 from a script',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'AuthorizeSecurityGroupIngress',
          identity: who.role('Operator', 'ryan@example.com'),
          params: {
            groupId: 'sg-0d921df5d84f7270a',
            ipPermissions: {
              items: [
                {
                  ipProtocol: 'tcp',
                  fromPort: 22,
                  toPort: 22,
                  groups: {},
                  ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] },
                  ipv6Ranges: {},
                  prefixListIds: {},
                },
              ],
            },
          },
        }),
      ],
    },
    {
      name: 'all traffic from ::/0 by IaC still counts',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'AuthorizeSecurityGroupIngress',
          identity: who.cfn(),
          ip: 'cloudformation.amazonaws.com',
          params: {
            groupId: 'sg-1',
            ipPermissions: { items: [{ ipProtocol: '-1', ipv6Ranges: { items: [{ cidrIpv6: '::/0' }] } }] },
          },
        }),
      ],
    },
    {
      name: 'RDP opened to one internet address by hand (legacy request shape)',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'AuthorizeSecurityGroupIngress',
          identity: who.sso('Admin', 'kim@example.com'),
          params: {
            groupId: 'sg-2',
            cidrIp: '198.51.100.7/32',
            ipProtocol: 'tcp',
            fromPort: 3389,
            toPort: 3389,
          },
        }),
      ],
    },
    {
      name: 'rule modified to the world on Postgres',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'ModifySecurityGroupRules',
          identity: who.user('dev1'),
          params: {
            ModifySecurityGroupRulesRequest: {
              GroupId: 'sg-3',
              SecurityGroupRule: {
                SecurityGroupRuleId: 'sgr-0a1',
                SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIpv4: '0.0.0.0/0' },
              },
            },
          },
        }),
      ],
    },
    {
      name: 'a person opens a web port to a partner range from the console',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'AuthorizeSecurityGroupIngress',
          identity: who.role('NetAdmin', 'dana'),
          ua: 'console.ec2.amazonaws.com',
          params: {
            groupId: 'sg-7',
            ipPermissions: {
              items: [
                {
                  ipProtocol: 'tcp',
                  fromPort: '8443',
                  toPort: '8443',
                  ipRanges: { items: [{ cidrIp: '203.0.113.0/24' }] },
                },
              ],
            },
          },
        }),
      ],
    },
    {
      name: 'a person allows SSH from an internal range',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'AuthorizeSecurityGroupIngress',
          identity: who.sso('Admin', 'lee@example.com'),
          params: {
            groupId: 'sg-8',
            ipPermissions: {
              items: [
                {
                  ipProtocol: 'tcp',
                  fromPort: 22,
                  toPort: 22,
                  ipRanges: { items: [{ cidrIp: '10.8.0.0/24' }] },
                },
              ],
            },
          },
        }),
      ],
    },
    {
      name: 'a workload adds an internal rule for its own port',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'AuthorizeSecurityGroupIngress',
          identity: who.role('service-mesh-controller', 'reconcile-77'),
          params: {
            groupId: 'sg-9',
            ipPermissions: {
              items: [
                {
                  ipProtocol: 'tcp',
                  fromPort: 22,
                  toPort: 22,
                  ipRanges: { items: [{ cidrIp: '10.8.0.0/24' }] },
                },
              ],
            },
          },
        }),
      ],
    },
    {
      name: 'IaC adding an internal rule',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'AuthorizeSecurityGroupIngress',
          identity: who.role('terraform-apply', 'run-4411'),
          params: {
            groupId: 'sg-4',
            ipPermissions: {
              items: [
                {
                  ipProtocol: 'tcp',
                  fromPort: 443,
                  toPort: 443,
                  ipRanges: { items: [{ cidrIp: '10.0.0.0/16' }] },
                },
              ],
            },
          },
        }),
      ],
    },
    {
      name: 'refused attempt',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'AuthorizeSecurityGroupIngress',
          identity: who.role('TestAdmin', 'alan'),
          error: 'UnauthorizedOperation',
          params: {
            groupId: 'sg-5',
            ipPermissions: {
              items: [
                {
                  ipProtocol: 'tcp',
                  fromPort: 22,
                  toPort: 22,
                  ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] },
                },
              ],
            },
          },
        }),
      ],
    },
    {
      name: 'rule revoked',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'RevokeSecurityGroupIngress',
          identity: who.user('dev1'),
          params: {
            groupId: 'sg-5',
            ipPermissions: {
              items: [
                {
                  ipProtocol: 'tcp',
                  fromPort: 22,
                  toPort: 22,
                  ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] },
                },
              ],
            },
          },
        }),
      ],
    },
    {
      name: 'default egress added by IaC',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'AuthorizeSecurityGroupEgress',
          identity: who.role('ContinuousDeployment', 'ryan@example.com'),
          params: {
            groupId: 'sg-6',
            ipPermissions: { items: [{ ipProtocol: '-1', ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] },
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Network ACLs
// ---------------------------------------------------------------------------------------------

const naclChanged: Detection = {
  id: 'aws.ec2.network_acl_opened',
  title: 'Network ACL opened or removed',
  description:
    'A network ACL entry was added or replaced to allow inbound traffic from the whole internet on admin ports ' +
    'or all traffic (medium: the subnet-wide filter in front of every instance no longer stops it), or a person ' +
    'otherwise changed or deleted subnet ACL entries (low: removing a deny entry is as good as an allow).',
  attack: ['T1562.007'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry', 'DeleteNetworkAclEntry', 'DeleteNetworkAcl'],
  detect: guarded({ source: EC2 }, (raw) => {
    const cls = actorClass(raw);
    const acl = rsx(raw, 'requestParameters.networkAclId') ?? '';
    const name = eventName(raw);
    const evidence: Hit['evidence'] = { event: name, network_acl: acl, actor: cls };
    if (name === 'CreateNetworkAclEntry' || name === 'ReplaceNetworkAclEntry') {
      const allow = (rs(raw, 'requestParameters.ruleAction') ?? '').toLowerCase() === 'allow';
      const inbound = rb(raw, 'requestParameters.egress') !== true;
      const cidr =
        rsx(raw, 'requestParameters.cidrBlock') ?? rsx(raw, 'requestParameters.ipv6CidrBlock') ?? '';
      const ports = portSpan(
        rv(raw, 'requestParameters.aclProtocol') ?? rv(raw, 'requestParameters.protocol'),
        rv(raw, 'requestParameters.portRange.from'),
        rv(raw, 'requestParameters.portRange.to'),
      );
      evidence.cidr = cidr;
      evidence.rule_action = allow ? 'allow' : 'deny';
      if (allow && inbound && reachOf(cidr) === 'world' && ports && (ports.all || ports.admin.length > 0)) {
        evidence.ports = ports.text;
        return { evidence, ...at(cls === 'automation' ? 'low' : 'medium') };
      }
    }
    return BY_PERSON.has(cls) ? { evidence } : undefined;
  }),
  cases: [
    {
      name: 'inbound allow-all from the internet replaced in',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'ReplaceNetworkAclEntry',
          identity: who.role('SomeRole', 'i-0a1b2c3d4e5f60718', { extra: { ec2RoleDelivery: '2.0' } }),
          params: {
            networkAclId: 'acl-1',
            ruleNumber: 90,
            aclProtocol: '-1',
            ruleAction: 'allow',
            egress: false,
            cidrBlock: '0.0.0.0/0',
          },
        }),
      ],
    },
    {
      name: 'a person deletes an ACL entry',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'DeleteNetworkAclEntry',
          identity: who.sso('NetAdmin', 'kim@example.com'),
          params: { networkAclId: 'acl-1', ruleNumber: 50, egress: false },
        }),
      ],
    },
    {
      name: 'IaC adds a deny entry',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'CreateNetworkAclEntry',
          identity: who.cfn(),
          ip: 'cloudformation.amazonaws.com',
          params: {
            networkAclId: 'acl-2',
            ruleNumber: 10,
            aclProtocol: '6',
            ruleAction: 'deny',
            egress: false,
            cidrBlock: '0.0.0.0/0',
            portRange: { from: 22, to: 22 },
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Routes and VPC connectivity
// ---------------------------------------------------------------------------------------------

const ROUTE_TARGETS = [
  'gatewayId',
  'natGatewayId',
  'instanceId',
  'networkInterfaceId',
  'vpcPeeringConnectionId',
  'transitGatewayId',
  'egressOnlyInternetGatewayId',
  'carrierGatewayId',
  'localGatewayId',
  'vpcEndpointId',
  'coreNetworkArn',
];

const routeChanged: Detection = {
  id: 'aws.ec2.route_table_changed',
  title: 'Route table changed to expose or divert traffic',
  description:
    'A route was added or replaced. A default route (0.0.0.0/0, ::/0) through an internet gateway makes the ' +
    'subnet public, and one through an instance or network interface sends every packet of the subnet through ' +
    'a single host (interception); both are medium when not deployed by IaC. Other route and route-table ' +
    'changes made by people are low.',
  attack: ['T1599'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: [
    'CreateRoute',
    'ReplaceRoute',
    'DeleteRoute',
    'ReplaceRouteTableAssociation',
    'AssociateRouteTable',
    'DisassociateRouteTable',
  ],
  detect: guarded({ source: EC2 }, (raw) => {
    const cls = actorClass(raw);
    const destination =
      rsx(raw, 'requestParameters.destinationCidrBlock') ??
      rsx(raw, 'requestParameters.destinationIpv6CidrBlock') ??
      '';
    const targetKey = ROUTE_TARGETS.find((k) => rsx(raw, `requestParameters.${k}`) !== undefined);
    const target = targetKey ? (rsx(raw, `requestParameters.${targetKey}`) ?? '') : '';
    const evidence: Hit['evidence'] = {
      event: eventName(raw),
      route_table: rsx(raw, 'requestParameters.routeTableId') ?? '',
      destination,
      target,
      actor: cls,
    };
    const name = eventName(raw);
    if ((name === 'CreateRoute' || name === 'ReplaceRoute') && reachOf(destination) === 'world') {
      const toInternet = target.startsWith('igw-');
      const throughHost = targetKey === 'instanceId' || targetKey === 'networkInterfaceId';
      if ((toInternet || throughHost) && NOT_AUTOMATION.has(cls)) return { evidence, ...at('medium') };
    }
    return BY_PERSON.has(cls) ? { evidence } : undefined;
  }),
  cases: [
    {
      name: 'default route to an internet gateway from the console',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'CreateRoute',
          identity: who.role('tester', 'tester'),
          ua: 'console.ec2.amazonaws.com',
          params: { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-1' },
        }),
      ],
    },
    {
      name: 'default route replaced to go through an instance',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'ReplaceRoute',
          identity: who.user('dev1'),
          params: {
            routeTableId: 'rtb-2',
            destinationCidrBlock: '0.0.0.0/0',
            instanceId: 'i-0a1b2c3d4e5f60718',
          },
        }),
      ],
    },
    {
      name: 'route creation blocked',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'CreateRoute',
          identity: who.role('tester', 'tester'),
          error: 'Blocked',
          params: { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-1' },
        }),
      ],
    },
    {
      name: 'IaC adds a NAT gateway route',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'CreateRoute',
          identity: who.cfn(),
          ip: 'cloudformation.amazonaws.com',
          params: { routeTableId: 'rtb-3', destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-1' },
        }),
      ],
    },
  ],
};

const VPC_EVENTS = [
  'CreateVpcPeeringConnection',
  'AcceptVpcPeeringConnection',
  'CreateVpc',
  'DeleteVpc',
  'ModifyVpcAttribute',
  'CreateInternetGateway',
  'AttachInternetGateway',
  'DetachInternetGateway',
  'DeleteInternetGateway',
  'CreateSubnet',
  'DeleteSubnet',
  'ModifySubnetAttribute',
  'AcceptTransitGatewayVpcAttachment',
  'CreateTransitGatewayVpcAttachment',
];

/** The other side of a peering: the accepter named in the request, or the requester in the response. */
function peerAccounts(raw: unknown): string[] {
  return [
    rsx(raw, 'requestParameters.peerOwnerId'),
    rsx(raw, 'responseElements.vpcPeeringConnection.requesterVpcInfo.ownerId'),
    rsx(raw, 'responseElements.vpcPeeringConnection.accepterVpcInfo.ownerId'),
  ].filter((x): x is string => x !== undefined);
}

/** A new network, or a new way out of one, built by a person. */
const NEW_NETWORK: ReadonlySet<string> = new Set(['CreateVpc', 'AttachInternetGateway']);

const vpcChanged: Detection = {
  id: 'aws.ec2.vpc_connectivity_changed',
  title: 'VPC connectivity changed',
  description:
    'A VPC was peered with (or accepted a peering from) an account outside the organisation — a network path ' +
    'for data to leave and for the other side to reach in (medium). A person building new network by hand — ' +
    'creating a VPC, or attaching an internet gateway that gives a VPC a path to the internet — is a notable ' +
    'change (medium on the timeline, low risk): network built outside IaC usually has no flow logs or ' +
    'guardrails, which is why intruders stand up their own. Other VPC, subnet, internet-gateway and ' +
    'transit-gateway changes made by people are low; IaC, workloads, AWS services and failed calls are ignored.',
  attack: ['T1599'],
  tactic: 'TA0005',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: VPC_EVENTS,
  detect: guarded({ source: EC2 }, (raw, ctx) => {
    const cls = actorClass(raw);
    const foreign = peerAccounts(raw)
      .map((a) => foreignAccount(a, ctx, raw))
      .filter((x): x is string => x !== undefined);
    const evidence: Hit['evidence'] = {
      event: eventName(raw),
      vpc: rsx(raw, 'requestParameters.vpcId') ?? rsx(raw, 'responseElements.vpc.vpcId') ?? '',
      actor: cls,
    };
    if (foreign.length > 0) {
      evidence.peer_account = foreign.join(',');
      return { evidence, entities: foreign.map(accountEntity), ...at('medium') };
    }
    if (!BY_PERSON.has(cls)) return undefined;
    return NEW_NETWORK.has(eventName(raw)) ? { evidence, severity: 'medium', risk: RISK.low } : { evidence };
  }),
  cases: [
    {
      name: 'internet gateway attached by hand',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'AttachInternetGateway',
          identity: who.user('ops-mark'),
          params: { internetGatewayId: 'igw-0c1d2e3f4a5b6c7d8', vpcId: 'vpc-0f1e2d3c4b5a69788' },
        }),
      ],
    },
    {
      name: 'IaC creating a VPC',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'CreateVpc',
          identity: who.role('cdk-deploy', 'deploy-5521'),
          params: { cidrBlock: '10.40.0.0/16' },
        }),
      ],
    },
    {
      name: 'peering requested with an outside account',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'CreateVpcPeeringConnection',
          identity: who.role('app', 'i-0a1b2c3d4e5f60718', { extra: { ec2RoleDelivery: '2.0' } }),
          params: { vpcId: 'vpc-1', peerVpcId: 'vpc-9', peerOwnerId: FOREIGN },
        }),
      ],
    },
    {
      name: 'VPC created from the console',
      fires: true,
      records: [
        ct({
          source: 'ec2',
          name: 'CreateVpc',
          identity: who.role('tester', 'tester'),
          ua: 'console.ec2.amazonaws.com',
          params: { cidrBlock: '10.20.0.0/16', instanceTenancy: 'default' },
        }),
      ],
    },
    {
      name: 'IaC peering within the organisation',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'CreateVpcPeeringConnection',
          identity: who.cfn(),
          ip: 'cloudformation.amazonaws.com',
          params: { vpcId: 'vpc-1', peerVpcId: 'vpc-2', peerOwnerId: '123456789012' },
        }),
      ],
    },
    {
      name: 'creation failed',
      fires: false,
      records: [
        ct({
          source: 'ec2',
          name: 'CreateVpc',
          identity: who.role('tester', 'tester'),
          error: 'UnknownParameter',
          params: { cidrBlock: '10.20.0.0/16' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Regions and quarantine
// ---------------------------------------------------------------------------------------------

const regionEnabled: Detection = {
  id: 'aws.account.region_enabled',
  title: 'Opt-in AWS region enabled',
  description:
    'An opt-in region (disabled by default) was enabled for the account. It is rare, account-wide, and the new ' +
    'region usually has no GuardDuty, Config or alarms of its own: intruders enable one to run resources where ' +
    'nobody looks. A refused attempt still shows the intent (low).',
  attack: ['T1535'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['EnableRegion'],
  // EnableRegion is an Account Management API (account.amazonaws.com); some exports name another source.
  detect: guarded({ keepFailed: true }, (raw) => {
    if (failed(raw) && !denied(raw)) return undefined;
    const region = rsx(raw, 'requestParameters.RegionName') ?? rsx(raw, 'requestParameters.regionName') ?? '';
    const evidence = { region, refused: failed(raw), actor: actorClass(raw) };
    return failed(raw) ? { evidence, ...at('low') } : { evidence };
  }),
  cases: [
    {
      name: 'region enabled with a user key',
      fires: true,
      records: [
        ct({
          source: 'account',
          name: 'EnableRegion',
          identity: who.user('alice'),
          params: { RegionName: 'me-central-1' },
          region: 'us-east-1',
        }),
      ],
    },
    {
      name: 'region disabled',
      fires: false,
      records: [
        ct({
          source: 'account',
          name: 'DisableRegion',
          identity: who.user('alice'),
          params: { RegionName: 'me-central-1' },
        }),
      ],
    },
    {
      name: 'already enabling',
      fires: false,
      records: [
        ct({
          source: 'account',
          name: 'EnableRegion',
          identity: who.user('alice'),
          params: { RegionName: 'me-central-1' },
          error: 'ConflictException',
        }),
      ],
    },
  ],
};

const QUARANTINE = /^arn:aws[a-z-]*:iam::aws:policy\/AWSCompromisedKeyQuarantine(V\d+)?$/;

const keyQuarantine: Detection = {
  id: 'aws.iam.compromised_key_quarantine',
  title: 'AWS quarantined an exposed access key',
  description:
    "AWS's compromised-key quarantine policy was attached to an identity: AWS (or its support team) found that " +
    "identity's access key exposed publicly, e.g. pushed to a public repository, and denied the riskiest actions. " +
    "The key must be treated as in an attacker's hands (high). Detaching the policy lifts that containment (medium): " +
    'check the key was rotated first.',
  attack: ['T1552.001', 'T1078.004'],
  tactic: 'TA0006',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: [
    'AttachUserPolicy',
    'AttachRolePolicy',
    'AttachGroupPolicy',
    'DetachUserPolicy',
    'DetachRolePolicy',
    'DetachGroupPolicy',
  ],
  detect: guarded({ source: 'iam.amazonaws.com', keepService: true }, (raw) => {
    const policy = rsx(raw, 'requestParameters.policyArn') ?? '';
    if (!QUARANTINE.test(policy)) return undefined;
    const target =
      rsx(raw, 'requestParameters.userName') ??
      rsx(raw, 'requestParameters.roleName') ??
      rsx(raw, 'requestParameters.groupName') ??
      '';
    const account = rsx(raw, 'recipientAccountId') ?? actorOf(raw).account ?? '';
    const entities: EntityRef[] = [];
    if (rsx(raw, 'requestParameters.userName') && account)
      entities.push({ type: 'principal', id: `arn:aws:iam::${account}:user/${target}` });
    const detached = eventName(raw).startsWith('Detach');
    return {
      entities,
      evidence: { target, policy: policy.slice(policy.lastIndexOf('/') + 1), detached },
      ...(detached ? at('medium') : {}),
    };
  }),
  cases: [
    {
      name: 'quarantine policy attached to a user',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.role('a-role', 'user.name'),
          ua: 'AWS Internal',
          params: {
            userName: 'test-user',
            policyArn: 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2',
          },
        }),
      ],
    },
    {
      name: 'quarantine lifted',
      fires: true,
      records: [
        ct({
          source: 'iam',
          name: 'DetachUserPolicy',
          identity: who.sso('Admin', 'kim@example.com'),
          params: {
            userName: 'test-user',
            policyArn: 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3',
          },
        }),
      ],
    },
    {
      name: 'another managed policy',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.role('a-role', 'user.name'),
          params: { userName: 'test-user', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        }),
      ],
    },
    {
      name: 'customer policy named like it',
      fires: false,
      records: [
        ct({
          source: 'iam',
          name: 'AttachUserPolicy',
          identity: who.role('a-role', 'user.name'),
          params: {
            userName: 'test-user',
            policyArn: `arn:aws:iam::${ORG}:policy/AWSCompromisedKeyQuarantineV2`,
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// RDS
// ---------------------------------------------------------------------------------------------

const dbName = (raw: unknown): string =>
  rsx(raw, 'requestParameters.dBInstanceIdentifier') ??
  rsx(raw, 'requestParameters.dBClusterIdentifier') ??
  rsx(raw, 'requestParameters.globalClusterIdentifier') ??
  '';

const rdsRoleAdded: Detection = {
  id: 'aws.rds.iam_role_added',
  title: 'IAM role attached to a database',
  description:
    'An IAM role was associated with a DB instance or cluster. The database engine can then call AWS with that ' +
    'role — export tables to S3, invoke Lambda, read from S3 — so anyone with SQL access gains a path to move ' +
    'data out of the database without touching the network (medium; low when IaC deploys it).',
  attack: ['T1098.003', 'T1537'],
  tactic: 'TA0003',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['AddRoleToDBInstance', 'AddRoleToDBCluster'],
  detect: guarded({ source: RDS }, (raw) => {
    const role = rsx(raw, 'requestParameters.roleArn') ?? '';
    const evidence = {
      database: dbName(raw),
      role,
      feature: rsx(raw, 'requestParameters.featureName') ?? '',
    };
    const entities = role ? [resourceEntity(role)] : [];
    return actorClass(raw) === 'automation' ? { evidence, entities, ...at('low') } : { evidence, entities };
  }),
  cases: [
    {
      name: 'Lambda role added to a cluster',
      fires: true,
      records: [
        ct({
          source: 'rds',
          name: 'AddRoleToDBCluster',
          identity: who.user('developer'),
          params: {
            dBClusterIdentifier: 'aurora-cluster-prod',
            roleArn: `arn:aws:iam::${ORG}:role/RDS-Lambda-Access`,
            featureName: 'Lambda',
          },
        }),
      ],
    },
    {
      name: 'role removed',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'RemoveRoleFromDBInstance',
          identity: who.user('developer'),
          params: {
            dBInstanceIdentifier: 'db1',
            roleArn: `arn:aws:iam::${ORG}:role/x`,
            featureName: 's3Import',
          },
        }),
      ],
    },
    {
      name: 'refused',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'AddRoleToDBInstance',
          identity: who.user('contractor'),
          error: 'AccessDenied',
          params: { dBInstanceIdentifier: 'db1', roleArn: `arn:aws:iam::${ORG}:role/Admin-Role` },
        }),
      ],
    },
  ],
};

/** The region of an RDS ARN (`arn:aws:rds:us-east-1:…`), if the identifier is one. */
const arnRegion = (s: string | undefined): string | undefined =>
  s?.startsWith('arn:') ? s.split(':')[3] || undefined : undefined;

const snapshotCopied: Detection = {
  id: 'aws.rds.snapshot_copied',
  title: 'Database snapshot copied',
  description:
    'A DB (cluster) snapshot was copied. Re-encrypting the copy under a KMS key of another account hands the ' +
    'data to whoever holds that key (high). A copy into another region moves production data outside the ' +
    "region's guardrails and residency boundary — the staging step before sharing or restoring it elsewhere; " +
    'cross-region DR copies normally run as AWS Backup or automated backup replication, so a copy made by hand ' +
    'is medium. Other copies are low.',
  attack: ['T1537', 'T1530'],
  tactic: 'TA0010',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['CopyDBSnapshot', 'CopyDBClusterSnapshot'],
  detect: guarded({ source: RDS }, (raw, ctx) => {
    const cls = actorClass(raw);
    const source =
      rsx(raw, 'requestParameters.sourceDBSnapshotIdentifier') ??
      rsx(raw, 'requestParameters.sourceDBClusterSnapshotIdentifier') ??
      '';
    const target =
      rsx(raw, 'requestParameters.targetDBSnapshotIdentifier') ??
      rsx(raw, 'requestParameters.targetDBClusterSnapshotIdentifier') ??
      '';
    const here = rsx(raw, 'awsRegion') ?? '';
    const from = rsx(raw, 'requestParameters.sourceRegion') ?? arnRegion(source) ?? here;
    const key = rsx(raw, 'requestParameters.kmsKeyId') ?? '';
    const keyAccount = key.startsWith('arn:') ? foreignAccount(key, ctx, raw) : undefined;
    const evidence = { source, target, from_region: from, to_region: here, kms_key: key, actor: cls };
    if (keyAccount) return { evidence, entities: [accountEntity(keyAccount)], ...at('high') };
    if (from !== here && NOT_AUTOMATION.has(cls)) return { evidence, ...at('medium') };
    return BY_PERSON.has(cls) ? { evidence } : undefined;
  }),
  cases: [
    {
      name: 'cluster snapshot copied to another region',
      fires: true,
      records: [
        ct({
          source: 'rds',
          name: 'CopyDBClusterSnapshot',
          identity: who.user('contractor'),
          region: 'eu-west-1',
          params: {
            sourceDBClusterSnapshotIdentifier: `arn:aws:rds:us-east-1:${ORG}:cluster-snapshot:aurora-prod-backup`,
            targetDBClusterSnapshotIdentifier: 'aurora-prod-backup-eu',
            sourceRegion: 'us-east-1',
          },
        }),
      ],
    },
    {
      name: 'copy re-encrypted under an outside key',
      fires: true,
      records: [
        ct({
          source: 'rds',
          name: 'CopyDBSnapshot',
          identity: who.role('app', 'i-0a1b2c3d4e5f60718', { extra: { ec2RoleDelivery: '2.0' } }),
          params: {
            sourceDBSnapshotIdentifier: 'orders-2026-03-01',
            targetDBSnapshotIdentifier: 'orders-copy',
            kmsKeyId: `arn:aws:kms:eu-west-1:${FOREIGN}:key/6f1c2d9e-0000-4000-8000-0123456789ab`,
          },
        }),
      ],
    },
    {
      name: 'IaC copying within the region',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'CopyDBSnapshot',
          identity: who.cfn(),
          ip: 'cloudformation.amazonaws.com',
          params: {
            sourceDBSnapshotIdentifier: 'original-snapshot',
            targetDBSnapshotIdentifier: 'copy-of-snapshot',
          },
        }),
      ],
    },
    {
      name: 'copy refused',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'CopyDBSnapshot',
          identity: who.user('contractor'),
          error: 'AccessDenied',
          params: {
            sourceDBSnapshotIdentifier: `arn:aws:rds:us-east-1:${ORG}:snapshot:x`,
            sourceRegion: 'us-east-1',
          },
        }),
      ],
    },
  ],
};

const TEN_MIN = 10 * MINUTE;

const LOG_ID = 'aws.rds.log_file_downloaded';
const rdsLogDownload: Detection = {
  id: LOG_ID,
  title: 'Database log files downloaded',
  description:
    'Log files of a database were downloaded through the RDS API. Error, general, slow-query and audit logs hold ' +
    'SQL text, user names and sometimes passwords set in statements. A download inside the trusted networks is ' +
    'low (one from outside is rated by log_download_untrusted_network); one principal pulling logs of three or ' +
    'more databases within ten minutes, from anywhere, is a sweep (medium).',
  attack: ['T1552.001', 'T1005'],
  tactic: 'TA0006',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ['DownloadDBLogFilePortion', 'DownloadCompleteDBLogFile'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (eventSource(raw) !== RDS || failed(raw) || actorClass(raw) === 'service') return undefined;
    const who = principalOf(raw);
    const db = dbName(raw);
    if (!who) return undefined;
    const t = timeOf(ev);
    const key = `${LOG_ID}|${who}`;
    const n = ctx.window.distinct(key, db, t, TEN_MIN);
    const evidence = {
      database: db,
      log_file: rsx(raw, 'requestParameters.logFileName') ?? '',
      distinct_databases: n,
    };
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [{ min: 3, severity: 'medium', risk: RISK.medium }]);
    if (tier) return { evidence, severity: tier.severity, risk: tier.risk };
    // From outside the trusted networks one download is rated by log_download_untrusted_network.
    if (untrustedSource(raw, ctx)) return undefined;
    return once(ctx, `${key}|${db}`, t, TEN_MIN) ? { evidence } : undefined;
  },
  cases: [
    {
      name: 'audit log downloaded on the VPN',
      fires: true,
      records: [
        ct({
          source: 'rds',
          name: 'DownloadDBLogFilePortion',
          identity: who.user('contractor'),
          ip: OFFICE_IP,
          params: {
            dBInstanceIdentifier: 'customer-database',
            logFileName: 'audit/server_audit.log',
            numberOfLines: 5000,
          },
        }),
      ],
    },
    {
      name: 'one download from outside (log_download_untrusted_network rates it)',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'DownloadDBLogFilePortion',
          identity: who.user('contractor'),
          ip: '198.51.100.200',
          params: { dBInstanceIdentifier: 'customer-database', logFileName: 'audit/server_audit.log' },
        }),
      ],
    },
    {
      name: 'logs of three databases in a row',
      fires: true,
      records: ['a', 'b', 'c'].map((db, i) =>
        ct({
          source: 'rds',
          name: 'DownloadDBLogFilePortion',
          identity: who.user('contractor'),
          time: `2026-03-02T10:1${i}:00Z`,
          params: { dBInstanceIdentifier: `db-${db}`, logFileName: 'error/postgresql.log' },
        }),
      ),
    },
    {
      name: 'listing log files',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'DescribeDBLogFiles',
          identity: who.user('contractor'),
          params: { dBInstanceIdentifier: 'db1' },
        }),
      ],
    },
    {
      name: 'download refused',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'DownloadDBLogFilePortion',
          identity: who.user('developer'),
          error: 'AccessDenied',
          params: { dBInstanceIdentifier: 'production-db', logFileName: 'error/mysql-error.log' },
        }),
      ],
    },
  ],
};

const AVAIL_ID = 'aws.rds.availability_disrupted';
/** Calls that move a database's primary elsewhere: every client connection drops and reconnects. */
const FAILOVERS: ReadonlySet<string> = new Set([
  'FailoverDBCluster',
  'FailoverGlobalCluster',
  'SwitchoverGlobalCluster',
]);
const rdsAvailability: Detection = {
  id: AVAIL_ID,
  title: 'Databases rebooted, failed over or stopped',
  description:
    'A database was rebooted, failed over or stopped outside IaC. A person doing it, or any non-IaC principal ' +
    'forcing a failover (cluster or global failover/switchover, reboot with forced failover — the primary moves ' +
    'and connections drop), is a notable availability change: medium on the timeline, low risk, since operators ' +
    'do this in maintenance windows too. One principal doing it to three or more databases within ten minutes ' +
    'is a disruption campaign (medium risk). Reboots and stops by workloads alone, failed calls, AWS services ' +
    'and IaC are ignored.',
  attack: ['T1489', 'T1529'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: [
    'RebootDBInstance',
    'RebootDBCluster',
    'FailoverDBCluster',
    'FailoverGlobalCluster',
    'SwitchoverGlobalCluster',
    'StopDBInstance',
    'StopDBCluster',
  ],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (eventSource(raw) !== RDS || failed(raw)) return undefined;
    const cls = actorClass(raw);
    if (cls === 'service' || cls === 'automation') return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const t = timeOf(ev);
    const key = `${AVAIL_ID}|${who}`;
    const db = dbName(raw);
    const n = ctx.window.distinct(key, db, t, TEN_MIN);
    const evidence = { event: eventName(raw), database: db, distinct_databases: n };
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [{ min: 3, severity: 'medium', risk: RISK.medium }]);
    if (tier) return { evidence, severity: tier.severity, risk: tier.risk };
    const failover = FAILOVERS.has(eventName(raw)) || rb(raw, 'requestParameters.forceFailover') === true;
    if (failover || BY_PERSON.has(cls) || isInteractiveOrStolen(raw))
      return { evidence: { ...evidence, failover } };
    return undefined;
  },
  cases: [
    {
      name: 'cluster failover by a DBA',
      fires: true,
      records: [
        ct({
          source: 'rds',
          name: 'FailoverDBCluster',
          identity: who.user('dr-coordinator'),
          params: {
            dBClusterIdentifier: 'aurora-cluster-prod',
            targetDBInstanceIdentifier: 'aurora-instance-2',
          },
        }),
      ],
    },
    {
      name: 'three databases rebooted in two minutes',
      fires: true,
      records: ['a', 'b', 'c'].map((db, i) =>
        ct({
          source: 'rds',
          name: 'RebootDBInstance',
          identity: who.role('app', 'svc-job'),
          time: `2026-03-02T10:1${i}:00Z`,
          params: { dBInstanceIdentifier: `db-${db}` },
        }),
      ),
    },
    {
      name: 'global cluster failed over by a DR role session',
      fires: true,
      records: [
        ct({
          source: 'rds',
          name: 'FailoverGlobalCluster',
          identity: who.role('DatabaseOps', 'dr-drill'),
          ip: '10.0.3.12',
          params: {
            globalClusterIdentifier: 'orders-global',
            targetDbClusterIdentifier: 'arn:aws:rds:eu-west-2:111122223333:cluster:orders-eu',
          },
        }),
      ],
    },
    {
      name: 'a workload rebooting one database (no failover)',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'RebootDBInstance',
          identity: who.role('maintenance-lambda', 'weekly-reboot'),
          params: { dBInstanceIdentifier: 'reporting-replica', forceFailover: false },
        }),
      ],
    },
    {
      name: 'IaC failing over a cluster',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'FailoverDBCluster',
          identity: who.role('terraform-apply', 'run-9031'),
          params: { dBClusterIdentifier: 'aurora-staging' },
        }),
      ],
    },
    {
      name: 'reboot refused',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'RebootDBInstance',
          identity: who.user('operator'),
          error: 'InvalidDBInstanceState',
          params: { dBInstanceIdentifier: 'db1' },
        }),
      ],
    },
    {
      name: 'database started',
      fires: false,
      records: [
        ct({
          source: 'rds',
          name: 'StartDBInstance',
          identity: who.user('operator'),
          params: { dBInstanceIdentifier: 'db1' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// S3
// ---------------------------------------------------------------------------------------------

const replicationRemoved: Detection = {
  id: 'aws.s3.replication_removed',
  title: 'Bucket replication removed',
  description:
    "A bucket's replication configuration was deleted: the second copy (backup, DR or compliance archive, often " +
    'in another account) stops receiving new objects. Removing recovery copies precedes destructive and ransom ' +
    'attacks (medium; low when IaC does it). A refused attempt is low.',
  attack: ['T1490', 'T1562'],
  tactic: 'TA0040',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['DeleteBucketReplication'],
  detect: guarded({ source: 's3.amazonaws.com', keepFailed: true }, (raw) => {
    if (failed(raw) && !denied(raw)) return undefined;
    const bucket = rsx(raw, 'requestParameters.bucketName') ?? '';
    const evidence = { bucket, refused: failed(raw) };
    const entities = bucket ? [resourceEntity(bucketArn(bucket))] : [];
    if (failed(raw) || actorClass(raw) === 'automation') return { evidence, entities, ...at('low') };
    return { evidence, entities };
  }),
  cases: [
    {
      name: 'replication of the backup bucket deleted',
      fires: true,
      records: [
        ct({
          source: 's3',
          name: 'DeleteBucketReplication',
          identity: who.role('ops', 'botocore-session-1700000000'),
          params: { bucketName: 'production-backup-bucket', replication: '' },
        }),
      ],
    },
    {
      name: 'replication configured',
      fires: false,
      records: [
        ct({
          source: 's3',
          name: 'PutBucketReplication',
          identity: who.user('dev1'),
          params: { bucketName: 'production-backup-bucket' },
        }),
      ],
    },
    {
      name: 'another service with the same call name',
      fires: false,
      records: [
        ct({ source: 's3control', name: 'DeleteBucketReplication', identity: who.user('dev1'), params: {} }),
      ],
    },
    {
      name: 'nothing to delete',
      fires: false,
      records: [
        ct({
          source: 's3',
          name: 'DeleteBucketReplication',
          identity: who.user('dev1'),
          params: { bucketName: 'b' },
          error: 'NoSuchBucket',
        }),
      ],
    },
  ],
};

/** Bucket name → owning account, from the `resources` CloudTrail adds to S3 data events. */
function bucketOwners(raw: unknown): Map<string, string> {
  const owners = new Map<string, string>();
  for (const r of rl(raw, 'resources')) {
    const arn = rs(r, 'ARN') ?? rs(r, 'arn') ?? '';
    const account = rs(r, 'accountId') ?? '';
    const m = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(arn);
    if (m && /^\d{12}$/.test(account)) owners.set(m[1] as string, account);
  }
  return owners;
}

const copiedOut: Detection = {
  id: 'aws.s3.object_copied_to_foreign_bucket',
  title: 'S3 objects copied to a bucket of another account',
  description:
    'CopyObject / UploadPartCopy wrote our data into a bucket owned by an account outside the organisation. A ' +
    'server-side copy moves data without it passing through the caller, which is how stolen credentials empty ' +
    'a bucket into an attacker-owned one (high). Copies from an outside bucket into ours are not reported.',
  attack: ['T1537'],
  tactic: 'TA0010',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['CopyObject', 'UploadPartCopy'],
  detect: guarded({ source: 's3.amazonaws.com' }, (raw, ctx) => {
    const destination = rsx(raw, 'requestParameters.bucketName') ?? '';
    const copySource = (rsx(raw, 'requestParameters.x-amz-copy-source') ?? '').replace(/^\//, '');
    const sourceBucket = safeDecode(copySource.split('/')[0] ?? '');
    const owners = bucketOwners(raw);
    let foreign: string | undefined;
    let bucket = destination;
    const destOwner = owners.get(destination);
    if (destOwner) foreign = foreignAccount(destOwner, ctx, raw);
    else {
      // Two buckets take part in a copy; an outside one that is not the named source is the destination.
      for (const [name, owner] of owners) {
        if (name === sourceBucket) continue;
        const f = foreignAccount(owner, ctx, raw);
        if (f) {
          foreign = f;
          bucket = name;
          break;
        }
      }
    }
    if (!foreign) return undefined;
    return {
      entities: [accountEntity(foreign), resourceEntity(bucketArn(bucket))],
      evidence: {
        destination_bucket: bucket,
        destination_account: foreign,
        source: copySource.slice(0, 200),
      },
    };
  }),
  cases: [
    {
      name: 'object copied into an outside bucket',
      fires: true,
      records: [
        ct({
          source: 's3',
          name: 'CopyObject',
          identity: who.role('app', 'worker-1'),
          params: {
            bucketName: 'drop-zone-7731',
            key: 'customers.csv',
            'x-amz-copy-source': 'customer-data/customers.csv',
          },
          extra: {
            eventCategory: 'Data',
            managementEvent: false,
            resources: [
              { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::customer-data/customers.csv' },
              { accountId: ORG, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::customer-data' },
              { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::drop-zone-7731/customers.csv' },
              { accountId: FOREIGN, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::drop-zone-7731' },
            ],
          },
        }),
      ],
    },
    {
      name: 'copy within the account',
      fires: false,
      records: [
        ct({
          source: 's3',
          name: 'CopyObject',
          identity: who.role('AdminRole', 'user'),
          params: {
            bucketName: 'my-dest-bucket',
            key: 'data.csv',
            'x-amz-copy-source': 'my-source-bucket/data.csv',
          },
          extra: {
            resources: [
              { accountId: ORG, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::my-source-bucket' },
              { accountId: ORG, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::my-dest-bucket' },
            ],
          },
        }),
      ],
    },
    {
      name: 'vendor feed copied in from an outside bucket',
      fires: false,
      records: [
        ct({
          source: 's3',
          name: 'CopyObject',
          identity: who.role('ingest', 'feed-loader'),
          params: { bucketName: 'landing', key: 'feed.csv', 'x-amz-copy-source': 'vendor-exports/feed.csv' },
          extra: {
            resources: [
              { accountId: FOREIGN, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::vendor-exports' },
              { accountId: ORG, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::landing' },
            ],
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Container images and functions changed by hand
// ---------------------------------------------------------------------------------------------

const ECR_CHANGES = ['PutImage', 'BatchDeleteImage', 'DeleteRepository', 'PutImageTagMutability'];

const ecrByHand: Detection = {
  id: 'aws.ecr.image_changed_by_person',
  title: 'Container images pushed or deleted by hand',
  description:
    'A person (or instance credentials used interactively) pushed an image, deleted images or a repository, or ' +
    'made tags mutable in ECR instead of a build pipeline doing it. An image pushed by hand runs in production ' +
    "without the pipeline's provenance — the way an implant gets into a registry. Low: it matters next to other " +
    'signs of the same principal; a long-term key doing it from outside is reported separately at medium.',
  attack: ['T1525'],
  tactic: 'TA0003',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: ECR_CHANGES,
  detect: guarded({ source: 'ecr.amazonaws.com' }, (raw) => {
    if (!isInteractiveOrStolen(raw)) return undefined;
    if (
      eventName(raw) === 'PutImageTagMutability' &&
      rs(raw, 'requestParameters.imageTagMutability') !== 'MUTABLE'
    )
      return undefined;
    return {
      evidence: {
        event: eventName(raw),
        repository: rsx(raw, 'requestParameters.repositoryName') ?? '',
        tag: rsx(raw, 'requestParameters.imageTag') ?? '',
      },
    };
  }),
  cases: [
    {
      name: 'image pushed from a laptop',
      fires: true,
      records: [
        ct({
          source: 'ecr',
          name: 'PutImage',
          identity: who.user('Mary_Major'),
          params: { repositoryName: 'testrepo', imageTag: 'latest', registryId: ORG },
        }),
      ],
    },
    {
      name: 'image pushed by the build pipeline',
      fires: false,
      records: [
        ct({
          source: 'ecr',
          name: 'PutImage',
          identity: who.role('github-actions-deploy', 'gha-8812'),
          params: { repositoryName: 'testrepo', imageTag: 'v1.4.2', registryId: ORG },
        }),
      ],
    },
    {
      name: 'tags made immutable',
      fires: false,
      records: [
        ct({
          source: 'ecr',
          name: 'PutImageTagMutability',
          identity: who.user('Mary_Major'),
          params: { repositoryName: 'testrepo', imageTagMutability: 'IMMUTABLE' },
        }),
      ],
    },
  ],
};

const ecrReplication: Detection = {
  id: 'aws.ecr.replication_to_foreign_account',
  title: 'Container registry replicated to an outside account',
  description:
    'The private registry was configured to replicate images to a registry of an account outside the ' +
    'organisation. From then on ECR copies every pushed image — code, embedded secrets — to that account.',
  attack: ['T1537'],
  tactic: 'TA0010',
  severity: 'high',
  risk: RISK.high,
  sources: ['cloudtrail'],
  triggers: ['PutReplicationConfiguration'],
  detect: guarded({ source: 'ecr.amazonaws.com' }, (raw, ctx) => {
    const foreign = new Set<string>();
    for (const rule of rl(raw, 'requestParameters.replicationConfiguration.rules'))
      for (const d of rl(rule, 'destinations')) {
        const f = foreignAccount(rs(d, 'registryId') ?? '', ctx, raw);
        if (f) foreign.add(f);
      }
    if (foreign.size === 0) return undefined;
    return {
      entities: [...foreign].map(accountEntity),
      evidence: { foreign_registries: [...foreign].join(',') },
    };
  }),
  cases: [
    {
      name: 'replication to an outside registry',
      fires: true,
      records: [
        ct({
          source: 'ecr',
          name: 'PutReplicationConfiguration',
          identity: who.user('dev1'),
          params: {
            replicationConfiguration: {
              rules: [{ destinations: [{ region: 'us-east-1', registryId: FOREIGN }] }],
            },
          },
        }),
      ],
    },
    {
      name: 'replication to our DR region',
      fires: false,
      records: [
        ct({
          source: 'ecr',
          name: 'PutReplicationConfiguration',
          identity: who.user('dev1'),
          params: {
            replicationConfiguration: {
              rules: [{ destinations: [{ region: 'eu-west-1', registryId: ORG }] }],
            },
          },
        }),
      ],
    },
  ],
};

const LAMBDA_CHANGES = [
  ...lambdaNames('CreateFunction', ['20150331']),
  ...lambdaNames('DeleteFunction', ['20150331']),
  ...lambdaNames('UpdateFunctionConfiguration', ['20150331', '20150331v2']),
  ...lambdaNames('AddPermission', ['20150331', '20150331v2']),
];

const lambdaByHand: Detection = {
  id: 'aws.lambda.function_changed_by_person',
  title: 'Lambda function created, deleted or reconfigured by hand',
  description:
    'A person created or deleted a function, changed its configuration (role, environment, network) or added a ' +
    'permission to invoke it, outside a deployment pipeline. Functions are a favourite place for persistence (an ' +
    'event-triggered backdoor) and deletion takes a service down; made by hand these are low — code updates, ' +
    'layers and public permissions have their own detections at higher severity. A deletion by hand is a ' +
    'notable change (medium on the timeline, low risk): it cannot be undone, and removing a function is how ' +
    'an intruder stops a service or wipes a backdoor once used.',
  attack: ['T1525', 'T1546'],
  tactic: 'TA0003',
  severity: 'low',
  risk: RISK.low,
  sources: ['cloudtrail'],
  triggers: LAMBDA_CHANGES,
  detect: guarded({ source: 'lambda.amazonaws.com' }, (raw) => {
    if (!isInteractiveOrStolen(raw)) return undefined;
    const event = eventName(raw).replace(/\d{8}(v\d)?$/, '');
    const evidence = {
      event,
      function: rsx(raw, 'requestParameters.functionName') ?? '',
      principal: rsx(raw, 'requestParameters.principal') ?? '',
    };
    return event === 'DeleteFunction' ? { evidence, severity: 'medium', risk: RISK.low } : { evidence };
  }),
  cases: [
    {
      name: 'function deleted with a user key',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'DeleteFunction20150331',
          identity: who.user('myUserName'),
          params: { functionName: 'basic-node-task' },
        }),
      ],
    },
    {
      name: 'invoke permission added from the console',
      fires: true,
      records: [
        ct({
          source: 'lambda',
          name: 'AddPermission20150331v2',
          identity: who.sso('Dev', 'kim@example.com'),
          params: {
            functionName: 'my-lambda-function',
            principal: 's3.amazonaws.com',
            action: 'lambda:InvokeFunction',
          },
        }),
      ],
    },
    {
      name: 'pipeline deletes a preview function',
      fires: false,
      records: [
        ct({
          source: 'lambda',
          name: 'DeleteFunction20150331',
          identity: who.role('deploy-bot', 'ci'),
          params: { functionName: 'preview-42' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Security and AI guardrails
// ---------------------------------------------------------------------------------------------

const MACIE = ['macie2.amazonaws.com', 'macie.amazonaws.com'];

const macieMuted: Detection = {
  id: 'aws.macie.findings_muted',
  title: 'Macie findings archived automatically or discovery cancelled',
  description:
    'A Macie findings filter with the ARCHIVE action was created or changed: every future finding it matches ' +
    '(an exposed bucket, credentials in an object) is archived on arrival and never reaches the team (medium). ' +
    'Cancelling a sensitive-data discovery job is low. Pausing Macie or slowing its publishing of finding ' +
    'updates is rated by security_tooling.disabled.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['CreateFindingsFilter', 'UpdateFindingsFilter', 'UpdateClassificationJob'],
  detect: guarded({ source: MACIE }, (raw): Hit | undefined => {
    const name = eventName(raw);
    if (name === 'CreateFindingsFilter' || name === 'UpdateFindingsFilter') {
      if ((rs(raw, 'requestParameters.action') ?? '').toUpperCase() !== 'ARCHIVE') return undefined;
      return { evidence: { event: name, filter: rsx(raw, 'requestParameters.name') ?? '' } };
    }
    if (rs(raw, 'requestParameters.jobStatus') !== 'CANCELLED') return undefined;
    return { evidence: { event: name, job: rsx(raw, 'requestParameters.jobId') ?? '' }, ...at('low') };
  }),
  cases: [
    {
      name: 'filter archiving credential findings',
      fires: true,
      records: [
        ct({
          source: 'macie2',
          name: 'CreateFindingsFilter',
          identity: who.role('Admin', 'Jack'),
          params: {
            name: 'quiet',
            action: 'ARCHIVE',
            findingCriteria: { criterion: { type: { eq: ['SensitiveData:S3Object/Credentials'] } } },
          },
        }),
      ],
    },
    {
      name: 'a discovery job cancelled',
      fires: true,
      records: [
        ct({
          source: 'macie2',
          name: 'UpdateClassificationJob',
          identity: who.role('Admin', 'Jack'),
          params: { jobId: 'a1b2c3', jobStatus: 'CANCELLED' },
        }),
      ],
    },
    {
      name: 'filter that only highlights',
      fires: false,
      records: [
        ct({
          source: 'macie2',
          name: 'CreateFindingsFilter',
          identity: who.role('Admin', 'Jack'),
          params: { name: 'pii', action: 'NOOP' },
        }),
      ],
    },
    {
      name: 'members listed',
      fires: false,
      records: [
        ct({
          source: 'macie2',
          name: 'ListMembers',
          identity: who.role('Admin', 'Jack'),
          params: { onlyAssociated: 'true' },
        }),
      ],
    },
  ],
};

/** Content filters set to NONE, or a policy of the guardrail emptied out, in an UpdateGuardrail request. */
function guardrailWeakening(raw: unknown): string[] {
  const out: string[] = [];
  for (const f of rl(raw, 'requestParameters.contentPolicyConfig.filtersConfig')) {
    for (const dir of ['inputStrength', 'outputStrength']) {
      if (rs(f, dir) === 'NONE') out.push(`${rs(f, 'type') ?? 'filter'}:${dir}=NONE`);
    }
  }
  for (const policy of [
    'contentPolicyConfig',
    'topicPolicyConfig',
    'wordPolicyConfig',
    'sensitiveInformationPolicyConfig',
  ]) {
    const v = rv(raw, `requestParameters.${policy}`);
    if (v === null) out.push(`${policy} removed`);
  }
  return out;
}

const guardrailChanged: Detection = {
  id: 'aws.bedrock.guardrail_weakened',
  title: 'Bedrock guardrail deleted or weakened',
  description:
    'A Bedrock guardrail — the filters that stop prompt injection, harmful output and leaks of sensitive data ' +
    'from AI applications — was deleted (medium) or updated. An update that switches filters to NONE or removes ' +
    'a policy is medium; other updates are low, since tuning guardrails is normal work.',
  attack: ['T1562.001'],
  tactic: 'TA0005',
  severity: 'medium',
  risk: RISK.medium,
  sources: ['cloudtrail'],
  triggers: ['DeleteGuardrail', 'UpdateGuardrail'],
  detect: guarded({ source: 'bedrock.amazonaws.com' }, (raw) => {
    const guardrail = rsx(raw, 'requestParameters.guardrailIdentifier') ?? '';
    if (eventName(raw) === 'DeleteGuardrail') return { evidence: { event: 'DeleteGuardrail', guardrail } };
    const weakened = guardrailWeakening(raw);
    const evidence = { event: 'UpdateGuardrail', guardrail, weakened: weakened.join(',') };
    return weakened.length > 0 ? { evidence } : { evidence, ...at('low') };
  }),
  cases: [
    {
      name: 'guardrail deleted',
      fires: true,
      records: [
        ct({
          source: 'bedrock',
          name: 'DeleteGuardrail',
          identity: who.sso('DevAdmin', 'dr.evil'),
          params: { guardrailIdentifier: 'cmy5azq5koeo' },
        }),
      ],
    },
    {
      name: 'prompt-attack filter switched off',
      fires: true,
      records: [
        ct({
          source: 'bedrock',
          name: 'UpdateGuardrail',
          identity: who.sso('DevAdmin', 'dr.evil'),
          params: {
            guardrailIdentifier: 'cmy5azq5koeo',
            contentPolicyConfig: {
              filtersConfig: [{ type: 'PROMPT_ATTACK', inputStrength: 'NONE', outputStrength: 'NONE' }],
            },
          },
        }),
      ],
    },
    {
      name: 'guardrails listed',
      fires: false,
      records: [
        ct({
          source: 'bedrock',
          name: 'ListGuardrails',
          identity: who.sso('DevAdmin', 'dr.evil'),
          params: {},
        }),
      ],
    },
  ],
};

/** Operational changes with security weight (registered in the catalogue index). */
export const AWS_OPERATIONS: readonly Detection[] = [
  sgOpened,
  naclChanged,
  routeChanged,
  vpcChanged,
  regionEnabled,
  keyQuarantine,
  rdsRoleAdded,
  snapshotCopied,
  rdsLogDownload,
  rdsAvailability,
  replicationRemoved,
  copiedOut,
  ecrByHand,
  ecrReplication,
  lambdaByHand,
  macieMuted,
  guardrailChanged,
];
