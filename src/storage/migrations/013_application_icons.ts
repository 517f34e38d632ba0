import type { Kysely } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/**
 * Uploaded application icons (accounts/application-icons.ts, security.md #93a). The bytes live in a table
 * of their own, read only by the icon's route; the application's row carries just the icon's version (a digest of
 * its bytes, null without an icon), so the pages that show applications (the consent page, the lists) read it with
 * the row they already read and cost no query more. The icon goes with its application (foreign key, cascade).
 */
export function applicationIcons(dialect: DialectTraits) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('applications').addColumn('icon_version', 'text').execute();
      await db.schema
        .createTable('application_icons')
        .addColumn('application_id', 'integer', (c) =>
          c.primaryKey().references('applications.id').onDelete('cascade'),
        )
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('bytes', dialect.bytesType, (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
