import { type CfnResource, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { RETAIN_IN_EVERY_STAGE } from '../aspects/stage-removal-policy.ts';
import type { Stage } from '../config.ts';

/**
 * What the response stage keeps beyond the single table: the append-only audit trail (its own
 * table, so writers can be granted PutItem and nothing else on it) and the secret that signs
 * approval links.
 */
export class ResponseRecords extends Construct {
  readonly auditTable: Table;
  readonly linkSecret: Secret;

  constructor(scope: Construct, id: string, props: { readonly stage: Stage; readonly key: IKey }) {
    super(scope, id);
    this.auditTable = new Table(this, 'AuditTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The audit trail outlives any stack operation, in every stage.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.auditTable.node.defaultChild as CfnResource).addMetadata(RETAIN_IN_EVERY_STAGE, true);
    this.linkSecret = new Secret(this, 'ApprovalLinkSecret', {
      description:
        'Signs Vigil approval links (HMAC-SHA256); rotate by replacing the value, which voids open links',
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.linkSecret.node.defaultChild!).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Rotating the link-signing secret voids every open approval link; it is rotated by hand (put a new random value) when needed, and links live at most the approval timeout.',
    });
  }
}
