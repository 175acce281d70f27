/**
 * The response audit trail on a table of its own (createAuditTableInput in table-schema.ts).
 *
 *   INCIDENT#<incident_id> / <plan_id>#<event>#<action key or ->#<actor>
 *     incident_id, plan_id, event, actor, at, action_key?, details (M), model_id?
 *
 * The sort key is the entry's identity (plan_id, event, action_key, actor), so a retried state
 * writing the same entry lands on the same key, and the write is a PutItem conditioned on
 * attribute_not_exists: the first entry stays, a repeat is a no-op, nothing is ever overwritten.
 * `#` and `%` inside the action key and the actor are percent-encoded (and an action key of
 * exactly `-` too), so the key reads back to one identity only: events never contain `#`, which
 * leaves the plan id as everything before the last three separators.
 *
 * Append-only in AWS is the IAM policy's job, not this file's: the writers' roles are granted only
 * dynamodb:PutItem on this table (infra/ does that), so no writer can update or delete an entry,
 * and the conditional put keeps them from replacing one. The table has no TTL: entries stay.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import type { AuditEntry, AuditEvent, AuditLog } from '../respond/ports.ts';
import { rethrowAwsError } from './aws-errors.ts';
import { TableKeys } from './table-schema.ts';

const SOURCE = 'store.audit';
const NO_ACTION = '-';

export interface DynamoAuditLogOptions {
  client: DynamoDBDocumentClient;
  /** The audit table, not the single table. */
  tableName: string;
}

type Item = Record<string, unknown>;

const incidentPk = (incidentId: string) => `INCIDENT#${incidentId}`;
const escapePart = (value: string) => value.replaceAll('%', '%25').replaceAll('#', '%23');

/** The entry's identity as a sort key; plan ids are written as they are (see the header). */
export function auditSortKey(
  entry: Pick<AuditEntry, 'plan_id' | 'event' | 'action_key' | 'actor' | 'ref'>,
): string {
  const action =
    entry.action_key === undefined
      ? NO_ACTION
      : entry.action_key === NO_ACTION
        ? '%2D'
        : escapePart(entry.action_key);
  const base = `${entry.plan_id}#${entry.event}#${action}#${escapePart(entry.actor)}`;
  return entry.ref === undefined ? base : `${base}#${escapePart(entry.ref)}`;
}

const isConditionFailure = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ConditionalCheckFailedException';

function validate(entry: AuditEntry): void {
  const nonEmpty = (value: unknown, name: string) => {
    if (typeof value !== 'string' || value.length === 0)
      throw new ValidationError(`audit entry ${name} must be a non-empty string`, SOURCE);
  };
  nonEmpty(entry.incident_id, 'incident_id');
  nonEmpty(entry.plan_id, 'plan_id');
  nonEmpty(entry.actor, 'actor');
  if (entry.action_key !== undefined) nonEmpty(entry.action_key, 'action_key');
  if (typeof entry.event !== 'string' || !/^[a-z_]+$/.test(entry.event))
    throw new ValidationError('audit entry event is not an audit event name', SOURCE);
  if (typeof entry.at !== 'number' || !Number.isFinite(entry.at))
    throw new ValidationError('audit entry at must be epoch milliseconds', SOURCE);
  if (typeof entry.details !== 'object' || entry.details === null || Array.isArray(entry.details))
    throw new ValidationError('audit entry details must be an object', SOURCE);
}

const EntrySchema = z.object({
  incident_id: z.string(),
  plan_id: z.string(),
  event: z.string(),
  actor: z.string(),
  at: z.number(),
  action_key: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
  model_id: z.string().optional(),
  ref: z.string().optional(),
});

function toEntry(item: Item): AuditEntry {
  const parsed = EntrySchema.safeParse(item);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new ValidationError(`stored audit entry is malformed: ${fields}`, SOURCE);
  }
  const { event, action_key, model_id, ref, ...rest } = parsed.data;
  const entry: AuditEntry = { ...rest, event: event as AuditEvent };
  if (ref !== undefined) entry.ref = ref;
  if (action_key !== undefined) entry.action_key = action_key;
  if (model_id !== undefined) entry.model_id = model_id;
  return entry;
}

export function dynamoAuditLog({ client, tableName }: DynamoAuditLogOptions): AuditLog {
  return {
    async append(entry) {
      validate(entry);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [TableKeys.partitionKey]: incidentPk(entry.incident_id),
              [TableKeys.sortKey]: auditSortKey(entry),
              incident_id: entry.incident_id,
              plan_id: entry.plan_id,
              event: entry.event,
              actor: entry.actor,
              at: entry.at,
              action_key: entry.action_key,
              details: entry.details,
              model_id: entry.model_id,
              ref: entry.ref,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (e) {
        // Already written by an earlier attempt of the same state: the first entry stands.
        if (isConditionFailure(e)) return;
        rethrowAwsError(e, SOURCE, { operation: 'append audit entry' });
      }
    },

    async list(incidentId) {
      if (typeof incidentId !== 'string' || incidentId.length === 0)
        throw new ValidationError('incident id must be a non-empty string', SOURCE);
      const rows: { sk: string; entry: AuditEntry }[] = [];
      let startKey: Item | undefined;
      do {
        let page: { Items?: Item[]; LastEvaluatedKey?: Item };
        try {
          page = await client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :pk',
              ExpressionAttributeNames: { '#pk': TableKeys.partitionKey },
              ExpressionAttributeValues: { ':pk': incidentPk(incidentId) },
              ConsistentRead: true,
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          );
        } catch (e) {
          return rethrowAwsError(e, SOURCE, { operation: 'list audit entries' });
        }
        for (const item of page.Items ?? []) rows.push({ sk: String(item.sk), entry: toEntry(item) });
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      // Sort keys order by identity, not time; `at` orders, the sort key breaks ties stably.
      rows.sort((a, b) => a.entry.at - b.entry.at || (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
      return rows.map((r) => r.entry);
    },
  };
}
