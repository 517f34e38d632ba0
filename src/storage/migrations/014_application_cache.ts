import { sql, type Kysely } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/** The PostgreSQL channel told the id of every application updated or deleted (storage/postgres/application-listener.ts). */
export const APPLICATIONS_CHANNEL = 'monban_applications';
/** The SQLite row counting changes to applications, in table cache_generations (storage/sqlite/application-watch.ts). */
export const APPLICATIONS_GENERATION = 'applications';

/**
 * Applications are cached in each server process (storage/application-cache.ts, issue 16). The database itself tells
 * every process when one changed, whoever changed it: the server, `monban apps update` in another process, the
 * Doorkeeper import, or a user's deletion that cascades to their applications. Triggers on `applications`, after
 * UPDATE and DELETE (a new application was in no cache: a lookup that found nothing is not kept):
 * - PostgreSQL: NOTIFY on APPLICATIONS_CHANNEL with the row's id, delivered to every listening process when (and
 *   only if) the transaction commits;
 * - SQLite (one file shared by the processes of one machine): a counter in `cache_generations` moves, which each
 *   process compares before using its cache. PostgreSQL has no such row: a counter updated by every change would
 *   make two transactions that each change two applications wait for each other.
 * And a column `version`, one more at every UPDATE of the row, whoever makes it (a trigger again): the grants'
 * statements write only while the application is at the version of the one the process authenticated the client
 * with (sql/grant-statements.ts), so that a cached application is never trusted past a change, even before the
 * news of it has reached the process (PostgreSQL's NOTIFY arrives a moment after the commit).
 */
export function applicationCache(dialect: DialectTraits) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('applications')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      if (dialect.name === 'postgres') {
        await sql`
          create function monban_applications_versioned() returns trigger language plpgsql as $$
          begin
            new.version := old.version + 1;
            return new;
          end
          $$`.execute(db);
        await sql`
          create trigger applications_versioned before update on applications
          for each row execute function monban_applications_versioned()`.execute(db);
        await sql`
          create function monban_applications_changed() returns trigger language plpgsql as $$
          begin
            perform pg_notify(${sql.lit(APPLICATIONS_CHANNEL)}, old.id::text);
            return null;
          end
          $$`.execute(db);
        await sql`
          create trigger applications_changed after update or delete on applications
          for each row execute function monban_applications_changed()`.execute(db);
        return;
      }
      await db.schema
        .createTable('cache_generations')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'integer', (c) => c.notNull())
        .execute();
      await sql`insert into cache_generations (name, value) values (${APPLICATIONS_GENERATION}, 0)`.execute(db);
      for (const [name, event] of [
        ['applications_updated', 'update'],
        ['applications_deleted', 'delete'],
      ] as const) {
        await sql`
          create trigger ${sql.id(name)} after ${sql.raw(event)} on applications
          begin
            update cache_generations set value = value + 1 where name = ${sql.lit(APPLICATIONS_GENERATION)};
          end`.execute(db);
      }
      // SQLite's BEFORE triggers cannot change NEW: the row is updated again after, by this trigger, unless the
      // UPDATE set the version itself (the stores do, sql/applications.ts, so that their RETURNING gives it; an
      // UPDATE made past them, an import's or a hand-made one, is caught here). That second UPDATE does not fire this
      // trigger again: recursive_triggers is off (SQLite's default; sqlite/open.ts leaves it), and were it on, the
      // WHEN clause would end it there. It moves the generation once more, which costs only a lookup.
      await sql`
        create trigger applications_versioned after update on applications
        when new.version = old.version
        begin
          update applications set version = old.version + 1 where id = new.id;
        end`.execute(db);
    },
  };
}
