import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Times are integer milliseconds since the epoch; secrets (codes, tokens, client
 * secrets, session ids) are stored only as their SHA-256 hashes (core/secrets.ts).
 */
export interface Database {
  users: UsersTable;
  applications: ApplicationsTable;
  access_grants: AccessGrantsTable;
  access_tokens: AccessTokensTable;
  sessions: SessionsTable;
  authorization_requests: AuthorizationRequestsTable;
}

export interface UsersTable {
  id: Generated<number>;
  nickname: string;
  /** core/nickname-key.ts: nicknames that look alike share a key, so they are unique regardless of case and look. */
  nickname_key: string;
  email: string | null;
  password_hash: string;
  admin: number;
  locale: string;
  sex: string | null;
  website: string | null;
  last_online_at: number;
  created_at: number;
  updated_at: number;
}

export interface ApplicationsTable {
  id: Generated<number>;
  /** The public client_id. */
  uid: string;
  secret_hash: string;
  name: string;
  /** Registered redirect URIs, one per line. */
  redirect_uri: string;
  /** The scopes the application may request (space-separated); always within allowed_scopes. */
  scopes: string;
  /** The scopes an administrator allows the owner to tick (space-separated). */
  allowed_scopes: string;
  description_en: string;
  description_ru: string;
  owner_id: number;
  /** Every application is confidential today; public clients (PKCE) come later. */
  confidential: number;
  created_at: number;
  updated_at: number;
}

/** Authorization codes (Doorkeeper's oauth_access_grants). A code is consumed by setting revoked_at. */
export interface AccessGrantsTable {
  id: Generated<number>;
  token_hash: string;
  application_id: number;
  user_id: number;
  redirect_uri: string;
  scopes: string;
  created_at: number;
  /** Seconds. */
  expires_in: number;
  revoked_at: number | null;
  /** RFC 7636, for the PKCE issue; null until then. */
  code_challenge: string | null;
  code_challenge_method: string | null;
}

export interface AccessTokensTable {
  id: Generated<number>;
  token_hash: string;
  refresh_token_hash: string | null;
  application_id: number;
  /** Null for client_credentials tokens. */
  user_id: number | null;
  /** The authorization code this token descends from, through any number of refreshes: its token family. */
  grant_id: number | null;
  /** The token whose refresh produced this one. */
  parent_id: number | null;
  scopes: string;
  created_at: number;
  /** Seconds. */
  expires_in: number;
  revoked_at: number | null;
  /**
   * Hash of the refresh token this token replaced, until this token is first used: Doorkeeper's lazy rotation,
   * where the old refresh token keeps working until then (compatibility.md §4.4).
   */
  previous_refresh_token_hash: string | null;
  last_used_at: number | null;
}

export interface SessionsTable {
  id_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}

/** Authorization requests waiting for the user's decision (core/authorization/flow.ts). */
export interface AuthorizationRequestsTable {
  id: Generated<number>;
  /** The opaque id the consent form carries, hashed like every other secret. */
  id_hash: string;
  /** The hash of the session cookie the request was made in: only that session may decide it. */
  session_hash: string;
  user_id: number;
  application_id: number;
  redirect_uri: string;
  scopes: string;
  state: string | null;
  created_at: number;
  expires_at: number;
  /** Set once the user approved or denied; a decided request cannot be decided again. */
  decided_at: number | null;
}
