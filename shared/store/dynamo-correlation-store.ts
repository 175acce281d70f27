/**
 * CorrelationStore on the single table (keys in table-schema.ts).
 *
 *   ENTITY#<type:id> / STATE          one item per entity: each signal as its own attribute
 *                                     `s:<signal id>`, the open `incident`, `generation`; TTL
 *   INCIDENT#<id> / META              the incident's summary; gsi1 INCIDENTS#open / <inverted risk>#<id>
 *                                     lists the queue highest risk first
 *   INCIDENT#<id> / SIGNAL#<t>#<sid>  one item per attached signal: the timeline, in event order
 *   INCIDENT#<id> / NARRATIVE         the stored narrative (with its audit), the basis it was written
 *                                     from, `generated_at`, and the incident's summed narrative spend
 *   SUPPRESSION / <id>                analyst suppressions, with TTL at their expiry
 *
 * Why signals are attributes of the entity item: SET of an attribute named by the signal id is
 * idempotent (`if_not_exists` keeps the first copy, so redelivery never double counts nor moves
 * the detection time), and one UpdateItem per entity per batch carries all of that entity's new
 * signals — a busy principal costs one write a batch, not one an event.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CorrelationPlan } from '../correlate/correlate.ts';
import type { ScoringPolicy } from '../correlate/policy.ts';
import type { ApplyResult, CorrelationStore, IncidentNarrative, IncidentRecord } from '../correlate/store.ts';
import { summariseIncident } from '../correlate/summary.ts';
import type {
  EntityKey,
  EntityState,
  IncidentSummary,
  StoredSignal,
  Suppression,
} from '../correlate/types.ts';
import { rethrowAwsError } from './aws-errors.ts';

const SOURCE = 'store.correlation';
const SIGNAL_ATTR = 's:';
/** Signals per UpdateItem: keeps the expression well under DynamoDB's 4 KB limit. */
const ATTRS_PER_UPDATE = 40;
const entityPk = (key: EntityKey) => `ENTITY#${key}`;
const incidentPk = (id: string) => `INCIDENT#${id}`;
const OPEN_QUEUE = 'INCIDENTS#open';
/** gsi1sk sorts ascending; inverting risk puts the riskiest incident first. */
const queueSk = (risk: number, id: string) =>
  `${String(1_000_000 - Math.min(risk, 999_999)).padStart(7, '0')}#${id}`;
const NARRATIVE_SK = 'NARRATIVE';
const isConditionFailure = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ConditionalCheckFailedException';
const signalSk = (s: StoredSignal) => `SIGNAL#${String(s.time).padStart(15, '0')}#${s.id}`;

export interface DynamoCorrelationStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * What a weak entity (IP, account, resource) keeps of a signal: enough to score and to show, not
 * the evidence — that lives on the strong entities and the incident.
 */
const compact = (s: StoredSignal): StoredSignal => ({
  id: s.id,
  rule_id: s.rule_id,
  title: s.title,
  severity: s.severity,
  risk: s.risk,
  attack: s.attack,
  tactic: s.tactic,
  origin: s.origin,
  source: s.source,
  time: s.time,
  event_uid: s.event_uid,
  entities: [],
  evidence: {},
  detected_at: s.detected_at,
  ...(s.suppressed ? { suppressed: s.suppressed } : {}),
});

const chunk = <T>(xs: T[], n: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
};

const toEntityState = (
  key: EntityKey,
  item: Record<string, unknown> | undefined,
  nowSec: number,
): EntityState => {
  if (!item || (typeof item.expires_at === 'number' && item.expires_at <= nowSec)) {
    return { key, signals: [], generation: 0 };
  }
  const signals: StoredSignal[] = [];
  for (const [k, v] of Object.entries(item)) if (k.startsWith(SIGNAL_ATTR)) signals.push(v as StoredSignal);
  return {
    key,
    signals,
    generation: typeof item.generation === 'number' ? item.generation : 0,
    ...(typeof item.incident === 'string' ? { incident: item.incident } : {}),
  };
};

export function dynamoCorrelationStore({
  client,
  tableName,
}: DynamoCorrelationStoreOptions): CorrelationStore {
  const send = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (e) {
      return rethrowAwsError(e, SOURCE, { operation: what });
    }
  };

  async function incidentSignals(id: string): Promise<StoredSignal[]> {
    const out: StoredSignal[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await send('query incident signals', () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sig)',
            ExpressionAttributeValues: { ':pk': incidentPk(id), ':sig': 'SIGNAL#' },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) out.push(item.signal as StoredSignal);
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  const toRecord = (meta: Record<string, unknown>, signals: StoredSignal[]): IncidentRecord => ({
    ...(meta.summary as IncidentSummary),
    status: meta.status === 'closed' ? 'closed' : 'open',
    opened_at: meta.opened_at as number,
    opened_reason: String(meta.opened_reason ?? ''),
    signals,
  });

  async function getNarrative(id: string): Promise<IncidentNarrative | undefined> {
    const res = await send('get narrative', () =>
      client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: incidentPk(id), sk: NARRATIVE_SK },
          ConsistentRead: true,
        }),
      ),
    );
    const item = res.Item;
    if (!item) return undefined;
    return {
      narrative: item.narrative as IncidentNarrative['narrative'],
      narrativeBasis: item.narrative_basis as IncidentNarrative['narrativeBasis'],
      spent: {
        tokens: typeof item.spent_tokens === 'number' ? item.spent_tokens : 0,
        usd: typeof item.spent_usd === 'number' ? item.spent_usd : 0,
      },
    };
  }

  return {
    getNarrative,

    async saveNarrative(id, narrative, basis) {
      const { audit } = narrative;
      try {
        await send('save narrative', () =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: incidentPk(id), sk: NARRATIVE_SK },
              // ADD keeps the spend a running sum; the condition makes a second write of the same (or an
              // older) narrative a no-op, so the sum never counts one generation twice.
              UpdateExpression:
                'SET narrative = :narrative, narrative_basis = :basis, generated_at = :at ' +
                'ADD spent_tokens :tokens, spent_usd :usd',
              ConditionExpression: 'attribute_not_exists(generated_at) OR generated_at < :at',
              ExpressionAttributeValues: {
                ':narrative': narrative,
                ':basis': basis,
                ':at': audit.generated_at,
                ':tokens': audit.tokens_in + audit.tokens_out,
                ':usd': audit.estimated_cost_usd,
              },
            }),
          ),
        );
      } catch (e) {
        // Already stored, or a newer narrative is: either way this one is done.
        if (!isConditionFailure(e)) throw e;
      }
    },

    async loadEntities(keys) {
      const nowSec = Math.floor(Date.now() / 1000);
      const out = new Map<EntityKey, EntityState>();
      for (const part of chunk([...new Set(keys)], 100)) {
        let request:
          | Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }>
          | undefined = {
          [tableName]: { Keys: part.map((k) => ({ pk: entityPk(k), sk: 'STATE' })), ConsistentRead: true },
        };
        // BatchGetItem may return part of the keys as UnprocessedKeys under load: ask again for those.
        for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
          if (attempt > 8)
            rethrowAwsError({ name: 'ThrottlingException' }, SOURCE, { operation: 'batch get entities' });
          const res = await send('batch get entities', () =>
            client.send(new BatchGetCommand({ RequestItems: request })),
          );
          for (const item of res.Responses?.[tableName] ?? []) {
            const key = String(item.entity);
            out.set(key, toEntityState(key, item, nowSec));
          }
          request = res.UnprocessedKeys as typeof request;
        }
      }
      return out;
    },

    async loadSuppressions(now) {
      const res = await send('query suppressions', () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'SUPPRESSION' },
          }),
        ),
      );
      return (res.Items ?? []).map((i) => i.suppression as Suppression).filter((s) => s.expires_at > now);
    },

    async putSuppression(s) {
      await send('put suppression', () =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: 'SUPPRESSION', sk: s.id, suppression: s, expires_at: Math.ceil(s.expires_at / 1000) },
          }),
        ),
      );
    },

    async apply(plan: CorrelationPlan, policy: ScoringPolicy, now: number): Promise<ApplyResult> {
      let writes = 0;
      for (const w of plan.entityWrites) {
        // DynamoDB caps an UpdateExpression at 4 KB: a busy entity (an account sees every signal)
        // gets its batch in several updates of ATTRS_PER_UPDATE signals each; link and TTL ride on the first.
        const parts = Math.max(
          1,
          Math.ceil(w.add.length / ATTRS_PER_UPDATE),
          Math.ceil(w.remove.length / ATTRS_PER_UPDATE),
        );
        for (let part = 0; part < parts; part++) {
          const add = w.add.slice(part * ATTRS_PER_UPDATE, (part + 1) * ATTRS_PER_UPDATE);
          const remove = w.remove.slice(part * ATTRS_PER_UPDATE, (part + 1) * ATTRS_PER_UPDATE);
          const names: Record<string, string> = {};
          const values: Record<string, unknown> = { ':ttl': w.expiresAt, ':key': w.key, ':zero': 0 };
          const sets = [
            'expires_at = :ttl',
            'entity = :key',
            'generation = if_not_exists(generation, :zero)',
          ];
          const strong = w.key.startsWith('principal:') || w.key.startsWith('access_key:');
          add.forEach((s, i) => {
            names[`#s${i}`] = `${SIGNAL_ATTR}${s.id}`;
            values[`:s${i}`] = strong ? s : compact(s);
            sets.push(`#s${i} = if_not_exists(#s${i}, :s${i})`);
          });
          if (w.link && part === 0) {
            values[':inc'] = w.link;
            sets.push('incident = if_not_exists(incident, :inc)');
          }
          const removes = remove.map((id, i) => {
            names[`#r${i}`] = `${SIGNAL_ATTR}${id}`;
            return `#r${i}`;
          });
          await send('update entity', () =>
            client.send(
              new UpdateCommand({
                TableName: tableName,
                Key: { pk: entityPk(w.key), sk: 'STATE' },
                UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
                ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
                ExpressionAttributeValues: values,
              }),
            ),
          );
          writes++;
        }
      }

      const changed: string[] = [];
      for (const w of plan.incidentWrites) {
        const existing = await incidentSignals(w.id);
        const known = new Set(existing.map((s) => s.id));
        const fresh = w.add.filter((s) => !known.has(s.id));
        for (const part of chunk(fresh, 25)) {
          let items = part.map((s) => ({
            PutRequest: { Item: { pk: incidentPk(w.id), sk: signalSk(s), signal: s } },
          }));
          for (let attempt = 0; items.length > 0; attempt++) {
            if (attempt > 8)
              rethrowAwsError({ name: 'ThrottlingException' }, SOURCE, {
                operation: 'write incident signals',
              });
            const res = await send('write incident signals', () =>
              client.send(new BatchWriteCommand({ RequestItems: { [tableName]: items } })),
            );
            writes += items.length - (res.UnprocessedItems?.[tableName]?.length ?? 0);
            items = (res.UnprocessedItems?.[tableName] ?? []) as typeof items;
          }
        }
        if (fresh.length === 0 && !w.opened) continue;
        const summary = summariseIncident(w.id, w.anchor, [...existing, ...fresh], policy);
        await send('update incident', () =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: incidentPk(w.id), sk: 'META' },
              UpdateExpression:
                'SET summary = :summary, gsi1pk = if_not_exists(gsi1pk, :queue), gsi1sk = :rank, ' +
                '#status = if_not_exists(#status, :open), opened_at = if_not_exists(opened_at, :now), ' +
                'opened_reason = if_not_exists(opened_reason, :reason), updated_at = :now',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':summary': summary,
                ':queue': OPEN_QUEUE,
                ':rank': queueSk(summary.risk, w.id),
                ':open': 'open',
                ':now': now,
                ':reason': w.opened?.reason ?? 'joined',
              },
            }),
          ),
        );
        writes++;
        changed.push(w.id);
      }
      return { writes, changed };
    },

    async getIncident(id) {
      const meta = await send('get incident', () =>
        client.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: incidentPk(id), sk: 'META' },
            ConsistentRead: true,
          }),
        ),
      );
      if (!meta.Item) return undefined;
      const [signals, narrative] = await Promise.all([incidentSignals(id), getNarrative(id)]);
      return { ...toRecord(meta.Item, signals), ...(narrative ? { narrative } : {}) };
    },

    async listIncidents(limit = 100) {
      const res = await send('query incident queue', () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :q',
            ExpressionAttributeValues: { ':q': OPEN_QUEUE },
            Limit: limit,
          }),
        ),
      );
      const out: IncidentRecord[] = [];
      for (const meta of res.Items ?? []) {
        const id = (meta.summary as IncidentSummary).id;
        out.push(toRecord(meta, await incidentSignals(id)));
      }
      return out;
    },
  };
}
