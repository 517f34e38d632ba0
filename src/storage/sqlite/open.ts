import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { OpenDatabase, OpenOptions } from '../database.js';
import type { Database } from '../schema.js';
import { runDirectly } from '../sql/prepared.js';
import { withUnavailability } from '../unavailable-dialect.js';
import { SqliteCheckpointer } from './checkpointer.js';
import { SqliteDirect } from './direct.js';
import { StatementCache, withStatementCache } from './statements.js';
import { SQLITE } from './traits.js';

/**
 * With the background checkpointer, the log is checkpointed by the server's own commit only once it is this many
 * pages long (400 MB): a bound for when the checkpointer cannot keep up. SQLite's default, 1000 pages, is reached
 * every few hundred grants (each appends the pages of a new row and of its index entries), each time stalling every
 * request for a checkpoint and two syncs (docs/benchmarks.md). If the checkpointer stops, the default comes back.
 */
const WAL_AUTOCHECKPOINT_WITH_CHECKPOINTER = 100_000;
const WAL_AUTOCHECKPOINT_DEFAULT = 1000;

/** Opens the SQLite file (creating its folder), in WAL mode so that readers never wait for the writer. */
export function openSqlite(path: string, options: OpenOptions = {}): OpenDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Reads of a store larger than the operating system keeps hot in SQLite's own small page cache: memory instead of
  // a pread per page (docs/benchmarks.md, "Scale"). Writes still go through the write-ahead log.
  if (options.mmapMb) sqlite.pragma(`mmap_size = ${options.mmapMb * 1024 * 1024}`);
  // Several processes may share one file (the CLI beside a running server): wait for a lock instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  let checkpointer: SqliteCheckpointer | undefined;
  if (options.backgroundCheckpoints && path !== ':memory:') {
    checkpointer = new SqliteCheckpointer(path, (err) => {
      // Never after close(): it stops the checkpointer first, which then reports nothing.
      sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_DEFAULT}`);
      options.onBackgroundFailure?.(err);
    });
    sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_WITH_CHECKPOINTER}`);
  }
  const statements = new StatementCache(sqlite);
  const db = new Kysely<Database>({
    dialect: withUnavailability(new SqliteDialect({ database: withStatementCache(statements) })),
  });
  // The queries on the hot paths run on the connection itself, without a hop through Kysely's driver (direct.ts).
  runDirectly(db, new SqliteDirect(sqlite, statements));
  return {
    db,
    dialect: SQLITE,
    async close() {
      await checkpointer?.close();
      await db.destroy();
      // Kysely closes the connection only if it ran a query itself; the direct path may have run them all.
      if (sqlite.open) sqlite.close();
    },
  };
}
