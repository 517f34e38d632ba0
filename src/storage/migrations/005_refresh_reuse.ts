import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/** The name of the key the successor of a refresh token is derived with (core/refresh-successor.ts). */
export const REFRESH_SUCCESSOR_KEY = 'refresh_successor';

interface KeyRows {
  server_keys: { name: string; secret: string; created_at: number };
}

/**
 * Refresh-token reuse detection (compatibility.md §4.4, "Monban differs"):
 * - `server_keys` holds one random key, made here, once per database, so that every process on the database derives
 *   the same successor from a refresh token with no setting to share. It is never sent anywhere; without the refresh
 *   token itself (of which the database keeps only a hash) it derives nothing.
 * - `access_tokens.rotated_at`: when completeRotation retired the token, which no revocation sets, so that a
 *   rotated-out refresh token (grace period, or a replay) is told apart from a revoked one.
 * - an index of a token's children for the families that have no grant_id to revoke them by: partial, so that the
 *   tokens of authorization codes (nearly all of them) never write to it.
 */
export function refreshReuse() {
  return {
    async up(untyped: Kysely<unknown>): Promise<void> {
      await untyped.schema
        .createTable('server_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      const db = untyped as unknown as Kysely<KeyRows>;
      await db
        .insertInto('server_keys')
        .values({ name: REFRESH_SUCCESSOR_KEY, secret: randomBytes(32).toString('base64url'), created_at: Date.now() })
        .execute();
      await untyped.schema.alterTable('access_tokens').addColumn('rotated_at', 'bigint').execute();
      await untyped.schema
        .createIndex('access_tokens_parent_id_without_grant')
        .on('access_tokens')
        .column('parent_id')
        .where(sql.ref('grant_id'), 'is', null)
        .execute();
    },
  };
}
