/**
 * Runs one action: dry-run, apply, verify or rollback. All of an action's I/O passes here, so the
 * safety rules live in one place:
 * - the undo record is written (once) before the first mutating call;
 * - only commands the action declared can be sent;
 * - apply re-inspects and converges, so a re-run after a failure repeats no effect already made.
 */
import { TransientError, ValidationError } from '../errors.ts';
import { rethrowAwsError } from '../store/aws-errors.ts';
import type { ActionContext, FromEarlierCall, ResponseAction, ResponseClients } from './action.ts';
import type { ActionOutcome, ActionTarget, ApiCall, UndoRecord } from './types.ts';

const SOURCE = 'respond.run-action';

/** Where undo records live. `recordOnce` keeps the first record for a key: the state before any change. */
export interface UndoStore {
  recordOnce(record: UndoRecord): Promise<UndoRecord>;
  get(planId: string, key: string): Promise<UndoRecord | undefined>;
}

export interface RunDeps {
  /** Absent in local mode (no AWS account): dry-run only, and the outcome says so. */
  clients?: ResponseClients;
  undo: UndoStore;
  now: () => number;
}

const isRef = (v: unknown): v is FromEarlierCall =>
  typeof v === 'object' && v !== null && '$from' in v && '$path' in v;

function pick(value: unknown, path: string): unknown {
  let node = value;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Replaces `{ $from, $path }` placeholders with outputs of earlier calls; a missing one is a defect. */
function resolve(value: unknown, outputs: Map<string, unknown>): unknown {
  if (isRef(value)) {
    const found = pick(outputs.get(value.$from), value.$path);
    if (found === undefined)
      throw new ValidationError(`no value at ${value.$from}.${value.$path} for a later call`, SOURCE);
    if (value.$without === undefined && value.$with === undefined) return found;
    if (!Array.isArray(found))
      throw new ValidationError(`${value.$from}.${value.$path} is not a list to edit`, SOURCE);
    const drop = new Set(value.$without ?? []);
    const kept = found.filter((v) => !drop.has(v));
    return [...kept, ...(value.$with ?? []).filter((v) => !kept.includes(v))];
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, outputs));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, outputs)]));
  return value;
}

/** Sends calls in order, each through the command the action declared for it. */
export async function sendCalls(
  action: ResponseAction,
  calls: readonly ApiCall[],
  clients: ResponseClients,
): Promise<void> {
  const outputs = new Map<string, unknown>();
  for (const call of calls) {
    const Command = action.commands[`${call.service}:${call.operation}`];
    if (!Command)
      throw new ValidationError(`${action.id} may not call ${call.service}:${call.operation}`, SOURCE);
    const client = clients[call.service] as {
      send(c: unknown): Promise<unknown>;
    };
    try {
      outputs.set(call.operation, await client.send(new Command(resolve(call.input, outputs))));
    } catch (e) {
      if (action.retryable?.(e)) {
        const retry = new TransientError(
          `${action.id}: ${call.operation} must be retried after a fresh inspection`,
          SOURCE,
          {
            action: action.id,
            operation: call.operation,
          },
        );
        retry.cause = e;
        throw retry;
      }
      rethrowAwsError(e, SOURCE, { action: action.id, operation: call.operation });
    }
  }
}

export async function dryRun(
  action: ResponseAction,
  target: ActionTarget,
  ctx: ActionContext,
  deps: RunDeps,
): Promise<ActionOutcome> {
  if (!deps.clients)
    return {
      status: 'dry_run',
      calls: action.blind(target, ctx),
      inspected: false,
      note: 'local mode: no AWS account, the target was not inspected; these are all the calls a first run would make',
    };
  const state = await action.inspect(target, deps.clients, ctx);
  return { status: 'dry_run', calls: action.converge(target, state, ctx), inspected: true };
}

/** Converges the target. Safe to re-run: a second run inspects again and sends only what is missing. */
export async function apply(
  action: ResponseAction,
  target: ActionTarget,
  ctx: ActionContext,
  deps: RunDeps,
): Promise<ActionOutcome> {
  if (!deps.clients) throw new ValidationError('apply needs AWS clients; local mode only dry-runs', SOURCE);
  const state = await action.inspect(target, deps.clients, ctx);
  const calls = action.converge(target, state, ctx);
  if (calls.length === 0) return { status: 'already_converged', calls: [] };
  const plan = action.undo(target, state, ctx);
  await deps.undo.recordOnce({
    plan_id: ctx.plan_id,
    key: ctx.key,
    action: action.id,
    target,
    before: plan.before,
    rollback: plan.rollback,
    manual: plan.manual,
    recorded_at: deps.now(),
  });
  await sendCalls(action, calls, deps.clients);
  return { status: 'applied', calls };
}

export async function verify(
  action: ResponseAction,
  target: ActionTarget,
  ctx: ActionContext,
  deps: RunDeps,
): Promise<boolean> {
  if (!deps.clients) return false;
  return action.contained(target, await action.inspect(target, deps.clients, ctx), ctx);
}

/** Sends the recorded rollback calls. No record means the action never changed anything. */
export async function rollback(
  action: ResponseAction,
  ctx: ActionContext,
  deps: RunDeps,
): Promise<{ calls: ApiCall[]; manual: string[] }> {
  if (!deps.clients) throw new ValidationError('rollback needs AWS clients', SOURCE);
  const record = await deps.undo.get(ctx.plan_id, ctx.key);
  if (!record) return { calls: [], manual: [] };
  await sendCalls(action, record.rollback, deps.clients);
  return { calls: record.rollback, manual: record.manual };
}
