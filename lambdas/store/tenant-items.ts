import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { assertTenant } from '../contracts/tenancy';
import { tableKeys } from '../contracts/table-design';
import { batchWrite } from './batches';

/**
 * Deletes every item of a tenant (every partition key starting `T#{tenant}#`, see table-design)
 * and answers how many. The tenant's partitions have no index of their own, so this scans the
 * whole table with a begins_with filter: acceptable for a rare administrator's delete, which
 * reads the table once; never on a request path.
 */
export async function deleteTenantItems(client: DynamoDBDocumentClient, tableName: string, tenant: string): Promise<number> {
  const prefix = `T#${assertTenant(tenant)}#`;
  let deleted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(#pk, :prefix)',
        ProjectionExpression: '#pk, #sk',
        ExpressionAttributeNames: { '#pk': tableKeys.partitionKey, '#sk': tableKeys.sortKey },
        ExpressionAttributeValues: { ':prefix': prefix },
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = page.Items ?? [];
    await batchWrite(client, tableName, keys.map((key) => ({ DeleteRequest: { Key: key } })));
    deleted += keys.length;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}
