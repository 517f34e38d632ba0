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
  /** Requests its tokens may make (core/quota.ts), set by an administrator; null for none. */
  quota: ApplicationQuota | null;
  /** The uploaded icon's version (a digest of its bytes); absent without one, when pages draw it from the name. */
  iconVersion?: string;
  /**
   * The row's version, one more at each change (migration 014): a grant's statement writes only while the
   * application is still at this version, so that one authenticated from a cache is never trusted past a change
   * (sql/grant-statements.ts). Internal: never shown to anyone.
   */
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** An application's request quota: per minute and per day, each null when not limited, never both null. */
export interface ApplicationQuota {
  perMinute: number | null;
  perDay: number | null;
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
  /** The PKCE challenge of the request the code was issued for (core/pkce.ts); null when it sent none. */
  codeChallenge: CodeChallenge | null;
}

/** RFC 7636 §4.2, §4.3: a PKCE challenge and its method (Monban accepts only S256 and stores no other). */
export interface CodeChallenge {
  challenge: string;
  method: string;
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
  /**
   * When the first use of its successor retired it (lazy rotation, compatibility.md §4.4); null for a live token and
   * for one revoked any other way. revokedAt is set too.
   */
  rotatedAt: number | null;
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
  /** The request's PKCE challenge, to be bound to its code; null when it sent none. */
  codeChallenge: CodeChallenge | null;
  /** Set for a device's request (RFC 8628 §3.3): its answer goes to that device code, and it has no redirect URI. */
  deviceCodeId?: number;
  createdAt: number;
  expiresAt: number;
}

/**
 * A device's authorization request (RFC 8628 §3.1), from the device authorization endpoint until its tokens are
 * issued (core/device/). Its device code and user code are stored only as hashes.
 */
export interface DeviceCode {
  id: number;
  applicationId: number;
  /** As requested; once approved, the scopes the user left ticked. */
  scopes: string[];
  status: 'pending' | 'approved' | 'denied';
  /** The user who approved or denied it; null while pending. */
  userId: number | null;
  createdAt: number;
  expiresAt: number;
  /** Seconds the device must wait between polls; 5 more at each slow_down (RFC 8628 §3.5). */
  interval: number;
  lastPolledAt: number | null;
  /** When its tokens were issued: a device code is exchanged once. */
  redeemedAt: number | null;
}
