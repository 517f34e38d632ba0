import type { Kysely } from 'kysely';
import type { AuthorizationCode } from '../../core/model.js';
import type { Database } from '../schema.js';
import type { AuthorizationCodeStore, NewAuthorizationCode } from '../stores.js';
import { toAuthorizationCode } from './rows.js';

export class SqlAuthorizationCodeStore implements AuthorizationCodeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(code: NewAuthorizationCode): Promise<AuthorizationCode> {
    const row = await this.db
      .insertInto('access_grants')
      .values({
        token_hash: code.codeHash,
        application_id: code.applicationId,
        user_id: code.userId,
        redirect_uri: code.redirectUri,
        scopes: code.scopes.join(' '),
        created_at: code.at,
        expires_in: code.expiresIn,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAuthorizationCode(row);
  }

  /** One conditional UPDATE: the database, not this process, decides which concurrent caller wins. */
  async consume(codeHash: string, applicationId: number, at: number): Promise<AuthorizationCode | undefined> {
    const row = await this.db
      .updateTable('access_grants')
      .set({ revoked_at: at })
      .where('token_hash', '=', codeHash)
      .where('application_id', '=', applicationId)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
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
}
