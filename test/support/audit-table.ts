/** Audit tables on the run's DynamoDB Local, one fresh table per use (the audit trail has its own). */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../functions/lib/aws-clients.ts';
import { createAuditTableInput } from '../../shared/store/table-schema.ts';
import { localClientConfig } from './dynamo.ts';

export interface TestAuditTable {
  tableName: string;
  client: DynamoDBDocumentClient;
  drop(): Promise<void>;
}

export async function createTestAuditTable(prefix = 'vigil-audit-test'): Promise<TestAuditTable> {
  const tableName = `${prefix}-${randomUUID()}`;
  const client = documentClient(localClientConfig());
  await client.send(new CreateTableCommand(createAuditTableInput(tableName)));
  return {
    tableName,
    client,
    async drop() {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
