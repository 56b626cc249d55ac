import * as z from 'zod/mini';
import type { Context } from 'aws-lambda';
import { FORMAT_VERSION } from '../contracts/table-design';
import { logger } from '../runtime/logger';
import { validated } from '../scim/validation';
import { migrationDependencies, migrationTotals } from '../wiring/migrations';

/** What EventBridge hands the function: a MIGRATION_EVENT (the deployment's, or the previous run's). */
const migrationEventSchema = z.object({
  detail: z.object({
    table: z.string().check(z.minLength(1)),
    formatVersion: z.number().check(z.int(), z.positive()),
    round: z._default(z.number().check(z.int(), z.minimum(0)), 0),
  }),
});

/** Time kept back from the function's timeout: the page in flight, the progress write, the next event. */
const RESERVE_MS = 90_000;

const { config, migrations, continueLater } = migrationDependencies();

/**
 * Runs the table's format migrations for as long as this invocation may, then, if work is left,
 * puts the event that runs it again: a deployment is never held up by the migration's duration,
 * and each run continues from the progress item where the last one stopped.
 */
export async function handler(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>) {
  const { detail } = validated(migrationEventSchema, event);
  if (detail.table !== config.TABLE_NAME) throw new Error(`This function migrates ${config.TABLE_NAME}, not ${detail.table}.`);
  if (detail.formatVersion > FORMAT_VERSION) {
    // An event of a newer deployment reaching an older function: the newer one runs its own.
    logger.warn('migration event of a newer format ignored', { formatVersion: detail.formatVersion, current: FORMAT_VERSION });
    return { complete: false };
  }
  const run = await migrations.run({
    deadline: Date.now() + context.getRemainingTimeInMillis() - RESERVE_MS,
    itemsPerSecond: config.MIGRATION_ITEMS_PER_SECOND,
    segments: config.MIGRATION_SEGMENTS,
    log: (message, fields) => logger.info(message, fields),
  });
  for (const progress of run.progress) logger.info('migration progress', { migration: progress.id, status: progress.status, ...migrationTotals(progress) });
  if (!run.complete) await continueLater({ ...detail, round: detail.round + 1 });
  return { complete: run.complete, round: detail.round };
}
