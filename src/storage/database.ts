import { Migrator, type Kysely } from 'kysely';
import type { DialectTraits } from './dialect.js';
import { StorageUnavailable } from '../core/ports/storage-unavailable.js';
import { migrationProvider } from './migrations/index.js';
import { openPostgres } from './postgres/open.js';
import { openSqlite } from './sqlite/open.js';
import type { Database } from './schema.js';

export { openSqlite };

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: DialectTraits;
  /** PostgreSQL: the URL it was opened with (the application cache's listener opens a connection of its own). */
  url?: string;
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
  /** SQLite: MiB of the file read through memory-mapped I/O (MONBAN_SQLITE_MMAP_MB); 0 or absent = none. */
  mmapMb?: number;
}

/** Opens MONBAN_DATABASE_URL as config.ts read it: a `postgres://` URL, or else a SQLite path (or `:memory:`). */
export function openDatabase(url: string, options: OpenOptions = {}): OpenDatabase {
  return isPostgresUrl(url) ? { ...openPostgres(url), url } : openSqlite(url, options);
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
