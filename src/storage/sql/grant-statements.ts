import { sql, type ExpressionBuilder, type Kysely, type QueryCreator, type RawBuilder, type SqlBool } from 'kysely';
import type { CodeExchange, NewAccessToken, Rotation } from '../../core/ports/stores.js';
import { writesInWith } from '../dialect.js';
import { TOKEN_EXPIRY } from '../migrations/010_cleanup.js';
import type { Database } from '../schema.js';
import { PreparedQuery, type ParameterOf } from './prepared.js';
import { codeOwnersExist, tokenOwnersExist } from './owners.js';

/**
 * The grants' common successful case as one statement (issue 16): a refresh that keeps its scope, and a code exchange
 * that passes every check, each lock, check and insert at once, so that PostgreSQL answers in one round trip. Every
 * other outcome writes nothing here and takes the grant's transaction (core/grants/), which decides as it always has.
 *
 * - PostgreSQL: a data-modifying CTE. The UPDATE takes the row lock lockForRefresh or consume takes (under READ
 *   COMMITTED it waits for a concurrent holder, then checks the row again, and finds none if that one revoked it),
 *   and the INSERT reads the locked or consumed row; ON CONFLICT DO NOTHING waits for a concurrent insert of the same
 *   hash to commit or roll back before deciding, as createIfAbsent does.
 * - SQLite allows only a SELECT in WITH. A statement that writes takes the database's one write lock when it starts,
 *   so an INSERT ... SELECT reads the live token and inserts its successor with no writer in between: one statement
 *   too. A code exchange writes two tables, so there it is a transaction of the two statements.
 *
 * Each statement, and the INSERT of a client_credentials token (createIfCurrent), also requires the application to
 * be at the version the client was authenticated with (migration 014): the application may have come from this
 * process's cache (storage/application-cache.ts), and on PostgreSQL the news of a change made by another process
 * arrives a moment after its commit. A changed secret, a deleted application, anything changed: the statement writes
 * nothing, and the grant authenticates the client again from the database (core/grants/). No extra round trip.
 */

type SuccessorParameters = Rotation;
/** CodeExchange with its challenge as a string: which of two statements runs is decided by whether it is null. */
type ExchangeParameters = Omit<CodeExchange, 'codeChallenge'> & { codeChallenge: string };
/** A token to create (its scopes as stored, space-separated), with the version its application must be at. */
export type CurrentTokenParameters = Omit<NewAccessToken, 'scopes'> & { scopes: string; applicationVersion: number };

/** The columns a successor is inserted with, in the order of the SELECT that gives them. */
const SUCCESSOR_COLUMNS = [
  'token_hash',
  'refresh_token_hash',
  'application_id',
  'user_id',
  'grant_id',
  'parent_id',
  'scopes',
  'created_at',
  'expires_in',
  'previous_refresh_token_hash',
] as const;
/** The columns a token is inserted with by createIfCurrent, likewise. */
const CREATED_COLUMNS = [
  'token_hash',
  'refresh_token_hash',
  'application_id',
  'user_id',
  'grant_id',
  'parent_id',
  'scopes',
  'created_at',
  'expires_in',
  'previous_refresh_token_hash',
] as const;
/** The columns an exchanged token is inserted with, likewise. */
const EXCHANGED_COLUMNS = [
  'token_hash',
  'refresh_token_hash',
  'application_id',
  'user_id',
  'grant_id',
  'scopes',
  'created_at',
  'expires_in',
] as const;

/** A parameter in a SELECT list has no column to take its type from on PostgreSQL: numbers are cast. */
function numberParameter<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  value: number,
  type: 'bigint' | 'integer',
) {
  return eb.cast<number>(eb.val(value), type);
}

/** Nullable ids likewise: a cast of null is a typed null. */
function idParameter<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, value: number | null) {
  return eb.cast<number | null>(eb.val(value), 'integer');
}

type ApplicationAt = Pick<Rotation, 'applicationId' | 'applicationVersion'>;

/** The application is still at the version the client was authenticated with (migration 014). */
function applicationCurrent(p: ParameterOf<ApplicationAt>): RawBuilder<SqlBool> {
  const id = p('applicationId');
  const version = p('applicationVersion');
  return sql<SqlBool>`exists (
    select 1 from applications where applications.id = ${id} and applications.version = ${version}
  )`;
}

/**
 * The live token with this refresh token, of this application at this version, whose owners exist (lockForRefresh's
 * conditions).
 */
function liveToken(eb: ExpressionBuilder<Database, 'access_tokens'>, p: ParameterOf<SuccessorParameters>) {
  return eb.and([
    eb('access_tokens.refresh_token_hash', '=', p('refreshTokenHash')),
    eb('access_tokens.application_id', '=', p('applicationId')),
    eb('access_tokens.revoked_at', 'is', null),
    tokenOwnersExist(eb),
    applicationCurrent(p),
  ]);
}

/**
 * consume's conditions and the exchange's checks (grants/authorization-code.ts): unexpired (model.ts isExpired), the
 * redirect URI identical (RFC 6749 §4.1.3), and the code's challenge that of the verifier with method S256 or, with
 * no verifier, none (RFC 7636 §4.6, core/pkce.ts verifierSatisfies).
 */
function consumeChecked(qc: QueryCreator<Database>, p: ParameterOf<ExchangeParameters>, challenged: boolean) {
  return qc
    .updateTable('access_grants')
    .set({ revoked_at: p('at') })
    .where('token_hash', '=', p('codeHash'))
    .where('application_id', '=', p('applicationId'))
    .where('revoked_at', 'is', null)
    .where(codeOwnersExist)
    .where(applicationCurrent(p))
    .where(TOKEN_EXPIRY as RawBuilder<number>, '>', p('at'))
    .where('redirect_uri', '=', p('redirectUri'))
    .where((eb) =>
      challenged
        ? eb.and([eb('code_challenge', '=', p('codeChallenge')), eb('code_challenge_method', '=', 'S256')])
        : eb('code_challenge', 'is', null),
    );
}

export function compileGrantStatements(db: Kysely<Database>) {
  const cte = writesInWith(db);

  const rotate = PreparedQuery.of<SuccessorParameters>()((p) => {
    if (cte) {
      return db
        .with('locked', (qc) =>
          qc
            .updateTable('access_tokens')
            .set((eb) => ({ expires_in: eb.ref('expires_in') }))
            .where((eb) => liveToken(eb, p))
            .returning(['id', 'application_id', 'user_id', 'grant_id', 'scopes']),
        )
        .insertInto('access_tokens')
        .columns(SUCCESSOR_COLUMNS)
        .expression((eb) =>
          eb
            .selectFrom('locked')
            .select((s) => [
              s.val(p('tokenHash')).as('token_hash'),
              s.val(p('successorRefreshTokenHash')).as('refresh_token_hash'),
              'locked.application_id',
              'locked.user_id',
              'locked.grant_id',
              s.ref('locked.id').as('parent_id'),
              'locked.scopes',
              numberParameter(s, p('at'), 'bigint').as('created_at'),
              numberParameter(s, p('expiresIn'), 'integer').as('expires_in'),
              s.val(p('refreshTokenHash')).as('previous_refresh_token_hash'),
            ]),
        )
        .onConflict((oc) => oc.doNothing())
        .returningAll();
    }
    return db
      .insertInto('access_tokens')
      .columns(SUCCESSOR_COLUMNS)
      .expression((eb) =>
        eb
          .selectFrom('access_tokens')
          .select((s) => [
            s.val(p('tokenHash')).as('token_hash'),
            s.val(p('successorRefreshTokenHash')).as('refresh_token_hash'),
            'access_tokens.application_id',
            'access_tokens.user_id',
            'access_tokens.grant_id',
            s.ref('access_tokens.id').as('parent_id'),
            'access_tokens.scopes',
            numberParameter(s, p('at'), 'bigint').as('created_at'),
            numberParameter(s, p('expiresIn'), 'integer').as('expires_in'),
            s.val(p('refreshTokenHash')).as('previous_refresh_token_hash'),
          ])
          .where((w) => liveToken(w, p)),
      )
      .onConflict((oc) => oc.doNothing())
      .returningAll();
  });

  /** PostgreSQL: the checked consume and the token's INSERT in one statement. */
  const exchangeAtOnce = (challenged: boolean) =>
    PreparedQuery.of<ExchangeParameters>()((p) =>
      db
        .with('consumed', (qc) =>
          consumeChecked(qc, p, challenged).returning(['id', 'application_id', 'user_id', 'scopes']),
        )
        .insertInto('access_tokens')
        .columns(EXCHANGED_COLUMNS)
        .expression((eb) =>
          eb
            .selectFrom('consumed')
            .select((s) => [
              s.val(p('tokenHash')).as('token_hash'),
              s.val(p('refreshTokenHash')).as('refresh_token_hash'),
              'consumed.application_id',
              'consumed.user_id',
              s.ref('consumed.id').as('grant_id'),
              'consumed.scopes',
              numberParameter(s, p('at'), 'bigint').as('created_at'),
              numberParameter(s, p('expiresIn'), 'integer').as('expires_in'),
            ]),
        )
        .returningAll(),
    );

  /** SQLite: the checked consume alone; the token's INSERT follows in the same transaction (sql/codes.ts). */
  const consumeOnly = (challenged: boolean) =>
    PreparedQuery.of<ExchangeParameters>()((p) => consumeChecked(db, p, challenged).returningAll());

  /**
   * tokens.createIfCurrent: the token's row selected from its application's, at the version given; none, so nothing
   * inserted, when the application changed or went.
   */
  const createIfCurrent = PreparedQuery.of<CurrentTokenParameters>()((p) =>
    db
      .insertInto('access_tokens')
      .columns(CREATED_COLUMNS)
      .expression((eb) =>
        eb
          .selectFrom('applications')
          .select((s) => [
            s.val(p('tokenHash')).as('token_hash'),
            s.val(p('refreshTokenHash')).as('refresh_token_hash'),
            s.ref('applications.id').as('application_id'),
            idParameter(s, p('userId')).as('user_id'),
            idParameter(s, p('grantId')).as('grant_id'),
            idParameter(s, p('parentId')).as('parent_id'),
            s.val(p('scopes')).as('scopes'),
            numberParameter(s, p('at'), 'bigint').as('created_at'),
            numberParameter(s, p('expiresIn'), 'integer').as('expires_in'),
            s.val(p('previousRefreshTokenHash')).as('previous_refresh_token_hash'),
          ])
          .where('applications.id', '=', p('applicationId'))
          .where('applications.version', '=', p('applicationVersion')),
      )
      .returningAll(),
  );

  return {
    rotate,
    createIfCurrent,
    exchange: cte
      ? { atOnce: true as const, challenged: exchangeAtOnce(true), unchallenged: exchangeAtOnce(false) }
      : { atOnce: false as const, challenged: consumeOnly(true), unchallenged: consumeOnly(false) },
  };
}

export type GrantStatements = ReturnType<typeof compileGrantStatements>;
