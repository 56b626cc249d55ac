import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '../contracts/environment';
import { answerStoreFailures } from './store-failures';

/** A document client for the table: the embedded store at `endpoint`, or AWS (in `region`, or the default chain's). */
export function createDocumentClient(endpoint?: string, region?: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient(endpoint ? localDynamoDbClientConfig(endpoint) : region ? { region } : {});
  answerStoreFailures(client);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
