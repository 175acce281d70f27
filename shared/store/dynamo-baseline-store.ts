/**
 * BaselineStore on the single table (keys in table-schema.ts).
 *
 *   BASELINE#<principal> / PROFILE   one item per principal:
 *     principal (S), first_seen (N, event ms), events (N), refreshed_at (N, event ms), expires_at (TTL)
 *     d:<dimension> (SS)             first-seen values: api, service, region, ip, country, asn, user_agent
 *     f:<dimension>:<value> (S)      uid of the event flagged for that value after learning
 *
 * Why string sets and ADD: `ADD d:country :set` is a set union, so applying the same batch twice
 * leaves the same set — redelivery (at-least-once SQS and EventBridge) cannot corrupt a profile.
 * Flags are `SET f = if_not_exists(f, :uid)`: the first event to flag a value keeps it, which is
 * what lets a redelivered batch re-emit its own signals with the same ids. `events` is an ADD
 * counter and is NOT idempotent: a redelivered batch counts twice. It only feeds the
 * "minimum events before learning ends" heuristic, where an over-count ends learning a little
 * early at worst.
 *
 * One write per principal per batch carries all of its news: a conditional PutItem for a new
 * principal (replacing an expired remnant), else one UpdateItem; a second only when a late event
 * lowers first_seen and loses a race, or a burst of flags spills past one expression. A principal
 * whose batch brought nothing new is not written at all (observe.ts decides), so steady, known
 * behaviour costs one consistent BatchGetItem per batch and no writes.
 *
 * Principal ARNs go into the key as they are: partition keys take 2048 bytes and profile.ts
 * refuses principals that could exceed that. Item size stays bounded by the policy's caps and
 * the 128-character value clip (defaults: under ~200 KB in the worst case, of DynamoDB's 400 KB).
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type BaselinePolicy, DEFAULT_BASELINE_POLICY } from '../baseline/policy.ts';
import {
  DIMENSIONS,
  type Dimension,
  emptyValues,
  type PrincipalProfile,
  type ProfileUpdate,
} from '../baseline/profile.ts';
import type { BaselineStore } from '../baseline/store.ts';
import { rethrowAwsError } from './aws-errors.ts';

const SOURCE = 'store.baseline';
const SK = 'PROFILE';
const DIMENSION_ATTR = 'd:';
const FLAG_ATTR = 'f:';
const profilePk = (principal: string) => `BASELINE#${principal}`;
/**
 * Flags per UpdateItem: each adds ~40 characters of `#fN = if_not_exists(#fN, :fN)` to the
 * expression, and an expression may not exceed 4 KB
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-expression-parameters).
 * A batch that flags more (a burst of new APIs after learning) spills into further updates.
 */
const FLAGS_PER_UPDATE = 50;
/** Profile writes in flight at once; small, so one batch cannot eat the table's burst capacity. */
const WRITE_CONCURRENCY = 8;
/** BatchGetItem takes at most 100 keys. */
const KEYS_PER_BATCH_GET = 100;
/**
 * BatchGetItem answers part of the keys as UnprocessedKeys under throttling or past 16 MB; AWS
 * asks for retries with exponential backoff
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
 * Bounded: past the last attempt the batch fails as transient and is redelivered later.
 */
const MAX_BATCH_GET_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 25;

export interface DynamoBaselineStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** TTL of a profile after its last write; defaults to the baseline policy's. */
  retentionMs?: BaselinePolicy['retentionMs'];
  /** Wall clock (ms) for TTL and for treating expired items as gone. */
  now?: () => number;
  /** Waits between BatchGetItem retries; injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
}

const numberOr = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;

function toProfile(item: Record<string, unknown>): PrincipalProfile {
  const values = emptyValues();
  const flagged = new Map<string, string>();
  for (const [name, v] of Object.entries(item)) {
    if (name.startsWith(DIMENSION_ATTR)) {
      const d = name.slice(DIMENSION_ATTR.length) as Dimension;
      if (DIMENSIONS.includes(d) && v instanceof Set)
        for (const x of v) if (typeof x === 'string') values[d].add(x);
    } else if (name.startsWith(FLAG_ATTR) && typeof v === 'string') {
      flagged.set(name.slice(FLAG_ATTR.length), v);
    }
  }
  const firstSeen = numberOr(item.first_seen, Number.POSITIVE_INFINITY);
  return {
    principal:
      typeof item.principal === 'string' ? item.principal : String(item.pk).slice('BASELINE#'.length),
    first_seen: firstSeen,
    events: numberOr(item.events, 0),
    refreshed_at: numberOr(item.refreshed_at, Number.isFinite(firstSeen) ? firstSeen : 0),
    values,
    flagged,
  };
}

const isConditionFailure = (e: unknown) =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ConditionalCheckFailedException';

const chunk = <T>(xs: readonly T[], n: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
};

export function dynamoBaselineStore({
  client,
  tableName,
  retentionMs = DEFAULT_BASELINE_POLICY.retentionMs,
  now = () => Date.now(),
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}: DynamoBaselineStoreOptions): BaselineStore {
  const send = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (e) {
      return rethrowAwsError(e, SOURCE, { operation: what });
    }
  };
  const ttl = () => Math.ceil((now() + retentionMs) / 1000);

  /** A whole new item; fails if a live one exists (a concurrent creator), which the caller then merges into. */
  async function create(u: ProfileUpdate): Promise<boolean> {
    const item: Record<string, unknown> = {
      pk: profilePk(u.principal),
      sk: SK,
      principal: u.principal,
      first_seen: u.first_seen,
      events: u.events,
      refreshed_at: u.refreshed_at,
      expires_at: ttl(),
    };
    for (const [d, values] of Object.entries(u.add))
      if (values && values.length > 0) item[`${DIMENSION_ATTR}${d}`] = new Set(values);
    for (const f of u.flag) item[`${FLAG_ATTR}${f.dimension}:${f.value}`] ??= f.event_uid;
    try {
      await send('create profile', () =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk) OR expires_at <= :now',
            ExpressionAttributeValues: { ':now': Math.floor(now() / 1000) },
          }),
        ),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** `SET` clauses for flags; the first copy of a flag wins, so applying them twice changes nothing. */
  const flagClauses = (
    flags: ProfileUpdate['flag'],
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): string[] =>
    flags.map((f, i) => {
      names[`#f${i}`] = `${FLAG_ATTR}${f.dimension}:${f.value}`;
      values[`:f${i}`] = f.event_uid;
      return `#f${i} = if_not_exists(#f${i}, :f${i})`;
    });

  /** Merges into the item (creating it if absent); returns the writes made. */
  async function merge(u: ProfileUpdate): Promise<number> {
    const key = { pk: profilePk(u.principal), sk: SK };
    const parts = chunk(u.flag, FLAGS_PER_UPDATE);
    const lastPart = parts.pop() ?? [];
    let writes = 0;

    // Spilled flags go first and the values last: if a write fails in between, the redelivered
    // batch still finds its values new and recomputes the same flags, rather than finding the
    // values known and their flags missing.
    for (const part of parts) {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':ttl': ttl() };
      const sets = flagClauses(part, names, values);
      writes++;
      await send('update profile flags', () =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: `SET expires_at = :ttl, ${sets.join(', ')}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    }

    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':p': u.principal,
      ':ttl': ttl(),
      ':r': u.refreshed_at,
      ':fs': u.first_seen,
      ':n': u.events,
    };
    const sets = [
      'principal = :p',
      'expires_at = :ttl',
      'refreshed_at = :r',
      ...flagClauses(lastPart, names, values),
    ];
    const adds = ['events :n'];
    for (const d of DIMENSIONS) {
      const added = u.add[d];
      if (!added || added.length === 0) continue;
      names[`#d_${d}`] = `${DIMENSION_ATTR}${d}`;
      values[`:d_${d}`] = new Set(added);
      adds.push(`#d_${d} :d_${d}`);
    }
    const update = (firstSeen: string, condition?: string) =>
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: `SET ${[...sets, firstSeen].join(', ')} ADD ${adds.join(', ')}`,
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ...(condition ? { ConditionExpression: condition } : {}),
      });

    if (u.lowers_first_seen) {
      // DynamoDB has no min(): lower first_seen only if it is still later than ours. If a
      // concurrent writer got there with an even earlier time, fall back to keeping theirs.
      writes++;
      try {
        await send('update profile', () =>
          client.send(update('first_seen = :fs', 'attribute_not_exists(first_seen) OR first_seen > :fs')),
        );
        return writes;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    }
    writes++;
    await send('update profile', () => client.send(update('first_seen = if_not_exists(first_seen, :fs)')));
    return writes;
  }

  return {
    async load(principals) {
      const nowSec = Math.floor(now() / 1000);
      const out = new Map<string, PrincipalProfile>();
      for (const part of chunk([...new Set(principals)], KEYS_PER_BATCH_GET)) {
        let keys: Record<string, unknown>[] = part.map((p) => ({ pk: profilePk(p), sk: SK }));
        for (let attempt = 0; keys.length > 0; attempt++) {
          if (attempt >= MAX_BATCH_GET_ATTEMPTS)
            rethrowAwsError({ name: 'ThrottlingException' }, SOURCE, { operation: 'batch get profiles' });
          if (attempt > 0) await sleep(BACKOFF_BASE_MS * 2 ** (attempt - 1));
          const request = keys;
          const res = await send('batch get profiles', () =>
            client.send(
              new BatchGetCommand({
                // Consistent: a batch redelivered right after its write must see that write.
                RequestItems: { [tableName]: { Keys: request, ConsistentRead: true } },
              }),
            ),
          );
          for (const item of res.Responses?.[tableName] ?? []) {
            // TTL deletion lags by days: an expired item is treated as gone.
            if (typeof item.expires_at === 'number' && item.expires_at <= nowSec) continue;
            const profile = toProfile(item);
            out.set(profile.principal, profile);
          }
          keys = res.UnprocessedKeys?.[tableName]?.Keys ?? [];
        }
      }
      return out;
    },

    async apply(updates) {
      const one = async (u: ProfileUpdate): Promise<number> => {
        if (u.creates && (await create(u))) return 1;
        return (u.creates ? 1 : 0) + (await merge(u));
      };
      // Each principal is its own item: writes are independent, so a few run at once — a cold
      // batch may carry hundreds of new principals, and one at a time would spend the Lambda's
      // time waiting on round trips.
      let writes = 0;
      let next = 0;
      let failed = false;
      const worker = async () => {
        while (!failed && next < updates.length) {
          const u = updates[next++] as ProfileUpdate;
          try {
            const n = await one(u);
            writes += n;
          } catch (e) {
            failed = true;
            throw e;
          }
        }
      };
      // Settle every worker before reporting a failure, so no write is still in flight when the
      // batch is handed back for retry.
      const results = await Promise.allSettled(
        Array.from({ length: Math.min(WRITE_CONCURRENCY, updates.length) }, worker),
      );
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      return writes;
    },
  };
}
