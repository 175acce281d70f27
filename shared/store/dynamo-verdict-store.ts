/**
 * VerdictStore on the single table (keys in table-schema.ts):
 *
 *   VERDICT#<incident id> / <signal id or INCIDENT>#<analyst>   one analyst's verdict on one signal
 *                                                             (or on the whole incident); no TTL
 *   gsi1: gsi1pk = VERDICTS, gsi1sk = <at, 15 digits>#<id>    every verdict, oldest first
 *
 * A verdict is written once: a conditional PutItem (`attribute_not_exists(pk)`) makes recording
 * idempotent, and a second verdict by the same analyst on the same thing is refused by the
 * condition; the stored one comes back (ALL_OLD), so a double-submitted form or a retry returns
 * the first verdict unchanged. Verdicts have no TTL: precision, MTTR and suppressions are
 * computed from them long after the incident.
 *
 * The VERDICTS index partition holds every verdict. That is one partition for all of them, which
 * is fine at human speed (verdicts are clicks) and lets `list()` read them in time order.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { TransientError, ValidationError } from '../errors.ts';
import { VERDICTS, type Verdict, type VerdictStore, verdictId } from '../feedback/types.ts';
import { rethrowAwsError } from './aws-errors.ts';
import { TableKeys } from './table-schema.ts';

const SOURCE = 'store.verdict';
const INDEX_KEY = 'VERDICTS';
const INCIDENT_SK = 'INCIDENT';
const MAX_KEY_PART = 512;
const MAX_REASON = 2_000;

export interface DynamoVerdictStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Items per Query page (DynamoDB's own 1 MB page limit applies anyway); for tests of paging. */
  pageSize?: number;
}

type Item = Record<string, unknown>;

export const verdictKey = (incidentId: string, signalId: string | undefined, analyst: string) => ({
  [TableKeys.partitionKey]: `VERDICT#${incidentId}`,
  [TableKeys.sortKey]: `${signalId ?? INCIDENT_SK}#${analyst}`,
});

/** `at` zero-padded so the index's string order is time order (15 digits reach the year 33658). */
const indexSk = (at: number, id: string) => `${String(at).padStart(15, '0')}#${id}`;

const isConditionFailure = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ConditionalCheckFailedException';

const VerdictItemSchema = z.object({
  id: z.string(),
  incident_id: z.string(),
  signal_id: z.string().optional(),
  rule_id: z.string(),
  verdict: z.enum(VERDICTS),
  analyst: z.string(),
  at: z.number(),
  reason: z.string(),
});

function parseVerdict(item: Item): Verdict {
  const parsed = VerdictItemSchema.safeParse(item);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new ValidationError(`stored verdict is malformed: ${fields}`, SOURCE);
  }
  const v = parsed.data;
  return {
    id: v.id,
    incident_id: v.incident_id,
    ...(v.signal_id !== undefined ? { signal_id: v.signal_id } : {}),
    rule_id: v.rule_id,
    verdict: v.verdict,
    analyst: v.analyst,
    at: v.at,
    reason: v.reason,
  };
}

function keyPart(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_PART)
    throw new ValidationError(
      `${name} must be a non-empty string of at most ${MAX_KEY_PART} characters`,
      SOURCE,
    );
}

function validate(v: Verdict): void {
  keyPart(v.incident_id, 'incident_id');
  keyPart(v.analyst, 'analyst');
  keyPart(v.rule_id, 'rule_id');
  if (v.signal_id !== undefined) {
    keyPart(v.signal_id, 'signal_id');
    // The placeholders of "no signal" in the sort key and in the id: a signal named so would
    // share its key with the incident verdict.
    if (v.signal_id === INCIDENT_SK || v.signal_id === 'incident')
      throw new ValidationError('signal_id may not be the incident placeholder', SOURCE);
  }
  // `#` separates the parts of the id and the sort key; an analyst is an email address, which has none.
  if (v.analyst.includes('#')) throw new ValidationError('analyst may not contain "#"', SOURCE);
  if (v.id !== verdictId(v.incident_id, v.signal_id, v.analyst))
    throw new ValidationError('verdict id does not match its incident, signal and analyst', SOURCE);
  if (!(VERDICTS as readonly string[]).includes(v.verdict))
    throw new ValidationError('unknown verdict', SOURCE);
  if (!Number.isSafeInteger(v.at) || v.at < 0)
    throw new ValidationError('at must be epoch milliseconds', SOURCE);
  if (typeof v.reason !== 'string' || v.reason.length > MAX_REASON)
    throw new ValidationError(`reason must be a string of at most ${MAX_REASON} characters`, SOURCE);
}

function toItem(v: Verdict): Item {
  return {
    ...verdictKey(v.incident_id, v.signal_id, v.analyst),
    [TableKeys.gsi1PartitionKey]: INDEX_KEY,
    [TableKeys.gsi1SortKey]: indexSk(v.at, v.id),
    entity: 'verdict',
    id: v.id,
    incident_id: v.incident_id,
    ...(v.signal_id !== undefined ? { signal_id: v.signal_id } : {}),
    rule_id: v.rule_id,
    verdict: v.verdict,
    analyst: v.analyst,
    at: v.at,
    reason: v.reason,
  };
}

const byTimeThenId = (a: Verdict, b: Verdict) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function dynamoVerdictStore(options: DynamoVerdictStoreOptions): VerdictStore {
  const { client, tableName } = options;
  const limit = options.pageSize === undefined ? {} : { Limit: Math.max(1, Math.trunc(options.pageSize)) };

  async function send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      return rethrowAwsError(e, SOURCE, { operation, table: tableName });
    }
  }

  /** Every item of one Query, page after page. */
  async function queryAll(input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Verdict[]> {
    const out: Verdict[] = [];
    let startKey: Item | undefined;
    do {
      const page = await send('query verdicts', () =>
        client.send(
          new QueryCommand({ ...input, ...limit, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
        ),
      );
      for (const item of page.Items ?? []) out.push(parseVerdict(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  return {
    async record(v) {
      validate(v);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem(v),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { ...v };
      } catch (e) {
        if (!isConditionFailure(e)) return rethrowAwsError(e, SOURCE, { operation: 'record verdict' });
        // Already given: the first verdict stands.
        const raw = (e as { Item?: Record<string, AttributeValue> }).Item;
        if (raw) return parseVerdict(unmarshall(raw));
        const { Item } = await send('get verdict', () =>
          client.send(
            new GetCommand({
              TableName: tableName,
              Key: verdictKey(v.incident_id, v.signal_id, v.analyst),
              ConsistentRead: true,
            }),
          ),
        );
        if (!Item) throw new TransientError('verdict vanished while recorded', SOURCE);
        return parseVerdict(Item);
      }
    },

    async list() {
      // The index is eventually consistent: a verdict recorded a moment ago may be missing for a moment.
      return queryAll({
        TableName: tableName,
        IndexName: TableKeys.gsi1,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TableKeys.gsi1PartitionKey },
        ExpressionAttributeValues: { ':pk': INDEX_KEY },
        ScanIndexForward: true,
      });
    },

    async forIncident(incidentId) {
      keyPart(incidentId, 'incident id');
      const verdicts = await queryAll({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TableKeys.partitionKey },
        ExpressionAttributeValues: { ':pk': `VERDICT#${incidentId}` },
        ConsistentRead: true,
      });
      return verdicts.sort(byTimeThenId);
    },
  };
}
