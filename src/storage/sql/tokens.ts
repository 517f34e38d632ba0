import type { Kysely } from 'kysely';
import type { AccessToken } from '../../core/model.js';
import type { Database } from '../schema.js';
import type { AccessTokenStore, NewAccessToken } from '../stores.js';
import { splitList, toAccessToken } from './rows.js';

/** How many of a user's tokens for one application are looked at when deciding to skip the consent page. */
const GRANTED_SCOPES_LIMIT = 50;

export class SqlAccessTokenStore implements AccessTokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(token: NewAccessToken): Promise<AccessToken> {
    const row = await this.db
      .insertInto('access_tokens')
      .values({
        token_hash: token.tokenHash,
        refresh_token_hash: token.refreshTokenHash,
        application_id: token.applicationId,
        user_id: token.userId,
        grant_id: token.grantId,
        parent_id: token.parentId,
        scopes: token.scopes.join(' '),
        created_at: token.at,
        expires_in: token.expiresIn,
        previous_refresh_token_hash: token.previousRefreshTokenHash,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAccessToken(row);
  }

  async findByToken(tokenHash: string): Promise<AccessToken | undefined> {
    const row = await this.db
      .selectFrom('access_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toAccessToken(row);
  }

  async findByRefreshToken(refreshTokenHash: string): Promise<AccessToken | undefined> {
    const row = await this.db
      .selectFrom('access_tokens')
      .selectAll()
      .where('refresh_token_hash', '=', refreshTokenHash)
      .executeTakeFirst();
    return row && toAccessToken(row);
  }

  async revoke(id: number, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async revokeFamily(grantId: number, at: number): Promise<number> {
    const result = await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: at })
      .where('grant_id', '=', grantId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async completeRotation(token: AccessToken, at: number): Promise<void> {
    if (token.previousRefreshTokenHash === null) return;
    await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: at })
      .where('refresh_token_hash', '=', token.previousRefreshTokenHash)
      .where('revoked_at', 'is', null)
      .execute();
    await this.db
      .updateTable('access_tokens')
      .set({ previous_refresh_token_hash: null })
      .where('id', '=', token.id)
      .execute();
  }

  async grantedScopes(applicationId: number, userId: number): Promise<string[][]> {
    const rows = await this.db
      .selectFrom('access_tokens')
      .select('scopes')
      .where('application_id', '=', applicationId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('id', 'desc')
      .limit(GRANTED_SCOPES_LIMIT)
      .execute();
    return rows.map((r) => splitList(r.scopes));
  }
}
