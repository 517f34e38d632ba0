import { sql, type Kysely } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/**
 * Password resets (accounts/password-resets.ts, security.md "Password reset"): one row per link sent or printed,
 * found by the SHA-256 of its random token (the token itself is stored nowhere), usable once (used_at) until
 * expires_at. A user's rows go with the user. The cleanup deletes expired and used ones by expires_at and used_at.
 * A reset may be asked for by email address: `users_email_lower` finds the accounts with one, in any case
 * (storage/sql/users.ts writes the lookup as the index's expression).
 */
export function passwordResets(dialect: DialectTraits) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('password_resets')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      // For a user's earlier resets (invalidated by a new one) and the cascade of a user's deletion.
      await db.schema.createIndex('password_resets_user_id').on('password_resets').column('user_id').execute();
      await db.schema.createIndex('password_resets_expires_at').on('password_resets').column('expires_at').execute();
      await db.schema.createIndex('password_resets_used_at').on('password_resets').column('used_at').execute();
      // Parenthesized: PostgreSQL takes an expression index's expression only in parentheses.
      await db.schema.createIndex('users_email_lower').on('users').expression(sql`(lower(email))`).execute();
    },
  };
}
