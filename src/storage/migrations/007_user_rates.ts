import type { Kysely } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/**
 * Users' anime and manga lists, Shikimori's `user_rates` (docs/user-rates.md): integers NOT NULL DEFAULT 0 as
 * there, the status as its enum integer (0 = planned). One entry per user and target, held by a unique index that
 * create's upsert relies on; it also serves the index's `user_id` filter. An entry goes with its user; the
 * application that last changed it may be deleted and is then forgotten.
 */
export function userRates(dialect: DialectTraits) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const zero = (c: Parameters<DialectTraits['idColumn']>[0]) => c.notNull().defaultTo(0);
      await db.schema
        .createTable('user_rates')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'integer', (c) => c.notNull())
        .addColumn('score', 'integer', zero)
        .addColumn('status', 'integer', zero)
        .addColumn('rewatches', 'integer', zero)
        .addColumn('episodes', 'integer', zero)
        .addColumn('volumes', 'integer', zero)
        .addColumn('chapters', 'integer', zero)
        .addColumn('text', 'text')
        .addColumn('last_application_id', 'integer', (c) => c.references('applications.id').onDelete('set null'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('user_rates_user_target')
        .on('user_rates')
        .columns(['user_id', 'target_type', 'target_id'])
        .unique()
        .execute();
      // The index's target filter without a user, and the set-null when an application is deleted.
      await db.schema.createIndex('user_rates_target').on('user_rates').columns(['target_type', 'target_id']).execute();
      await db.schema
        .createIndex('user_rates_last_application_id')
        .on('user_rates')
        .column('last_application_id')
        .execute();
    },
  };
}
