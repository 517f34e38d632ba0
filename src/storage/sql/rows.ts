import type { Selectable } from 'kysely';
import type { AccessToken, Application, AuthorizationCode, CodeChallenge, Locale, User } from '../../core/model.js';
import { quotaFromColumns } from '../../core/quota.js';
import type { AccessGrantsTable, AccessTokensTable, ApplicationsTable, UsersTable } from '../schema.js';

/** Row-to-model mappers. Integer columns come back as numbers from every driver Monban uses. */

export function splitList(value: string): string[] {
  return value.split(/\s+/).filter((s) => s !== '');
}

export function toUser(
  row: Omit<Selectable<UsersTable>, 'nickname_key' | 'password_hash' | 'updated_at'>,
): User {
  return {
    id: Number(row.id),
    nickname: row.nickname,
    email: row.email,
    admin: Boolean(row.admin),
    locale: (row.locale === 'en' ? 'en' : 'ru') satisfies Locale,
    sex: row.sex === 'male' || row.sex === 'female' ? row.sex : null,
    website: row.website,
    lastOnlineAt: Number(row.last_online_at),
    createdAt: Number(row.created_at),
  };
}

/** The user columns a token is read with (queries.ts, TOKEN_USER_COLUMNS); none when the token has no user. */
export interface TokenUserColumns {
  user_id: number | null;
  user_nickname: string | null;
  user_email: string | null;
  user_admin: number | null;
  user_locale: string | null;
  user_sex: string | null;
  user_website: string | null;
  user_last_online_at: number | null;
  user_created_at: number | null;
}

export function toTokenUser(row: TokenUserColumns): User | undefined {
  if (row.user_id === null || row.user_nickname === null) return undefined;
  return toUser({
    id: row.user_id,
    nickname: row.user_nickname,
    email: row.user_email,
    admin: row.user_admin ?? 0,
    locale: row.user_locale ?? 'ru',
    sex: row.user_sex,
    website: row.user_website,
    last_online_at: row.user_last_online_at ?? 0,
    created_at: row.user_created_at ?? 0,
  });
}

export function toApplication(row: Selectable<ApplicationsTable>): Application {
  return {
    id: Number(row.id),
    uid: row.uid,
    secretHash: row.secret_hash,
    name: row.name,
    redirectUris: splitList(row.redirect_uri),
    scopes: splitList(row.scopes),
    allowedScopes: splitList(row.allowed_scopes),
    descriptionEn: row.description_en,
    descriptionRu: row.description_ru,
    ownerId: Number(row.owner_id),
    confidential: Boolean(row.confidential),
    quota: quotaFromColumns(row.quota_per_minute, row.quota_per_day),
    // Absent rather than null, as the model says: an application without an icon is what it always was.
    ...(row.icon_version === null ? {} : { iconVersion: row.icon_version }),
    version: Number(row.version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toAuthorizationCode(row: Selectable<AccessGrantsTable>): AuthorizationCode {
  return {
    id: Number(row.id),
    applicationId: Number(row.application_id),
    userId: Number(row.user_id),
    redirectUri: row.redirect_uri,
    scopes: splitList(row.scopes),
    createdAt: Number(row.created_at),
    expiresIn: Number(row.expires_in),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    codeChallenge: toCodeChallenge(row.code_challenge, row.code_challenge_method),
  };
}

/** A stored PKCE challenge; a method the columns somehow lack stays empty, so no verifier matches it (core/pkce.ts). */
export function toCodeChallenge(challenge: string | null, method: string | null): CodeChallenge | null {
  return challenge === null ? null : { challenge, method: method ?? '' };
}

export function toAccessToken(row: Selectable<AccessTokensTable>): AccessToken {
  return {
    id: Number(row.id),
    applicationId: Number(row.application_id),
    userId: row.user_id === null ? null : Number(row.user_id),
    grantId: row.grant_id === null ? null : Number(row.grant_id),
    parentId: row.parent_id === null ? null : Number(row.parent_id),
    scopes: splitList(row.scopes),
    createdAt: Number(row.created_at),
    expiresIn: Number(row.expires_in),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    hasRefreshToken: row.refresh_token_hash !== null,
    previousRefreshTokenHash: row.previous_refresh_token_hash,
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    rotatedAt: row.rotated_at === null ? null : Number(row.rotated_at),
  };
}
