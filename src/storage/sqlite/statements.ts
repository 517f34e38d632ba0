import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Enough for every distinct query Monban issues; past it the oldest statement is dropped. */
const CACHE_LIMIT = 512;

/**
 * One prepared better-sqlite3 Statement per distinct SQL text, shared by Kysely's driver (withStatementCache) and
 * the statements run directly (direct.ts). Preparing costs more than running a point lookup; a statement is
 * reusable because better-sqlite3 is synchronous: each run ends before the next begins (Monban streams no query,
 * whose open iterator would keep its statement busy).
 */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly sqlite: BetterSqlite) {}

  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.sqlite.prepare(sql);
      if (this.statements.size >= CACHE_LIMIT) this.statements.delete(this.statements.keys().next().value as string);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** better-sqlite3 behind Kysely, preparing each distinct SQL text once (Kysely's driver prepares every query). */
export function withStatementCache(statements: StatementCache): SqliteDatabase {
  return {
    close: () => statements.sqlite.close(),
    prepare: (sql: string) => statements.prepare(sql),
  };
}
