import type { AccessToken, Application, AuthorizationCode, Locale, User } from '../core/model.js';

/**
 * Narrow stores, one per concern. Logic lives above them; they persist, and each states the atomicity the protocol
 * relies on. Every backend runs one contract suite (test/storage/contract.ts).
 */

export interface NewUser {
  nickname: string;
  email: string | null;
  passwordHash: string;
  admin: boolean;
  locale: Locale;
  at: number;
}

export class NicknameTaken extends Error {
  override name = 'NicknameTaken';
}

export interface UserStore {
  /** Nicknames are unique regardless of case; a taken one throws NicknameTaken. */
  create(user: NewUser): Promise<User>;
  findById(id: number): Promise<User | undefined>;
  findByNickname(nickname: string): Promise<{ user: User; passwordHash: string } | undefined>;
  touchLastOnline(id: number, at: number): Promise<void>;
}

export interface NewApplication {
  uid: string;
  secretHash: string;
  name: string;
  redirectUris: string[];
  scopes: string[];
  allowedScopes: string[];
  descriptionEn: string;
  descriptionRu: string;
  ownerId: number;
  at: number;
}

export interface ApplicationStore {
  create(application: NewApplication): Promise<Application>;
  findByUid(uid: string): Promise<Application | undefined>;
  findById(id: number): Promise<Application | undefined>;
}

export interface NewAuthorizationCode {
  codeHash: string;
  applicationId: number;
  userId: number;
  redirectUri: string;
  scopes: string[];
  expiresIn: number;
  at: number;
}

export interface AuthorizationCodeStore {
  create(code: NewAuthorizationCode): Promise<AuthorizationCode>;
  /**
   * Marks the unconsumed code with this hash, issued to this application, as consumed, and returns it. Of any number
   * of concurrent callers, in any number of processes, exactly one gets the code; the others get undefined.
   */
  consume(codeHash: string, applicationId: number, at: number): Promise<AuthorizationCode | undefined>;
  findByHash(codeHash: string): Promise<AuthorizationCode | undefined>;
}

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

export interface AccessTokenStore {
  create(token: NewAccessToken): Promise<AccessToken>;
  findByToken(tokenHash: string): Promise<AccessToken | undefined>;
  findByRefreshToken(refreshTokenHash: string): Promise<AccessToken | undefined>;
  /** Revokes one token (its access and refresh token together); false if it was already revoked. */
  revoke(id: number, at: number): Promise<boolean>;
  /** Revokes every token descending from one authorization code; returns how many were still live. */
  revokeFamily(grantId: number, at: number): Promise<number>;
  /**
   * Doorkeeper's `revoke_previous_refresh_token!`: on a token's first use, revokes the token whose refresh token it
   * replaced and forgets the link, so the old refresh token stops working from then on (ref §4.4).
   */
  completeRotation(token: AccessToken, at: number): Promise<void>;
  /** The scope sets of this user's non-revoked tokens for this application, newest first (for skipping consent). */
  grantedScopes(applicationId: number, userId: number): Promise<string[][]>;
}

export interface SessionStore {
  create(idHash: string, userId: number, at: number, expiresAt: number): Promise<void>;
  /** The signed-in user of an unexpired session. */
  findUser(idHash: string, now: number): Promise<User | undefined>;
  delete(idHash: string): Promise<void>;
}

export interface Stores {
  users: UserStore;
  applications: ApplicationStore;
  codes: AuthorizationCodeStore;
  tokens: AccessTokenStore;
  sessions: SessionStore;
  /** Runs fn with stores bound to one transaction: all of its writes land, or none. */
  transaction<T>(fn: (stores: Stores) => Promise<T>): Promise<T>;
}
