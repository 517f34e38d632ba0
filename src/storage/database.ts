import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { SQLITE, type DialectTraits } from './dialect.js';
import { StorageUnavailable } from './errors.js';
import { migrationProvider } from './migrations/index.js';
import { openPostgres } from './postgres.js';
import type { Database } from './schema.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { withStatementCache } from './sqlite-statements.js';
import { withUnavailability } from './unavailable-dialect.js';

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: DialectTraits;
  close(): Promise<void>;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function isPostgresUrl(url: string): boolean {
  return POSTGRES_URL.test(url);
}

export interface OpenOptions {
  /** SQLite: checkpoint the write-ahead log from a background thread (a long-running server; not the CLI). */
  backgroundCheckpoints?: boolean;
  /** Told when the background checkpoint thread stops for good (the server logs it); commits checkpoint again. */
  onBackgroundFailure?: (err: Error) => void;
}

/** Opens MONBAN_DATABASE_URL as config.ts read it: a `postgres://` URL, or else a SQLite path (or `:memory:`). */
export function openDatabase(url: string, options: OpenOptions = {}): OpenDatabase {
  return isPostgresUrl(url) ? openPostgres(url) : openSqlite(url, options);
}

/** The database as it may be printed or logged: a PostgreSQL URL without its password. */
export function databaseLabel(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    return parsed.href;
  } catch {
    return 'postgres://...';
  }
}

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
  const db = new Kysely<Database>({ dialect: withUnavailability(new SqliteDialect({ database: withStatementCache(sqlite) })) });
  return {
    db,
    dialect: SQLITE,
    async close() {
      await checkpointer?.close();
      await db.destroy();
    },
  };
}

function migrator(database: OpenDatabase): Migrator {
  return new Migrator({
    db: database.db,
    provider: migrationProvider(database.dialect),
    migrationTableName: 'monban_migrations',
    migrationLockTableName: 'monban_migrations_lock',
  });
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(database: OpenDatabase): Promise<string[]> {
  const { error, results } = await database.dialect.migrating(database.db, () => migrator(database).migrateToLatest());
  // An unreachable database is not a broken migration: say so, and let the caller decide.
  if (error instanceof StorageUnavailable) throw error;
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The names of migrations not yet applied. */
export async function pendingMigrations(database: OpenDatabase): Promise<string[]> {
  const all = await migrator(database).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
