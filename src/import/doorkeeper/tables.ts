import type { ColumnSpec, SourceDatabase } from './source.js';

/**
 * The source tables and the columns read from them: Doorkeeper 5's oauth_* tables and Devise's users table as
 * Shikimori has them (docs/import.md lists them). Required columns must be there; optional ones are read when they
 * are (a plain Doorkeeper has no `allowed_scopes` or descriptions, Shikimori has no PKCE columns).
 */
export interface TableSpec {
  name: string;
  required: ColumnSpec;
  optional: ColumnSpec;
}

export const USERS: TableSpec = {
  name: 'users',
  required: { nickname: 'text', email: 'text', encrypted_password: 'text' },
  optional: { locale: 'text', created_at: 'time', last_online_at: 'time' },
};

export const APPLICATIONS: TableSpec = {
  name: 'oauth_applications',
  required: {
    name: 'text',
    uid: 'text',
    secret: 'text',
    redirect_uri: 'text',
    scopes: 'text',
    owner_id: 'id',
    confidential: 'bool',
    created_at: 'time',
  },
  optional: {
    owner_type: 'text',
    allowed_scopes: 'list',
    description_en: 'text',
    description_ru: 'text',
    updated_at: 'time',
  },
};

export const GRANTS: TableSpec = {
  name: 'oauth_access_grants',
  required: {
    resource_owner_id: 'id',
    application_id: 'id',
    token: 'text',
    expires_in: 'int',
    redirect_uri: 'text',
    created_at: 'time',
    revoked_at: 'time',
    scopes: 'text',
  },
  optional: { code_challenge: 'text', code_challenge_method: 'text' },
};

export const TOKENS: TableSpec = {
  name: 'oauth_access_tokens',
  required: {
    resource_owner_id: 'id',
    application_id: 'id',
    token: 'text',
    refresh_token: 'text',
    expires_in: 'int',
    revoked_at: 'time',
    created_at: 'time',
    scopes: 'text',
  },
  // Without it Doorkeeper revoked a refresh token when it was used: there is no lazy rotation to keep.
  optional: { previous_refresh_token: 'text' },
};

export const TABLES = [USERS, APPLICATIONS, GRANTS, TOKENS] as const;

/** The source is not a Doorkeeper database: names the first missing table or column. */
export class NotDoorkeeperError extends Error {
  override name = 'NotDoorkeeperError';
}

/** The columns each table will be read with: its required ones, and the optional ones it has. */
export type ReadColumns = Map<TableSpec, ColumnSpec>;

export async function checkSource(source: SourceDatabase): Promise<ReadColumns> {
  const read: ReadColumns = new Map();
  for (const table of TABLES) {
    const present = await source.columns(table.name);
    if (!present) {
      throw new NotDoorkeeperError(`${source.label} is not a Doorkeeper database: it has no table ${table.name}`);
    }
    const missing = ['id', ...Object.keys(table.required)].filter((c) => !present.has(c));
    if (missing.length > 0) {
      const names = missing.map((c) => `${table.name}.${c}`).join(', ');
      throw new NotDoorkeeperError(
        `${source.label} is not a Doorkeeper database: missing column${missing.length > 1 ? 's' : ''} ${names}`,
      );
    }
    const optional = Object.entries(table.optional).filter(([c]) => present.has(c));
    read.set(table, { ...table.required, ...Object.fromEntries(optional) });
  }
  return read;
}
