import { sql, type ColumnDefinitionBuilder, type Kysely, type MigrationResultSet } from 'kysely';

/**
 * Where SQLite and PostgreSQL differ, in one place. Queries are written once over Kysely; only what the two
 * dialects spell differently is decided here. Everything else is shared on purpose:
 * - times are epoch milliseconds in `bigint` columns on both (the PostgreSQL pool reads int8 as a JS number,
 *   storage/postgres.ts), so no query compares dates in SQL;
 * - atomicity comes from conditional UPDATE ... RETURNING and transactions, which both run the same way.
 */
export type DialectName = 'sqlite' | 'postgres';

export interface DialectTraits {
  name: DialectName;
  /** Integer primary key whose values are never reused. */
  idColumn(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * Runs the migrator so that processes starting at once on one database apply each migration once, and a
   * process killed halfway leaves no half-made schema.
   */
  migrating(db: Kysely<any>, migrate: () => Promise<MigrationResultSet>): Promise<MigrationResultSet>;
}

export const SQLITE: DialectTraits = {
  name: 'sqlite',
  // The rowid alias; AUTOINCREMENT keeps SQLite from reusing the id of a deleted row.
  idColumn: (col) => col.primaryKey().autoIncrement(),
  // Kysely runs SQLite migrations without a transaction or a lock. SQLite has transactional DDL: one IMMEDIATE
  // transaction around the whole run takes the write lock first (others wait for it, busy_timeout) and makes it
  // all or nothing.
  async migrating(db, migrate) {
    await sql`begin immediate`.execute(db);
    let committed = false;
    try {
      const result = await migrate();
      if (result.error === undefined) {
        await sql`commit`.execute(db);
        committed = true;
      }
      return result;
    } finally {
      if (!committed) await sql`rollback`.execute(db).catch(() => {});
    }
  },
};

export const POSTGRES: DialectTraits = {
  name: 'postgres',
  // SQL-standard identity (not serial): BY DEFAULT so that a restore may insert explicit ids.
  idColumn: (col) => col.generatedByDefaultAsIdentity().primaryKey(),
  // Kysely already runs each PostgreSQL migration in a transaction under an advisory lock.
  migrating: (_db, migrate) => migrate(),
};
