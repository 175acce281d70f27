/**
 * QuarantineStore on the single table (see table-schema.ts for keys and access patterns).
 *
 * Payloads are kept whole even beyond DynamoDB's 400 KB item limit:
 *   ≤ INLINE_BYTES as UTF-8       → `payload` (S) on the META item, readable in the console
 *   gzip ≤ INLINE_BYTES           → `payload_gz` (B) on the META item
 *   otherwise                     → the gzip bytes split into CHUNK#nnnn items (`data`, B) under the
 *                                   same pk; META keeps the count, length and SHA-256 to verify on read
 * Chunks are written before META, so a reader that finds META finds every chunk; chunks carry no
 * gsi1 keys, so the day index lists one entry per record.
 *
 * Writes use BatchWriteItem (25 items a call instead of one round trip per item: a corrupt NDJSON
 * object can quarantine thousands of lines). Items a call leaves in UnprocessedItems are retried
 * with capped exponential backoff and full jitter, as the BatchWriteItem reference asks
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html);
 * when attempts run out the write fails as a TransientError so the message is redelivered. Every
 * write is a whole-item put under a key derived from the origin, so redelivery overwrites.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchWriteCommand,
  type BatchWriteWriteRequest,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { TransientError, ValidationError } from '../errors.ts';
import { rethrowAwsError } from './aws-errors.ts';
import type { QuarantinePage, QuarantineRecord, QuarantineStore, QuarantineSummary } from './quarantine.ts';
import { TableKeys } from './table-schema.ts';

const SOURCE = 'store.quarantine';
/** Leaves ~50 KB of the 400 KB item limit for keys, reason and origin (an S3 key alone may be 1 KB). */
export const INLINE_BYTES = 350_000;
const BATCH_WRITE_MAX_ITEMS = 25;
const META_SK = 'META';
const CHUNK_PREFIX = 'CHUNK#';
const DAY_SECONDS = 86_400;
const MAX_PAGE = 1_000;

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** [0, 1), for jitter. */
  random: () => number;
}

export interface DynamoQuarantineStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Used to hide expired items that DynamoDB's TTL sweeper has not deleted yet. */
  now: () => Date;
  ttlDays?: number;
  retry?: Partial<RetryPolicy>;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 50,
  maxDelayMs: 2_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

type Item = Record<string, unknown>;

const quarantinePk = (id: string) => `QUARANTINE#${id}`;
const dayPk = (day: string) => `QUARANTINE_DAY#${day}`;
const chunkSk = (n: number) => `${CHUNK_PREFIX}${String(n).padStart(4, '0')}`;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function dynamoQuarantineStore(options: DynamoQuarantineStoreOptions): QuarantineStore {
  const { client, tableName, now } = options;
  const ttlSeconds = (options.ttlDays ?? 90) * DAY_SECONDS;
  const retry = { ...DEFAULT_RETRY, ...options.retry };

  const db: Db = { client, tableName };

  return {
    async put(records) {
      // One BatchWriteItem call rejects two puts of the same key; redelivered duplicates are equal anyway.
      const unique = [...new Map(records.map((r) => [r.id, r])).values()];
      const encoded = unique.map((r) => toItems(r, ttlSeconds));
      await batchPut(
        encoded.flatMap((e) => e.chunks),
        db,
        retry,
      );
      await batchPut(
        encoded.map((e) => e.meta),
        db,
        retry,
      );
    },

    async get(id) {
      assertId(id);
      const { Item } = await aws(db, () =>
        client.send(
          new GetCommand({
            TableName: tableName,
            Key: { [TableKeys.partitionKey]: quarantinePk(id), [TableKeys.sortKey]: META_SK },
            ConsistentRead: true,
          }),
        ),
      );
      if (!Item || isExpired(Item, now())) return undefined;
      const meta = parseMeta(Item);
      const bytes = await payloadBytes(meta, db);
      if (bytes.length !== meta.payload_bytes || sha256(bytes) !== meta.payload_sha256) {
        throw new ValidationError('stored quarantine payload is incomplete or corrupt', SOURCE, { id });
      }
      const { payloadBytes: _, ...record } = toSummary(meta);
      return { ...record, payload: Buffer.from(bytes).toString('utf8') };
    },

    async listByDay(day, page = {}) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new ValidationError('day must be YYYY-MM-DD', SOURCE);
      const limit = Math.min(Math.max(Math.trunc(page.limit ?? 100), 1), MAX_PAGE);
      const out = await aws(db, () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: TableKeys.gsi1,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': TableKeys.gsi1PartitionKey },
            ExpressionAttributeValues: { ':pk': dayPk(day) },
            Limit: limit,
            ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, dayPk(day)) } : {}),
          }),
        ),
      );
      const at = now();
      const items = (out.Items ?? []).filter((i) => !isExpired(i, at)).map((i) => toSummary(parseMeta(i)));
      const result: QuarantinePage = { items };
      if (out.LastEvaluatedKey) result.cursor = encodeCursor(out.LastEvaluatedKey);
      return result;
    },
  };
}

// ── encoding ────────────────────────────────────────────────────────────────────────────────────

function toItems(record: QuarantineRecord, ttlSeconds: number): { meta: Item; chunks: Item[] } {
  const receivedMs = Date.parse(record.receivedAt);
  if (Number.isNaN(receivedMs)) {
    throw new ValidationError('receivedAt is not an ISO-8601 time', SOURCE, { id: record.id });
  }
  assertId(record.id);
  const receivedAt = new Date(receivedMs).toISOString();
  const pk = quarantinePk(record.id);
  const expiresAt = Math.floor(receivedMs / 1000) + ttlSeconds;
  const raw = Buffer.from(record.payload, 'utf8');
  const meta: Item = {
    [TableKeys.partitionKey]: pk,
    [TableKeys.sortKey]: META_SK,
    [TableKeys.gsi1PartitionKey]: dayPk(receivedAt.slice(0, 10)),
    [TableKeys.gsi1SortKey]: `${receivedAt}#${record.id}`,
    [TableKeys.timeToLive]: expiresAt,
    entity: 'quarantine',
    id: record.id,
    received_at: receivedAt,
    source_kind: record.sourceKind,
    reason_message: record.reason.message,
    reason_source: record.reason.source,
    origin: record.origin,
    record_index: record.recordIndex,
    payload_bytes: raw.length,
    payload_sha256: sha256(raw),
  };
  if (raw.length <= INLINE_BYTES) {
    return { meta: { ...meta, payload_encoding: 'utf8', payload: record.payload }, chunks: [] };
  }
  const gz = gzipSync(raw);
  if (gz.length <= INLINE_BYTES) {
    return { meta: { ...meta, payload_encoding: 'gzip', payload_gz: gz }, chunks: [] };
  }
  const chunks: Item[] = [];
  for (let offset = 0, n = 0; offset < gz.length; offset += INLINE_BYTES, n++) {
    chunks.push({
      [TableKeys.partitionKey]: pk,
      [TableKeys.sortKey]: chunkSk(n),
      [TableKeys.timeToLive]: expiresAt,
      data: gz.subarray(offset, offset + INLINE_BYTES),
    });
  }
  return { meta: { ...meta, payload_encoding: 'gzip-chunks', payload_chunks: chunks.length }, chunks };
}

const OriginSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('eventbridge'), id: z.string() }),
  z.object({ kind: z.literal('sqs'), id: z.string() }),
  z.object({
    kind: z.literal('s3'),
    id: z.string(),
    bucket: z.string(),
    key: z.string(),
    version: z.string().optional(),
    messageId: z.string(),
    line: z.number().optional(),
  }),
]);

const MetaSchema = z.object({
  id: z.string(),
  received_at: z.string(),
  source_kind: z.string(),
  reason_message: z.string(),
  reason_source: z.string(),
  origin: OriginSchema,
  record_index: z.number(),
  payload_bytes: z.number(),
  payload_sha256: z.string(),
  payload_encoding: z.enum(['utf8', 'gzip', 'gzip-chunks']),
  payload: z.string().optional(),
  payload_gz: z.instanceof(Uint8Array).optional(),
  payload_chunks: z.number().optional(),
});
type Meta = z.infer<typeof MetaSchema>;

function parseMeta(item: Item): Meta {
  const parsed = MetaSchema.safeParse(item);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new ValidationError(`stored quarantine item is malformed: ${fields}`, SOURCE);
  }
  return parsed.data;
}

function toSummary(meta: Meta): QuarantineSummary {
  return {
    id: meta.id,
    receivedAt: meta.received_at,
    sourceKind: meta.source_kind as QuarantineSummary['sourceKind'],
    reason: { message: meta.reason_message, source: meta.reason_source },
    origin: meta.origin,
    recordIndex: meta.record_index,
    payloadBytes: meta.payload_bytes,
  };
}

interface Db {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Every SDK call goes through here, so throttling and outages surface as TransientError. */
async function aws<T>(db: Db, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    rethrowAwsError(e, SOURCE, { table: db.tableName });
  }
}

async function payloadBytes(meta: Meta, db: Db): Promise<Uint8Array> {
  switch (meta.payload_encoding) {
    case 'utf8':
      return Buffer.from(meta.payload ?? '', 'utf8');
    case 'gzip':
      return gunzipSync(meta.payload_gz ?? new Uint8Array());
    case 'gzip-chunks': {
      const chunks = await readChunks(meta.id, db);
      if (chunks.length !== meta.payload_chunks) {
        throw new ValidationError(
          `quarantine payload has ${chunks.length} of ${meta.payload_chunks} chunks`,
          SOURCE,
          { id: meta.id },
        );
      }
      return gunzipSync(Buffer.concat(chunks));
    }
  }
}

async function readChunks(id: string, db: Db): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  let startKey: Item | undefined;
  do {
    const out = await aws(db, () =>
      db.client.send(
        new QueryCommand({
          TableName: db.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :chunk)',
          ExpressionAttributeNames: { '#pk': TableKeys.partitionKey, '#sk': TableKeys.sortKey },
          ExpressionAttributeValues: { ':pk': quarantinePk(id), ':chunk': CHUNK_PREFIX },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    // Query returns sort-key order, and the zero-padded CHUNK#nnnn keys sort numerically.
    for (const item of out.Items ?? []) {
      if (item.data instanceof Uint8Array) chunks.push(item.data);
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return chunks;
}

// ── writes ──────────────────────────────────────────────────────────────────────────────────────

async function batchPut(items: Item[], db: Db, retry: RetryPolicy): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH_WRITE_MAX_ITEMS) {
    let pending: BatchWriteWriteRequest[] = items
      .slice(i, i + BATCH_WRITE_MAX_ITEMS)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) {
        if (attempt > retry.maxAttempts) {
          throw new TransientError('DynamoDB left quarantine writes unprocessed after retries', SOURCE, {
            table: db.tableName,
            unprocessed: pending.length,
          });
        }
        await retry.sleep(backoffMs(attempt - 2, retry));
      }
      const out = await aws(db, () =>
        db.client.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: pending } })),
      );
      pending = out.UnprocessedItems?.[db.tableName] ?? [];
    }
  }
}

/** Full jitter: a random delay up to the capped exponential bound (base, 2×base, 4×base, … for retries 0, 1, 2, …). */
const backoffMs = (retry: number, policy: RetryPolicy): number =>
  Math.floor(policy.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry));

// ── guards ──────────────────────────────────────────────────────────────────────────────────────

function assertId(id: string): void {
  // Ids reach get() from people and URLs; only the shape ingest mints is a key.
  if (!/^[0-9a-f]{64}$/.test(id))
    throw new ValidationError('quarantine id must be 64 hex characters', SOURCE);
}

const isExpired = (item: Item, at: Date): boolean => {
  const expiresAt = item[TableKeys.timeToLive];
  return typeof expiresAt === 'number' && expiresAt <= Math.floor(at.getTime() / 1000);
};

const CursorSchema = z.record(z.string(), z.string());

function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** A cursor comes back from a caller: accept only a key of this table's gsi1 shape on the queried day. */
function decodeCursor(cursor: string, dayKey: string): Item {
  const expected = [
    TableKeys.partitionKey,
    TableKeys.sortKey,
    TableKeys.gsi1PartitionKey,
    TableKeys.gsi1SortKey,
  ];
  try {
    const key = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    const shapeOk = Object.keys(key).sort().join() === [...expected].sort().join();
    if (shapeOk && key[TableKeys.gsi1PartitionKey] === dayKey) return key;
  } catch {
    // Falls through to the one error below: a cursor is opaque, its parse error would say nothing useful.
  }
  throw new ValidationError('invalid quarantine cursor', SOURCE);
}
