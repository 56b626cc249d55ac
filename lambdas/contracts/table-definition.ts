import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { tableKeys } from './table-design';

/**
 * The table as CreateTable input, for the embedded store; the CDK table is built from the
 * same `tableKeys`, and a test compares the two.
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey } = tableKeys;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [partitionKey, sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}
