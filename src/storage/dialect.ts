import {
  PostgresAdapter,
  type ColumnDefinitionBuilder,
  type DialectAdapter,
  type Kysely,
  type MigrationResultSet,
} from 'kysely';

/**
 * What SQLite and PostgreSQL spell differently. Each database keeps its side in a folder of its own (sqlite/,
 * postgres/: its traits, its driver set-up and what its error codes mean). Queries are written once over Kysely;
 * everything else is shared on purpose:
 * - times are epoch milliseconds in `bigint` columns on both (the PostgreSQL pool reads int8 as a JS number,
 *   storage/postgres/open.ts), so no query compares dates in SQL;
 * - atomicity comes from conditional UPDATE ... RETURNING and transactions, which both run the same way.
 */
export type DialectName = 'sqlite' | 'postgres';

/**
 * Whether the database runs INSERT and UPDATE inside WITH (PostgreSQL's data-modifying CTEs; SQLite allows only a
 * SELECT there), told by its Kysely adapter, so that the stores, which get only a Kysely instance, can tell: the
 * grants' one-statement paths (sql/grant-statements.ts) are written once for each.
 */
export function writesInWith(db: { getExecutor(): { adapter: DialectAdapter } }): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export interface DialectTraits {
  name: DialectName;
  /** Integer primary key whose values are never reused. */
  idColumn(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** The column type of raw bytes (an uploaded icon, migration 013): `blob` on SQLite, `bytea` on PostgreSQL. */
  bytesType: 'blob' | 'bytea';
  /**
   * Runs the migrator so that processes starting at once on one database apply each migration once, and a
   * process killed halfway leaves no half-made schema.
   */
  migrating(db: Kysely<any>, migrate: () => Promise<MigrationResultSet>): Promise<MigrationResultSet>;
}
