import type { Selectable } from 'kysely';
import type { AccessToken, Application, AuthorizationCode, Locale, User } from '../../core/model.js';
import type { AccessGrantsTable, AccessTokensTable, ApplicationsTable, UsersTable } from '../schema.js';

/** Row-to-model mappers. Integer columns come back as numbers from every driver Monban uses. */

export function splitList(value: string): string[] {
  return value.split(/\s+/).filter((s) => s !== '');
}

export function toUser(row: Selectable<UsersTable>): User {
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
  };
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
  };
}
