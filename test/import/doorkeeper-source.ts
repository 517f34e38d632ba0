import bcrypt from 'bcryptjs';
import SQLite from 'better-sqlite3';
import pg from 'pg';

/**
 * A Doorkeeper database shaped like Shikimori's (docs/import.md): the real table and column names and types, on
 * SQLite (as a Rails app on SQLite writes it) or PostgreSQL, with Devise bcrypt hashes made with a pepper, and a few
 * thousand rows of each kind in every state the import must tell apart. `expected` counts what an import must do,
 * worked out here from how each row was made, not by the import's own rules.
 */

export const PEPPER = 'a3f1c9d27e5b48f6'.repeat(8); // 128 hex characters, like Devise's generated pepper
export const OLD_PASSWORD = 'old-pass1';
export const SHARED_PASSWORD = 'abc';

export interface Sizes {
  users: number;
  applications: number;
  grants: number;
  tokens: number;
}

export const SIZES: Sizes = { users: 3000, applications: 2000, grants: 3000, tokens: 3000 };

/** The nickname of the source user 3, which the Monban side already has (the test creates it first). */
export const TAKEN_NICKNAME = 'Taken';
/** Source applications that cannot move: 3 (owner's nickname taken), 7 (no owner). */
const APP_OWNER_TAKEN = 3;
const APP_WITHOUT_OWNER = 7;
/** Codes and tokens use the first this many applications. */
const ACTIVE_APPS = 50;

export interface Expected {
  users: { imported: number; withoutPassword: number; nicknameTaken: number };
  applications: { imported: number; noOwner: number; noUser: number };
  grants: { imported: number; revoked: number; expired: number; noApplication: number; noUser: number };
  tokens: { imported: number; revoked: number; expired: number; noApplication: number; noUser: number };
}

interface Rows {
  users: unknown[][];
  applications: unknown[][];
  grants: unknown[][];
  tokens: unknown[][];
}

/** Rails writes times as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (and PostgreSQL's `timestamp` takes the same text). */
export function railsTime(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}000`;
}

const DAY = 86_400_000;

function devise(password: string, cost: number): string {
  // Ruby's bcrypt writes the $2a$ prefix; the algorithm is the same.
  return bcrypt.hashSync(`${password}${PEPPER}`, cost).replace(/^\$2b\$/, '$2a$');
}

function userIdOf(i: number, sizes: Sizes): number {
  return ((i - 1) % sizes.users) + 1;
}

/** The rows and what an import of them must come to, for the import's clock `now`. */
export function makeRows(now: number, sizes: Sizes = SIZES): { rows: Rows; expected: Expected } {
  const hashes = { old: devise(OLD_PASSWORD, 10), shared: devise(SHARED_PASSWORD, 4) };
  const rows: Rows = { users: [], applications: [], grants: [], tokens: [] };
  const usable = (user: number) => user !== 3;
  // The users an import fetches: owners of applications, and holders of live codes and tokens of moved applications.
  const referenced = new Set<number>();
  const withoutPassword = (user: number) => user % 10 === 0;

  for (let i = 1; i <= sizes.users; i++) {
    const password = i === 1 || i === 2 ? hashes.old : withoutPassword(i) ? '' : hashes.shared;
    const nickname = i === 3 ? TAKEN_NICKNAME : `user${i}`;
    const created = railsTime(now - 400 * DAY + i * 1000);
    // id, nickname, email, encrypted_password, locale, created_at, updated_at, last_online_at
    const locale = i % 2 === 0 ? 'en' : 'ru';
    rows.users.push([i, nickname, `user${i}@example.com`, password, locale, created, created, created]);
  }

  const appExpected = { imported: 0, noOwner: 0, noUser: 0 };
  for (let i = 1; i <= sizes.applications; i++) {
    const owner = i === APP_WITHOUT_OWNER ? null : userIdOf(i, sizes);
    if (owner !== null) referenced.add(owner);
    if (owner === null) appExpected.noOwner++;
    else if (!usable(owner)) appExpected.noUser++;
    else appExpected.imported++;
    const created = railsTime(now - 300 * DAY);
    // id, name, uid, secret, redirect_uri, scopes, owner_id, owner_type, description_ru, description_en,
    // confidential, allowed_scopes, created_at, updated_at
    rows.applications.push([
      i,
      `App ${i}`,
      `app-uid-${i}`,
      `app-secret-${i}`,
      i % 2 === 0 ? 'https://client.example/cb' : 'https://client.example/cb\nurn:ietf:wg:oauth:2.0:oob',
      i % 3 === 0 ? '' : 'user_rates comments topics',
      owner,
      owner === null ? null : 'User',
      `Описание ${i}`,
      `Description ${i}`,
      true,
      i === 1 ? ['user_rates', 'comments', 'topics', 'messages'] : [],
      created,
      created,
    ]);
  }
  const appUsable = (app: number) => app !== APP_OWNER_TAKEN && app !== APP_WITHOUT_OWNER;

  const grants = { imported: 0, revoked: 0, expired: 0, noApplication: 0, noUser: 0 };
  for (let i = 1; i <= sizes.grants; i++) {
    const app = ((i - 1) % ACTIVE_APPS) + 1;
    const user = userIdOf(i, sizes);
    const state = i % 3; // 0: expired, 1: redeemed (revoked), 2: live
    if (state === 0) grants.expired++;
    else if (state === 1) grants.revoked++;
    else if (!appUsable(app)) grants.noApplication++;
    else if ((referenced.add(user), !usable(user))) grants.noUser++;
    else grants.imported++;
    const created = now - (state === 0 ? 3600_000 : 60_000);
    // id, resource_owner_id, application_id, token, expires_in, redirect_uri, created_at, revoked_at, scopes
    rows.grants.push([
      i,
      user,
      app,
      `grant-${i}`,
      1800,
      'https://client.example/cb',
      railsTime(created),
      state === 1 ? railsTime(now - 30_000) : null,
      'user_rates comments topics',
    ]);
  }

  const tokens = { imported: 0, revoked: 0, expired: 0, noApplication: 0, noUser: 0 };
  const token = (
    id: number,
    user: number | null,
    app: number,
    name: string,
    refresh: boolean,
    createdAgo: number,
    revokedAgo: number | null,
    previous = '',
  ) =>
    // id, resource_owner_id, application_id, token, refresh_token, expires_in, revoked_at, created_at, scopes,
    // previous_refresh_token
    rows.tokens.push([
      id,
      user,
      app,
      `${name}-access`,
      refresh ? `${name}-refresh` : null,
      86400,
      revokedAgo === null ? null : railsTime(now - revokedAgo),
      railsTime(now - createdAgo),
      'user_rates comments topics',
      previous,
    ]);
  for (let i = 1; i <= sizes.tokens; i++) {
    const app = ((i - 1) % ACTIVE_APPS) + 1;
    const state = i % 5; // 0 revoked, 1 access expired but refreshable, 2 live, 3 expired for good, 4 client's own
    const user = state === 4 ? null : userIdOf(i, sizes);
    if (state === 0) tokens.revoked++;
    else if (state === 3) tokens.expired++;
    else if (!appUsable(app)) tokens.noApplication++;
    else if (user !== null && (referenced.add(user), !usable(user))) tokens.noUser++;
    else tokens.imported++;
    const createdAgo = state === 1 || state === 3 ? 2 * DAY : 3600_000;
    token(i, user, app, `t${i}`, state !== 3 && state !== 4, createdAgo, state === 0 ? 100_000 : null);
  }
  // Lazy rotation (compatibility.md §4.4): lazy-old was refreshed into lazy-new, which was never used, so both live.
  token(sizes.tokens + 1, 1, 1, 'lazy-old', true, 2 * DAY, null);
  token(sizes.tokens + 2, 1, 1, 'lazy-new', true, 3600_000, null, 'lazy-old-refresh');
  // The same, a second pair, for the test that uses the new token first.
  token(sizes.tokens + 3, 2, 2, 'lazy2-old', true, 2 * DAY, null);
  token(sizes.tokens + 4, 2, 2, 'lazy2-new', true, 3600_000, null, 'lazy2-old-refresh');
  // used-new was used: Doorkeeper revoked used-old and cleared used-new's previous_refresh_token.
  token(sizes.tokens + 5, 1, 1, 'used-old', true, 2 * DAY, 1800_000);
  token(sizes.tokens + 6, 1, 1, 'used-new', true, 3600_000, null);
  // A live token of the user whose nickname is taken here: skipped with its user.
  token(sizes.tokens + 7, 3, 1, 'taken-user', true, 3600_000, null);
  referenced.add(3);
  tokens.imported += 5;
  tokens.revoked += 1;
  tokens.noUser += 1;

  const importedUsers = [...referenced].filter(usable);
  return {
    rows,
    expected: {
      users: {
        imported: importedUsers.length,
        withoutPassword: importedUsers.filter(withoutPassword).length,
        nicknameTaken: referenced.has(3) ? 1 : 0,
      },
      applications: appExpected,
      grants,
      tokens,
    },
  };
}

const DDL = {
  sqlite: [
    `create table users (id integer primary key autoincrement not null, email varchar default '' not null,
      encrypted_password varchar default '' not null, nickname varchar, locale varchar default 'ru',
      created_at datetime(6), updated_at datetime(6), last_online_at datetime(6))`,
    `create table oauth_applications (id integer primary key autoincrement not null, name varchar(255) not null,
      uid varchar not null, secret varchar not null, redirect_uri text not null, scopes varchar default '' not null,
      owner_id integer, owner_type varchar, description_ru text default '' not null,
      description_en text default '' not null, confidential boolean default 1 not null,
      allowed_scopes text default '[]' not null, created_at datetime(6) not null, updated_at datetime(6) not null)`,
    `create unique index index_oauth_applications_on_uid on oauth_applications (uid)`,
    `create table oauth_access_grants (id integer primary key autoincrement not null,
      resource_owner_id integer not null, application_id integer not null, token varchar not null,
      expires_in integer not null, redirect_uri text not null, created_at datetime(6) not null, revoked_at datetime(6), scopes varchar)`,
    `create unique index index_oauth_access_grants_on_token on oauth_access_grants (token)`,
    `create table oauth_access_tokens (id integer primary key autoincrement not null, resource_owner_id integer,
      application_id integer, token varchar not null, refresh_token varchar, expires_in integer,
      revoked_at datetime(6), created_at datetime(6) not null, scopes varchar,
      previous_refresh_token varchar default '' not null)`,
    `create unique index index_oauth_access_tokens_on_token on oauth_access_tokens (token)`,
    `create unique index index_oauth_access_tokens_on_refresh_token on oauth_access_tokens (refresh_token)`,
  ],
  postgres: [
    `create table users (id serial primary key, email character varying default '' not null,
      encrypted_password character varying default '' not null, nickname character varying,
      locale character varying default 'ru', created_at timestamp without time zone,
      updated_at timestamp without time zone, last_online_at timestamp without time zone)`,
    `create table oauth_applications (id serial primary key, name character varying(255) not null,
      uid character varying not null, secret character varying not null, redirect_uri text not null,
      scopes character varying default '' not null, owner_id integer, owner_type character varying,
      description_ru text default '' not null, description_en text default '' not null,
      confidential boolean default true not null, allowed_scopes character varying[] default '{}' not null,
      created_at timestamp without time zone not null, updated_at timestamp without time zone not null)`,
    `create unique index index_oauth_applications_on_uid on oauth_applications (uid)`,
    `create table oauth_access_grants (id serial primary key, resource_owner_id integer not null,
      application_id integer not null, token character varying not null, expires_in integer not null,
      redirect_uri text not null, created_at timestamp without time zone not null,
      revoked_at timestamp without time zone, scopes character varying)`,
    `create unique index index_oauth_access_grants_on_token on oauth_access_grants (token)`,
    `create table oauth_access_tokens (id serial primary key, resource_owner_id integer, application_id integer,
      token character varying not null, refresh_token character varying, expires_in integer,
      revoked_at timestamp without time zone, created_at timestamp without time zone not null,
      scopes character varying, previous_refresh_token character varying default '' not null)`,
    `create unique index index_oauth_access_tokens_on_token on oauth_access_tokens (token)`,
    `create unique index index_oauth_access_tokens_on_refresh_token on oauth_access_tokens (refresh_token)`,
  ],
};

const COLUMNS = {
  users: ['id', 'nickname', 'email', 'encrypted_password', 'locale', 'created_at', 'updated_at', 'last_online_at'],
  oauth_applications: [
    'id',
    'name',
    'uid',
    'secret',
    'redirect_uri',
    'scopes',
    'owner_id',
    'owner_type',
    'description_ru',
    'description_en',
    'confidential',
    'allowed_scopes',
    'created_at',
    'updated_at',
  ],
  oauth_access_grants: [
    'id',
    'resource_owner_id',
    'application_id',
    'token',
    'expires_in',
    'redirect_uri',
    'created_at',
    'revoked_at',
    'scopes',
  ],
  oauth_access_tokens: [
    'id',
    'resource_owner_id',
    'application_id',
    'token',
    'refresh_token',
    'expires_in',
    'revoked_at',
    'created_at',
    'scopes',
    'previous_refresh_token',
  ],
};

function tables(rows: Rows): [keyof typeof COLUMNS, unknown[][]][] {
  return [
    ['users', rows.users],
    ['oauth_applications', rows.applications],
    ['oauth_access_grants', rows.grants],
    ['oauth_access_tokens', rows.tokens],
  ];
}

/** Writes the rows into a new SQLite file, as Rails on SQLite would: booleans 1/0, arrays as JSON text. */
export function writeSqlite(path: string, rows: Rows, ddl: readonly string[] = DDL.sqlite): void {
  const db = new SQLite(path);
  try {
    for (const statement of ddl) db.exec(statement);
    db.transaction(() => {
      for (const [table, data] of tables(rows)) {
        if (data.length === 0) continue;
        const columns = COLUMNS[table];
        const insert = db.prepare(
          `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
        );
        for (const row of data) {
          insert.run(
            ...row.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : Array.isArray(v) ? JSON.stringify(v) : v)),
          );
        }
      }
    })();
  } finally {
    db.close();
  }
}

/** Writes the rows into an empty PostgreSQL database, with Shikimori's types (varchar[] for allowed_scopes). */
export async function writePostgres(url: string, rows: Rows, ddl: readonly string[] = DDL.postgres): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of ddl) await client.query(statement);
    for (const [table, data] of tables(rows)) {
      const columns = COLUMNS[table];
      for (let start = 0; start < data.length; start += 500) {
        const chunk = data.slice(start, start + 500);
        const params: unknown[] = [];
        const tuples = chunk.map((row) => `(${row.map((v) => `$${params.push(v)}`).join(', ')})`);
        await client.query(`insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`, params);
      }
      await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
    }
  } finally {
    await client.end();
  }
}

export const SOURCE_DDL = DDL;
