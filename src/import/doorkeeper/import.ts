import { sql, type Kysely } from 'kysely';
import type { OpenDatabase } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';
import { Run, type ImportOptions } from './run.js';
import type { SourceDatabase } from './source.js';
import { emptyCounts, type ImportSummary } from './summary.js';
import { checkSource } from './tables.js';
import { placeholderIds, type Target } from './target.js';

export { ImportError, type ImportOptions } from './run.js';

class DryRunDone extends Error {}

/**
 * `monban import doorkeeper` (docs/import.md): moves a Doorkeeper database (Shikimori's) into Monban with its
 * applications, the users they need, and the codes and tokens still usable, so that nobody signs in again and no
 * application registers again. Each batch of source rows is written in one transaction with its map entries
 * (migration 012), so that a run stopped halfway resumes where it stopped and a second run writes nothing.
 */
export async function importDoorkeeper(
  source: SourceDatabase,
  target: OpenDatabase,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = Date.now();
  const columns = await checkSource(source);
  const now = options.now ?? Date.now();
  const summary: ImportSummary = {
    users: emptyCounts(),
    applications: emptyCounts(),
    grants: emptyCounts(),
    tokens: emptyCounts(),
    usersWithoutPassword: 0,
    renumbered: 0,
    dryRun: options.dryRun,
    seconds: 0,
  };
  // PostgreSQL's sequences ignore the rollback: a dry run there inserts with ids of its own instead.
  const placeholderId = options.dryRun && target.dialect.name === 'postgres' ? placeholderIds() : undefined;
  const run = (db: Kysely<Database>, batch: Target['batch']) =>
    new Run(source, { db, dialect: target.dialect.name, batch, now, placeholderId }, columns, summary, options).all();
  const restoreCache = await largerSqliteCache(target);
  try {
    await runAll(target, options.dryRun, run);
  } finally {
    await restoreCache();
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/**
 * SQLite's page cache is 2 MB by default: a million random token hashes going into the unique indexes would read
 * most pages from the file again. The import's connection gets 256 MB while it runs, and its old size back after.
 */
async function largerSqliteCache(target: OpenDatabase): Promise<() => Promise<void>> {
  if (target.dialect.name !== 'sqlite') return async () => {};
  const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(target.db);
  const previous = Number(rows[0]?.cache_size ?? -2000);
  await sql`pragma cache_size = -262144`.execute(target.db);
  return async () => {
    await sql.raw(`pragma cache_size = ${previous}`).execute(target.db);
  };
}

async function runAll(
  target: OpenDatabase,
  dryRun: boolean,
  run: (db: Kysely<Database>, batch: Target['batch']) => Promise<void>,
): Promise<void> {
  if (dryRun) {
    // Everything in one transaction that is rolled back: the counts are those of a real run, and nothing stays.
    await target.db
      .transaction()
      .execute(async (trx) => {
        await run(trx, (fn) => fn(trx));
        throw new DryRunDone();
      })
      .catch((err: unknown) => {
        if (!(err instanceof DryRunDone)) throw err;
      });
  } else {
    await run(target.db, (fn) => target.db.transaction().execute(fn));
  }
}
