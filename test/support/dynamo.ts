/** Tables on the run's DynamoDB Local (started by global-setup.ts), one fresh table per use. */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClientConfig,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { documentClient } from '../../functions/lib/aws-clients.ts';
import { localDynamoClientConfig } from '../../local/dynamodb-local.ts';
import { createTableInput, timeToLiveInput } from '../../shared/store/table-schema.ts';

export interface TestTable {
  tableName: string;
  client: DynamoDBDocumentClient;
  /** Every item in the table (any key), read with a full consistent scan. */
  scanAll(): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export const localClientConfig = (): DynamoDBClientConfig =>
  localDynamoClientConfig(inject('dynamoEndpoint'));

export async function createTestTable(prefix = 'vigil-test'): Promise<TestTable> {
  const tableName = `${prefix}-${randomUUID()}`;
  const client = documentClient(localClientConfig());
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await client.send(new UpdateTimeToLiveCommand(timeToLiveInput(tableName)));
  return {
    tableName,
    client,
    async scanAll() {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const out = await client.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
        );
        items.push(...(out.Items ?? []));
        startKey = out.LastEvaluatedKey;
      } while (startKey);
      return items;
    },
    async drop() {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
