/**
 * The response playbooks as synthesized: the state machine's definition, the responder roles'
 * policies, the append-only audit table and cdk-nag. Two configurations, each synthesized once:
 * the defaults, and one with protected principals and tags, WAF IP sets, a network ACL and a short
 * approval timeout (in the prod stage, so Vigil's own name patterns differ too).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, Validations } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_TAG } from '../../infra/aspects/vigil-tags.ts';
import { addNagPacks, buildApp, type VigilApp } from '../../infra/build.ts';
import { STEP_METADATA, VigilFunction } from '../../infra/constructs/vigil-function.ts';
import { PLAYBOOK_IDS, type PlaybookId } from '../../shared/narrate/playbooks.ts';
import { QUARANTINE_TAG } from '../../shared/respond/actions/isolate-ec2-instance.ts';
import { APPROVAL_REJECTED } from '../../shared/respond/task-tokens.ts';

// --- the two configurations ------------------------------------------------------------------

const P = 'arn:<AWS::Partition>';
const REGION = '<AWS::Region>';
const ACCOUNT = '<AWS::AccountId>';

interface Case {
  readonly name: string;
  /** The `vigil` context value. */
  readonly vigil: Record<string, unknown>;
  readonly stage: 'dev' | 'prod';
  readonly approvalTimeoutSeconds: number;
  /** The deny resources the configured protected principals must become, rendered. */
  readonly principalResources: readonly string[];
  readonly protectedTagKeys: readonly string[];
  /** The only WAF IP sets and network ACLs block_ip may write, rendered. */
  readonly ipSetArns: readonly string[];
  readonly networkAclArns: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: 'default configuration',
    vigil: {},
    stage: 'dev',
    approvalTimeoutSeconds: 86_400,
    principalResources: [],
    protectedTagKeys: ['vigil:protected'],
    ipSetArns: [],
    networkAclArns: [],
  },
  {
    name: 'protected principals, WAF IP sets, a network ACL and a 1-hour approval timeout',
    vigil: {
      stage: 'prod',
      response: {
        approvalTimeoutSeconds: 3600,
        fromEmail: 'soc@example.com',
        approverEmails: ['lead@example.com', 'deputy@example.com'],
        protectedPrincipals: [
          'break-glass',
          'arn:aws:iam::123456789012:role/IncidentCommander',
          'arn:aws:sts::123456789012:assumed-role/SecOpsOnCall/alice',
        ],
        protectedTagKeys: ['vigil:protected', 'owner:do-not-touch'],
        actions: {
          wafIpSets: [
            { name: 'vigil-blocklist', id: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', scope: 'REGIONAL' },
            { name: 'edge-blocklist', id: '1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809', scope: 'CLOUDFRONT' },
          ],
          networkAclIds: ['acl-0123456789abcdef0'],
        },
      },
    },
    stage: 'prod',
    approvalTimeoutSeconds: 3600,
    principalResources: [
      // A bare name protects a user and a role of that name, in any account and path.
      `${P}:iam::*:user/*break-glass`,
      `${P}:iam::*:role/*break-glass`,
      `${P}:iam::123456789012:role/IncidentCommander`,
      // An assumed-role session protects the role it belongs to.
      `${P}:iam::123456789012:role/SecOpsOnCall`,
    ],
    protectedTagKeys: ['vigil:protected', 'owner:do-not-touch'],
    ipSetArns: [
      `${P}:wafv2:${REGION}:${ACCOUNT}:regional/ipset/vigil-blocklist/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
      `${P}:wafv2:us-east-1:${ACCOUNT}:global/ipset/edge-blocklist/1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809`,
    ],
    networkAclArns: [`${P}:ec2:${REGION}:${ACCOUNT}:network-acl/acl-0123456789abcdef0`],
  },
];

/** The API calls each playbook makes (shared/respond/actions/*), as IAM actions. */
const PLAYBOOK_CALLS: Record<Exclude<PlaybookId, 'block_ip'>, readonly string[]> = {
  deactivate_access_key: ['iam:GetAccessKeyLastUsed', 'iam:ListAccessKeys', 'iam:UpdateAccessKey'],
  quarantine_iam_user: [
    'iam:DeleteLoginProfile',
    'iam:DeleteUserPolicy',
    'iam:GetLoginProfile',
    'iam:GetUser',
    'iam:GetUserPolicy',
    'iam:PutUserPolicy',
  ],
  revoke_role_sessions: ['iam:DeleteRolePolicy', 'iam:GetRole', 'iam:GetRolePolicy', 'iam:PutRolePolicy'],
  isolate_ec2_instance: [
    'autoscaling:AttachInstances',
    'autoscaling:DescribeAutoScalingInstances',
    'autoscaling:DetachInstances',
    'ec2:CreateSecurityGroup',
    'ec2:CreateSnapshot',
    'ec2:CreateTags',
    'ec2:DeleteTags',
    'ec2:DescribeInstances',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSnapshots',
    'ec2:ModifyNetworkInterfaceAttribute',
    'ec2:RevokeSecurityGroupEgress',
  ],
  // DeletePublicAccessBlock is authorised as s3:PutBucketPublicAccessBlock.
  close_public_bucket: [
    's3:DeleteBucketPolicy',
    's3:GetBucketPolicy',
    's3:GetBucketPublicAccessBlock',
    's3:PutBucketPolicy',
    's3:PutBucketPublicAccessBlock',
  ],
};
/** block_ip writes only where configured: WAF IP sets and network ACLs, each when there are any. */
const blockIpCalls = (c: Case): string[] => [
  ...(c.networkAclArns.length ? ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'] : []),
  'ec2:DescribeNetworkAcls',
  ...(c.ipSetArns.length ? ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'] : []),
];

/** The services responders act on: a role allowed to change anything in them must carry the denies. */
const TARGET_SERVICES = ['iam', 'ec2', 's3', 'wafv2', 'autoscaling'];

/**
 * Writes allowed on Resource `*` without a condition, each with its reason:
 * - xray:PutTraceSegments, xray:PutTelemetryRecords: the function's own trace telemetry (active
 *   tracing). X-Ray ingestion supports no resource-level permissions, and it writes nothing to the
 *   account's resources.
 */
const TELEMETRY_ON_ANY_RESOURCE = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

/** The Resource of a waitForTaskToken Lambda task, its partition rendered as a placeholder. */
const WAIT_FOR_TASK_TOKEN = `${P}:states:::lambda:invoke.waitForTaskToken`;

// --- templates, rendered ---------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}
interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

/**
 * A CloudFormation value as a string, tokens as placeholders: `<AWS::Partition>` for a Ref,
 * `<LogicalId.Arn>` for a GetAtt, `<import:Name>` for an import (the placeholders cdk-nag uses).
 */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    if (typeof v.Ref === 'string') return `<${v.Ref}>`;
    if (Array.isArray(v['Fn::GetAtt'])) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::ImportValue' in v) return `<import:${render(v['Fn::ImportValue'])}>`;
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** One IAM statement, rendered. */
interface Grant {
  /** Logical id of the policy (or role, for inline policies) that holds it. */
  readonly policy: string;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  /** Rendered; a NotResource counts as `*` (it names what is left out, not what is in). */
  readonly resources: readonly string[];
  readonly notResources?: readonly string[];
  readonly condition?: Record<string, Record<string, unknown>>;
}

function grant(policy: string, s: Record<string, unknown>): Grant {
  return {
    policy,
    sid: s.Sid as string | undefined,
    effect: s.Effect as 'Allow' | 'Deny',
    actions: s.Action === undefined ? undefined : asList(s.Action).map(String),
    notActions: s.NotAction === undefined ? undefined : asList(s.NotAction).map(String),
    resources: s.NotResource === undefined ? asList(s.Resource).map(render) : ['*'],
    notResources: s.NotResource === undefined ? undefined : asList(s.NotResource).map(render),
    condition: s.Condition as Grant['condition'],
  };
}

const statementsOf = (document: unknown): Record<string, unknown>[] =>
  asList((document as { Statement?: unknown } | undefined)?.Statement) as Record<string, unknown>[];

/** Every statement of every policy attached to a role: policies naming it, and its inline policies. */
function grantsOf(template: CfnTemplate, roleLogicalId: string): Grant[] {
  const ref = JSON.stringify({ Ref: roleLogicalId });
  const attached = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .filter(([, r]) => asList(r.Properties?.Roles).some((role) => JSON.stringify(role) === ref))
    .flatMap(([id, r]) => statementsOf(r.Properties?.PolicyDocument).map((s) => grant(id, s)));
  const inline = asList(template.Resources[roleLogicalId]?.Properties?.Policies).flatMap((p) =>
    statementsOf((p as { PolicyDocument?: unknown }).PolicyDocument).map((s) => grant(roleLogicalId, s)),
  );
  return [...attached, ...inline];
}

/** IAM action matching: `*` and `?` wildcards, case-insensitive. */
function matchesAction(pattern: string, action: string): boolean {
  const regex = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

/** Whether a statement names an action, through Action or (by leaving it out) NotAction. */
const coversAction = (g: Grant, action: string): boolean =>
  g.actions
    ? g.actions.some((p) => matchesAction(p, action))
    : !(g.notActions ?? []).some((p) => matchesAction(p, action));

/** Whether a statement applies to a rendered resource (`*` patterns against the rendered text). */
const coversResource = (g: Grant, resource: string): boolean =>
  g.notResources
    ? !g.notResources.some((p) => matchesAction(p, resource))
    : g.resources.some((p) => p === '*' || matchesAction(p, resource));

/** A read: the action's name (after the service prefix) starts with Get, List or Describe. */
const isRead = (action: string): boolean => /^[a-z0-9-]+:(Get|List|Describe)/i.test(action);
const serviceOf = (action: string): string => action.split(':')[0]!.toLowerCase();

/** A resource of this deployment: a GetAtt of the template or an import of the stateful stack's exports. */
const isOwnResource = (resource: string): boolean =>
  /^<(import:[^>]+|[A-Za-z0-9]+\.[A-Za-z]+)>/.test(resource);

/**
 * What every Vigil function's role holds besides its work: its own log group, its own traces, and
 * Vigil's table and key (through DynamoDB). Everything else in a role is the function's work.
 */
const isPlumbing = (g: Grant): boolean =>
  g.effect === 'Allow' &&
  ((g.resources.length > 0 &&
    g.resources.every(isOwnResource) &&
    (g.actions ?? []).length > 0 &&
    (g.actions ?? []).every((a) => ['logs', 'dynamodb', 'kms'].includes(serviceOf(a)))) ||
    (g.resources.every((r) => r === '*') &&
      (g.actions ?? []).length > 0 &&
      (g.actions ?? []).every((a) => TELEMETRY_ON_ANY_RESOURCE.includes(a))));

// --- the state machine's definition ----------------------------------------------------------

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
  readonly ItemProcessor?: Machine;
  readonly Iterator?: Machine;
  readonly Branches?: readonly Machine[];
  readonly Resource?: string;
  readonly TimeoutSeconds?: number;
  readonly Parameters?: Json;
}
interface Machine {
  readonly StartAt: string;
  readonly States: Record<string, State>;
}

/** Every state by name, those of Map item processors and Parallel branches included. */
function statesOf(machine: Machine, into = new Map<string, State>()): Map<string, State> {
  for (const [name, state] of Object.entries(machine.States)) {
    if (into.has(name)) throw new Error(`state name ${name} is used twice`);
    into.set(name, state);
    for (const inner of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])])
      if (inner) statesOf(inner, into);
  }
  return into;
}

/** Where control can go from a state: Next, Default, Choices, Catch, and into a Map's or Parallel's states. */
const successorsOf = (state: State): string[] =>
  [
    state.Next,
    state.Default,
    ...(state.Choices ?? []).map((c) => c.Next),
    ...(state.Catch ?? []).map((c) => c.Next),
    state.ItemProcessor?.StartAt,
    state.Iterator?.StartAt,
    ...(state.Branches ?? []).map((b) => b.StartAt),
  ].filter((n): n is string => typeof n === 'string');

function reachableFrom(start: string, states: ReadonlyMap<string, State>): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    const state = states.get(name);
    if (!state) throw new Error(`no state named ${name}`);
    seen.add(name);
    todo.push(...successorsOf(state));
  }
  return seen;
}

/** The logical id of the function a Task state invokes, directly or through the lambda:invoke integration. */
function invokedFunction(state: State): string | undefined {
  const target = state.Resource?.startsWith(`${P}:states:::lambda:invoke`)
    ? (state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName
    : state.Resource;
  return typeof target === 'string' ? /^<([A-Za-z0-9]+)\.Arn>$/.exec(target)?.[1] : undefined;
}

const NEGATED_TYPE_TESTS = ['IsPresent', 'IsNull', 'IsString', 'IsNumeric', 'IsBoolean', 'IsTimestamp'];
/** JSONata and variable fields (Assign, Arguments, Output, QueryLanguage). */
const JSONATA_OR_VARIABLE_FIELDS = ['QueryLanguage', 'Assign', 'Arguments', 'Output'];
/** Fields whose value is a path: into the state input (`$`, `$.x`, `$[…]`) or the context (`$$.x`). */
const PATH_FIELD = /^(InputPath|OutputPath|ResultPath|ItemsPath|Variable|[A-Za-z]+Path)$/;
const isInputOrContextPath = (path: string): boolean => path === '$' || /^\$\$?[.[]/.test(path);

/** Fields whose value is a payload template: their keys are data, only `.$` values are paths. */
const PAYLOAD_FIELDS = ['Parameters', 'ItemSelector', 'ResultSelector'];

/**
 * What the local runtime (aws-local-stepfunctions) evaluates wrongly without an error: JSONata,
 * workflow variables (Assign, and `$name` references in place of a JSONPath) and negated type tests.
 */
function unsupportedFeatures(node: Json, path: string, found: string[] = [], inPayload = false): string[] {
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) unsupportedFeatures(v, `${path}[${i}]`, found, inPayload);
    return found;
  }
  if (typeof node === 'string' && node.includes('{%')) found.push(`${path}: a JSONata expression`);
  if (!node || typeof node !== 'object') return found;
  for (const [key, value] of Object.entries(node)) {
    const at = `${path}.${key}`;
    if (!inPayload) {
      if (JSONATA_OR_VARIABLE_FIELDS.includes(key)) found.push(`${at}: a JSONata or variable field`);
      if (NEGATED_TYPE_TESTS.includes(key) && value === false) found.push(`${at}: a negated type test`);
      // A JSONPath Choice rule compares its `Variable`: it must name the input or the context, never
      // a workflow variable. (A JSONPath Choice rule cannot do without the field.)
      if (PATH_FIELD.test(key) && typeof value === 'string' && !isInputOrContextPath(value))
        found.push(`${at}: ${value} is not a path into the input or the context`);
    }
    if (
      key.endsWith('.$') &&
      typeof value === 'string' &&
      !isInputOrContextPath(value) &&
      !value.startsWith('States.')
    )
      found.push(`${at}: ${value} is neither a path into the input or the context nor an intrinsic`);
    unsupportedFeatures(value, at, found, inPayload || PAYLOAD_FIELDS.includes(key));
  }
  return found;
}

// --- synthesis -------------------------------------------------------------------------------

/** The parts of CDK's policy-validation report (validation-report.json) read here, as in nag.test.ts. */
interface ReportedViolation {
  readonly ruleName: string;
  readonly severity: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
  readonly acknowledgedId?: string;
  readonly acknowledgedAt?: string;
}
interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly ReportedViolation[];
    readonly suppressedViolations?: readonly ReportedViolation[];
  }[];
}

/** The response construct's resources, in either stack. */
const RESPONSE_PATH = /^Vigil(Compute|Stateful)\/Response\//;

interface ResponseFunction {
  readonly construct: VigilFunction;
  readonly logicalId: string;
  readonly roleLogicalId: string;
}

interface Synth {
  readonly vigil: VigilApp;
  readonly compute: CfnTemplate;
  readonly stateful: CfnTemplate;
  readonly report: ValidationReport;
  /** The response functions by the step they serve, as the construct names them (not from metadata). */
  readonly functions: ReadonlyMap<string, ResponseFunction>;
  readonly stateMachine: CfnResource;
  readonly definition: Machine;
  readonly states: ReadonlyMap<string, State>;
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`no ${what}`);
  return value;
};

function synthesize(context: Record<string, unknown>): Synth {
  // Bundling matters to none of these assertions and is skipped (as nag.test.ts does).
  const vigil = buildApp({ 'aws:cdk:bundling-stacks': [], vigil: context });
  addNagPacks(vigil.app);
  let synthError: unknown;
  try {
    vigil.app.synth();
  } catch (error) {
    // An in-memory synth throws on unacknowledged nag errors after writing the templates and the
    // report; the cdk-nag tests below read the report.
    synthError = error;
  }
  const read = <T>(file: string): T => {
    const path = join(vigil.app.outdir, file);
    if (!existsSync(path)) throw synthError ?? new Error(`synth wrote no ${file}`);
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  };
  const compute = read<CfnTemplate>(vigil.compute.templateFile);
  const stateful = read<CfnTemplate>(vigil.stateful.templateFile);
  const report = read<ValidationReport>('validation-report.json');

  const { response } = vigil.compute;
  const byStep: [string, VigilFunction][] = [
    ['plan', need(response.functions.plan, 'plan function')],
    ['guard', need(response.functions.guard, 'guard function')],
    ['request-approval', need(response.functions.approval, 'request-approval function')],
    ['record', need(response.functions.record, 'record function')],
    ['notify', need(response.functions.notify, 'notify function')],
    ...PLAYBOOK_IDS.map((id): [string, VigilFunction] => [`action:${id}`, response.actions[id]]),
  ];
  const functions = new Map(
    byStep.map(([step, construct]) => {
      const logicalId = vigil.compute.getLogicalId(construct.function.node.defaultChild as CfnElement);
      const fn = need(compute.Resources[logicalId], `function ${logicalId} in the template`);
      const role = fn.Properties?.Role as { 'Fn::GetAtt': [string, string] } | undefined;
      const roleLogicalId = need(role?.['Fn::GetAtt'][0], `role of ${logicalId}`);
      return [step, { construct, logicalId, roleLogicalId }];
    }),
  );

  const machines = Object.values(compute.Resources).filter(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const stateMachine = machines[0]!;
  const definition = JSON.parse(render(stateMachine.Properties?.DefinitionString)) as Machine;
  return {
    vigil,
    compute,
    stateful,
    report,
    functions,
    stateMachine,
    definition,
    states: statesOf(definition),
  };
}

// --- the assertions --------------------------------------------------------------------------

describe.each(CASES)('response playbooks, $name', (c) => {
  let s: Synth;
  beforeAll(() => {
    s = synthesize(c.vigil);
  });

  const fn = (step: string): ResponseFunction => need(s.functions.get(step), `function for step ${step}`);
  const roleGrants = (step: string): Grant[] => grantsOf(s.compute, fn(step).roleLogicalId);
  /** Allowed actions of a role that change something in a service responders act on. */
  const targetWrites = (grants: readonly Grant[]): string[] =>
    grants
      .filter((g) => g.effect === 'Allow' && !isPlumbing(g))
      .flatMap((g) => g.actions ?? [`NotAction ${JSON.stringify(g.notActions)}`])
      .filter((a) => !isRead(a) && TARGET_SERVICES.includes(serviceOf(a)));

  describe('state machine', () => {
    it('bounds every waitForTaskToken task by the approval timeout, and leads its timeout and rejection to record and notify only', () => {
      const waiting = [...s.states].filter(
        ([, state]) => state.Type === 'Task' && state.Resource === WAIT_FOR_TASK_TOKEN,
      );
      expect(waiting.length).toBeGreaterThan(0);
      const endings = new Set([fn('record').logicalId, fn('notify').logicalId]);
      for (const [name, state] of waiting) {
        expect(state.TimeoutSeconds, name).toBe(c.approvalTimeoutSeconds);
        const catchers = state.Catch ?? [];
        const catchAll = catchers.findIndex((k) => k.ErrorEquals.includes('States.ALL'));
        for (const error of ['States.Timeout', APPROVAL_REJECTED]) {
          const index = catchers.findIndex((k) => k.ErrorEquals.includes(error));
          expect(index, `${name} catches ${error}`).toBeGreaterThanOrEqual(0);
          // Catchers apply in order: a States.ALL before this one would take the error instead.
          if (catchAll >= 0)
            expect(index, `${name} catches ${error} before States.ALL`).toBeLessThan(catchAll);
          const reachable = [...reachableFrom(catchers[index]!.Next, s.states)];
          const where = `after ${name} ends with ${error}`;
          expect(
            reachable.filter((n) => n.startsWith('Run')),
            where,
          ).toEqual([]);
          const tasks = reachable.filter((n) => s.states.get(n)?.Type === 'Task');
          expect(
            tasks.filter((n) => !endings.has(invokedFunction(s.states.get(n)!) ?? '')),
            where,
          ).toEqual([]);
          expect(
            tasks.filter((n) => !/^(Record\w*|Notify)$/.test(n)),
            where,
          ).toEqual([]);
          // The outcome is audited.
          expect(
            tasks.some((n) => invokedFunction(s.states.get(n)!) === fn('record').logicalId),
            where,
          ).toBe(true);
        }
      }
    });

    it('uses no JSONata, workflow variables or negated type tests, which the local runtime evaluates wrongly', () => {
      expect(unsupportedFeatures(s.definition as unknown as Json, 'definition')).toEqual([]);
    });

    it('gives every Task state an object payload, never a bare JSONPath string (which the function would receive literally)', () => {
      const bare = [...s.states]
        .filter(([, state]) => state.Type === 'Task' && 'Parameters' in state)
        .filter(
          ([, state]) =>
            state.Parameters === null ||
            typeof state.Parameters !== 'object' ||
            Array.isArray(state.Parameters),
        )
        .map(([name, state]) => `${name}: Parameters ${JSON.stringify(state.Parameters)}`);
      expect(bare).toEqual([]);
    });

    it('logs executions to a log group without execution data, and traces them', () => {
      const props = s.stateMachine.Properties ?? {};
      const logging = props.LoggingConfiguration as {
        IncludeExecutionData?: unknown;
        Destinations?: { CloudWatchLogsLogGroup?: { LogGroupArn?: unknown } }[];
      };
      expect(logging?.IncludeExecutionData).toBe(false);
      const groups = (logging?.Destinations ?? []).map((d) => render(d.CloudWatchLogsLogGroup?.LogGroupArn));
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) {
        const id = /^<([A-Za-z0-9]+)\.Arn>$/.exec(group)?.[1];
        expect(s.compute.Resources[id ?? '']?.Type, group).toBe('AWS::Logs::LogGroup');
      }
      expect(props.TracingConfiguration).toEqual({ Enabled: true });
    });

    it('marks each response function with the vigil:step the local runtime binds Task states by', () => {
      const expected = [
        'plan',
        'guard',
        'request-approval',
        'record',
        'notify',
        ...PLAYBOOK_IDS.map((id) => `action:${id}`),
      ];
      expect([...s.functions.keys()].sort()).toEqual([...expected].sort());
      for (const [step, { logicalId }] of s.functions)
        expect(s.compute.Resources[logicalId]?.Metadata?.[STEP_METADATA], logicalId).toBe(step);
      // Every function under Response/Functions is one of them.
      const scope = s.vigil.compute.response.node.findChild('Functions');
      const all = scope.node.children.filter((child) => child instanceof VigilFunction);
      expect(all.map((f) => f.node.path).sort()).toEqual(
        [...s.functions.values()].map((f) => f.construct.node.path).sort(),
      );
      // And every Task state invokes a function carrying a step.
      const unbound = [...s.states]
        .filter(([, state]) => state.Type === 'Task')
        .filter(([, state]) => {
          const id = invokedFunction(state);
          return typeof s.compute.Resources[id ?? '']?.Metadata?.[STEP_METADATA] !== 'string';
        })
        .map(([name]) => name);
      expect(unbound).toEqual([]);
    });
  });

  describe('responder roles', () => {
    it('allow no write on Resource * without a condition, X-Ray telemetry excepted', () => {
      const writes: string[] = [];
      for (const [step, { roleLogicalId }] of s.functions) {
        // A managed policy cannot be read here; Vigil roles have none.
        expect(s.compute.Resources[roleLogicalId]?.Properties?.ManagedPolicyArns, step).toBeUndefined();
        for (const g of grantsOf(s.compute, roleLogicalId)) {
          if (g.effect !== 'Allow' || g.condition || !g.resources.includes('*')) continue;
          const actions = g.actions ?? [`NotAction ${JSON.stringify(g.notActions)}`];
          for (const action of actions)
            if (!isRead(action) && !TELEMETRY_ON_ANY_RESOURCE.includes(action))
              writes.push(`${step}: ${action} (${g.policy})`);
        }
      }
      expect(writes).toEqual([]);
    });

    it('give every action role explicit denies for protected principals, Vigil itself and protected tags', () => {
      const expectedResources = [
        `${P}:iam::*:root`,
        `${P}:iam::*:role/aws-reserved/*`,
        `${P}:iam::*:role/aws-service-role/*`,
        `${P}:iam::*:role/OrganizationAccountAccessRole`,
        `${P}:iam::*:role/*AWSReservedSSO_*`,
        `${P}:iam::*:role/vigil-${c.stage}-*`,
        `${P}:iam::*:user/vigil-${c.stage}-*`,
        `${P}:s3:::vigil-${c.stage}-*`,
        ...c.principalResources,
      ];
      const tagKeys = [MANAGED_TAG, ...c.protectedTagKeys];
      // A literal `arn:aws:` in a configured ARN stands for the partition it was written for.
      const normalise = (r: string) => r.replace(/^arn:aws:/, `${P}:`);
      const missing: string[] = [];
      for (const id of PLAYBOOK_IDS) {
        const grants = roleGrants(`action:${id}`);
        const writes = targetWrites(grants);
        // A role that can change nothing (block_ip with no IP set or ACL configured) has nothing to deny.
        if (writes.length === 0) continue;
        const denies = grants.filter((g) => g.effect === 'Deny');
        /** A deny that applies to every change the role may make. */
        const deniesAll = (g: Grant) => writes.every((w) => coversAction(g, w));
        for (const resource of expectedResources) {
          const found = denies.some(
            (g) => !g.condition && g.resources.map(normalise).includes(resource) && deniesAll(g),
          );
          if (!found) missing.push(`${id}: no unconditional Deny of every change on ${resource}`);
        }
        for (const key of tagKeys) {
          const found = denies.some((g) => {
            const tested = Object.entries(g.condition ?? {}).some(
              ([operator, values]) =>
                (operator === 'Null' && values[`aws:ResourceTag/${key}`] === 'false') ||
                (operator === 'StringLike' && values[`aws:ResourceTag/${key}`] === '*'),
            );
            return tested && g.resources.includes('*') && deniesAll(g);
          });
          if (!found) missing.push(`${id}: no Deny of every change on resources tagged ${key}`);
        }
      }
      expect(missing).toEqual([]);

      // No role outside the action roles may change a target: the denies cover every role that can.
      const changers = [...s.functions.keys()].filter((step) => targetWrites(roleGrants(step)).length > 0);
      const actionSteps = PLAYBOOK_IDS.map((id) => `action:${id}`);
      expect(changers.filter((step) => !actionSteps.includes(step))).toEqual([]);
    });

    it(`leave every action role its own table, key and log group, which carry ${MANAGED_TAG} too`, () => {
      const blocked: string[] = [];
      for (const id of PLAYBOOK_IDS) {
        const grants = roleGrants(`action:${id}`);
        const managedDenies = grants.filter(
          (g) =>
            g.effect === 'Deny' &&
            Object.values(g.condition ?? {}).some((values) => `aws:ResourceTag/${MANAGED_TAG}` in values),
        );
        for (const g of grants.filter((x) => x.effect === 'Allow' && x.resources.every(isOwnResource)))
          for (const action of g.actions ?? [])
            for (const resource of g.resources)
              for (const deny of managedDenies)
                if (coversAction(deny, action) && coversResource(deny, resource))
                  blocked.push(`${id}: ${action} on ${resource} denied by ${deny.sid ?? deny.policy}`);
      }
      expect(blocked).toEqual([]);
    });

    it("allow each action function its own playbook's calls and nothing else", () => {
      for (const id of PLAYBOOK_IDS) {
        const grants = roleGrants(`action:${id}`);
        const work = grants.filter((g) => g.effect === 'Allow' && !isPlumbing(g));
        const calls = [...new Set(work.flatMap((g) => g.actions ?? [`NotAction ${g.notActions}`]))].sort();
        const expected = id === 'block_ip' ? blockIpCalls(c) : PLAYBOOK_CALLS[id];
        expect(calls, id).toEqual([...expected].sort());
      }

      const keyCalls = roleGrants('action:deactivate_access_key')
        .filter((g) => g.effect === 'Allow')
        .flatMap((g) => g.actions ?? []);
      expect(keyCalls).not.toContain('iam:PutUserPolicy');

      const blockIp = roleGrants('action:block_ip').filter((g) => g.effect === 'Allow');
      const onlyOn = (service: string, pattern: RegExp) =>
        [
          ...new Set(
            blockIp
              .filter((g) => (g.actions ?? []).some((a) => serviceOf(a) === service && pattern.test(a)))
              .flatMap((g) => g.resources),
          ),
        ].sort();
      expect(onlyOn('wafv2', /./)).toEqual([...c.ipSetArns].sort());
      expect(onlyOn('ec2', /NetworkAclEntry$/)).toEqual([...c.networkAclArns].sort());

      const revokeEgress = roleGrants('action:isolate_ec2_instance').filter(
        (g) => g.effect === 'Allow' && coversAction(g, 'ec2:RevokeSecurityGroupEgress'),
      );
      expect(revokeEgress.length).toBeGreaterThan(0);
      for (const g of revokeEgress)
        expect(g.condition).toEqual({ StringEquals: { [`aws:ResourceTag/${QUARANTINE_TAG}`]: 'true' } });
    });
  });

  describe('audit table', () => {
    const auditLogicalId = () =>
      s.vigil.stateful.getLogicalId(s.vigil.stateful.response.auditTable.node.defaultChild as CfnElement);

    it('is append-only: plan, guard, request-approval and record may PutItem, no role may change an item', () => {
      const onAudit = (g: Grant) =>
        g.resources.some((r) => new RegExp(`ExportsOutput(FnGetAtt|Ref)${auditLogicalId()}`).test(r));
      for (const step of ['plan', 'guard', 'request-approval', 'record']) {
        const puts = roleGrants(step).filter(
          (g) => g.effect === 'Allow' && onAudit(g) && coversAction(g, 'dynamodb:PutItem'),
        );
        expect(puts.length, step).toBeGreaterThan(0);
      }
      const changes = [
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PartiQLDelete',
        'dynamodb:UpdateTable',
        'dynamodb:DeleteTable',
      ];
      // Every policy of the compute stack, not only the response functions'.
      const roles = Object.entries(s.compute.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Role')
        .map(([id]) => id);
      const found = roles.flatMap((role) =>
        grantsOf(s.compute, role)
          .filter((g) => g.effect === 'Allow' && onAudit(g))
          .flatMap((g) => changes.filter((a) => coversAction(g, a)).map((a) => `${role}: ${a}`)),
      );
      expect(found).toEqual([]);
    });

    it('is kept and recoverable: PITR, KMS encryption, deletion protection, DeletionPolicy Retain', () => {
      const table = need(s.stateful.Resources[auditLogicalId()], 'audit table in the stateful template');
      const keyLogicalId = s.vigil.stateful.getLogicalId(
        s.vigil.stateful.encryption.key.node.defaultChild as CfnElement,
      );
      expect(table.Type).toBe('AWS::DynamoDB::Table');
      expect(table.Properties).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [keyLogicalId, 'Arn'] },
        },
        DeletionProtectionEnabled: true,
      });
      expect({
        DeletionPolicy: table.DeletionPolicy,
        UpdateReplacePolicy: table.UpdateReplacePolicy,
      }).toEqual({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });
  });

  describe('cdk-nag', () => {
    it('reports no unacknowledged AwsSolutions or Serverless finding on the response resources', () => {
      const ran = s.report.pluginReports.map((p) => p.pluginName);
      expect(ran).toEqual(expect.arrayContaining(['AwsSolutions', 'Serverless']));
      const open = s.report.pluginReports.flatMap((p) =>
        p.violations
          .filter((v) => v.violatingConstructs.some((x) => RESPONSE_PATH.test(x.constructPath)))
          .map(
            (v) =>
              `${p.pluginName} ${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((x) => x.constructPath)}`,
          ),
      );
      expect(open).toEqual([]);
    });

    it('matches every acknowledgement on the response resources to a finding (none is stale)', () => {
      const suppressed = s.report.pluginReports.flatMap((p) => p.suppressedViolations ?? []);
      const acknowledgements = s.vigil.app.node
        .findAll()
        .filter((construct) => RESPONSE_PATH.test(construct.node.path))
        .flatMap((construct) =>
          construct.node.metadata
            .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
            .flatMap((entry) =>
              Object.keys(entry.data as Record<string, string>).map((id) => ({
                id,
                at: construct.node.path,
              })),
            ),
        );
      expect(acknowledgements.length).toBeGreaterThan(0);
      const stale = acknowledgements.filter(
        ({ id, at }) => !suppressed.some((v) => v.acknowledgedId === id && v.acknowledgedAt === at),
      );
      expect(stale).toEqual([]);
    });
  });
});
