/**
 * Narrative spend per UTC day on the single table: `SPEND#<yyyy-mm-dd>` / `NARRATIVE`, with
 * `tokens` and `usd` accumulated by UpdateItem ADD (atomic across concurrent narrate functions)
 * and a TTL well past the day. A redelivered add counts twice: it can only make the budget stricter.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Spend } from '../narrate/cost.ts';
import type { DaySpendStore } from '../narrate/narrate-incident.ts';
import { rethrowAwsError } from './aws-errors.ts';

const SOURCE = 'store.day-spend';
const KEEP_DAYS = 40;

export function dynamoDaySpendStore({
  client,
  tableName,
}: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): DaySpendStore {
  const key = (day: string) => ({ pk: `SPEND#${day}`, sk: 'NARRATIVE' });
  return {
    async spentOn(day) {
      try {
        const res = await client.send(
          new GetCommand({ TableName: tableName, Key: key(day), ConsistentRead: true }),
        );
        return { tokens: Number(res.Item?.tokens ?? 0), usd: Number(res.Item?.usd ?? 0) };
      } catch (e) {
        return rethrowAwsError(e, SOURCE, { operation: 'get day spend' });
      }
    },
    async add(day: string, spend: Spend) {
      const expires = Math.ceil(Date.parse(`${day}T00:00:00Z`) / 1000) + KEEP_DAYS * 86_400;
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(day),
            UpdateExpression: 'ADD tokens :t, usd :u SET expires_at = :e',
            ExpressionAttributeValues: { ':t': spend.tokens, ':u': spend.usd, ':e': expires },
          }),
        );
      } catch (e) {
        rethrowAwsError(e, SOURCE, { operation: 'add day spend' });
      }
    },
  };
}
