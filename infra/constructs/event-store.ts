import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Stage } from '../config.ts';

/** The attribute DynamoDB's TTL sweeper reads (epoch seconds); shared/ store adapters write it. */
const EXPIRES_AT_ATTRIBUTE = 'expires_at';
const GSI1 = 'gsi1';

/**
 * Vigil's single table: events, entities, signals, incidents and their indexes share one key
 * space (`pk`/`sk`, plus `gsi1pk`/`gsi1sk` for the second access path).
 */
export class EventStore extends Construct {
  readonly table: Table;
  /** ARNs of the table's indexes, for Query grants that name each index instead of `index/*`. */
  readonly indexArns: readonly string[];

  constructor(scope: Construct, id: string, props: { readonly stage: Stage; readonly key: IKey }) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: EXPIRES_AT_ATTRIBUTE,
      // Incident history is evidence: in prod a stack update or a console click must not drop it.
      deletionProtection: props.stage === 'prod',
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1,
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.indexArns = [`${this.table.tableArn}/index/${GSI1}`];
  }
}
