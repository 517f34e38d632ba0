import type { Kysely } from 'kysely';
import type { AccessToken, AuthorizationCode } from '../../core/model.js';
import type { Database } from '../schema.js';
import type { AuthorizationCodeStore, CodeExchange, NewAuthorizationCode } from '../../core/ports/stores.js';
import { runInTransaction } from './prepared.js';
import type { Queries } from './queries.js';
import { toAccessToken, toAuthorizationCode } from './rows.js';
import { deleteExpiredCodes } from './cleanup.js';

export class SqlAuthorizationCodeStore implements AuthorizationCodeStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly queries: Queries['codes'],
  ) {}

  async create(code: NewAuthorizationCode): Promise<AuthorizationCode> {
    const row = await this.queries.create.first(this.db, {
      token_hash: code.codeHash,
      application_id: code.applicationId,
      user_id: code.userId,
      redirect_uri: code.redirectUri,
      scopes: code.scopes.join(' '),
      created_at: code.at,
      expires_in: code.expiresIn,
      code_challenge: code.codeChallenge?.challenge ?? null,
      code_challenge_method: code.codeChallenge?.method ?? null,
    });
    if (!row) throw new Error('INSERT ... RETURNING returned no row');
    return toAuthorizationCode(row);
  }

  async consume(codeHash: string, applicationId: number, at: number): Promise<AuthorizationCode | undefined> {
    const row = await this.queries.consume.first(this.db, { hash: codeHash, applicationId, at });
    return row && toAuthorizationCode(row);
  }

  async exchange(exchange: CodeExchange): Promise<AccessToken | undefined> {
    const statements = this.queries.exchange;
    const values = { ...exchange, codeChallenge: exchange.codeChallenge ?? '' };
    if (statements.atOnce) {
      const statement = exchange.codeChallenge === null ? statements.unchallenged : statements.challenged;
      const row = await statement.first(this.db, values);
      return row && toAccessToken(row);
    }
    // SQLite (sql/grant-statements.ts): the checked consume, then the token from the consumed code, in one transaction.
    const consumeThenCreate = async (db: Kysely<Database>): Promise<AccessToken | undefined> => {
      const statement = exchange.codeChallenge === null ? statements.unchallenged : statements.challenged;
      const code = await statement.first(db, values);
      if (!code) return undefined;
      const row = await this.queries.createToken.first(db, {
        token_hash: exchange.tokenHash,
        refresh_token_hash: exchange.refreshTokenHash,
        application_id: code.application_id,
        user_id: code.user_id,
        grant_id: code.id,
        parent_id: null,
        scopes: code.scopes,
        created_at: exchange.at,
        expires_in: exchange.expiresIn,
        previous_refresh_token_hash: null,
      });
      if (!row) throw new Error('INSERT ... RETURNING returned no row');
      return toAccessToken(row);
    };
    return this.db.isTransaction ? consumeThenCreate(this.db) : runInTransaction(this.db, consumeThenCreate);
  }

  async findByHash(codeHash: string): Promise<AuthorizationCode | undefined> {
    const row = await this.db
      .selectFrom('access_grants')
      .selectAll()
      .where('token_hash', '=', codeHash)
      .executeTakeFirst();
    return row && toAuthorizationCode(row);
  }

  async revokeAllForUser(applicationId: number, userId: number, at: number): Promise<number> {
    const result = await this.db
      .updateTable('access_grants')
      .set({ revoked_at: at })
      .where('application_id', '=', applicationId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async revokeAllOfUser(userId: number, at: number): Promise<number[]> {
    const rows = await this.db
      .updateTable('access_grants')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning('application_id')
      .execute();
    return [...new Set(rows.map((r) => Number(r.application_id)))];
  }

  deleteExpired(before: number, limit: number): Promise<number> {
    return deleteExpiredCodes(this.db, before, limit);
  }
}
