import type { Kysely } from 'kysely';
import { PreparedQuery } from '../sql/prepared.js';
import type { ApplicationCache, ApplicationWatch } from '../application-cache.js';
import { APPLICATIONS_GENERATION } from '../migrations/014_application_cache.js';
import type { Database } from '../schema.js';

/**
 * A SQLite database's application watch: migration 014's triggers move the `applications` generation whenever a row
 * of `applications` is updated or deleted, by whichever process or connection; before each lookup the cache is
 * cleared if the generation is not the one it was filled under.
 *
 * The generation is read on the database's own connection, as a prepared statement run directly (sql/prepared.ts:
 * no hop through the event loop while no transaction holds the connection). That connection sees every commit of
 * another process as soon as it is made, and its own writes at once; its page cache keeps the generation's page
 * between reads, until another connection commits. (A connection of the watch's own, tried first, lost its page
 * cache after every grant the server committed: the one-row read cost a sixth of a refresh, docs/benchmarks.md.)
 * `PRAGMA data_version` would not see this connection's own writes that bypass the cached store, such as the
 * cascade of a deleted user to their applications.
 */
export class SqliteApplicationWatch implements ApplicationWatch {
  private readonly generation: PreparedQuery<{ name: string }, { value: number }>;
  private seen: number | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly cache: ApplicationCache,
  ) {
    this.generation = PreparedQuery.of<{ name: string }>()((p) =>
      db.selectFrom('cache_generations').select('value').where('name', '=', p('name')),
    );
  }

  async check(): Promise<boolean> {
    let now: number | undefined;
    try {
      now = (await this.generation.first(this.db, { name: APPLICATIONS_GENERATION }))?.value;
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

  async close(): Promise<void> {}
}
