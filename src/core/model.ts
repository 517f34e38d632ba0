/** What the protocol core works with, independent of how it is stored. Times are epoch milliseconds. */

export type Locale = 'ru' | 'en';

export interface User {
  id: number;
  nickname: string;
  email: string | null;
  admin: boolean;
  locale: Locale;
  sex: 'male' | 'female' | null;
  website: string | null;
  lastOnlineAt: number;
  createdAt: number;
}

export interface Application {
  id: number;
  /** client_id */
  uid: string;
  secretHash: string;
  name: string;
  redirectUris: string[];
  /** What the application may request; empty means the server's default scopes. */
  scopes: string[];
  allowedScopes: string[];
  descriptionEn: string;
  descriptionRu: string;
  ownerId: number;
  confidential: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface AuthorizationCode {
  id: number;
  applicationId: number;
  userId: number;
  redirectUri: string;
  scopes: string[];
  createdAt: number;
  /** Seconds. */
  expiresIn: number;
  /** Set when the code is redeemed (or revoked). */
  revokedAt: number | null;
}

export interface AccessToken {
  id: number;
  applicationId: number;
  /** Null for client_credentials tokens. */
  userId: number | null;
  /** The authorization code this token descends from (its family); null for client_credentials. */
  grantId: number | null;
  parentId: number | null;
  scopes: string[];
  createdAt: number;
  /** Seconds. */
  expiresIn: number;
  revokedAt: number | null;
  hasRefreshToken: boolean;
  previousRefreshTokenHash: string | null;
  /** When the token last authenticated a request, to the minute (core/bearer.ts); null before its first use. */
  lastUsedAt: number | null;
}

export function expiresAt(record: { createdAt: number; expiresIn: number }): number {
  return record.createdAt + record.expiresIn * 1000;
}

export function isExpired(record: { createdAt: number; expiresIn: number }, now: number): boolean {
  return now >= expiresAt(record);
}

/**
 * An authorization request validated by GET /oauth/authorize and kept on the server until the user decides
 * (core/authorization/flow.ts): the consent form carries only its id.
 */
export interface PendingAuthorization {
  id: number;
  applicationId: number;
  userId: number;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  createdAt: number;
  expiresAt: number;
}
