import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { JAVA_REQUIRED, localDynamoClientConfig, startDynamoDbLocal } from '../../local/dynamodb-local.ts';

describe('DynamoDB Local harness', () => {
  it('serves the run on a loopback endpoint', async () => {
    const endpoint = inject('dynamoEndpoint');
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new DynamoDBClient(localDynamoClientConfig(endpoint));
    await expect(client.send(new ListTablesCommand({}))).resolves.toHaveProperty('TableNames');
    client.destroy();
  });

  it('says how to install Java when there is none', async () => {
    await expect(startDynamoDbLocal({ java: '/nonexistent/bin/java' })).rejects.toThrow(JAVA_REQUIRED);
  });

  it('stops the JVM it started', async () => {
    const local = await startDynamoDbLocal();
    const client = new DynamoDBClient({ ...localDynamoClientConfig(local.endpoint), maxAttempts: 1 });
    await client.send(new ListTablesCommand({}));

    await local.stop();

    await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    client.destroy();
  });
});
