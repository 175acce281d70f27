/**
 * Vigil's single DynamoDB table. infra/ declares the same shape in CDK; this file is the source of
 * the names for the adapters and for DynamoDB Local.
 *
 *   pk (S) / sk (S)              the item's identity
 *   gsi1 on gsi1pk / gsi1sk (S)  projection ALL; sparse: only items that set gsi1pk appear
 *   expires_at (N)               TTL, epoch seconds; DynamoDB deletes expired items within days,
 *                                so readers also treat `expires_at <= now` as gone
 *
 * Access patterns
 *   quarantine by id       GetItem   pk = QUARANTINE#<id>, sk = META
 *   quarantine payload     Query     pk = QUARANTINE#<id>, sk begins_with CHUNK#  (large payloads only)
 *   quarantine by day      Query     gsi1: gsi1pk = QUARANTINE_DAY#<YYYY-MM-DD>, gsi1sk = <receivedAt>#<id>
 *
 * Response stage (dynamo-response-store.ts)
 *   budget reservation     TransactWriteItems, all three or none:
 *                            Put    pk = RESPONSE_BUDGET#<plan_id>, sk = <action key>  (if absent)
 *                            Update pk = BUDGET#INCIDENT#<incident_id>, sk = COUNT   ADD n (while n < max)
 *                            Update pk = BUDGET#HOUR#<yyyy-mm-ddThh>, sk = COUNT     ADD n (while n < max)
 *   kill switch            GetItem (consistent) / PutItem  pk = CONFIG#KILL_SWITCH, sk = STATE
 *   approval by id         conditional PutItem / UpdateItem, GetItem  pk = APPROVAL#<id>, sk = META
 *   pending approvals      Query     gsi1: gsi1pk = APPROVAL_PENDING, gsi1sk = <created_at, 15 digits>#<id>,
 *                                    newest first; the gsi1 keys are removed when the request is decided
 *   undo record            conditional PutItem / GetItem  pk = UNDO#<plan_id>, sk = <action key>  (no TTL)
 *
 * Incidents, entities and signals join this table in later issues, each with its own key prefixes.
 *
 * The audit trail has a table of its own (createAuditTableInput): pk (S) / sk (S) only, no TTL, no
 * GSI, so that its writers can be granted PutItem on it and nothing else.
 *   audit by incident      Query     pk = INCIDENT#<incident_id>; sk = <plan_id>#<event>#<action key or ->#<actor>
 */
import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';

export const TableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: 'gsi1',
  gsi1PartitionKey: 'gsi1pk',
  gsi1SortKey: 'gsi1sk',
  timeToLive: 'expires_at',
} as const;

export const createTableInput = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: TableKeys.partitionKey, AttributeType: 'S' },
    { AttributeName: TableKeys.sortKey, AttributeType: 'S' },
    { AttributeName: TableKeys.gsi1PartitionKey, AttributeType: 'S' },
    { AttributeName: TableKeys.gsi1SortKey, AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: TableKeys.partitionKey, KeyType: 'HASH' },
    { AttributeName: TableKeys.sortKey, KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: TableKeys.gsi1,
      KeySchema: [
        { AttributeName: TableKeys.gsi1PartitionKey, KeyType: 'HASH' },
        { AttributeName: TableKeys.gsi1SortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
});

/** TTL is not part of CreateTable: it is switched on with a separate UpdateTimeToLive call. */
export const timeToLiveInput = (tableName: string): UpdateTimeToLiveCommandInput => ({
  TableName: tableName,
  TimeToLiveSpecification: { AttributeName: TableKeys.timeToLive, Enabled: true },
});

/** The append-only audit table: keys only, no TTL and no index (see dynamo-audit-log.ts). */
export const createAuditTableInput = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: TableKeys.partitionKey, AttributeType: 'S' },
    { AttributeName: TableKeys.sortKey, AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: TableKeys.partitionKey, KeyType: 'HASH' },
    { AttributeName: TableKeys.sortKey, KeyType: 'RANGE' },
  ],
});
