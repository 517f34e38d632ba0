import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Enough for every distinct query Monban issues; past it the oldest statement is dropped. */
const CACHE_LIMIT = 512;

/**
 * better-sqlite3 behind Kysely, preparing each distinct SQL text once. Kysely's SQLite driver prepares a statement
 * for every query, and preparing costs more than running a point lookup; statements are reusable because the driver
 * is synchronous and never runs two at once.
 */
export function withStatementCache(sqlite: BetterSqlite): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        if (statements.size >= CACHE_LIMIT) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
