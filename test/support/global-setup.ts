import type { Config } from '@jest/types';
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';

/**
 * One embedded store per Jest worker; each test file makes its own table in its worker's store.
 * Two files streaming from one DynamoDB Local at once make its GetRecords fail with "read past
 * the oldest stream record", so workers do not share one.
 */
export default async function globalSetup(globalConfig: Config.GlobalConfig) {
  const stores = await Promise.all(Array.from({ length: Math.max(1, globalConfig.maxWorkers) }, () => startDynamoDbLocal()));
  process.env.TEST_DYNAMODB_ENDPOINTS = stores.map((store) => store.endpoint).join(',');
  (globalThis as { __scimStores?: typeof stores }).__scimStores = stores;
}
