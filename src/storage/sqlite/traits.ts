import { sql } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/** SQLite's side of DialectTraits. */
export const SQLITE: DialectTraits = {
  name: 'sqlite',
  // The rowid alias; AUTOINCREMENT keeps SQLite from reusing the id of a deleted row.
  idColumn: (col) => col.primaryKey().autoIncrement(),
  bytesType: 'blob',
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
