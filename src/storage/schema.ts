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
  server_keys: ServerKeysTable;
  device_codes: DeviceCodesTable;
  user_rates: UserRatesTable;
  leases: LeasesTable;
  audit_events: AuditEventsTable;
  secret_reveals: SecretRevealsTable;
  password_resets: PasswordResetsTable;
  import_map: ImportMapTable;
  application_icons: ApplicationIconsTable;
  /** SQLite only (migration 014): PostgreSQL notifies instead. */
  cache_generations: CacheGenerationsTable;
}

/** Counters that triggers move when a cached table changes (migration 014, storage/sqlite/application-watch.ts). */
export interface CacheGenerationsTable {
  name: string;
  value: number;
}

/** Uploaded application icons (migration 013, accounts/application-icons.ts): read only by the icon's route. */
export interface ApplicationIconsTable {
  application_id: number;
  /** Found from the bytes, never the uploader's word: image/png, image/jpeg, image/gif or image/webp. */
  content_type: string;
  bytes: Uint8Array;
  /** The digest of the bytes, also in applications.icon_version: the ETag and the pages' `?v=`. */
  version: string;
  updated_at: number;
}

/** What `monban import doorkeeper` made of each source row (migration 012, src/import/doorkeeper/). */
export interface ImportMapTable {
  /** 'user', 'application', 'grant' or 'token'. */
  kind: string;
  source_id: string;
  target_id: number;
  created_at: number;
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
  /** 1, as on Shikimori; 0 for a public application, which has no secret and must use PKCE (core/pkce.ts). */
  confidential: number;
  /** The administrator's request quota (migration 008, core/quota.ts): per minute, per day; null for none. */
  quota_per_minute: number | null;
  quota_per_day: number | null;
  /** The uploaded icon's version (migration 013), null without one: the pages read it with the row. */
  icon_version: string | null;
  /** One more at every UPDATE of the row, by a trigger (migration 014): what the grants' statements compare. */
  version: Generated<number>;
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
  /** RFC 7636: the PKCE challenge the code is bound to, and its method (S256); null when the request sent none. */
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
  /**
   * When the first use of this token's successor retired it (completeRotation), and only then: a revocation leaves
   * it null, so that a rotated-out refresh token is told apart from a revoked one (migration 005).
   */
  rotated_at: number | null;
}

/** Keys the server makes for itself, one row each, shared by every process on the database (migration 005). */
export interface ServerKeysTable {
  name: string;
  /** 32 bytes from the CSPRNG, base64url. */
  secret: string;
  created_at: number;
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
  /** RFC 7636 (migration 004): the request's PKCE challenge and its method, bound to the code it issues. */
  code_challenge: string | null;
  code_challenge_method: string | null;
  /** Migration 006: the device code a device's request answers (RFC 8628 §3.3); its redirect_uri is empty. */
  device_code_id: number | null;
  created_at: number;
  expires_at: number;
  /** Set once the user approved or denied; a decided request cannot be decided again. */
  decided_at: number | null;
}

/** Device authorization requests (RFC 8628, core/device/): from the device endpoint until their tokens are issued. */
export interface DeviceCodesTable {
  id: Generated<number>;
  device_code_hash: string;
  /** Unique over every row, so that a user code typed on the verification page names one device at most. */
  user_code_hash: string;
  application_id: number;
  /** Who approved or denied it; null while pending. */
  user_id: number | null;
  scopes: string;
  /** 'pending', 'approved' or 'denied'. */
  status: string;
  /** Seconds between polls; `interval` is a reserved word in SQL. */
  poll_interval: number;
  last_polled_at: number | null;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  redeemed_at: number | null;
}

/** The audit log (migration 009, src/audit/): security events; no foreign keys, so that they outlive their subjects. */
export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  /** The audit type (`token.issued`, `consent.revoked`, ...: audit/types.ts). */
  type: string;
  user_id: number | null;
  application_id: number | null;
  /** The client_id a client presented, when it named no application. */
  client_id: string | null;
  address: string | null;
  /** Truncated (audit/audit-log.ts). */
  user_agent: string | null;
  /** A small JSON object: what else the event told (grant type, scopes, tokens revoked). */
  details: string;
}

/** A new client secret waiting for the one page view that shows it (migration 011, http/secret-reveal.ts). */
export interface SecretRevealsTable {
  id: Generated<number>;
  /** The random id in the page's address, hashed like every other secret. */
  id_hash: string;
  /** The hash of the session cookie that made it: only that session sees it. */
  session_hash: string;
  application_id: number;
  /** 'created' or 'regenerated': what the page says happened. */
  kind: string;
  /** The secret, AES-256-GCM under a key from the session id and the reveal id; null for a public application. */
  sealed_secret: string | null;
  created_at: number;
  expires_at: number;
}

/** Named leases (migration 010): the process holding one runs its job (the cleanup) until expires_at at most. */
export interface LeasesTable {
  name: string;
  /** Which process holds it: host, pid and a random part, never a secret. */
  holder: string;
  expires_at: number;
}

/** Users' anime and manga lists (migration 007, core/user-rates/): one entry per user and target. */
export interface UserRatesTable {
  id: Generated<number>;
  user_id: number;
  /** 'Anime' or 'Manga'. */
  target_type: string;
  target_id: number;
  score: number;
  /** Shikimori's enum integer (core/user-rates/model.ts STATUSES). */
  status: number;
  rewatches: number;
  episodes: number;
  volumes: number;
  chapters: number;
  text: string | null;
  /** The application whose token made the last change; null once that application is deleted. */
  last_application_id: number | null;
  created_at: number;
  updated_at: number;
}

/** Migration 016 (accounts/password-resets.ts). */
export interface PasswordResetsTable {
  id: Generated<number>;
  user_id: number;
  /** The SHA-256 of the link's random token (core/secrets.ts), never the token. */
  token_hash: string;
  created_at: number;
  expires_at: number;
  /** When the link set a password, or a newer reset of the user made it void; null while it may be used. */
  used_at: number | null;
}
