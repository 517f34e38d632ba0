import { sql, type Kysely } from 'kysely';

/**
 * Narrows four indexes of `access_tokens` to the rows their queries can look for (issue 16: each index entry is a
 * write per grant, docs/benchmarks.md). Every query that reads one of them compares its column with `=` or `<`, which
 * no NULL satisfies, so the NULL entries were written by every grant and read by none:
 * - `access_tokens_revoked_at` (migration 010), for the cleanup's `revoked_at < cutoff`: only revoked tokens. A new
 *   token has no entry any more; revoking one writes the entry it needs.
 * - `access_tokens_grant_id` (migration 001), for revokeFamily's `grant_id = ?` and the code cleanup's
 *   `t.grant_id = g.id`: only tokens of a family (client_credentials tokens have none).
 * - `access_tokens_user_id` (migration 001), for a user's grants and revocations (`user_id = ?`) and the cascade of a
 *   user's deletion: only tokens of a user (client_credentials tokens have none).
 * - `access_tokens_parent_id_without_grant` (migration 005), for the refresh chain's `parent_id = ?` among tokens
 *   without a grant: also only tokens that have a parent (a client_credentials token has neither).
 * A client_credentials token now writes four index entries fewer; every other token one fewer. Both databases use a
 * partial index for a comparison that implies its condition, as generic plans of prepared statements too. On SQLite
 * the narrowing also keeps the planner from reading `grant_id IS NULL` or `revoked_at IS NULL` through these
 * indexes, which it did in revokeChain: every token without a grant, for each step of the chain.
 *
 * The unique constraint on `refresh_token_hash` keeps its NULL entries: a constraint is not narrowed without
 * rebuilding the table on SQLite, and createIfAbsent's ON CONFLICT relies on it. Rebuilding the four indexes reads
 * the whole table once, while the migration holds the write lock.
 */
export function accessTokenIndexes() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const notNull = (column: string) => [sql.ref(column), 'is not', null] as const;
      await db.schema.dropIndex('access_tokens_revoked_at').execute();
      await db.schema
        .createIndex('access_tokens_revoked_at')
        .on('access_tokens')
        .column('revoked_at')
        .where(...notNull('revoked_at'))
        .execute();
      await db.schema.dropIndex('access_tokens_grant_id').execute();
      await db.schema
        .createIndex('access_tokens_grant_id')
        .on('access_tokens')
        .column('grant_id')
        .where(...notNull('grant_id'))
        .execute();
      await db.schema.dropIndex('access_tokens_user_id').execute();
      await db.schema
        .createIndex('access_tokens_user_id')
        .on('access_tokens')
        .column('user_id')
        .where(...notNull('user_id'))
        .execute();
      await db.schema.dropIndex('access_tokens_parent_id_without_grant').execute();
      await db.schema
        .createIndex('access_tokens_parent_id_without_grant')
        .on('access_tokens')
        .column('parent_id')
        .where(sql.ref('grant_id'), 'is', null)
        .where(...notNull('parent_id'))
        .execute();
    },
  };
}
