import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MIGRATION_EVENT, MIGRATION_PACE, type MigrationEventDetail } from '../contracts/table-design';
import { createDocumentClient } from '../store/dynamo-client';
import { loadMigrationConfig } from './config';
import { formatMigrations } from '../directory/migrations';
import { groupKind } from '../directory/groups';
import { userKind } from '../directory/users';
import type { MigrationProgress } from '../directory/ports/migrations';
import { DynamoMigrationRunner, type MigrationRunOptions } from '../store/dynamo-migration-runner';
import { schemaRegistry } from '../scim/extensions';

export type { MigrationProgress } from '../directory/ports/migrations';
export { totals as migrationTotals } from '../directory/ports/migrations';
export type { MigrationRunOptions } from '../store/dynamo-migration-runner';

/**
 * The table's format migrations and their runner. Keys depend only on the core attributes
 * (userName, displayName, emails.value, externalId), not on the deployment's extensions or on
 * whether externalId is unique (it is caseExact: both folds key it alike).
 */
export function tableMigrations(client: DynamoDBDocumentClient, tableName: string) {
  const registry = schemaRegistry();
  const migrations = formatMigrations({ User: userKind({ uniqueExternalId: false }, registry.models.User), Group: groupKind(registry.models.Group) });
  const runner = new DynamoMigrationRunner(client, tableName);
  return {
    status: (): Promise<MigrationProgress[]> => runner.status(migrations),
    completeNew: () => runner.completeNew(migrations),
    run: (options: Partial<MigrationRunOptions> = {}) =>
      runner.run(migrations, { ...MIGRATION_PACE, ...options }),
  };
}

/** The migration function's dependencies, from its environment: its table's migrations, and how to hand the rest to a next run. */
export function migrationDependencies() {
  const config = loadMigrationConfig();
  const events = new EventBridgeClient({});
  return {
    config,
    migrations: tableMigrations(createDocumentClient(config.DYNAMODB_ENDPOINT), config.TABLE_NAME),
    /** Puts the event that runs the function again (asynchronously, through the deployment's rule). */
    continueLater: async (detail: MigrationEventDetail) => {
      const output = await events.send(
        new PutEventsCommand({ Entries: [{ Source: MIGRATION_EVENT.source, DetailType: MIGRATION_EVENT.detailType, Detail: JSON.stringify(detail) }] }),
      );
      if ((output.FailedEntryCount ?? 0) > 0) throw new Error(`EventBridge refused the next migration run: ${output.Entries?.[0]?.ErrorCode ?? 'unknown error'}`);
    },
  };
}
