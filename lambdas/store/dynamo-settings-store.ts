import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { formatOnUpdate, inFormat, itemAttributes, keys, SETTINGS, SETTINGS_APPLICATION, SETTINGS_VERSION_PREFIX, tableKeys } from '../contracts/table-design';
import type { SettingsStore } from '../tenancy/ports/settings-store';
import { retryableStoreFailure } from './store-failures';
import type { SettingsProgress, VersionedSettings } from '../contracts/settings';

const { partitionKey: PK, sortKey: SK } = tableKeys;

/** The seat counter item's copy of the tenant's seat limit (absent: no limit), which every seat-taking write compares against. */
export const SEAT_LIMIT = 'seatLimit';

/** The condition that a tenant's settings item is at `version` (0: none saved yet). */
export function settingsAtVersion(version: number) {
  return version === 0
    ? { ConditionExpression: `attribute_not_exists(${PK})` }
    : { ConditionExpression: 'version = :settingsVersion', ExpressionAttributeValues: { ':settingsVersion': version } };
}

export class DynamoSettingsStore implements SettingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async current(tenant: string): Promise<VersionedSettings | undefined> {
    const output = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.settings(tenant), ConsistentRead: true }));
    return output.Item ? fromItem(output.Item) : undefined;
  }

  async replace(tenant: string, next: VersionedSettings, expectedVersion: number): Promise<boolean> {
    const body = inFormat({ [itemAttributes.tenant]: tenant, version: next.version, updatedAt: next.updatedAt, settings: next.settings });
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.settings(tenant), ...body, [itemAttributes.itemType]: SETTINGS },
                ...settingsAtVersion(expectedVersion),
              },
            },
            { Put: { TableName: this.tableName, Item: { ...keys.settingsVersion(tenant, next.version), ...body }, ConditionExpression: `attribute_not_exists(${PK})` } },
            // The limit moves with the settings, in the same transaction, to where seat-taking writes check it.
            next.settings.seatLimit === null
              ? { Update: { TableName: this.tableName, Key: keys.seats(tenant), UpdateExpression: `SET ${formatOnUpdate.set} REMOVE ${SEAT_LIMIT}`, ExpressionAttributeNames: formatOnUpdate.names, ExpressionAttributeValues: formatOnUpdate.values } }
              : {
                  Update: {
                    TableName: this.tableName,
                    Key: keys.seats(tenant),
                    UpdateExpression: `SET ${SEAT_LIMIT} = :limit, ${formatOnUpdate.set}`,
                    ExpressionAttributeNames: formatOnUpdate.names,
                    ExpressionAttributeValues: { ':limit': next.settings.seatLimit, ...formatOnUpdate.values },
                  },
                },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) return false;
      // Another save raced this one: its admin retries, and reads the version that won.
      throw retryableStoreFailure(error) ?? error;
    }
  }

  async recordProgress(tenant: string, progress: SettingsProgress, after?: SettingsProgress): Promise<boolean> {
    const condition = !after
      ? { ConditionExpression: `attribute_not_exists(${PK}) OR version < :version`, ExpressionAttributeValues: { ':version': progress.version } }
      : after.afterId === undefined
        ? { ConditionExpression: 'version = :version AND attribute_not_exists(afterId)', ExpressionAttributeValues: { ':version': after.version } }
        : { ConditionExpression: 'version = :version AND afterId = :afterId', ExpressionAttributeValues: { ':version': after.version, ':afterId': after.afterId } };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: inFormat({ ...keys.settingsProgress(tenant), [itemAttributes.tenant]: tenant, [itemAttributes.itemType]: SETTINGS_APPLICATION, ...progress }),
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async progress(tenant: string): Promise<SettingsProgress | undefined> {
    const output = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.settingsProgress(tenant), ConsistentRead: true }));
    const item = output.Item;
    return item
      ? {
          version: item.version as number,
          done: item.done as number,
          total: item.total as number,
          at: item.at as string,
          finished: item.finished === true,
          ...(typeof item.afterId === 'string' ? { afterId: item.afterId } : {}),
        }
      : undefined;
  }

  async history(tenant: string, limit: number): Promise<VersionedSettings[]> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :prefix)`,
        ExpressionAttributeValues: { ':pk': keys.settingsPartition(tenant), ':prefix': SETTINGS_VERSION_PREFIX },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (output.Items ?? []).map(fromItem);
  }
}

function fromItem(item: Record<string, unknown>): VersionedSettings {
  return { version: item.version as number, updatedAt: item.updatedAt as string, settings: item.settings as VersionedSettings['settings'] };
}
