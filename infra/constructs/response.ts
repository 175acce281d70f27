import { Annotations, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, type Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  Choice,
  Condition,
  DefinitionBody,
  IntegrationPattern,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RESPONSE_ENV } from '../../functions/respond/config.ts';
import { PLAYBOOK_IDS, type PlaybookId } from '../../shared/narrate/playbooks.ts';
import { APPROVAL_REJECTED } from '../../shared/respond/task-tokens.ts';
import type { VigilConfig } from '../config.ts';
import { logGroupPrefix, resourceName } from '../naming.ts';
import { VigilFunction } from './vigil-function.ts';

export interface ResponseProps {
  readonly config: VigilConfig;
  readonly key: IKey;
  readonly store: { readonly table: ITable; readonly indexArns: readonly string[] };
  readonly auditTable: ITable;
  readonly linkSecret: ISecret;
}

/** Lambda answers that mean "try again": throttling and service faults, plus Vigil's own TransientError. */
const RETRYABLE = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'TransientError',
];

const FUNCTION_TIMEOUT = Duration.seconds(60);
/** Above the function timeout, so Lambda's own timeout error (not the state's) says what happened. */
const TASK_TIMEOUT = Timeout.duration(Duration.seconds(90));

/**
 * Response playbooks: one state machine per deployment.
 *
 *   Plan → Guard → Mode ─ approve ─→ RequestApproval (waitForTaskToken, TimeoutSeconds)
 *                      │                 ├─ timeout ──→ RecordTimedOut ──┐
 *                      │                 ├─ rejected ─→ RecordRejected ──┤
 *                      │                 └─ approved ─┐                  │
 *                      ├─ auto, dry_run ──────────────┴→ Actions (Map: run → verify, per action)
 *                      │                                   → RecordOutcome ┤
 *                      └─ off ─→ RecordNoAction ─────────────────────────────┴→ Notify → Done
 *
 * Each action has its own function and role, allowed that action's calls only, and every
 * responder role carries explicit denies for the protected patterns (defence in depth behind the
 * guard). Execution logging excludes execution data: task tokens and incident text stay out of logs.
 * The definition uses no JSONata, no variables and no negated type tests, which the local runtime
 * (aws-local-stepfunctions) would evaluate wrongly without a word.
 */
export class Response extends Construct {
  readonly stateMachine: StateMachine;
  readonly functions: Record<string, VigilFunction>;
  readonly actions: Record<PlaybookId, VigilFunction>;

  constructor(scope: Construct, id: string, props: ResponseProps) {
    super(scope, id);
    const { config } = props;
    const settings = config.response;
    const stack = Stack.of(this);
    if (
      Object.values(settings.modes).includes('approve') &&
      (!settings.fromEmail || settings.approverEmails.length === 0)
    )
      Annotations.of(this).addInfo(
        'Playbooks in approve mode need vigil.response.fromEmail and approverEmails: without them every approval request fails and nothing runs (fail closed).',
      );
    const env = {
      [RESPONSE_ENV.settings]: JSON.stringify({
        modes: settings.modes,
        protectedPrincipals: settings.protectedPrincipals,
        protectedTagKeys: settings.protectedTagKeys,
        budgets: settings.budgets,
        approvers: settings.approvers,
        approvalTimeoutSeconds: settings.approvalTimeoutSeconds,
      }),
      [RESPONSE_ENV.actionSettings]: JSON.stringify(settings.actions),
      [RESPONSE_ENV.own]: JSON.stringify({
        namePrefixes: [resourceName(config, '')],
        trustedCidrs: config.trustedCidrs,
      }),
    };
    // Functions in their own scope: their ids (Plan, Notify …) are also the states' names.
    const functions = new Construct(this, 'Functions');
    const fn = (
      name: string,
      entry: string,
      step: string,
      description: string,
      extra: Record<string, string> = {},
    ) =>
      new VigilFunction(functions, name, {
        config,
        key: props.key,
        entry,
        description,
        timeout: FUNCTION_TIMEOUT,
        memorySize: 256,
        step,
        environment: { ...env, ...extra },
      });

    const plan = fn('Plan', 'functions/respond/plan.ts', 'plan', 'Plans the response to an incident');
    plan.bindTable(props.store, 'RO');
    plan.appendTo(props.auditTable, RESPONSE_ENV.auditTable);

    const guard = fn(
      'Guard',
      'functions/respond/guard.ts',
      'guard',
      'Checks a response plan against protections, modes and the kill switch',
    );
    guard.bindTable(props.store, 'RO');
    guard.appendTo(props.auditTable, RESPONSE_ENV.auditTable);
    const account = stack.account;
    const partition = stack.partition;
    const readFacts = guard.allow('ReadTargetFacts', [
      new PolicyStatement({
        actions: ['iam:GetAccessKeyLastUsed', 'iam:GetUser', 'iam:GetRole'],
        resources: [`arn:${partition}:iam::${account}:user/*`, `arn:${partition}:iam::${account}:role/*`],
      }),
      new PolicyStatement({ actions: ['s3:GetBucketTagging'], resources: [`arn:${partition}:s3:::*`] }),
      // ec2:DescribeInstances supports no resource-level permissions.
      new PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
    ]);

    const approval = fn(
      'RequestApproval',
      'functions/respond/request-approval.ts',
      'request-approval',
      'Mails a signed single-use approval link and waits for the decision',
      {
        CONSOLE_URL: settings.consoleUrl ?? 'https://console.invalid',
        APPROVER_EMAILS: settings.approverEmails.join(','),
        FROM_EMAIL: settings.fromEmail ?? '',
        LINK_SECRET_ARN: props.linkSecret.secretArn,
        SEAL_KEY_ID: props.key.keyArn,
      },
    );
    approval.bindTable(props.store, 'RW');
    approval.appendTo(props.auditTable, RESPONSE_ENV.auditTable);
    // Granted on the role rather than with secret.grantRead, which would also edit the key policy in
    // the stateful stack and make the two stacks depend on each other.
    approval.allow('ReadLinkSecret', [
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.linkSecret.secretArn],
      }),
    ]);
    approval.useKeyVia('secretsmanager', ['kms:Decrypt']);
    const sealAndMail = approval.allow('SealAndMail', [
      // Sealing only: the console's decision function is the one allowed to Decrypt.
      new PolicyStatement({
        actions: ['kms:Encrypt'],
        resources: [props.key.keyArn],
        conditions: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['approval_id'] } },
      }),
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [`arn:${partition}:ses:${stack.region}:${account}:identity/*`],
        conditions: settings.fromEmail ? { StringEquals: { 'ses:FromAddress': settings.fromEmail } } : {},
      }),
    ]);

    const record = fn(
      'Record',
      'functions/respond/record.ts',
      'record',
      'Writes a response execution into the append-only audit trail',
    );
    record.appendTo(props.auditTable, RESPONSE_ENV.auditTable);

    const notify = fn(
      'Notify',
      'functions/respond/notify.ts',
      'notify',
      'Mails the outcome of a response execution',
      { APPROVER_EMAILS: settings.approverEmails.join(','), FROM_EMAIL: settings.fromEmail ?? '' },
    );
    const mail = notify.allow('Mail', [
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [`arn:${partition}:ses:${stack.region}:${account}:identity/*`],
        conditions: settings.fromEmail ? { StringEquals: { 'ses:FromAddress': settings.fromEmail } } : {},
      }),
    ]);

    const actions = {} as Record<PlaybookId, VigilFunction>;
    for (const id of PLAYBOOK_IDS) {
      const f = fn(pascal(id), 'functions/respond/action.ts', `action:${id}`, `Response action ${id}`, {
        [RESPONSE_ENV.action]: id,
      });
      f.bindTable(props.store, 'RW');
      const statements = actionStatements(id, config, partition, stack.region, account);
      acknowledgeActionPolicy(id, f.allow('Action', statements));
      // block_ip with nowhere configured to block holds no write at all: nothing to deny.
      const writes = writeActionsOf(statements);
      if (writes.length > 0) f.allow('ProtectedTargets', protectedDenies(config, partition, writes));
      actions[id] = f;
    }
    this.actions = actions;
    this.functions = { plan, guard, approval, record, notify };

    const p = '<AWS::Partition>';
    const a = '<AWS::AccountId>';
    const r = '<AWS::Region>';
    acknowledge(readFacts, {
      '*': 'ec2:DescribeInstances supports no resource-level permissions; the statement holds nothing else.',
      [`arn:${p}:iam::${a}:user/*`]:
        'The guard reads the tags and owner of whichever user an incident names (GetUser, GetAccessKeyLastUsed): read-only.',
      [`arn:${p}:iam::${a}:role/*`]:
        'The guard reads the tags and path of whichever role an incident names (GetRole): read-only.',
      [`arn:${p}:s3:::*`]:
        'The guard reads the tags of whichever bucket an incident names (GetBucketTagging): read-only.',
    });
    const sesReason =
      'SES authorises sending per identity; the statement allows only SendEmail from the configured From address (ses:FromAddress condition when set).';
    acknowledge(sealAndMail, { [`arn:${p}:ses:${r}:${a}:identity/*`]: sesReason });
    acknowledge(mail, { [`arn:${p}:ses:${r}:${a}:identity/*`]: sesReason });
    for (const f of [plan, guard, approval, record, notify, ...Object.values(actions)])
      Validations.of(f.function.node.defaultChild as CfnFunction).acknowledge({
        id: 'Serverless::Serverless-LambdaDLQ',
        reason:
          'Only the response state machine invokes this function, synchronously; its Retry and Catch handle failures and every outcome is audited. A function DLQ serves asynchronous invocations only.',
      });

    // --- the definition ---------------------------------------------------------------------
    /** A Lambda task whose payload is `payload`, or the state's whole input when none is given. */
    const invoke = (
      name: string,
      target: VigilFunction,
      payload: TaskInput | undefined,
      resultPath: string,
      outputPath?: string,
    ) => {
      const task = new LambdaInvoke(this, name, {
        lambdaFunction: target.function,
        // A JSONPath-only payload would render as `"Parameters": "$"`, which is not a valid
        // Parameters value: without a payload the function receives the state input as is.
        ...(payload ? { payload } : {}),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath,
        ...(outputPath ? { outputPath } : {}),
        taskTimeout: TASK_TIMEOUT,
      });
      task.addRetry({ errors: RETRYABLE, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 4 });
      return task;
    };

    const notifyTask = invoke(
      'Notify',
      notify,
      TaskInput.fromObject({ plan: JsonPath.objectAt('$.plan'), summary: JsonPath.objectAt('$.summary') }),
      '$.notified',
    ).next(new Succeed(this, 'Done'));
    const recordTask = (name: string, conclusion: string, extra: Record<string, unknown> = {}) =>
      invoke(
        name,
        record,
        TaskInput.fromObject({
          conclusion,
          plan: JsonPath.objectAt('$.plan'),
          execution: JsonPath.stringAt('$$.Execution.Name'),
          ...extra,
        }),
        '$.summary',
      ).next(notifyTask);

    const recordNoAction = recordTask('RecordNoAction', 'no_action');
    const recordTimedOut = recordTask('RecordTimedOut', 'timed_out', {
      error: JsonPath.objectAt('$.approval_error'),
    });
    const recordRejected = recordTask('RecordRejected', 'rejected', {
      error: JsonPath.objectAt('$.approval_error'),
    });
    const recordApprovalFailed = recordTask('RecordApprovalFailed', 'approval_failed', {
      error: JsonPath.objectAt('$.approval_error'),
    });
    const recordOutcome = recordTask('RecordOutcome', 'completed', {
      results: JsonPath.objectAt('$.results'),
    });

    // One action: run, then verify; a permanent failure becomes a "failed" result so the rest still run.
    const which = new Choice(this, 'WhichAction');
    for (const id of PLAYBOOK_IDS) {
      const failed = new Pass(this, `${pascal(id)}Failed`, {
        parameters: {
          key: JsonPath.stringAt('$.action.key'),
          action: JsonPath.stringAt('$.action.action'),
          target: JsonPath.stringAt('$.action.target.id'),
          status: 'failed',
          calls: [],
          note: JsonPath.stringAt('$.error.Error'),
        },
      });
      const run = invoke(`Run${pascal(id)}`, actions[id], undefined, '$.result');
      run.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
      const verify = invoke(
        `Verify${pascal(id)}`,
        actions[id],
        TaskInput.fromObject({
          op: 'verify',
          plan_id: JsonPath.stringAt('$.plan_id'),
          incident_id: JsonPath.stringAt('$.incident_id'),
          planned_at: JsonPath.numberAt('$.planned_at'),
          action: JsonPath.objectAt('$.action'),
          result: JsonPath.objectAt('$.result'),
        }),
        // Not ResultPath "$": aws-local-stepfunctions 3 stores that under a key named "$" instead of
        // replacing the input. A result path plus an output path means the same in both runtimes.
        '$.final',
        '$.final',
      );
      // A verify that cannot read the target leaves the change unverified, not undone or failed.
      verify.addCatch(
        new Pass(this, `${pascal(id)}Unverified`, { outputPath: '$.result', resultPath: JsonPath.DISCARD }),
        { errors: ['States.ALL'], resultPath: JsonPath.DISCARD },
      );
      which.when(Condition.stringEquals('$.action.action', id), run.next(verify));
    }
    which.otherwise(
      new Pass(this, 'UnknownAction', {
        parameters: {
          key: JsonPath.stringAt('$.action.key'),
          action: JsonPath.stringAt('$.action.action'),
          target: JsonPath.stringAt('$.action.target.id'),
          status: 'failed',
          calls: [],
          note: 'no function runs this action',
        },
      }),
    );

    const actionsMap = new MapState(this, 'Actions', {
      itemsPath: '$.plan.actions',
      // One at a time, in the plan's containment order: the key before the user, the user before the host.
      maxConcurrency: 1,
      itemSelector: {
        op: 'run',
        plan_id: JsonPath.stringAt('$.plan.id'),
        incident_id: JsonPath.stringAt('$.plan.incident_id'),
        planned_at: JsonPath.numberAt('$.plan.created_at'),
        action: JsonPath.objectAt('$$.Map.Item.Value'),
      },
      resultPath: '$.results',
    });
    actionsMap.itemProcessor(which);
    actionsMap.next(recordOutcome);

    const requestApproval = new LambdaInvoke(this, 'RequestApproval', {
      lambdaFunction: approval.function,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ plan: JsonPath.objectAt('$.plan'), token: JsonPath.taskToken }),
      // No decision in time means no action: the link expires with the task.
      taskTimeout: Timeout.duration(Duration.seconds(settings.approvalTimeoutSeconds)),
      resultPath: '$.approval',
    });
    requestApproval.addRetry({
      errors: RETRYABLE,
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 3,
    });
    requestApproval.addCatch(recordTimedOut, { errors: ['States.Timeout'], resultPath: '$.approval_error' });
    requestApproval.addCatch(recordRejected, { errors: [APPROVAL_REJECTED], resultPath: '$.approval_error' });
    requestApproval.addCatch(recordApprovalFailed, {
      errors: ['States.ALL'],
      resultPath: '$.approval_error',
    });
    requestApproval.next(actionsMap);

    const mode = new Choice(this, 'Mode')
      .when(Condition.stringEquals('$.plan.mode', 'approve'), requestApproval)
      .when(
        Condition.or(
          Condition.stringEquals('$.plan.mode', 'auto'),
          Condition.stringEquals('$.plan.mode', 'dry_run'),
        ),
        actionsMap,
      )
      .otherwise(recordNoAction);

    const planTask = invoke(
      'Plan',
      plan,
      TaskInput.fromObject({ incident_id: JsonPath.stringAt('$.incident_id') }),
      '$.plan',
    );
    const guardTask = invoke(
      'Guard',
      guard,
      TaskInput.fromObject({ plan: JsonPath.objectAt('$.plan') }),
      '$.plan',
    );
    // The guard fails closed: if it cannot run at all, nothing runs.
    guardTask.addCatch(recordNoAction, { errors: ['States.ALL'], resultPath: '$.guard_error' });
    const definition = planTask.next(guardTask).next(mode);

    const logGroup = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `${logGroupPrefix(config)}response-executions`,
      retention: config.logRetentionDays as RetentionDays,
      encryptionKey: props.key,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: resourceName(config, 'response'),
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      // Above the longest approval wait plus the actions: an execution never runs forever.
      timeout: Duration.seconds(settings.approvalTimeoutSeconds + 3600),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    const smPolicy = this.stateMachine.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (smPolicy) {
      Validations.of(smPolicy).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs delivery and X-Ray actions for state machines support no resource-level permissions (CDK adds them).',
      });
      for (const f of [plan, guard, approval, record, notify, ...Object.values(actions)]) {
        const logicalId = stack.getLogicalId(f.function.node.defaultChild as CfnElement);
        Validations.of(smPolicy).acknowledge({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
          reason:
            'lambda:InvokeFunction on the function and its versions (CDK grants both); one Vigil response function.',
        });
      }
    }
  }
}

/** One acknowledgement per wildcard resource of a policy, each with its reason. */
function acknowledge(policy: Policy, reasons: Record<string, string>): void {
  for (const [resource, reason] of Object.entries(reasons))
    Validations.of(policy.node.defaultChild!).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
      reason,
    });
}

function acknowledgeActionPolicy(id: PlaybookId, policy: Policy): void {
  const p = '<AWS::Partition>';
  const a = '<AWS::AccountId>';
  const r = '<AWS::Region>';
  const reasons: Partial<Record<PlaybookId, Record<string, string>>> = {
    deactivate_access_key: {
      [`arn:${p}:iam::${a}:user/*`]:
        'Deactivates the key of whichever user an incident names; protected users are denied explicitly in this role and refused by the guard.',
    },
    quarantine_iam_user: {
      [`arn:${p}:iam::${a}:user/*`]:
        'Quarantines whichever user an incident names; protected users are denied explicitly in this role and refused by the guard.',
    },
    revoke_role_sessions: {
      [`arn:${p}:iam::${a}:role/*`]:
        'Revokes sessions of whichever role an incident names; identity-center, service-linked, organisation and Vigil roles are denied explicitly in this role.',
    },
    isolate_ec2_instance: {
      '*': 'Describe calls of EC2 and Auto Scaling support no resource-level permissions; the statement holds only those reads.',
      [`arn:${p}:ec2:${r}:${a}:vpc/*`]:
        'Creates the quarantine security group in whichever VPC holds the instance an incident names.',
      [`arn:${p}:ec2:${r}:${a}:security-group/*`]:
        'Creates and attaches the quarantine group; egress is revoked only on groups tagged vigil:quarantine.',
      [`arn:${p}:ec2:${r}:${a}:network-interface/*`]:
        'Moves every network interface of the instance an incident names onto the quarantine group.',
      [`arn:${p}:ec2:${r}:${a}:volume/*`]:
        'Snapshots the volumes of whichever instance an incident names, as forensic evidence before any change.',
      [`arn:${p}:ec2:${r}::snapshot/*`]:
        'The forensic snapshots the isolation creates and tags with its plan and incident ids; their ids are not known in advance.',
      [`arn:${p}:ec2:${r}:${a}:instance/*`]:
        'Tags whichever instance an incident names as isolated (vigil:isolated), so people and rollbacks can find it.',
      [`arn:${p}:autoscaling:${r}:${a}:autoScalingGroup:*:autoScalingGroupName/*`]:
        'Detaches the instance from whichever Auto Scaling group holds it (and reattaches on rollback).',
    },
    block_ip: {
      '*': 'ec2:DescribeNetworkAcls supports no resource-level permissions; writes name the configured ACLs and IP sets only.',
    },
    close_public_bucket: {
      [`arn:${p}:s3:::*`]:
        'Closes whichever bucket an incident names; Vigil buckets are denied explicitly, and every call carries ExpectedBucketOwner.',
    },
  };
  acknowledge(policy, reasons[id] ?? {});
}

const pascal = (id: string) => id.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());

/**
 * Explicit denies every responder role carries: whatever a plan says, these never change. The guard
 * checks the same list first; this is the second lock.
 */
export function protectedDenies(
  config: VigilConfig,
  partition: string,
  writeActions: readonly string[],
): PolicyStatement[] {
  const iam = (resource: string) => `arn:${partition}:iam::*:${resource}`;
  const principals = config.response.protectedPrincipals.flatMap((p) => {
    if (!p.startsWith('arn:')) return [iam(`user/*${p}`), iam(`role/*${p}`)];
    // A session ARN names its role without the role's path: cover the role at any path.
    const session = /^arn:aws[a-z-]*:sts::([^:]+):assumed-role\/([^/]+)/.exec(p);
    if (session)
      return [
        `arn:${partition}:iam::${session[1]}:role/${session[2]}`,
        `arn:${partition}:iam::${session[1]}:role/*/${session[2]}`,
      ];
    return [p];
  });
  const own = resourceName(config, '');
  const protectedResources = [
    iam('root'),
    iam('role/aws-reserved/*'),
    iam('role/aws-service-role/*'),
    iam('role/*AWSReservedSSO_*'),
    iam('role/OrganizationAccountAccessRole'),
    iam('role/*/OrganizationAccountAccessRole'),
    iam(`role/${own}*`),
    iam(`user/${own}*`),
    `arn:${partition}:s3:::${own}*`,
    ...principals,
  ];
  // The denies name this action's writes only: a deny on every action would also stop the role's
  // own use of Vigil's table, key and log group, which carry the vigil:managed tag.
  const actions = [...writeActions];
  return [
    new PolicyStatement({
      sid: 'NeverTouchProtectedPrincipalsOrVigil',
      effect: Effect.DENY,
      actions,
      resources: protectedResources,
    }),
    ...['vigil:managed', ...config.response.protectedTagKeys].map(
      (key, i) =>
        new PolicyStatement({
          sid: `NeverTouchTaggedTargets${i}`,
          effect: Effect.DENY,
          actions,
          resources: ['*'],
          conditions: { Null: { [`aws:ResourceTag/${key}`]: 'false' } },
        }),
    ),
  ];
}

/** The mutating actions among a role's statements: everything but Get, List and Describe calls. */
export const writeActionsOf = (statements: readonly PolicyStatement[]): string[] => [
  ...new Set(
    statements.flatMap((st) => st.actions).filter((a) => !/^[a-z0-9-]+:(Get|List|Describe)/.test(a)),
  ),
];

/** What each action may call, on which resources. Reads without resource-level support are on `*`. */
export function actionStatements(
  id: PlaybookId,
  config: VigilConfig,
  partition: string,
  region: string,
  account: string,
): PolicyStatement[] {
  const users = `arn:${partition}:iam::${account}:user/*`;
  const roles = `arn:${partition}:iam::${account}:role/*`;
  const ec2 = (type: string) => `arn:${partition}:ec2:${region}:${account}:${type}/*`;
  switch (id) {
    case 'deactivate_access_key':
      return [
        new PolicyStatement({
          actions: ['iam:GetAccessKeyLastUsed', 'iam:ListAccessKeys', 'iam:UpdateAccessKey'],
          resources: [users],
        }),
      ];
    case 'quarantine_iam_user':
      return [
        new PolicyStatement({
          actions: [
            'iam:GetUser',
            'iam:GetUserPolicy',
            'iam:PutUserPolicy',
            'iam:DeleteUserPolicy',
            'iam:GetLoginProfile',
            'iam:DeleteLoginProfile',
          ],
          resources: [users],
        }),
      ];
    case 'revoke_role_sessions':
      return [
        new PolicyStatement({
          actions: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
          resources: [roles],
        }),
      ];
    case 'isolate_ec2_instance':
      return [
        new PolicyStatement({
          actions: [
            'ec2:DescribeInstances',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeSnapshots',
            'autoscaling:DescribeAutoScalingInstances',
          ],
          resources: ['*'],
        }),
        new PolicyStatement({
          actions: ['ec2:CreateSecurityGroup'],
          resources: [ec2('vpc'), ec2('security-group')],
        }),
        // Egress is revoked only on the quarantine group Vigil created (it carries the tag).
        new PolicyStatement({
          actions: ['ec2:RevokeSecurityGroupEgress'],
          resources: [ec2('security-group')],
          conditions: { StringEquals: { 'aws:ResourceTag/vigil:quarantine': 'true' } },
        }),
        new PolicyStatement({
          actions: ['ec2:ModifyNetworkInterfaceAttribute'],
          resources: [ec2('network-interface'), ec2('security-group')],
        }),
        new PolicyStatement({
          actions: ['ec2:CreateSnapshot'],
          resources: [ec2('volume'), `arn:${partition}:ec2:${region}::snapshot/*`],
        }),
        new PolicyStatement({
          actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
          resources: [ec2('instance'), `arn:${partition}:ec2:${region}::snapshot/*`, ec2('security-group')],
        }),
        new PolicyStatement({
          actions: ['autoscaling:DetachInstances', 'autoscaling:AttachInstances'],
          resources: [
            `arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/*`,
          ],
        }),
      ];
    case 'block_ip': {
      const sets = config.response.actions.wafIpSets.map(
        (s) =>
          `arn:${partition}:wafv2:${s.scope === 'CLOUDFRONT' ? 'us-east-1' : region}:${account}:${s.scope === 'CLOUDFRONT' ? 'global' : 'regional'}/ipset/${s.name}/${s.id}`,
      );
      const acls = config.response.actions.networkAclIds.map(
        (a) => `arn:${partition}:ec2:${region}:${account}:network-acl/${a}`,
      );
      return [
        new PolicyStatement({ actions: ['ec2:DescribeNetworkAcls'], resources: ['*'] }),
        ...(sets.length
          ? [new PolicyStatement({ actions: ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'], resources: sets })]
          : []),
        ...(acls.length
          ? [
              new PolicyStatement({
                actions: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'],
                resources: acls,
              }),
            ]
          : []),
      ];
    }
    case 'close_public_bucket':
      return [
        new PolicyStatement({
          actions: [
            's3:GetBucketPublicAccessBlock',
            's3:PutBucketPublicAccessBlock',
            's3:GetBucketPolicy',
            's3:PutBucketPolicy',
            's3:DeleteBucketPolicy',
          ],
          resources: [`arn:${partition}:s3:::*`],
        }),
      ];
  }
}
