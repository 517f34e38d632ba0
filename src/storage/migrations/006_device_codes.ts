import type { Kysely } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/**
 * The device authorization grant (RFC 8628): device codes, looked up by the hash of their device code (the token
 * endpoint) or of their user code (the verification page); and the link from a pending authorization request to the
 * device code it answers. A device's request has no redirect URI, and stores an empty one rather than relaxing the
 * column (SQLite cannot drop NOT NULL without rebuilding the table).
 */
export function deviceCodes(dialect: DialectTraits) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('device_codes')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('device_code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('poll_interval', 'integer', (c) => c.notNull())
        .addColumn('last_polled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('decided_at', 'bigint')
        .addColumn('redeemed_at', 'bigint')
        .execute();
      // For the cascades when an application or a user is deleted.
      await db.schema.createIndex('device_codes_application_id').on('device_codes').column('application_id').execute();
      await db.schema.createIndex('device_codes_user_id').on('device_codes').column('user_id').execute();

      await db.schema
        .alterTable('authorization_requests')
        .addColumn('device_code_id', 'integer', (c) => c.references('device_codes.id').onDelete('cascade'))
        .execute();
      await db.schema
        .createIndex('authorization_requests_device_code_id')
        .on('authorization_requests')
        .column('device_code_id')
        .execute();
    },
  };
}
