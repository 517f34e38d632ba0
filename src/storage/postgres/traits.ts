import type { DialectTraits } from '../dialect.js';

/** PostgreSQL's side of DialectTraits. */
export const POSTGRES: DialectTraits = {
  name: 'postgres',
  // SQL-standard identity (not serial): BY DEFAULT so that a restore may insert explicit ids.
  idColumn: (col) => col.generatedByDefaultAsIdentity().primaryKey(),
  bytesType: 'bytea',
  // Kysely already runs each PostgreSQL migration in a transaction under an advisory lock.
  migrating: (_db, migrate) => migrate(),
};
