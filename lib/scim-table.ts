import { CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableKeys } from '../lambdas/contracts/table-design';

/**
 * CloudFormation identifies the table by this logical id: changing it makes CloudFormation
 * create a new, empty table (and, with RETAIN, orphan the old one). Tests pin it.
 */
export const SCIM_TABLE_LOGICAL_ID = 'ScimTable';

/** The item attribute DynamoDB TTL reads (epoch seconds); expired items are deleted within days, not instantly. */

/** The single table every SCIM resource lives in, keyed by `tableKeys`. */
export class ScimTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableKeys.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableKeys.sortKey, type: AttributeType.STRING },
      // Provisioning traffic is bursty (initial imports, nightly syncs) and idle otherwise.
      billingMode: BillingMode.PAY_PER_REQUEST,
      // The AWS-managed key (aws/dynamodb) puts every decrypt in CloudTrail at no key cost and
      // has no key policy to get wrong; switching to a customer-managed key later is an
      // in-place update of SSESpecification, not a replacement.
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // The asynchronous cleanup consumer reacts to deletes, and only the old image says what
      // the deleted item referenced.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: tableKeys.timeToLive,
    });

    (this.table.node.defaultChild as CfnResource).overrideLogicalId(SCIM_TABLE_LOGICAL_ID);
  }
}
