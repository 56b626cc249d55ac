import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventOf } from 'serverless-scim/events';
import { DirectoryReader } from 'serverless-scim/read';

const directory = new DirectoryReader(DynamoDBDocumentClient.from(new DynamoDBClient({})), process.env.SCIM_TABLE!);

/** A deactivated user loses access at once: the app ends their sessions (here: says so). */
export async function handler(event: EventOf<'user.deactivated'>) {
  const user = await directory.getUser(event.detail.tenant, event.detail.id);
  console.log(JSON.stringify({ endSessionsOf: event.detail.id, stillInactive: user ? !user.active : true }));
}
