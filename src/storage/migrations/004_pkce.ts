import type { Kysely } from 'kysely';

/**
 * PKCE (RFC 7636): an authorization request waiting for consent keeps its code_challenge and method, so that the
 * code its approval issues is bound to them (access_grants has had these columns since 001). Null: no PKCE.
 */
export function pkce() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('authorization_requests').addColumn('code_challenge', 'text').execute();
      await db.schema.alterTable('authorization_requests').addColumn('code_challenge_method', 'text').execute();
    },
  };
}
