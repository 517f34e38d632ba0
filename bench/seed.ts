/**
 * Seeds Monban's database by direct SQL, fast: users, the benchmark's application, a signed-in session, resident
 * tokens, and pools of fresh refresh tokens and codes, every secret stored as Monban stores it (core/secrets.ts
 * secretHash: SHA-256, URL-safe base64) and derived with common.ts benchSecret, so the driver knows them.
 *
 * The schema is Monban's own: `monban migrate` creates it before anything is inserted.
 *   SQLite: one prepared INSERT per table in large transactions, journal off during the load, the token table's
 *           plain indexes rebuilt after a load of millions; a base file (schema, users, application, residents) is
 *           built once per size under bench/.cache and copied for every run.
 *   PostgreSQL: generate_series with the hashing done in SQL (sha256, base64 turned URL-safe); for millions of
 *           rows the token table's secondary indexes and unique constraints are dropped and rebuilt after the load.
 */
import { spawnSync } from 'node:child_process';
import { constants, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { secretHash } from '../src/core/secrets.js';
import {
  benchSecret,
  CLIENT_ID,
  CLIENT_SECRET,
  REDIRECT_URI,
  SEED_LABEL,
  SEED_SCOPES,
  SEED_TTL_S,
  type SecretKind,
  type SeedPlan,
} from './common.js';

/** Never checked: sessions are seeded, nobody signs in with a password. */
const PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$bm90LWEtcmVhbC1wYXNzd29yZC1oYXNoLWF0LWFsbA';
const SESSION_TTL_MS = SEED_TTL_S * 1000;
/** Sessions i = 0, 1 sign in users 0 and 1 (the SQL count runs the consent page for a user with no token yet). */
const SESSIONS = 2;

/** Runs `monban migrate` against a database URL; throws with Monban's own message when it fails. */
export function migrate(cli: string[], databaseUrl: string): void {
  const result = spawnSync(process.execPath, [...cli, 'migrate'], {
    env: { ...process.env, MONBAN_DATABASE_URL: databaseUrl, MONBAN_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`monban migrate failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`);
  }
}

function log(line: string): void {
  process.stderr.write(`  seed: ${line}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// SQLite

interface SqliteIds {
  firstUserId: number;
  applicationId: number;
}

function sqliteIds(db: SQLite.Database): SqliteIds {
  const users = db.prepare('SELECT min(id) AS first FROM users').get() as { first: number };
  const app = db.prepare('SELECT id FROM applications WHERE uid = ?').get(CLIENT_ID) as { id: number };
  return { firstUserId: users.first, applicationId: app.id };
}

function insertTokensSqlite(
  db: SQLite.Database,
  ids: SqliteIds,
  users: number,
  count: number,
  kinds: [SecretKind, SecretKind],
  now: number,
): void {
  const insert = db.prepare(
    `INSERT INTO access_tokens (token_hash, refresh_token_hash, application_id, user_id, grant_id, parent_id, scopes,
       created_at, expires_in, revoked_at, previous_refresh_token_hash, last_used_at)
     VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, NULL, NULL, NULL)`,
  );
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      insert.run(
        secretHash(benchSecret(kinds[0], i)),
        secretHash(benchSecret(kinds[1], i)),
        ids.applicationId,
        ids.firstUserId + (i % users),
        SEED_SCOPES,
        now,
        SEED_TTL_S,
      );
    }
  });
  const step = 200_000;
  const started = Date.now();
  for (let from = 0; from < count; from += step) {
    batch(from, Math.min(count, from + step));
    if (count > 1_000_000) log(`${kinds[0]}: ${Math.min(count, from + step)} of ${count} (${Math.round((Date.now() - started) / 1000)} s)`);
  }
}

/** Schema, users, the application and the resident tokens: the part worth caching. */
function buildSqliteBase(cli: string[], path: string, plan: SeedPlan): void {
  rmSync(path, { force: true });
  migrate(cli, path);
  const db = new SQLite(path);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -2000000');
    const now = Date.now();
    const insertUser = db.prepare(
      `INSERT INTO users (nickname, nickname_key, email, password_hash, admin, locale, sex, website, last_online_at,
         created_at, updated_at) VALUES (?, ?, NULL, ?, 0, 'ru', NULL, NULL, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (let u = 0; u < plan.users; u++) insertUser.run(`user${u}`, `user${u}`, PASSWORD_HASH, now, now, now);
    })();
    const firstUserId = (db.prepare('SELECT min(id) AS first FROM users').get() as { first: number }).first;
    db.prepare(
      `INSERT INTO applications (uid, secret_hash, name, redirect_uri, scopes, allowed_scopes, description_en,
         description_ru, owner_id, confidential, created_at, updated_at)
       VALUES (?, ?, 'Benchmark', ?, ?, ?, '', '', ?, 1, ?, ?)`,
    ).run(CLIENT_ID, secretHash(CLIENT_SECRET), REDIRECT_URI, SEED_SCOPES, SEED_SCOPES, firstUserId, now, now);
    // For a big load, the token table's plain indexes are built after it (its unique constraints cannot be dropped).
    const indexes =
      plan.resident >= 1_000_000
        ? (db
            .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'access_tokens' AND sql IS NOT NULL`)
            .all() as { name: string; sql: string }[])
        : [];
    for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
    insertTokensSqlite(db, sqliteIds(db), plan.users, plan.resident, ['resident-access', 'resident-refresh'], now);
    for (const index of indexes) {
      const started = Date.now();
      db.exec(index.sql);
      log(`${index.name} rebuilt (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    // No ANALYZE: Monban never analyzes its SQLite file, and with STAT4 statistics SQLite prepares the bearer
    // check's token-and-user join again on every new value bound to it (27 us a lookup instead of 12 here).
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

/**
 * A SQLite file for one target run: the cached base for (users, resident) copied to `path`, plus this run's
 * pools, codes and sessions.
 */
export function seedSqlite(cli: string[], cacheDir: string, path: string, plan: SeedPlan, schemaKey: string): void {
  mkdirSync(cacheDir, { recursive: true });
  const base = `${cacheDir}/sqlite-base-${SEED_LABEL}-${schemaKey}-u${plan.users}-r${plan.resident}.sqlite3`;
  if (!existsSync(base)) {
    const started = Date.now();
    log(`building ${base} (${plan.resident} resident tokens)`);
    buildSqliteBase(cli, `${base}.part`, plan);
    renameSync(`${base}.part`, base);
    log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  mkdirSync(dirname(path), { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  copyFileSync(base, path, constants.COPYFILE_FICLONE);

  const db = new SQLite(path);
  try {
    db.pragma('synchronous = OFF');
    const now = Date.now();
    const ids = sqliteIds(db);
    insertTokensSqlite(db, ids, plan.users, plan.refreshPool, ['pool-access', 'pool-refresh'], now);
    const insertCode = db.prepare(
      `INSERT INTO access_grants (token_hash, application_id, user_id, redirect_uri, scopes, created_at, expires_in)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertSession = db.prepare('INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < plan.codePool; i++) {
        const userId = ids.firstUserId + (i % plan.users);
        insertCode.run(secretHash(benchSecret('code', i)), ids.applicationId, userId, REDIRECT_URI, SEED_SCOPES, now, SEED_TTL_S);
      }
      for (let s = 0; s < SESSIONS; s++) {
        insertSession.run(secretHash(benchSecret('session', s)), ids.firstUserId + s, now, now + SESSION_TTL_MS);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

/** The URL of another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.href;
}

/** Whether a PostgreSQL server answers at this URL (a short connection timeout: absent means skip). */
export async function postgresReachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const row = (await client.query('SHOW server_version')).rows[0] as { server_version: string };
    return row.server_version;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createPostgresDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

export async function dropPostgresDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** SQL twins of benchSecret and secretHash, as session-local functions. */
const PG_FUNCTIONS = `
  CREATE FUNCTION pg_temp.b64url(b bytea) RETURNS text IMMUTABLE LANGUAGE sql
    AS $$ SELECT rtrim(translate(encode(b, 'base64'), '+/', '-_'), '=') $$;
  CREATE FUNCTION pg_temp.secret(kind text, i bigint) RETURNS text IMMUTABLE LANGUAGE sql
    AS $$ SELECT pg_temp.b64url(sha256(convert_to('${SEED_LABEL}:' || kind || ':' || i, 'UTF8'))) $$;
  CREATE FUNCTION pg_temp.hash(s text) RETURNS text IMMUTABLE LANGUAGE sql
    AS $$ SELECT pg_temp.b64url(sha256(convert_to(s, 'UTF8'))) $$;
`;

interface Rebuild {
  drop: string[];
  create: string[];
}

/** The access_tokens indexes and unique constraints other than the primary key, to drop before a big load. */
async function secondaryIndexes(client: pg.Client): Promise<Rebuild> {
  const constraints = (
    await client.query<{ conname: string; def: string }>(
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE conrelid = 'access_tokens'::regclass AND contype = 'u'`,
    )
  ).rows;
  const indexes = (
    await client.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.tablename = 'access_tokens' AND i.schemaname = current_schema()
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.contype IN ('p', 'u'))`,
    )
  ).rows;
  return {
    drop: [
      ...constraints.map((c) => `ALTER TABLE access_tokens DROP CONSTRAINT "${c.conname}"`),
      ...indexes.map((i) => `DROP INDEX "${i.indexname}"`),
    ],
    create: [
      ...constraints.map((c) => `ALTER TABLE access_tokens ADD CONSTRAINT "${c.conname}" ${c.def}`),
      ...indexes.map((i) => i.indexdef),
    ],
  };
}

export async function seedPostgres(cli: string[], url: string, plan: SeedPlan): Promise<void> {
  migrate(cli, url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    await client.query(`SET maintenance_work_mem = '1GB'`);
    await client.query(PG_FUNCTIONS);
    const now = Date.now();
    await client.query(
      `INSERT INTO users (nickname, nickname_key, email, password_hash, admin, locale, last_online_at, created_at, updated_at)
       SELECT 'user' || i, 'user' || i, NULL, $1, 0, 'ru', $2, $2, $2 FROM generate_series(0, $3::int - 1) AS i ORDER BY i`,
      [PASSWORD_HASH, now, plan.users],
    );
    const span = (
      await client.query<{ first: number; last: number; n: number }>(
        'SELECT min(id)::int AS first, max(id)::int AS last, count(*)::int AS n FROM users',
      )
    ).rows[0];
    if (!span || span.last - span.first + 1 !== span.n) throw new Error('seeded user ids are not contiguous');
    const app = await client.query<{ id: number }>(
      `INSERT INTO applications (uid, secret_hash, name, redirect_uri, scopes, allowed_scopes, description_en,
         description_ru, owner_id, confidential, created_at, updated_at)
       VALUES ($1, $2, 'Benchmark', $3, $4, $4, '', '', $5, 1, $6, $6) RETURNING id::int AS id`,
      [CLIENT_ID, secretHash(CLIENT_SECRET), REDIRECT_URI, SEED_SCOPES, span.first, now],
    );
    const applicationId = app.rows[0]?.id;

    const big = plan.resident + plan.refreshPool >= 1_000_000;
    const rebuild = big ? await secondaryIndexes(client) : { drop: [], create: [] };
    for (const statement of rebuild.drop) await client.query(statement);
    const insertTokens = async (count: number, access: SecretKind, refresh: SecretKind) => {
      const step = 1_000_000;
      const started = Date.now();
      for (let from = 0; from < count; from += step) {
        const to = Math.min(count, from + step);
        await client.query(
          `INSERT INTO access_tokens (token_hash, refresh_token_hash, application_id, user_id, scopes, created_at, expires_in)
           SELECT pg_temp.hash(pg_temp.secret($1, i)), pg_temp.hash(pg_temp.secret($2, i)), $3, $4::int + (i % $5::int),
                  $6, $7, $8
           FROM generate_series($9::bigint, $10::bigint - 1) AS i`,
          [access, refresh, applicationId, span.first, plan.users, SEED_SCOPES, now, SEED_TTL_S, from, to],
        );
        if (count > 1_000_000) log(`${access}: ${to} of ${count} (${Math.round((Date.now() - started) / 1000)} s)`);
      }
    };
    await insertTokens(plan.resident, 'resident-access', 'resident-refresh');
    await insertTokens(plan.refreshPool, 'pool-access', 'pool-refresh');
    for (const statement of rebuild.create) {
      const started = Date.now();
      await client.query(statement);
      if (big) log(`${statement.slice(0, 70)}... (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    await client.query(
      `INSERT INTO access_grants (token_hash, application_id, user_id, redirect_uri, scopes, created_at, expires_in)
       SELECT pg_temp.hash(pg_temp.secret('code', i)), $1, $2::int + (i % $3::int), $4, $5, $6, $7
       FROM generate_series(0, $8::int - 1) AS i`,
      [applicationId, span.first, plan.users, REDIRECT_URI, SEED_SCOPES, now, SEED_TTL_S, plan.codePool],
    );
    await client.query(
      `INSERT INTO sessions (id_hash, user_id, created_at, expires_at)
       SELECT pg_temp.hash(pg_temp.secret('session', s)), $1::int + s, $2, $3 FROM generate_series(0, $4::int - 1) AS s`,
      [span.first, now, now + SESSION_TTL_MS, SESSIONS],
    );
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}
