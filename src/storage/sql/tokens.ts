import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { AccessToken } from '../../core/model.js';
import type { Database } from '../schema.js';
import type { AccessTokenStore, LiveGrant, NewAccessToken, Rotation, TokenWithUser } from '../../core/ports/stores.js';
import type { Queries } from './queries.js';
import { splitList, toAccessToken, toTokenUser } from './rows.js';
import { quotaFromColumns } from '../../core/quota.js';
import { deleteRetiredTokens } from './cleanup.js';

/** Bounds revokeWhileLive: each pass after the first only exists because a refresh ran concurrently. */
const REVOCATION_PASSES = 10;
/** Ids per UPDATE when recording last uses: well under every driver's limit on bound parameters. */
const LAST_USED_BATCH = 500;

type TokenFilter = (eb: ExpressionBuilder<Database, 'access_tokens'>) => Expression<SqlBool>;

function newTokenRow(token: NewAccessToken) {
  return {
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
  };
}

export class SqlAccessTokenStore implements AccessTokenStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly queries: Queries['tokens'],
  ) {}

  async create(token: NewAccessToken): Promise<AccessToken> {
    const row = await this.queries.create.first(this.db, newTokenRow(token));
    if (!row) throw new Error('INSERT ... RETURNING returned no row');
    return toAccessToken(row);
  }

  async createIfCurrent(token: NewAccessToken, applicationVersion: number): Promise<AccessToken | undefined> {
    const values = { ...token, scopes: token.scopes.join(' '), applicationVersion };
    const row = await this.queries.createIfCurrent.first(this.db, values);
    return row && toAccessToken(row);
  }

  async createIfAbsent(token: NewAccessToken): Promise<AccessToken | undefined> {
    const row = await this.queries.createIfAbsent.first(this.db, newTokenRow(token));
    return row ? toAccessToken(row) : this.findByToken(token.tokenHash);
  }

  async findByToken(tokenHash: string): Promise<AccessToken | undefined> {
    const row = await this.queries.findByToken.first(this.db, { hash: tokenHash });
    return row && toAccessToken(row);
  }

  async findByTokenWithUser(tokenHash: string): Promise<TokenWithUser | undefined> {
    const row = await this.queries.findByTokenWithUser.first(this.db, { hash: tokenHash });
    if (!row) return undefined;
    const quota = quotaFromColumns(row.app_quota_per_minute, row.app_quota_per_day);
    return { token: toAccessToken(row), user: toTokenUser(row), ...(quota ? { quota } : {}) };
  }

  async findByRefreshToken(refreshTokenHash: string): Promise<AccessToken | undefined> {
    const row = await this.queries.findByRefreshToken.first(this.db, { hash: refreshTokenHash });
    return row && toAccessToken(row);
  }

  async lockForRefresh(refreshTokenHash: string): Promise<AccessToken | undefined> {
    const row = await this.queries.lockForRefresh.first(this.db, { hash: refreshTokenHash });
    return row && toAccessToken(row);
  }

  async rotate(rotation: Rotation): Promise<AccessToken | undefined> {
    const row = await this.queries.rotate.first(this.db, rotation);
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

  /**
   * Revokes the live tokens a filter selects, pass after pass until a pass finds none. A refresh holding a selected
   * token's row lock (lockForRefresh) makes a pass wait for it, but under PostgreSQL's READ COMMITTED that pass
   * cannot see the token the refresh then inserted; the next pass does. A pass that revokes nothing proves no live
   * token is left for a refresh to lock. Returns the application id of each token it revoked.
   */
  private async revokeWhileLive(filter: TokenFilter, at: number): Promise<number[]> {
    const applicationIds: number[] = [];
    for (let pass = 0; pass < REVOCATION_PASSES; pass++) {
      const rows = await this.db
        .updateTable('access_tokens')
        .set({ revoked_at: at })
        .where(filter)
        .where('revoked_at', 'is', null)
        .returning('application_id')
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) applicationIds.push(Number(row.application_id));
    }
    return applicationIds;
  }

  async revokeFamily(grantId: number, at: number): Promise<number> {
    return (await this.revokeWhileLive((eb) => eb('grant_id', '=', grantId), at)).length;
  }

  async revokeChain(tokenId: number, at: number): Promise<number> {
    return (await this.revokeWhileLive((eb) => eb('id', 'in', this.chainOf(tokenId)), at)).length;
  }

  /**
   * The ids of a token's refresh chain: its ancestors by parent_id, then every descendant of them among the tokens
   * without a grant_id (whose children the partial index of migration 005 finds). UNION, not UNION ALL, so that
   * even a cycle made by hand ends.
   */
  private chainOf(tokenId: number) {
    return this.db
      .withRecursive('ancestors(id, parent_id)', (db) =>
        db
          .selectFrom('access_tokens')
          .select(['id', 'parent_id'])
          .where('id', '=', tokenId)
          .union(
            db
              .selectFrom('access_tokens')
              .innerJoin('ancestors', 'ancestors.parent_id', 'access_tokens.id')
              .select(['access_tokens.id', 'access_tokens.parent_id']),
          ),
      )
      .withRecursive('chain(id)', (db) =>
        db
          .selectFrom('ancestors')
          .select('ancestors.id')
          .union(
            db
              .selectFrom('access_tokens')
              .innerJoin('chain', 'chain.id', 'access_tokens.parent_id')
              .select('access_tokens.id')
              .where('access_tokens.grant_id', 'is', null),
          ),
      )
      .selectFrom('chain')
      .select('chain.id');
  }

  async completeRotation(token: AccessToken, at: number): Promise<void> {
    if (token.previousRefreshTokenHash === null) return;
    await this.queries.retireByRefreshToken.changes(this.db, { hash: token.previousRefreshTokenHash, at });
    await this.queries.forgetPreviousRefreshToken.changes(this.db, { id: token.id });
  }

  async grantedScopes(applicationId: number, userId: number): Promise<string[][]> {
    const rows = await this.queries.grantedScopes.all(this.db, { applicationId, userId });
    return rows.map((r) => splitList(r.scopes));
  }

  async touchLastUsed(ids: readonly number[], at: number, minIntervalMs: number): Promise<number> {
    let written = 0;
    for (let start = 0; start < ids.length; start += LAST_USED_BATCH) {
      const result = await this.db
        .updateTable('access_tokens')
        .set({ last_used_at: at })
        .where('id', 'in', ids.slice(start, start + LAST_USED_BATCH))
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', at - minIntervalMs)]))
        .executeTakeFirst();
      written += Number(result.numUpdatedRows);
    }
    return written;
  }

  async revokeAllForUser(applicationId: number, userId: number, at: number): Promise<number> {
    const filter: TokenFilter = (eb) => eb.and([eb('application_id', '=', applicationId), eb('user_id', '=', userId)]);
    return (await this.revokeWhileLive(filter, at)).length;
  }

  async revokeAllOfUser(userId: number, at: number): Promise<number[]> {
    return [...new Set(await this.revokeWhileLive((eb) => eb('user_id', '=', userId), at))];
  }

  async liveGrantsOfUser(userId: number): Promise<LiveGrant[]> {
    const rows = await this.db
      .selectFrom('access_tokens')
      .select(['application_id', 'scopes', 'created_at', 'last_used_at'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      applicationId: Number(r.application_id),
      scopes: splitList(r.scopes),
      createdAt: Number(r.created_at),
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    }));
  }

  deleteRetired(cutoff: number, limit: number): Promise<number> {
    return deleteRetiredTokens(this.db, cutoff, limit);
  }
}
