import type { ColumnDefinitionBuilder } from 'kysely';

/**
 * Where SQLite and PostgreSQL differ, in one place. Queries are written once over Kysely; only what the two
 * dialects spell differently is decided here.
 */
export type DialectName = 'sqlite';

export interface DialectTraits {
  name: DialectName;
  /** Integer primary key: SQLite's rowid alias with AUTOINCREMENT (ids never reused). */
  idColumn(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

export const SQLITE: DialectTraits = {
  name: 'sqlite',
  idColumn: (col) => col.primaryKey().autoIncrement(),
};
