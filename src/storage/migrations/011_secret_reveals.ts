import type { Kysely } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/**
 * Secret reveals (post/redirect/get for the client secret, security.md #92): the form that creates an application
 * or regenerates its secret answers with a redirect, and the page it redirects to shows the new secret once. Until
 * then the secret waits here, encrypted under a key derived from the session cookie and the reveal's random id,
 * neither of which the database holds (both are stored hashed), so a copy of the database reveals nothing. The
 * row is deleted when the page shows it, and lives a short while (expires_at) if it never does.
 */
export function secretReveals(dialect: DialectTraits) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('secret_reveals')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('id_hash', 'text', (c) => c.notNull().unique())
        .addColumn('session_hash', 'text', (c) => c.notNull())
        .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sealed_secret', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('secret_reveals_expires_at').on('secret_reveals').column('expires_at').execute();
      await db.schema
        .createIndex('secret_reveals_application_id')
        .on('secret_reveals')
        .column('application_id')
        .execute();
    },
  };
}
