import { sql, type Kysely } from 'kysely';

/**
 * When a row's access token (or code) expires, as the cleanup's deletes compare it (storage/sql/cleanup.ts). Casting
 * to bigint first: an integer times 1000 overflows PostgreSQL's int4 for lifetimes past 24 days.
 */
export const TOKEN_EXPIRY = sql`created_at + cast(expires_in as bigint) * 1000`;

/**
 * The cleanup (core/cleanup.ts, security.md "Cleanup"):
 * - `leases`: one row per named job that only one process at a time may run (the cleanup), held until expires_at,
 *   so that a process that died holding it blocks the others only that long;
 * - indexes that let each batch find its rows without reading the whole table. The tokens' and codes' expiry is an
 *   expression index (TOKEN_EXPIRY, written the same way in the deletes so both databases match it); sessions and
 *   device codes by their expires_at (authorization requests have theirs since migration 003); tokens by revoked_at.
 */
export function cleanup() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      // Parenthesized: PostgreSQL takes an expression index's expression only in parentheses.
      const expiry = sql`(${TOKEN_EXPIRY})`;
      await db.schema.createIndex('access_tokens_expiry').on('access_tokens').expression(expiry).execute();
      await db.schema.createIndex('access_tokens_revoked_at').on('access_tokens').column('revoked_at').execute();
      await db.schema.createIndex('access_grants_expiry').on('access_grants').expression(expiry).execute();
      await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
      await db.schema.createIndex('device_codes_expires_at').on('device_codes').column('expires_at').execute();
    },
  };
}
