import type { Insertable } from 'kysely';
import { orderScopes } from '../../accounts/application-management.js';
import { importedPasswordHash } from '../../accounts/passwords.js';
import { splitRedirectUris } from '../../core/redirect-uri.js';
import { DEFAULT_SCOPES } from '../../core/scopes.js';
import { secretHash } from '../../core/secrets.js';
import { nicknameKey } from '../../core/nickname-key.js';
import type { AccessGrantsTable, AccessTokensTable, ApplicationsTable, UsersTable } from '../../storage/schema.js';
import type { SourceRow } from './source.js';

/**
 * One source row to one Monban row, or the reason it is skipped. Secrets arrive in clear (Shikimori keeps
 * `hash_token_secrets` and `hash_application_secrets` off) and leave as Monban's hashes (core/secrets.ts).
 */

export type Mapped<T> = { row: T } | { skip: SkipReason };

export type SkipReason =
  | 'revoked'
  | 'expired'
  | 'no_user'
  | 'no_application'
  | 'no_owner'
  | 'nickname_taken'
  | 'no_nickname'
  | 'client_id_taken'
  | 'pkce_method';

/** Doorkeeper's `expires_in` null never expires; Monban stores seconds in an integer column, so: about 68 years. */
export const NEVER_EXPIRES = 2_147_483_647;

const text = (row: SourceRow, name: string): string => {
  const value = row[name];
  return typeof value === 'string' ? value : '';
};
const num = (row: SourceRow, name: string): number | null => {
  const value = row[name];
  return typeof value === 'number' ? value : null;
};
const words = (value: string): string[] => [...new Set(value.split(/\s+/).filter((s) => s !== ''))];

/** Doorkeeper's `revoked?`: a revocation time at or before now (a future one, `revoke_in`, is not yet). */
function revoked(row: SourceRow, now: number): boolean {
  const at = num(row, 'revoked_at');
  return at !== null && at <= now;
}

export function mapUser(row: SourceRow, now: number): Mapped<Omit<Insertable<UsersTable>, 'id'>> {
  const nickname = text(row, 'nickname').trim();
  if (nickname === '') return { skip: 'no_nickname' };
  const email = text(row, 'email').trim();
  const createdAt = num(row, 'created_at') ?? now;
  return {
    row: {
      nickname,
      nickname_key: nicknameKey(nickname),
      email: email === '' ? null : email,
      password_hash: importedPasswordHash(text(row, 'encrypted_password')),
      admin: 0,
      locale: text(row, 'locale') === 'en' ? 'en' : 'ru',
      last_online_at: num(row, 'last_online_at') ?? createdAt,
      created_at: createdAt,
      updated_at: now,
    },
  };
}

export function mapApplication(
  row: SourceRow,
  ownerId: number,
): Omit<Insertable<ApplicationsTable>, 'id'> {
  const scopes = words(text(row, 'scopes'));
  // Monban keeps an application's scopes within its allowed ones (compatibility.md §3). Shikimori's column
  // defaults to none while its model defaults to the server's scopes; either way the scopes it has stay allowed.
  const listed = Array.isArray(row.allowed_scopes) ? row.allowed_scopes : [];
  const allowed = orderScopes([...(listed.length > 0 ? listed : DEFAULT_SCOPES), ...scopes]);
  const confidential = row.confidential !== false;
  const createdAt = num(row, 'created_at') ?? 0;
  return {
    uid: text(row, 'uid'),
    // A public application has no secret in Monban: the empty hash matches none (core/secrets.ts).
    secret_hash: confidential ? secretHash(text(row, 'secret')) : '',
    name: text(row, 'name'),
    redirect_uri: splitRedirectUris(text(row, 'redirect_uri')).join('\n'),
    scopes: orderScopes(scopes).join(' '),
    allowed_scopes: allowed.join(' '),
    description_en: text(row, 'description_en'),
    description_ru: text(row, 'description_ru'),
    owner_id: ownerId,
    confidential: confidential ? 1 : 0,
    created_at: createdAt,
    updated_at: num(row, 'updated_at') ?? createdAt,
  };
}

/** Whether a code is still redeemable: not revoked (a redeemed code is revoked) and not expired. */
export function grantUsable(row: SourceRow, now: number): SkipReason | undefined {
  if (revoked(row, now)) return 'revoked';
  return (num(row, 'created_at') ?? 0) + (num(row, 'expires_in') ?? 0) * 1000 <= now ? 'expired' : undefined;
}

export function mapGrant(
  row: SourceRow,
  ids: { applicationId: number; userId: number },
): Mapped<Omit<Insertable<AccessGrantsTable>, 'id'>> {
  const createdAt = num(row, 'created_at') ?? 0;
  const expiresIn = num(row, 'expires_in') ?? 0;
  const challenge = text(row, 'code_challenge');
  const method = text(row, 'code_challenge_method');
  // Monban verifies S256 only (core/pkce.ts); a `plain` challenge cannot be kept without weakening it.
  if (challenge !== '' && method !== 'S256') return { skip: 'pkce_method' };
  return {
    row: {
      token_hash: secretHash(text(row, 'token')),
      application_id: ids.applicationId,
      user_id: ids.userId,
      redirect_uri: text(row, 'redirect_uri'),
      scopes: words(text(row, 'scopes')).join(' '),
      created_at: createdAt,
      expires_in: expiresIn,
      revoked_at: null,
      code_challenge: challenge === '' ? null : challenge,
      code_challenge_method: challenge === '' ? null : 'S256',
    },
  };
}

/** Whether the token is worth moving: not revoked, and either its access token or its refresh token still works. */
export function tokenUsable(row: SourceRow, now: number): SkipReason | undefined {
  if (revoked(row, now)) return 'revoked';
  // Doorkeeper's refresh tokens never expire (compatibility.md §4.4): one that has a refresh token stays usable.
  if (text(row, 'refresh_token') !== '') return undefined;
  const expiresIn = num(row, 'expires_in');
  if (expiresIn === null) return undefined;
  return (num(row, 'created_at') ?? 0) + expiresIn * 1000 <= now ? 'expired' : undefined;
}

/**
 * A live token. `previous_refresh_token` is Doorkeeper's lazy rotation in progress: the refresh token this one
 * replaced still works until this token is first used, which clears the column. Monban keeps the same state in
 * previous_refresh_token_hash (core/bearer.ts, completeRotation), so the old token, imported live beside it, stays
 * refreshable exactly as long as it would have on Doorkeeper.
 */
export function mapToken(
  row: SourceRow,
  ids: { applicationId: number; userId: number | null },
): Omit<Insertable<AccessTokensTable>, 'id'> {
  const refreshToken = text(row, 'refresh_token');
  const previous = text(row, 'previous_refresh_token');
  return {
    token_hash: secretHash(text(row, 'token')),
    refresh_token_hash: refreshToken === '' ? null : secretHash(refreshToken),
    application_id: ids.applicationId,
    user_id: ids.userId,
    grant_id: null,
    parent_id: null,
    scopes: words(text(row, 'scopes')).join(' '),
    created_at: num(row, 'created_at') ?? 0,
    expires_in: num(row, 'expires_in') ?? NEVER_EXPIRES,
    revoked_at: null,
    previous_refresh_token_hash: previous === '' ? null : secretHash(previous),
    last_used_at: null,
  };
}
