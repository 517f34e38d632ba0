import type { Kysely } from 'kysely';
import type { AuthorizationCode } from '../../core/model.js';
import type { Database } from '../schema.js';
import type { AuthorizationCodeStore, NewAuthorizationCode } from '../../core/ports/stores.js';
import type { Queries } from './queries.js';
import { toAuthorizationCode } from './rows.js';
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
