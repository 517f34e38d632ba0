import type { Insertable, Kysely } from 'kysely';
import type { AccessGrantsTable, AccessTokensTable, Database } from '../schema.js';
import { compileGrantStatements } from './grant-statements.js';
import { codeOwnersExist, tokenOwnersExist } from './owners.js';
import { PreparedQuery, type ParameterOf } from './prepared.js';

/** How many of a user's tokens for one application are looked at when deciding to skip the consent page. */
const GRANTED_SCOPES_LIMIT = 50;

/** The user's columns read with a token (not users.password_hash), named apart from the token's own. */
const TOKEN_USER_COLUMNS = [
  'users.nickname as user_nickname',
  'users.email as user_email',
  'users.admin as user_admin',
  'users.locale as user_locale',
  'users.sex as user_sex',
  'users.website as user_website',
  'users.last_online_at as user_last_online_at',
  'users.created_at as user_created_at',
] as const;

type NewTokenRow = Required<Omit<Insertable<AccessTokensTable>, 'id' | 'revoked_at' | 'last_used_at' | 'rotated_at'>>;
type NewCodeRow = Required<Omit<Insertable<AccessGrantsTable>, 'id' | 'revoked_at'>>;

/**
 * The queries on the paths every request takes (bearer check, grants, authorization, the signed-in session),
 * compiled once per database; the stores run them with each call's values, on the database or on a transaction.
 * The stores' other queries are built as they run: they run seldom, or their shape depends on their arguments.
 */
export function compileQueries(db: Kysely<Database>) {
  const insertToken = PreparedQuery.of<NewTokenRow>();
  const newToken = (p: ParameterOf<NewTokenRow>) =>
    db.insertInto('access_tokens').values({
      token_hash: p('token_hash'),
      refresh_token_hash: p('refresh_token_hash'),
      application_id: p('application_id'),
      user_id: p('user_id'),
      grant_id: p('grant_id'),
      parent_id: p('parent_id'),
      scopes: p('scopes'),
      created_at: p('created_at'),
      expires_in: p('expires_in'),
      previous_refresh_token_hash: p('previous_refresh_token_hash'),
    });
  const grants = compileGrantStatements(db);
  return {
    tokens: {
      create: insertToken((p) => newToken(p).returningAll()),
      // A refresh that keeps its scope, in one statement (sql/grant-statements.ts).
      rotate: grants.rotate,
      // create, only while the application is at the version the client was authenticated with.
      createIfCurrent: grants.createIfCurrent,
      // Inserts nothing when a token already holds one of the new hashes (a successor derived from the same refresh
      // token, core/refresh-successor.ts): the one statement both dialects resolve to a single row, waiting for a
      // concurrent insert of the same hash to commit or roll back before deciding.
      createIfAbsent: insertToken((p) => newToken(p).onConflict((oc) => oc.doNothing()).returningAll()),
      findByToken: PreparedQuery.of<{ hash: string }>()((p) =>
        db.selectFrom('access_tokens').selectAll().where('token_hash', '=', p('hash')).where(tokenOwnersExist),
      ),
      // The user is read with the token anyway, so the joins check the owners: a token without a user (client
      // credentials) has none to find, any other needs its user's row.
      findByTokenWithUser: PreparedQuery.of<{ hash: string }>()((p) =>
        db
          .selectFrom('access_tokens')
          .innerJoin('applications', 'applications.id', 'access_tokens.application_id')
          .leftJoin('users', 'users.id', 'access_tokens.user_id')
          .selectAll('access_tokens')
          .select(TOKEN_USER_COLUMNS)
          // The application's quota rides along (ops/app-quota.ts): no query of its own on the API's hot path.
          .select([
            'applications.quota_per_minute as app_quota_per_minute',
            'applications.quota_per_day as app_quota_per_day',
          ])
          .where('access_tokens.token_hash', '=', p('hash'))
          .where((eb) => eb.or([eb('access_tokens.user_id', 'is', null), eb('users.id', 'is not', null)])),
      ),
      findByRefreshToken: PreparedQuery.of<{ hash: string }>()((p) =>
        db
          .selectFrom('access_tokens')
          .selectAll()
          .where('refresh_token_hash', '=', p('hash'))
          .where(tokenOwnersExist),
      ),
      // A conditional UPDATE that changes nothing: the one row lock that both dialects take the same way. It sets a
      // column no index holds, so that no index is written (and PostgreSQL's update stays heap-only).
      lockForRefresh: PreparedQuery.of<{ hash: string }>()((p) =>
        db
          .updateTable('access_tokens')
          .set((eb) => ({ expires_in: eb.ref('expires_in') }))
          .where('refresh_token_hash', '=', p('hash'))
          .where('revoked_at', 'is', null)
          .where(tokenOwnersExist)
          .returningAll(),
      ),
      // The one write that sets rotated_at: a revocation never does (migration 005).
      retireByRefreshToken: PreparedQuery.of<{ hash: string; at: number }>()((p) =>
        db
          .updateTable('access_tokens')
          .set({ revoked_at: p('at'), rotated_at: p('at') })
          .where('refresh_token_hash', '=', p('hash'))
          .where('revoked_at', 'is', null),
      ),
      forgetPreviousRefreshToken: PreparedQuery.of<{ id: number }>()((p) =>
        db.updateTable('access_tokens').set({ previous_refresh_token_hash: null }).where('id', '=', p('id')),
      ),
      grantedScopes: PreparedQuery.of<{ applicationId: number; userId: number }>()((p) =>
        db
          .selectFrom('access_tokens')
          .select('scopes')
          .where('application_id', '=', p('applicationId'))
          .where('user_id', '=', p('userId'))
          .where('revoked_at', 'is', null)
          .orderBy('id', 'desc')
          .limit(GRANTED_SCOPES_LIMIT),
      ),
    },
    users: {
      findById: PreparedQuery.of<{ id: number }>()((p) =>
        db.selectFrom('users').selectAll().where('id', '=', p('id')),
      ),
    },
    applications: {
      findByUid: PreparedQuery.of<{ uid: string }>()((p) =>
        db.selectFrom('applications').selectAll().where('uid', '=', p('uid')),
      ),
    },
    codes: {
      // A code exchange that passes every check, in one statement on PostgreSQL (sql/grant-statements.ts); on SQLite
      // its consume, with the token's INSERT (tokens.create) after it in one transaction.
      exchange: grants.exchange,
      createToken: insertToken((p) => newToken(p).returningAll()),
      create: PreparedQuery.of<NewCodeRow>()((p) =>
        db
          .insertInto('access_grants')
          .values({
            token_hash: p('token_hash'),
            application_id: p('application_id'),
            user_id: p('user_id'),
            redirect_uri: p('redirect_uri'),
            scopes: p('scopes'),
            created_at: p('created_at'),
            expires_in: p('expires_in'),
            code_challenge: p('code_challenge'),
            code_challenge_method: p('code_challenge_method'),
          })
          .returningAll(),
      ),
      // One conditional UPDATE: the database, not this process, decides which concurrent caller wins.
      consume: PreparedQuery.of<{ hash: string; applicationId: number; at: number }>()((p) =>
        db
          .updateTable('access_grants')
          .set({ revoked_at: p('at') })
          .where('token_hash', '=', p('hash'))
          .where('application_id', '=', p('applicationId'))
          .where('revoked_at', 'is', null)
          .where(codeOwnersExist)
          .returningAll(),
      ),
    },
    sessions: {
      findUser: PreparedQuery.of<{ hash: string; now: number }>()((p) =>
        db
          .selectFrom('sessions')
          .innerJoin('users', 'users.id', 'sessions.user_id')
          .selectAll('users')
          .where('sessions.id_hash', '=', p('hash'))
          .where('sessions.expires_at', '>', p('now')),
      ),
    },
  };
}

export type Queries = ReturnType<typeof compileQueries>;
