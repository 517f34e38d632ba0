import type { AccessToken, ApplicationQuota, User } from '../model.js';

/**
 * Store ports, gathered by stores.ts. Access tokens and their refresh tokens.
 */

export interface NewAccessToken {
  tokenHash: string;
  refreshTokenHash: string | null;
  applicationId: number;
  userId: number | null;
  grantId: number | null;
  parentId: number | null;
  scopes: string[];
  expiresIn: number;
  previousRefreshTokenHash: string | null;
  at: number;
}

/** What AccessTokenStore.rotate checks and creates. */
export interface Rotation {
  /** The refresh token presented, whose token is rotated. */
  refreshTokenHash: string;
  applicationId: number;
  /** The version of the application the client was authenticated with (Application.version). */
  applicationVersion: number;
  /** The successor's hashes (core/refresh-successor.ts). */
  tokenHash: string;
  successorRefreshTokenHash: string;
  expiresIn: number;
  at: number;
}

/** A user's live token, as the list of applications with access to the account shows it. */
export interface LiveGrant {
  applicationId: number;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
}

/** A token read together with its user (none for a client_credentials token). */
export interface TokenWithUser {
  token: AccessToken;
  user: User | undefined;
  /** Its application's request quota, read in the same query; absent when the application has none. */
  quota?: ApplicationQuota;
}

/**
 * The lookups that authenticate a token (findByToken, findByTokenWithUser, findByRefreshToken, lockForRefresh) find
 * none whose application, or user when it has one, no longer exists: in the same statement, so that a row deleted
 * without its cascade (SQLite with foreign keys off, or a hand-made delete) never leaves a working token.
 */
export interface AccessTokenStore {
  create(token: NewAccessToken): Promise<AccessToken>;
  /**
   * Creates the token unless one already holds its token hash (or refresh token hash), and returns the stored one
   * either way; undefined only when that one's application or user is gone. Of any number of concurrent callers
   * with the same hashes, in any number of processes, exactly one inserts and every one gets that row: the
   * successor of a refresh token, derived from it (core/refresh-successor.ts), exists once.
   */
  createIfAbsent(token: NewAccessToken): Promise<AccessToken | undefined>;
  /**
   * create, in the same statement, only while the token's application is at `applicationVersion` (Application.version):
   * undefined, having written nothing, when it changed or went since the client was authenticated (perhaps from a
   * cache, storage/application-cache.ts), so that a grant never issues on a stale application (issue 16).
   */
  createIfCurrent(token: NewAccessToken, applicationVersion: number): Promise<AccessToken | undefined>;
  findByToken(tokenHash: string): Promise<AccessToken | undefined>;
  /** findByToken and the token's user in one query: a bearer-authenticated request's one read. */
  findByTokenWithUser(tokenHash: string): Promise<TokenWithUser | undefined>;
  findByRefreshToken(refreshTokenHash: string): Promise<AccessToken | undefined>;
  /**
   * Inside a transaction: locks the live (non-revoked) token with this refresh token until the transaction ends,
   * and returns it; undefined when there is none. A revocation or completeRotation of that token, in any process,
   * waits for the transaction, and one that committed first makes this return undefined: a refresh either
   * completes before the old token is revoked, or fails.
   */
  lockForRefresh(refreshTokenHash: string): Promise<AccessToken | undefined>;
  /**
   * A refresh that keeps the scope, at once (issue 16): the live token with this refresh token, issued to this
   * application while it is at `applicationVersion`, whose owners exist, locked as lockForRefresh locks it, and its
   * successor created from it (its user, grant and scopes; parentId its id; previousRefreshTokenHash this refresh
   * token's hash), unless a token already holds one of the new hashes. Undefined when nothing was created: the caller
   * then takes the transaction (lockForRefresh), which tells those cases apart. A revocation or completeRotation of
   * the old token, in any process, either waits for it or makes it create nothing; of concurrent callers at most one
   * creates the successor.
   */
  rotate(rotation: Rotation): Promise<AccessToken | undefined>;
  /** Revokes one token (its access and refresh token together); false if it was already revoked. */
  revoke(id: number, at: number): Promise<boolean>;
  /** Revokes every token descending from one authorization code; returns how many were still live. */
  revokeFamily(grantId: number, at: number): Promise<number>;
  /**
   * The family of a token without a grant id: revokes every token of its refresh chain (its ancestors by parentId,
   * and every descendant of them), including one a concurrent refresh adds while this waits for it, as revokeFamily
   * does; returns how many were still live.
   */
  revokeChain(tokenId: number, at: number): Promise<number>;
  /**
   * Doorkeeper's `revoke_previous_refresh_token!`: on a token's first use, revokes the token whose refresh token it
   * replaced and forgets the link, so the old refresh token stops working from then on (compatibility.md §4.4). The
   * revoked token's rotatedAt is set to `at`, which nothing else sets; a token revoked before keeps its state.
   */
  completeRotation(token: AccessToken, at: number): Promise<void>;
  /** The scope sets of this user's non-revoked tokens for this application, newest first (for skipping consent). */
  grantedScopes(applicationId: number, userId: number): Promise<string[][]>;
  /**
   * Records a use at `at` of each of these tokens, except those with one recorded less than `minIntervalMs`
   * earlier: conditional UPDATEs, so concurrent callers write each token at most once per interval. Returns how
   * many tokens it wrote.
   */
  touchLastUsed(ids: readonly number[], at: number, minIntervalMs: number): Promise<number>;
  /** Revokes every live token of this user for this application; returns how many were live. */
  revokeAllForUser(applicationId: number, userId: number, at: number): Promise<number>;
  /**
   * Revokes every live token of this user, for every application (a password change), including one a concurrent
   * refresh adds while this waits for it, as revokeFamily does; returns the ids of the applications that held one,
   * each once.
   */
  revokeAllOfUser(userId: number, at: number): Promise<number[]>;
  /** This user's non-revoked tokens, oldest first. */
  liveGrantsOfUser(userId: number): Promise<LiveGrant[]>;
  /**
   * Deletes at most `limit` tokens whose access token expired, or which were revoked, before `cutoff`, and whose
   * parent token no longer exists (parents go first); returns how many (core/cleanup.ts).
   */
  deleteRetired(cutoff: number, limit: number): Promise<number>;
}
