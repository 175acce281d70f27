/**
 * Runs the state machine CDK synthesized, locally, with aws-local-stepfunctions. The definition
 * comes from the template (its Fn::Join resolved, each Lambda ARN replaced by a local placeholder)
 * and each Task state is bound to a local step by the function's `vigil:step` metadata — the same
 * step functions the Lambda handlers wrap. Definitions using features the library silently gets
 * wrong (JSONata, variables, negated type tests) are refused rather than run.
 */
import { randomBytes } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { STEP_METADATA } from '../infra/constructs/vigil-function.ts';
import { ValidationError } from '../shared/errors.ts';
import type { TaskTokens } from '../shared/respond/task-tokens.ts';

const SOURCE = 'local.step-functions';
const WAIT_FOR_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const LOCAL_FUNCTION = /^arn:aws:lambda:local:000000000000:function:([A-Za-z0-9]+)$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Template = {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
};

/** A synthesized state machine, resolved for local use. */
export interface LocalStateMachine {
  definition: Record<string, Json>;
  /** Task state name → the step its function serves (`plan`, `action:block_ip` …). */
  steps: Map<string, { step: string; waitForToken: boolean }>;
  /** Each step's function environment as synthesized (literal values only). */
  environment: Map<string, Record<string, string>>;
}

function resolveIntrinsics(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(resolveIntrinsics).join(sep);
    }
    if (Array.isArray(v['Fn::GetAtt'])) {
      const [logicalId, attribute] = v['Fn::GetAtt'] as [string, string];
      if (attribute === 'Arn') return `arn:aws:lambda:local:000000000000:function:${logicalId}`;
    }
    if (typeof v.Ref === 'string') {
      const pseudo: Record<string, string> = {
        'AWS::Partition': 'aws',
        'AWS::Region': 'local',
        'AWS::AccountId': '000000000000',
        'AWS::URLSuffix': 'amazonaws.com',
      };
      const known = pseudo[v.Ref];
      if (known) return known;
      return `local-ref-${v.Ref}`;
    }
  }
  throw new ValidationError(`cannot resolve ${JSON.stringify(value).slice(0, 120)} locally`, SOURCE);
}

const NEGATED = ['IsPresent', 'IsNull', 'IsString', 'IsNumeric', 'IsBoolean', 'IsTimestamp'];

/** Refuses what aws-local-stepfunctions 3 would run wrongly without an error. */
function refuseUnsupported(node: unknown, path: string): void {
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) refuseUnsupported(v, `${path}[${i}]`);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'QueryLanguage' && v === 'JSONata')
      throw new ValidationError(`${path}: JSONata is not supported locally`, SOURCE);
    if (k === 'Assign')
      throw new ValidationError(`${path}: Assign (variables) is not supported locally`, SOURCE);
    if (NEGATED.includes(k) && v === false)
      throw new ValidationError(
        `${path}: a negated type test (${k}: false) evaluates wrongly locally`,
        SOURCE,
      );
    refuseUnsupported(v, `${path}.${k}`);
  }
}

function eachTask(
  states: Record<string, Json>,
  visit: (name: string, state: Record<string, Json>) => void,
): void {
  for (const [name, raw] of Object.entries(states)) {
    const state = raw as Record<string, Json>;
    if (state.Type === 'Task') visit(name, state);
    const inner = (state.ItemProcessor ?? state.Iterator) as Record<string, Json> | undefined;
    if (inner?.States) eachTask(inner.States as Record<string, Json>, visit);
    for (const branch of (state.Branches as Record<string, Json>[] | undefined) ?? [])
      eachTask(branch.States as Record<string, Json>, visit);
  }
}

/** Reads the (single) state machine of a synthesized template. */
export function loadStateMachine(template: Template): LocalStateMachine {
  const machines = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1)
    throw new ValidationError(`expected one state machine in the template, found ${machines.length}`, SOURCE);
  const definition = JSON.parse(resolveIntrinsics(machines[0]?.Properties?.DefinitionString)) as Record<
    string,
    Json
  >;
  refuseUnsupported(definition, 'definition');
  const steps = new Map<string, { step: string; waitForToken: boolean }>();
  const environment = new Map<string, Record<string, string>>();
  eachTask(definition.States as Record<string, Json>, (name, state) => {
    const waitForToken = state.Resource === WAIT_FOR_TOKEN;
    const arn = waitForToken ? (state.Parameters as Record<string, Json>)?.FunctionName : state.Resource;
    const logicalId = typeof arn === 'string' ? LOCAL_FUNCTION.exec(arn)?.[1] : undefined;
    const fn = logicalId ? template.Resources[logicalId] : undefined;
    const step = fn?.Metadata?.[STEP_METADATA];
    if (typeof step !== 'string')
      throw new ValidationError(
        `task state ${name} names no function with ${STEP_METADATA} metadata`,
        SOURCE,
      );
    steps.set(name, { step, waitForToken });
    const vars = ((fn?.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ??
      {}) as Record<string, unknown>;
    environment.set(
      step,
      Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => typeof e[1] === 'string')),
    );
  });
  return { definition, steps, environment };
}

/**
 * Task tokens for local executions: a waiting approval task holds a promise that `succeed`/`fail`
 * settles. A token whose task has ended (timed out, execution over) is gone, as in AWS.
 */
export class LocalTaskTokens implements TaskTokens {
  private readonly waiting = new Map<string, { resolve: (v: Json) => void; reject: (e: Error) => void }>();

  mint(): string {
    return `local-token-${randomBytes(24).toString('base64url')}`;
  }

  wait(token: string): Promise<Json> {
    return new Promise((resolve, reject) => this.waiting.set(token, { resolve, reject }));
  }

  forget(token: string): void {
    this.waiting.delete(token);
  }

  private take(token: string) {
    const w = this.waiting.get(token);
    if (!w)
      throw Object.assign(new Error('the task for this token no longer exists'), {
        name: 'TaskDoesNotExist',
      });
    this.waiting.delete(token);
    return w;
  }

  async succeed(token: string, output: Record<string, unknown>): Promise<void> {
    this.take(token).resolve(output as Json);
  }

  async fail(token: string, error: string, cause: string): Promise<void> {
    this.take(token).reject(Object.assign(new Error(cause), { name: error }));
  }
}

export type LocalStep = (payload: Json) => Promise<unknown>;

export interface LocalRun {
  result: Promise<Json>;
  /** Resolves with the task token once the execution waits for approval. */
  waitingForApproval: Promise<string>;
}

/** Starts one execution. Retry intervals run at zero delay locally; everything else is as defined. */
export function startExecution(
  machine: LocalStateMachine,
  input: Json,
  bindings: { steps: Record<string, LocalStep>; tokens: LocalTaskTokens },
): LocalRun {
  const token = bindings.tokens.mint();
  let approvalWaiting!: (t: string) => void;
  const waitingForApproval = new Promise<string>((resolve) => {
    approvalWaiting = resolve;
  });
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [stateName, { step, waitForToken }] of machine.steps) {
    const run = bindings.steps[step];
    if (!run) throw new ValidationError(`no local step is bound to ${step} (state ${stateName})`, SOURCE);
    retryIntervalOverrides[stateName] = 0;
    handlers[stateName] = waitForToken
      ? async (parameters) => {
          const payload = (parameters as { Payload?: Json })?.Payload ?? null;
          const settled = bindings.tokens.wait(token);
          await run(payload);
          approvalWaiting(token);
          return settled;
        }
      : async (payload) => (await run(payload)) as Json;
  }
  const sm = new StateMachine(machine.definition as never, { validationOptions: { checkArn: false } });
  const execution = sm.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
    context: {
      Task: { Token: token },
      Execution: { Name: `local-${randomBytes(9).toString('hex')}` },
    } as never,
  });
  const result = execution.result.finally(() => bindings.tokens.forget(token));
  return { result, waitingForApproval };
}
