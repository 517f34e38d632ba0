import type { Kysely } from 'kysely';

/**
 * `monban import doorkeeper` (src/import/doorkeeper/): which row of the source database became which row here, per
 * kind ('user', 'application', 'grant', 'token'). A second run skips what the map already holds, and a run stopped
 * halfway goes on where it stopped, because each batch writes its rows and their map entries in one transaction.
 * The source id is text, as a Doorkeeper table may have integer or uuid keys.
 */
export function doorkeeperImport() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('import_map')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('target_id', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('import_map_pkey', ['kind', 'source_id'])
        .execute();
    },
  };
}
