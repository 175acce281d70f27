/**
 * The response stage's storage ports on the single table (keys in table-schema.ts).
 *
 *   RESPONSE_BUDGET#<plan_id> / <key>     one reservation per planned action (TTL 90 days)
 *   BUDGET#INCIDENT#<incident_id> / COUNT `n`: actions reserved for the incident (TTL 90 days, renewed)
 *   BUDGET#HOUR#<yyyy-mm-ddThh> / COUNT   `n`: actions reserved in that UTC hour (TTL 2 days past it)
 *   CONFIG#KILL_SWITCH / STATE            {engaged, by, reason, at}; no TTL
 *   APPROVAL#<id> / META                  the approval request; gsi1 APPROVAL_PENDING /
 *                                         <created_at, 15 digits>#<id> while pending; TTL a week
 *                                         past the link's expiry
 *   UNDO#<plan_id> / <key>                the first undo record of an action; no TTL
 *
 * Budgets: one TransactWriteItems puts the reservation (only if absent) and adds 1 to both
 * counters (only while under their maximum). Counters only grow, so a counter at its maximum is
 * final, and the reservation makes a re-run of the same (plan, key) succeed without counting again.
 *
 * Approvals: every approval lands with ONE conditional UpdateItem, and the approval that completes
 * the request flips it to `approved` in that same update. The item keeps `approvals_missing`
 * (required − approvals so far). An approval is written either as "record" (condition
 * `approvals_missing > 1`, decrements it) or as "decide" (condition `approvals_missing = 1`, also
 * sets status approved and leaves the pending index); both also require pending, unexpired and
 * `NOT contains(approver_ids, :who)`. So at most `required` approvers are ever added, exactly one
 * of them decides, and no crash can leave a request full of approvals but still pending. The
 * adapter does not read before writing: it guesses "decide" (one approver is the default), and a
 * failed condition returns the item as it was (ALL_OLD), which says either why the approval is
 * refused or which of the two updates applies now. Each retry follows a change made by another
 * approver (or the first wrong guess), so the attempts are bounded by `required` + 1.
 *
 * Undo records have no TTL on purpose: rollback reads "no record" as "the action changed nothing",
 * so an expired record would make a rollback silently do nothing.
 *
 * Items are written with the shared document client (`removeUndefinedValues`): optional fields of
 * plans and undo records are simply absent. A ConditionalCheckFailedException carrying ALL_OLD
 * holds the stored item (for approvals: the sealed task token), so those errors are always
 * consumed here and never rethrown or logged.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { TransientError, ValidationError } from '../errors.ts';
import type {
  ApprovalRequest,
  ApprovalStore,
  BudgetStore,
  DecisionRefusal,
  DecisionResult,
  KillSwitch,
} from '../respond/ports.ts';
import type { UndoStore } from '../respond/run-action.ts';
import type { PlaybookId, ResponsePlan, UndoRecord } from '../respond/types.ts';
import { rethrowAwsError } from './aws-errors.ts';
import { TableKeys } from './table-schema.ts';

const DAY_SECONDS = 86_400;
const HOUR_MS = 3_600_000;

export interface ResponseStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

type Item = Record<string, unknown>;

const isConditionFailure = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ConditionalCheckFailedException';

/** The item a failed conditional write returned with ReturnValuesOnConditionCheckFailure ALL_OLD. */
function oldItem(e: unknown): Item | undefined {
  const raw = (e as { Item?: Record<string, AttributeValue> }).Item;
  return raw ? unmarshall(raw) : undefined;
}

/** Every SDK call goes through here, so throttling and outages surface as TransientError. */
async function send<T>(source: string, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    return rethrowAwsError(e, source, { operation });
  }
}

function assertKeyPart(value: unknown, name: string, source: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512)
    throw new ValidationError(`${name} must be a non-empty string of at most 512 characters`, source);
}

function assertTime(value: unknown, name: string, source: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new ValidationError(`${name} must be epoch milliseconds`, source);
}

// ── budgets ─────────────────────────────────────────────────────────────────────────────────────

const BUDGET_SOURCE = 'store.response-budget';
/** Reservations and the incident counter outlive any plan's retries; the counter's TTL renews on use. */
const BUDGET_KEEP_DAYS = 90;
/** The hour counter is only read during its hour; two days more leave it visible for investigation. */
const HOUR_KEEP_SECONDS = 2 * DAY_SECONDS;

/** Cancellation codes that say "try again", not "no": another transaction held an item, or throttling. */
const RETRYABLE_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

export interface ConflictRetryPolicy {
  /** Attempts of the transaction in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** [0, 1), for jitter. */
  random: () => number;
}

const DEFAULT_CONFLICT_RETRY: ConflictRetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 25,
  maxDelayMs: 400,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** `2026-11-23T10` for any instant in that UTC hour. */
export const hourBucket = (now: number): string => new Date(now).toISOString().slice(0, 13);

type ReservationOutcome =
  | { kind: 'reserved' }
  | { kind: 'refused'; reason: string }
  | { kind: 'retry'; code: string };

export function dynamoBudgetStore(
  options: ResponseStoreOptions & { retry?: Partial<ConflictRetryPolicy> },
): BudgetStore {
  const { client, tableName } = options;
  const retry = { ...DEFAULT_CONFLICT_RETRY, ...options.retry };

  return {
    async reserve(r) {
      assertKeyPart(r.plan_id, 'plan_id', BUDGET_SOURCE);
      assertKeyPart(r.key, 'key', BUDGET_SOURCE);
      assertKeyPart(r.incident_id, 'incident_id', BUDGET_SOURCE);
      assertTime(r.now, 'now', BUDGET_SOURCE);
      const hour = hourBucket(r.now);
      const incidentSpent = `the incident's action budget (${r.maxPerIncident}) is spent`;
      const hourSpent = `the hourly action budget (${r.maxPerHour}) is spent for ${hour}:00 UTC`;
      // A budget below one is spent before it starts (the counter condition would let one through).
      if (!(r.maxPerIncident >= 1)) return { ok: false, reason: incidentSpent };
      if (!(r.maxPerHour >= 1)) return { ok: false, reason: hourSpent };

      const nowSeconds = Math.floor(r.now / 1000);
      const keep = nowSeconds + BUDGET_KEEP_DAYS * DAY_SECONDS;
      const hourEnds = Math.floor((Date.parse(`${hour}:00:00Z`) + HOUR_MS) / 1000);
      const counter = (pk: string, max: number, expires: number) => ({
        Update: {
          TableName: tableName,
          Key: { [TableKeys.partitionKey]: pk, [TableKeys.sortKey]: 'COUNT' },
          UpdateExpression: 'ADD n :one SET expires_at = :expires',
          ConditionExpression: 'attribute_not_exists(n) OR n < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': max, ':expires': expires },
        },
      });
      const transactItems = [
        {
          Put: {
            TableName: tableName,
            Item: {
              [TableKeys.partitionKey]: `RESPONSE_BUDGET#${r.plan_id}`,
              [TableKeys.sortKey]: r.key,
              [TableKeys.timeToLive]: keep,
              plan_id: r.plan_id,
              key: r.key,
              incident_id: r.incident_id,
              hour,
              reserved_at: r.now,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        counter(`BUDGET#INCIDENT#${r.incident_id}`, r.maxPerIncident, keep),
        counter(`BUDGET#HOUR#${hour}`, r.maxPerHour, hourEnds + HOUR_KEEP_SECONDS),
      ];

      for (let attempt = 1; ; attempt++) {
        const cancellation = await attemptReservation(client, transactItems, {
          incident: incidentSpent,
          hour: hourSpent,
        });
        if (cancellation.kind === 'reserved') return { ok: true };
        if (cancellation.kind === 'refused') return { ok: false, reason: cancellation.reason };
        // A conflict is not an answer: both counters may still have room. Back off and ask again,
        // then leave it to the caller's retry (Step Functions) as a TransientError.
        if (attempt >= retry.maxAttempts)
          throw new TransientError(
            'budget reservation kept conflicting with other transactions',
            BUDGET_SOURCE,
            {
              operation: 'reserve',
              cancellation: cancellation.code,
              attempts: attempt,
            },
          );
        await retry.sleep(
          Math.floor(retry.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1))),
        );
      }
    },
  };
}

/**
 * One TransactWriteItems of [reservation, incident counter, hour counter]. A cancellation is read
 * from CancellationReasons, which come in the order of TransactItems. A new command each attempt:
 * the SDK then mints a fresh ClientRequestToken, so a retry is a new transaction, not a replay.
 */
async function attemptReservation(
  client: DynamoDBDocumentClient,
  transactItems: NonNullable<TransactWriteCommandInput['TransactItems']>,
  spent: { incident: string; hour: string },
): Promise<ReservationOutcome> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transactItems }));
    return { kind: 'reserved' };
  } catch (e) {
    return classifyCancellation(e, spent) ?? rethrowAwsError(e, BUDGET_SOURCE, { operation: 'reserve' });
  }
}

function classifyCancellation(
  e: unknown,
  spent: { incident: string; hour: string },
): ReservationOutcome | undefined {
  if (
    typeof e !== 'object' ||
    e === null ||
    (e as { name?: unknown }).name !== 'TransactionCanceledException'
  )
    return undefined;
  const reasons = ((e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
    (r) => r.Code ?? 'None',
  );
  const [reservation = 'None', incident = 'None', hourly = 'None'] = reasons;
  // Already reserved: a re-run of the same action, which must not count twice.
  if (reservation === 'ConditionalCheckFailed') return { kind: 'reserved' };
  // The reservation itself was contended (the same action, concurrently): only a retry can tell
  // whether the other attempt took the slot, so its answer must not be a refusal.
  if (RETRYABLE_CANCELLATIONS.has(reservation)) return { kind: 'retry', code: reservation };
  if (incident === 'ConditionalCheckFailed') return { kind: 'refused', reason: spent.incident };
  if (hourly === 'ConditionalCheckFailed') return { kind: 'refused', reason: spent.hour };
  const retryable = reasons.find((code) => RETRYABLE_CANCELLATIONS.has(code));
  return retryable ? { kind: 'retry', code: retryable } : undefined;
}

// ── kill switch ─────────────────────────────────────────────────────────────────────────────────

const KILL_SWITCH_SOURCE = 'store.kill-switch';
const KILL_SWITCH_KEY = { [TableKeys.partitionKey]: 'CONFIG#KILL_SWITCH', [TableKeys.sortKey]: 'STATE' };

export function dynamoKillSwitch({ client, tableName }: ResponseStoreOptions): KillSwitch {
  return {
    async engaged() {
      const { Item } = await send(KILL_SWITCH_SOURCE, 'read kill switch', () =>
        client.send(new GetCommand({ TableName: tableName, Key: KILL_SWITCH_KEY, ConsistentRead: true })),
      );
      // Never set: the switch has never been engaged.
      if (!Item) return false;
      // A state we cannot read is not "off": throwing makes the guard treat it as engaged.
      if (typeof Item.engaged !== 'boolean')
        throw new ValidationError('stored kill switch state is malformed', KILL_SWITCH_SOURCE);
      return Item.engaged;
    },
    async set(engaged, by, reason, now) {
      assertKeyPart(by, 'by', KILL_SWITCH_SOURCE);
      assertTime(now, 'now', KILL_SWITCH_SOURCE);
      // A switch: the last write wins, and it says who flipped it, why and when.
      await send(KILL_SWITCH_SOURCE, 'set kill switch', () =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...KILL_SWITCH_KEY, engaged, by, reason, at: now },
          }),
        ),
      );
    },
  };
}

// ── approvals ───────────────────────────────────────────────────────────────────────────────────

const APPROVAL_SOURCE = 'store.approval';
const PENDING_INDEX_KEY = 'APPROVAL_PENDING';
/** The record outlives its link by a week, for the audit page; readers use `expires_at_ms`, not TTL. */
const APPROVAL_KEEP_SECONDS = 7 * DAY_SECONDS;
/** Far above what any request needs (required + 1); reaching it means the item is being rewritten. */
const MAX_APPROVE_ATTEMPTS = 12;

const approvalKey = (id: string) => ({
  [TableKeys.partitionKey]: `APPROVAL#${id}`,
  [TableKeys.sortKey]: 'META',
});
const pendingSk = (createdAt: number, id: string) => `${String(createdAt).padStart(15, '0')}#${id}`;

const ApprovalItemSchema = z.object({
  id: z.string(),
  plan_id: z.string(),
  incident_id: z.string(),
  plan: z.looseObject({ id: z.string(), incident_id: z.string(), actions: z.array(z.unknown()) }),
  incident_title: z.string(),
  sealed_token: z.string(),
  required: z.number().int(),
  approvers: z.array(z.object({ who: z.string(), at: z.number() })),
  status: z.enum(['pending', 'approved', 'rejected']),
  created_at: z.number(),
  expires_at_ms: z.number(),
  approvals_missing: z.number().int(),
  decided_at: z.number().optional(),
  rejected_by: z.string().optional(),
  reason: z.string().optional(),
});
type ApprovalItem = z.infer<typeof ApprovalItemSchema>;

function parseApproval(item: Item): ApprovalItem {
  const parsed = ApprovalItemSchema.safeParse(item);
  if (!parsed.success) {
    // Field names only: the values include the sealed task token.
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new ValidationError(`stored approval request is malformed: ${fields}`, APPROVAL_SOURCE);
  }
  return parsed.data;
}

function toRequest(a: ApprovalItem): ApprovalRequest {
  const request: ApprovalRequest = {
    id: a.id,
    plan_id: a.plan_id,
    incident_id: a.incident_id,
    plan: a.plan as unknown as ResponsePlan,
    incident_title: a.incident_title,
    sealed_token: a.sealed_token,
    required: a.required,
    approvers: a.approvers.map(({ who, at }) => ({ who, at })),
    status: a.status,
    created_at: a.created_at,
    expires_at: a.expires_at_ms,
  };
  if (a.decided_at !== undefined) request.decided_at = a.decided_at;
  if (a.rejected_by !== undefined) request.rejected_by = a.rejected_by;
  if (a.reason !== undefined) request.reason = a.reason;
  return request;
}

function toApprovalItem(r: ApprovalRequest): Item {
  const item: Item = {
    ...approvalKey(r.id),
    [TableKeys.timeToLive]: Math.ceil(r.expires_at / 1000) + APPROVAL_KEEP_SECONDS,
    entity: 'approval',
    id: r.id,
    plan_id: r.plan_id,
    incident_id: r.incident_id,
    plan: r.plan,
    incident_title: r.incident_title,
    sealed_token: r.sealed_token,
    required: r.required,
    approvers: r.approvers.map(({ who, at }) => ({ who, at })),
    status: r.status,
    created_at: r.created_at,
    expires_at_ms: r.expires_at,
    approvals_missing: Math.max(r.required - r.approvers.length, 0),
    decided_at: r.decided_at,
    rejected_by: r.rejected_by,
    reason: r.reason,
  };
  // A string set cannot be empty in DynamoDB: absent until the first approval.
  if (r.approvers.length > 0) item.approver_ids = new Set(r.approvers.map((a) => a.who));
  if (r.status === 'pending') {
    item[TableKeys.gsi1PartitionKey] = PENDING_INDEX_KEY;
    item[TableKeys.gsi1SortKey] = pendingSk(r.created_at, r.id);
  }
  return item;
}

function validateRequest(r: ApprovalRequest): void {
  assertKeyPart(r.id, 'approval id', APPROVAL_SOURCE);
  assertKeyPart(r.plan_id, 'plan_id', APPROVAL_SOURCE);
  assertKeyPart(r.incident_id, 'incident_id', APPROVAL_SOURCE);
  assertTime(r.created_at, 'created_at', APPROVAL_SOURCE);
  assertTime(r.expires_at, 'expires_at', APPROVAL_SOURCE);
  if (!Number.isInteger(r.required) || r.required < 1)
    throw new ValidationError('an approval request needs at least one approver', APPROVAL_SOURCE);
}

/** Why a decision on this stored request cannot be made now, or undefined if it can. */
function refusalOf(a: ApprovalItem, now: number): DecisionRefusal | undefined {
  if (a.status !== 'pending') return 'decided';
  if (a.expires_at_ms <= now) return 'expired';
  return undefined;
}

export function dynamoApprovalStore({ client, tableName }: ResponseStoreOptions): ApprovalStore {
  const refused = (reason: DecisionRefusal, item?: ApprovalItem): DecisionResult =>
    item ? { outcome: 'refused', reason, request: toRequest(item) } : { outcome: 'refused', reason };

  async function get(id: string): Promise<ApprovalRequest | undefined> {
    assertKeyPart(id, 'approval id', APPROVAL_SOURCE);
    const { Item } = await send(APPROVAL_SOURCE, 'get approval', () =>
      client.send(new GetCommand({ TableName: tableName, Key: approvalKey(id), ConsistentRead: true })),
    );
    return Item ? toRequest(parseApproval(Item)) : undefined;
  }

  /**
   * One approval as one conditional UpdateItem: "record" (more approvals are missing after this
   * one) or "decide" (this one completes the request). On a failed condition, the item as it was.
   */
  async function writeApproval(
    id: string,
    who: string,
    now: number,
    decides: boolean,
  ): Promise<{ ok: true; item: Item } | { ok: false; old: Item | undefined }> {
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: approvalKey(id),
          UpdateExpression: decides
            ? 'SET approvers = list_append(approvers, :entry), #status = :approved, decided_at = :now ' +
              'ADD approver_ids :who_set, approvals_missing :minus_one REMOVE gsi1pk, gsi1sk'
            : 'SET approvers = list_append(approvers, :entry) ' +
              'ADD approver_ids :who_set, approvals_missing :minus_one',
          ConditionExpression:
            'attribute_exists(pk) AND #status = :pending AND expires_at_ms > :now ' +
            'AND NOT contains(approver_ids, :who) AND ' +
            (decides ? 'approvals_missing = :one' : 'approvals_missing > :one'),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':entry': [{ who, at: now }],
            ':who_set': new Set([who]),
            ':who': who,
            ':minus_one': -1,
            ':one': 1,
            ':pending': 'pending',
            ':now': now,
            ...(decides ? { ':approved': 'approved' } : {}),
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, item: Attributes ?? {} };
    } catch (e) {
      if (isConditionFailure(e)) return { ok: false, old: oldItem(e) };
      return rethrowAwsError(e, APPROVAL_SOURCE, { operation: 'approve' });
    }
  }

  return {
    get,

    async create(request) {
      validateRequest(request);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: toApprovalItem(request),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return request;
      } catch (e) {
        if (!isConditionFailure(e))
          return rethrowAwsError(e, APPROVAL_SOURCE, { operation: 'create approval' });
        // A redelivered notify: the first request (and its token) stands.
        const stored = oldItem(e);
        if (stored) return toRequest(parseApproval(stored));
        const again = await get(request.id);
        if (!again) throw new TransientError('approval request vanished while created', APPROVAL_SOURCE);
        return again;
      }
    },

    async listPending(now) {
      const out: ApprovalRequest[] = [];
      let startKey: Item | undefined;
      do {
        const page = await send(APPROVAL_SOURCE, 'list pending approvals', () =>
          client.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: TableKeys.gsi1,
              KeyConditionExpression: '#pk = :pk',
              ExpressionAttributeNames: { '#pk': TableKeys.gsi1PartitionKey },
              ExpressionAttributeValues: { ':pk': PENDING_INDEX_KEY },
              ScanIndexForward: false,
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const a = parseApproval(item);
          // The index is eventually consistent, and an expired link can no longer be decided.
          if (refusalOf(a, now) === undefined) out.push(toRequest(a));
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return out;
    },

    async approve(id, who, now) {
      assertKeyPart(id, 'approval id', APPROVAL_SOURCE);
      assertKeyPart(who, 'approver', APPROVAL_SOURCE);
      assertTime(now, 'now', APPROVAL_SOURCE);
      // See the header: guess "decide", learn the real state from ALL_OLD when the guess is wrong.
      let decides = true;
      for (let attempt = 1; attempt <= MAX_APPROVE_ATTEMPTS; attempt++) {
        const written = await writeApproval(id, who, now, decides);
        if (written.ok) {
          const request = toRequest(parseApproval(written.item));
          return decides ? { outcome: 'approved', request } : { outcome: 'recorded', request };
        }
        if (!written.old) return refused('not_found');
        const a = parseApproval(written.old);
        const refusal = refusalOf(a, now);
        if (refusal) return refused(refusal, a);
        const ids = written.old.approver_ids;
        if (ids instanceof Set && ids.has(who)) return refused('same_approver', a);
        // Pending with no approval missing cannot be written by this adapter; it is not open either.
        if (a.approvals_missing < 1) return refused('decided', a);
        decides = a.approvals_missing === 1;
      }
      throw new TransientError('approval request kept changing while approving', APPROVAL_SOURCE, {
        operation: 'approve',
      });
    },

    async reject(id, who, reason, now) {
      assertKeyPart(id, 'approval id', APPROVAL_SOURCE);
      assertKeyPart(who, 'rejecting analyst', APPROVAL_SOURCE);
      assertTime(now, 'now', APPROVAL_SOURCE);
      let written: Item;
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: approvalKey(id),
            UpdateExpression:
              'SET #status = :rejected, rejected_by = :who, #reason = :reason, decided_at = :now ' +
              'REMOVE gsi1pk, gsi1sk',
            ConditionExpression: 'attribute_exists(pk) AND #status = :pending AND expires_at_ms > :now',
            ExpressionAttributeNames: { '#status': 'status', '#reason': 'reason' },
            ExpressionAttributeValues: {
              ':rejected': 'rejected',
              ':pending': 'pending',
              ':who': who,
              ':reason': reason,
              ':now': now,
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        written = Attributes ?? {};
      } catch (e) {
        if (!isConditionFailure(e)) return rethrowAwsError(e, APPROVAL_SOURCE, { operation: 'reject' });
        const old = oldItem(e);
        if (!old) return refused('not_found');
        const a = parseApproval(old);
        return refused(refusalOf(a, now) ?? 'decided', a);
      }
      return { outcome: 'rejected', request: toRequest(parseApproval(written)) };
    },
  };
}

// ── undo records ────────────────────────────────────────────────────────────────────────────────

const UNDO_SOURCE = 'store.undo';
const undoKey = (planId: string, key: string) => ({
  [TableKeys.partitionKey]: `UNDO#${planId}`,
  [TableKeys.sortKey]: key,
});

const UndoItemSchema = z.object({
  plan_id: z.string(),
  key: z.string(),
  action: z.string(),
  target: z.object({
    type: z.enum(['access_key', 'principal', 'resource', 'ip']),
    id: z.string(),
    account: z.string().optional(),
    region: z.string().optional(),
  }),
  before: z.record(z.string(), z.unknown()),
  rollback: z.array(
    z.object({
      service: z.enum(['iam', 'ec2', 'autoscaling', 's3', 'wafv2']),
      operation: z.string(),
      input: z.record(z.string(), z.unknown()),
      mutating: z.boolean(),
    }),
  ),
  manual: z.array(z.string()),
  recorded_at: z.number(),
});

function toUndoRecord(item: Item): UndoRecord {
  const parsed = UndoItemSchema.safeParse(item);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new ValidationError(`stored undo record is malformed: ${fields}`, UNDO_SOURCE);
  }
  const { action, ...rest } = parsed.data;
  // The action id was a PlaybookId when written; the catalogue decides what it means when read.
  return { ...rest, action: action as PlaybookId };
}

export function dynamoUndoStore({ client, tableName }: ResponseStoreOptions): UndoStore {
  async function get(planId: string, key: string): Promise<UndoRecord | undefined> {
    assertKeyPart(planId, 'plan_id', UNDO_SOURCE);
    assertKeyPart(key, 'key', UNDO_SOURCE);
    const { Item } = await send(UNDO_SOURCE, 'get undo record', () =>
      client.send(new GetCommand({ TableName: tableName, Key: undoKey(planId, key), ConsistentRead: true })),
    );
    return Item ? toUndoRecord(Item) : undefined;
  }

  return {
    get,

    async recordOnce(record) {
      assertKeyPart(record.plan_id, 'plan_id', UNDO_SOURCE);
      assertKeyPart(record.key, 'key', UNDO_SOURCE);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...undoKey(record.plan_id, record.key),
              entity: 'undo',
              plan_id: record.plan_id,
              key: record.key,
              action: record.action,
              target: record.target,
              before: record.before,
              rollback: record.rollback,
              manual: record.manual,
              recorded_at: record.recorded_at,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return record;
      } catch (e) {
        if (!isConditionFailure(e)) return rethrowAwsError(e, UNDO_SOURCE, { operation: 'record undo' });
        // A re-run after a failure: the first record holds the state before any change.
        const stored = oldItem(e);
        if (stored) return toUndoRecord(stored);
        const again = await get(record.plan_id, record.key);
        if (!again) throw new TransientError('undo record vanished while recorded', UNDO_SOURCE);
        return again;
      }
    },
  };
}
