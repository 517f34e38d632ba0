import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database } from '../schema.js';

/**
 * A token's application, and its user when it has one, still exist: a condition of the statement that reads or locks
 * the token, never a statement of its own. Foreign keys cascade every delete Monban makes, but a row deleted behind
 * its back (SQLite with foreign keys off) must not leave a token that still works (stores.ts, AccessTokenStore).
 */
export function tokenOwnersExist(eb: ExpressionBuilder<Database, 'access_tokens'>): Expression<SqlBool> {
  const application = eb
    .selectFrom('applications')
    .select('applications.id')
    .whereRef('applications.id', '=', 'access_tokens.application_id');
  const user = eb.selectFrom('users').select('users.id').whereRef('users.id', '=', 'access_tokens.user_id');
  return eb.and([eb.exists(application), eb.or([eb('access_tokens.user_id', 'is', null), eb.exists(user)])]);
}

/** A code's application and user still exist (tokenOwnersExist for codes, whose user is never null). */
export function codeOwnersExist(eb: ExpressionBuilder<Database, 'access_grants'>): Expression<SqlBool> {
  const application = eb
    .selectFrom('applications')
    .select('applications.id')
    .whereRef('applications.id', '=', 'access_grants.application_id');
  const user = eb.selectFrom('users').select('users.id').whereRef('users.id', '=', 'access_grants.user_id');
  return eb.and([eb.exists(application), eb.exists(user)]);
}
