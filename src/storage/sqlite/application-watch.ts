import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { ApplicationCache, ApplicationWatch } from '../application-cache.js';
import { APPLICATIONS_GENERATION } from '../migrations/014_application_cache.js';
import type { Database } from '../schema.js';

const GENERATION_SQL = 'select value from cache_generations where name = ?';

/**
 * A SQLite file's application watch: migration 014's triggers move the `applications` generation whenever a row of
 * `applications` is updated or deleted, by whichever process or connection; before each lookup the cache is cleared
 * if the generation is not the one it was filled under.
 *
 * The generation is read on a connection of the watch's own, synchronously (no hop through the event loop), so that
 * it sees every commit, this process's own connection's included, as soon as it is made. `PRAGMA data_version` would
 * say whether another connection committed anything since, but every grant commits, and the pragma costs about as
 * much as this one-row read (each opens a read transaction of the write-ahead log): reading the generation each time
 * is the cheaper of the two under load.
 */
export class SqliteApplicationWatch implements ApplicationWatch {
  private readonly connection: SQLite.Database;
  private readonly generation: SQLite.Statement<[string], number>;
  private seen: number | undefined;

  constructor(
    path: string,
    private readonly cache: ApplicationCache,
  ) {
    this.connection = new SQLite(path, { fileMustExist: true });
    this.connection.pragma('busy_timeout = 5000');
    this.generation = this.connection.prepare<[string], number>(GENERATION_SQL).pluck();
  }

  check(): boolean {
    let now: number | undefined;
    try {
      now = this.generation.get(APPLICATIONS_GENERATION);
    } catch {
      // Cannot tell: read the database this time, and start again from an empty cache.
      this.seen = undefined;
      this.cache.clear();
      return false;
    }
    if (now === undefined) return false;
    if (now !== this.seen) {
      this.cache.clear();
      this.seen = now;
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.connection.open) this.connection.close();
  }
}

/**
 * The same watch for a database no other connection can open (`:memory:`, the tests' own): the generation read
 * through Kysely on the database's one connection, before each lookup. It saves no query; it keeps the cache's
 * behaviour the same everywhere the tests look.
 */
export class SqliteConnectionApplicationWatch implements ApplicationWatch {
  private seen: number | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly cache: ApplicationCache,
  ) {}

  async check(): Promise<boolean> {
    const { rows } = await sql<{ value: number }>`
      select value from cache_generations where name = ${APPLICATIONS_GENERATION}`.execute(this.db);
    const now = rows[0]?.value;
    if (now === undefined) return false;
    if (now !== this.seen) {
      this.cache.clear();
      this.seen = now;
    }
    return true;
  }

  async close(): Promise<void> {}
}

/** The file the database's main schema lives in; '' for an in-memory (or temporary) database. */
export async function sqliteFile(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(db);
  return rows.find((r) => r.name === 'main')?.file ?? '';
}
