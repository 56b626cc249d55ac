import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';

/** One embedded store for the whole run; each test file makes its own table in it. */
export default async function globalSetup() {
  const store = await startDynamoDbLocal();
  process.env.TEST_DYNAMODB_ENDPOINT = store.endpoint;
  (globalThis as { __scimStore?: typeof store }).__scimStore = store;
}
