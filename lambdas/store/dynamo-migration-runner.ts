import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { formatOf, inFormat, itemAttributes, keys, MIGRATIONS_PARTITION, tableKeys } from '../contracts/table-design';
import type { ItemChange, Migration, MigrationProgress, SegmentProgress } from '../directory/ports/migrations';
import { VersionConflict } from '../directory/ports/resource-store';
import { ScimError } from '../scim/errors';
import { mapLimited, pacer } from '../runtime/concurrency';
import { DynamoResourceStore } from './dynamo-resource-store';

const { partitionKey: PK, sortKey: SK } = tableKeys;

/** Items a Scan page reads: the progress item records where each page ended. */
const PAGE_SIZE = 100;
/** Conflicting items named in the progress item; the count says how many in all. */
const MAX_CONFLICT_KEYS = 50;
const REKEY_ATTEMPTS = 4;

export interface MigrationRunOptions {
  /** Parallel Scan segments of a migration, fixed when its progress item is created. */
  segments: number;
  /** Items moved a second, all segments together: what the migration takes of the table's capacity. */
  itemsPerSecond: number;
  /** Epoch milliseconds after which no page is started: the run stops, resumable, and answers not complete. */
  deadline?: number;
  /** Scan again a migration already complete, in a new pass (a check that nothing is left). */
  again?: boolean;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

type Outcome = 'migrated' | 'skipped' | 'conflicts';

/**
 * Runs format migrations over the whole table: parallel Scan segments at a limited pace, each item
 * written only on condition that it is still in the migration's `from` format (a concurrent
 * provisioning write, which writes today's format, wins), progress recorded after every page in
 * the migration's progress item, from which a later run continues.
 */
export class DynamoMigrationRunner {
  private readonly resources: DynamoResourceStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.resources = new DynamoResourceStore(client, tableName);
  }

  async status(migrations: Migration[]): Promise<MigrationProgress[]> {
    return Promise.all(migrations.map(async (migration) => (await this.progress(migration)) ?? pending(migration)));
  }

  /** Records every migration complete without a scan: for a table this code created, which holds no item of an earlier format. */
  async completeNew(migrations: Migration[]): Promise<void> {
    const now = new Date().toISOString();
    for (const migration of migrations) {
      const progress: MigrationProgress = { ...pending(migration), status: 'complete', startedAt: now, updatedAt: now, finishedAt: now };
      try {
        await this.client.send(new PutCommand({ TableName: this.tableName, Item: inFormat({ ...keys.migration(migration.id), ...progress }), ConditionExpression: `attribute_not_exists(${PK})` }));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  /** Runs every migration not complete, in order; answers whether all are. */
  async run(migrations: Migration[], options: MigrationRunOptions): Promise<{ complete: boolean; progress: MigrationProgress[] }> {
    const pace = pacer(options.itemsPerSecond);
    const progress: MigrationProgress[] = [];
    let complete = true;
    for (const [index, migration] of migrations.entries()) {
      // A migration starts only once the ones before it are complete.
      complete = complete && (await this.runOne(migration, migrations.slice(0, index), options, pace));
      progress.push((await this.progress(migration)) ?? pending(migration));
    }
    return { complete, progress };
  }

  private async runOne(migration: Migration, earlier: Migration[], options: MigrationRunOptions, pace: () => Promise<void>): Promise<boolean> {
    let progress = await this.progress(migration);
    if (progress?.status === 'complete' && !options.again) return true;
    if (!progress || progress.status === 'complete') progress = await this.start(migration, options.segments, progress !== undefined);
    options.log?.('Migration running', { migration: migration.id, segments: progress.segments.length });
    const states = await mapLimited(progress.segments.map((state, segment) => ({ state, segment })), progress.segments.length, ({ state, segment }) =>
      this.runSegment(migration, earlier, segment, progress.segments.length, state, options, pace),
    );
    if (!states.every((state) => state.done)) {
      options.log?.('Migration paused', { migration: migration.id });
      return false;
    }
    const now = new Date().toISOString();
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.migration(migration.id),
        UpdateExpression: 'SET #status = :complete, finishedAt = :now, updatedAt = :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':complete': 'complete', ':now': now },
      }),
    );
    options.log?.('Migration complete', { migration: migration.id });
    return true;
  }

  private async start(migration: Migration, segments: number, again: boolean): Promise<MigrationProgress> {
    const now = new Date().toISOString();
    const fresh = (): SegmentProgress => ({ done: false, scanned: 0, migrated: 0, skipped: 0, conflicts: 0 });
    const progress: MigrationProgress = {
      ...pending(migration),
      status: 'running',
      startedAt: now,
      updatedAt: now,
      segments: Array.from({ length: Math.max(1, segments) }, fresh),
      conflictKeys: [],
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: inFormat({ ...keys.migration(migration.id), ...progress }),
          // Two runs starting at once share the first one's segments.
          ...(again ? { ConditionExpression: '#status = :complete', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':complete': 'complete' } } : { ConditionExpression: `attribute_not_exists(${PK})` }),
        }),
      );
      return progress;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.progress(migration))!;
    }
  }

  private async runSegment(
    migration: Migration,
    earlier: Migration[],
    segment: number,
    totalSegments: number,
    initial: SegmentProgress,
    options: MigrationRunOptions,
    pace: () => Promise<void>,
  ): Promise<SegmentProgress> {
    let state = initial;
    while (!state.done) {
      if (options.deadline !== undefined && Date.now() >= options.deadline) return state;
      const page = await this.client.send(
        new ScanCommand({ TableName: this.tableName, Segment: segment, TotalSegments: totalSegments, ExclusiveStartKey: state.lastKey, Limit: PAGE_SIZE, ConsistentRead: true }),
      );
      const counts: Record<Outcome, number> = { migrated: 0, skipped: 0, conflicts: 0 };
      const conflictKeys: Array<Record<string, unknown>> = [];
      const items = (page.Items ?? []).filter((item) => item[PK] !== MIGRATIONS_PARTITION);
      for (const item of items) {
        await pace();
        const outcome = await this.apply(migration, item, earlier);
        counts[outcome]++;
        if (outcome === 'conflicts') conflictKeys.push({ [PK]: item[PK], [SK]: item[SK] });
      }
      const { lastKey: _previous, ...rest } = state;
      state = {
        ...rest,
        ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey } : {}),
        done: page.LastEvaluatedKey === undefined,
        scanned: state.scanned + items.length,
        migrated: state.migrated + counts.migrated,
        skipped: state.skipped + counts.skipped,
        conflicts: state.conflicts + counts.conflicts,
      };
      await this.record(migration, segment, state, conflictKeys);
      if (counts.migrated > 0 || counts.conflicts > 0) options.log?.('Migration page', { migration: migration.id, segment, ...counts });
    }
    return state;
  }

  private async record(migration: Migration, segment: number, state: SegmentProgress, conflictKeys: Array<Record<string, unknown>>): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.migration(migration.id),
        UpdateExpression: `SET #segments[${segment}] = :state, updatedAt = :now${conflictKeys.length > 0 ? ', conflictKeys = list_append(if_not_exists(conflictKeys, :none), :conflicts)' : ''}`,
        ExpressionAttributeNames: { '#segments': 'segments' },
        ExpressionAttributeValues: {
          ':state': state,
          ':now': new Date().toISOString(),
          ...(conflictKeys.length > 0 ? { ':none': [], ':conflicts': conflictKeys.slice(0, MAX_CONFLICT_KEYS) } : {}),
        },
      }),
    );
  }

  /**
   * Moves one item, unless it is in the new format already or a write overtook the migration's read.
   * An item older than the migration's `from` (an older build's write that landed after an earlier
   * migration's scan had passed it) goes through the earlier migrations first, so no item is
   * stranded in a format no later migration reads.
   */
  private async apply(migration: Migration, read: Record<string, unknown>, earlier: Migration[]): Promise<Outcome> {
    const format = formatOf(read);
    const step = format < migration.from ? earlier.find((candidate) => candidate.from === format) : undefined;
    if (step) {
      const first = await this.apply(step, read, earlier);
      if (first === 'conflicts') return 'conflicts';
      const moved = await this.read(read);
      const then = moved ? await this.apply(migration, moved, earlier) : 'skipped';
      return then === 'skipped' ? first : then;
    }
    let item: Record<string, unknown> | undefined = read;
    for (let attempt = 0; attempt < REKEY_ATTEMPTS; attempt++) {
      if (!item || formatOf(item) !== migration.from) return 'skipped';
      let change: ItemChange;
      try {
        change = migration.change(item);
      } catch {
        // Keys the current code refuses to compute (e.g. too many values): the item is read as before.
        return 'conflicts';
      }
      if (change.kind === 'format') return this.stamp(migration, item);
      try {
        // Written as the current code writes a resource: in today's format, keys folded by foldCase, at the same version.
        await this.resources.update(change.tenant, change.type, change.stored, change.stored, change.before, change.after);
        return 'migrated';
      } catch (error) {
        const uniqueness = error instanceof ScimError;
        if (!uniqueness && !(error instanceof VersionConflict)) throw error;
        item = await this.read(item);
        if (uniqueness && item && formatOf(item) === migration.from) return 'conflicts';
      }
    }
    return 'conflicts';
  }

  private async stamp(migration: Migration, item: Record<string, unknown>): Promise<Outcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: item[PK], [SK]: item[SK] },
          UpdateExpression: 'SET #format = :to',
          ConditionExpression: `attribute_exists(${PK}) AND ${migration.from === 1 ? '(attribute_not_exists(#format) OR #format = :from)' : '#format = :from'}`,
          ExpressionAttributeNames: { '#format': itemAttributes.formatVersion },
          ExpressionAttributeValues: { ':to': migration.to, ':from': migration.from },
        }),
      );
      return 'migrated';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'skipped';
      throw error;
    }
  }

  private async read(item: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const output = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { [PK]: item[PK], [SK]: item[SK] }, ConsistentRead: true }));
    return output.Item;
  }

  private async progress(migration: Migration): Promise<MigrationProgress | undefined> {
    const output = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.migration(migration.id), ConsistentRead: true }));
    if (!output.Item) return undefined;
    const { [PK]: _pk, [SK]: _sk, [itemAttributes.formatVersion]: _format, ...progress } = output.Item;
    return progress as MigrationProgress;
  }
}

function pending(migration: Migration): MigrationProgress {
  return { id: migration.id, from: migration.from, to: migration.to, description: migration.description, status: 'pending', segments: [] };
}
