import type { Kysely } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/**
 * Pending authorization requests: GET /oauth/authorize validates a request once and keeps it here under an opaque
 * id (stored hashed), bound to the browser session that made it; the consent form carries only that id. A request
 * is decided once (decided_at), and lives a short while (expires_at).
 */
export function authorizationRequests(dialect: DialectTraits) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('authorization_requests')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('id_hash', 'text', (c) => c.notNull().unique())
        .addColumn('session_hash', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('state', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('decided_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('authorization_requests_expires_at')
        .on('authorization_requests')
        .column('expires_at')
        .execute();
      await db.schema
        .createIndex('authorization_requests_user_id')
        .on('authorization_requests')
        .column('user_id')
        .execute();
      await db.schema
        .createIndex('authorization_requests_application_id')
        .on('authorization_requests')
        .column('application_id')
        .execute();
    },
  };
}
