import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createMonban, type Monban } from '../../src/app.js';
import { registerUser } from '../../src/accounts/accounts.js';
import { createPasswordReset } from '../../src/accounts/password-resets.js';
import { loadConfig } from '../../src/config.js';
import { importDoorkeeper, type ImportOptions } from '../../src/import/doorkeeper/import.js';
import type { Progress } from '../../src/import/doorkeeper/progress.js';
import { openSource } from '../../src/import/doorkeeper/source.js';
import type { ImportSummary } from '../../src/import/doorkeeper/summary.js';
import { openDatabase, type OpenDatabase } from '../../src/storage/database.js';
import { Browser } from '../helpers/browser.js';
import { TestClock } from '../helpers/clock.js';
import { createTestDatabase, postgres, type TestDatabase } from '../helpers/postgres.js';
import {
  makeRows,
  OLD_PASSWORD,
  PEPPER,
  SHARED_PASSWORD,
  SOURCE_DDL,
  TAKEN_NICKNAME,
  writePostgres,
  writeSqlite,
  type Expected,
} from './doorkeeper-source.js';

const PUBLIC_URL = 'http://localhost:3000';
const form = (fields: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/oauth/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

/** One Monban database as the import leaves it: what each table holds. */
async function counts(database: OpenDatabase) {
  const out: Record<string, number> = {};
  const tables = ['users', 'applications', 'access_grants', 'access_tokens', 'import_map', 'server_keys'] as const;
  for (const table of tables) {
    const row = await database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

/**
 * Where each table's id generator stands: PostgreSQL's sequences (which a rollback does not move back) or SQLite's
 * sqlite_sequence. A dry run must leave them as they were, or the next user made here would get another id.
 */
async function idGenerators(database: OpenDatabase): Promise<Record<string, string>> {
  const query =
    database.dialect.name === 'postgres'
      ? sql<{ name: string; value: string }>`select sequencename as name, coalesce(last_value, 0)::text as value
          from pg_sequences where schemaname = current_schema() order by 1`
      : sql<{ name: string; value: string }>`select name, cast(seq as text) as value from sqlite_sequence order by 1`;
  const { rows } = await query.execute(database.db);
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

/** Reasons that occur, with their counts: the summary lists no reason for nothing. */
function reasons(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

function expectedSummary(expected: Expected): Omit<ImportSummary, 'seconds'> {
  return {
    users: {
      imported: expected.users.imported,
      already: 0,
      skipped: reasons({ nickname_taken: expected.users.nicknameTaken }),
    },
    applications: {
      imported: expected.applications.imported,
      already: 0,
      skipped: reasons({ no_owner: expected.applications.noOwner, no_user: expected.applications.noUser }),
    },
    grants: {
      imported: expected.grants.imported,
      already: 0,
      skipped: reasons({
        expired: expected.grants.expired,
        revoked: expected.grants.revoked,
        no_application: expected.grants.noApplication,
        no_user: expected.grants.noUser,
      }),
    },
    tokens: {
      imported: expected.tokens.imported,
      already: 0,
      skipped: reasons({
        expired: expected.tokens.expired,
        revoked: expected.tokens.revoked,
        no_application: expected.tokens.noApplication,
        no_user: expected.tokens.noUser,
      }),
    },
    usersWithoutPassword: expected.users.withoutPassword,
    renumbered: 1,
    dryRun: false,
  };
}

function withoutTime(summary: ImportSummary): Omit<ImportSummary, 'seconds'> {
  const { seconds, ...rest } = summary;
  assert.ok(seconds >= 0);
  return rest;
}

interface Side {
  sourceUrl: string;
  /** A new, empty Monban database each call. */
  newTarget(): Promise<string>;
  cleanup(): Promise<void>;
}

/** The whole story on one kind of database: import, then real requests with what the old server issued. */
function importSuite(name: string, setUp: (rows: ReturnType<typeof makeRows>['rows']) => Promise<Side>) {
  describe(`import doorkeeper: ${name}`, () => {
    const clock = new TestClock();
    // Every run imports as of this moment, whatever the tests do to the server's clock meanwhile.
    const importAt = clock.now();
    const { rows, expected } = makeRows(importAt);
    let side: Side;
    let target: OpenDatabase;
    let monban: Monban;
    let first: ImportSummary;

    const run = async (database: OpenDatabase, options: Partial<ImportOptions> = {}) => {
      const source = await openSource(side.sourceUrl);
      try {
        return await importDoorkeeper(source, database, {
          pepper: PEPPER,
          dryRun: false,
          now: importAt,
          batchSize: 700,
          ...options,
        });
      } finally {
        await source.close();
      }
    };

    before(async () => {
      side = await setUp(rows);
      const url = await side.newTarget();
      target = openDatabase(url);
      const config = loadConfig(
        { MONBAN_PUBLIC_URL: PUBLIC_URL, MONBAN_RATE_LIMIT: 'off', MONBAN_DATABASE_URL: url },
        { logLevel: 'silent' },
      );
      monban = await createMonban(config, { database: target, now: clock.now });
      // Takes id 1, so source user 1 gets another id; and the nickname source user 3 has.
      await registerUser(monban.ctx.stores, { nickname: TAKEN_NICKNAME.toLowerCase(), password: 'a long password' }, 0);
      first = await run(target);
    });

    after(async () => {
      await monban?.close();
      await side?.cleanup();
    });

    test('moves what is live and says what it left and why', () => {
      assert.deepEqual(withoutTime(first), expectedSummary(expected));
    });

    test('an old client secret exchanges a code the old server issued', async () => {
      const response = await monban.server.inject(
        form({
          grant_type: 'authorization_code',
          code: 'grant-2',
          redirect_uri: 'https://client.example/cb',
          client_id: 'app-uid-2',
          client_secret: 'app-secret-2',
        }),
      );
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['cache-control'], 'no-store, no-cache');
      const body = response.json() as Record<string, unknown>;
      const keys = ['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope', 'created_at'];
      assert.deepEqual(Object.keys(body), keys);
      assert.equal(body.scope, 'user_rates comments topics');
      const whoami = await monban.server.inject({
        url: '/api/users/whoami',
        headers: { authorization: `Bearer ${String(body.access_token)}` },
      });
      assert.equal((whoami.json() as { nickname: string }).nickname, 'user2');
      // The code was single-use on the old server and stays so.
      const again = await monban.server.inject(
        form({
          grant_type: 'authorization_code',
          code: 'grant-2',
          redirect_uri: 'https://client.example/cb',
          client_id: 'app-uid-2',
          client_secret: 'app-secret-2',
        }),
      );
      assert.equal(again.statusCode, 400);
    });

    test('an old access token reads whoami, as the same user with the same id', async () => {
      const response = await monban.server.inject({
        url: '/api/users/whoami',
        headers: { authorization: 'Bearer t2-access' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json() as { id: number; nickname: string; locale: string };
      assert.deepEqual([body.id, body.nickname, body.locale], [2, 'user2', 'en']);
      const expired = await monban.server.inject({
        url: '/api/users/whoami',
        headers: { authorization: 'Bearer t1-access' },
      });
      assert.equal(expired.statusCode, 401);
    });

    test('secrets and tokens are stored hashed', async () => {
      const app = await target.db
        .selectFrom('applications')
        .select(['secret_hash', 'redirect_uri', 'allowed_scopes'])
        .where('uid', '=', 'app-uid-1')
        .executeTakeFirstOrThrow();
      assert.notEqual(app.secret_hash, 'app-secret-1');
      assert.equal(app.redirect_uri, 'https://client.example/cb\nurn:ietf:wg:oauth:2.0:oob');
      assert.equal(app.allowed_scopes, 'user_rates messages comments topics');
      const found = await target.db
        .selectFrom('access_tokens')
        .select('id')
        .where((eb) => eb.or([eb('token_hash', '=', 't2-access'), eb('refresh_token_hash', '=', 't1-refresh')]))
        .execute();
      assert.deepEqual(found, []);
    });

    const refresh = (token: string, app: number) =>
      monban.server.inject(
        form({
          grant_type: 'refresh_token',
          refresh_token: token,
          client_id: `app-uid-${app}`,
          client_secret: `app-secret-${app}`,
        }),
      );

    test('an old refresh token refreshes, with the old client secret', async () => {
      const response = await refresh('t1-refresh', 1);
      assert.equal(response.statusCode, 200, response.body);
      const revoked = await refresh('t5-refresh', 5);
      assert.equal(revoked.statusCode, 400);
      assert.equal((revoked.json() as { error: string }).error, 'invalid_grant');
    });

    test('lazy rotation: a refresh token whose successor is unused refreshes; once it is used, no more', async () => {
      const first = await refresh('lazy-old-refresh', 1);
      assert.equal(first.statusCode, 200, first.body);
      // Until a new access token is used, the old refresh token keeps working (Monban answers the same pair again).
      const again = await refresh('lazy-old-refresh', 1);
      assert.equal(again.statusCode, 200, again.body);
      const accessOf = (r: typeof first) => (r.json() as { access_token: string }).access_token;
      assert.equal(accessOf(again), accessOf(first));
      // Its successor was used on the old server: Doorkeeper had revoked it.
      assert.equal((await refresh('used-old-refresh', 1)).statusCode, 400);
      // The successor's first use ends the rotation here, as it would have there.
      const whoami = await monban.server.inject({
        url: '/api/users/whoami',
        headers: { authorization: 'Bearer lazy2-new-access' },
      });
      assert.equal(whoami.statusCode, 200);
      clock.advance(Number(monban.ctx.refreshReuseGrace) + 1);
      const late = await refresh('lazy2-old-refresh', 2);
      assert.equal(late.statusCode, 400);
      assert.equal((late.json() as { error: string }).error, 'invalid_grant');
      // The first use of the token Monban made from lazy-old ends lazy-old's rotation the same way.
      const used = await monban.server.inject({
        url: '/api/users/whoami',
        headers: { authorization: `Bearer ${accessOf(first)}` },
      });
      assert.equal(used.statusCode, 200);
      clock.advance(Number(monban.ctx.refreshReuseGrace) + 1);
      const retired = await refresh('lazy-old-refresh', 1);
      assert.equal(retired.statusCode, 400);
      assert.equal((retired.json() as { error: string }).error, 'invalid_grant');
    });

    test('an old user signs in with the old password, and then has an argon2id hash', async () => {
      const hashOf = async (nickname: string) =>
        (
          await target.db
            .selectFrom('users')
            .select('password_hash')
            .where('nickname', '=', nickname)
            .executeTakeFirstOrThrow()
        ).password_hash;
      assert.match(await hashOf('user2'), /^\$2a\$10\$/);
      const browser = new Browser(monban.server);
      const page = await browser.get('/users/sign_in');
      const wrong = await browser.submit(page.body, 'form', { nickname: 'user2', password: 'not-it' });
      assert.equal(wrong.statusCode, 401);
      assert.match(await hashOf('user2'), /^\$2a\$10\$/);
      await browser.signIn('user2', OLD_PASSWORD);
      assert.match(await hashOf('user2'), /^\$argon2id\$/);
      // Monban's own hash now, with the same password; Monban's length rule is not applied to an imported one.
      await new Browser(monban.server).signIn('user2', OLD_PASSWORD);
      await new Browser(monban.server).signIn('user4', SHARED_PASSWORD);
      assert.match(await hashOf('user4'), /^\$argon2id\$/);
    });

    test('a user imported without a password is told to set one through a reset, and can', async () => {
      const browser = new Browser(monban.server);
      const page = await browser.get('/users/sign_in');
      const response = await browser.submit(page.body, 'form', { nickname: 'user10', password: 'anything' });
      assert.equal(response.statusCode, 401);
      assert.match(response.body, /без пароля|without a password/);
      assert.match(response.body, /<a href="\/users\/password\/new" id="set_password_link">/);
      // What `monban users reset-link` gives an administrator (this server sends no mail).
      const found = await monban.ctx.stores.users.findByNickname('user10');
      assert.ok(found);
      const token = await createPasswordReset(monban.ctx.stores, found.user.id, clock.now());
      const form = await browser.get(`/users/password/edit?reset_password_token=${token}`);
      assert.equal(form.statusCode, 200);
      // Ticked for an account that had no password: its applications stay signed in.
      assert.match(/<input type="checkbox" id="keep_applications"[^>]*>/.exec(form.body)?.[0] ?? '', /\schecked>$/);
      const password = 'a password of my own';
      const set = await browser.submit(form.body, 'form#reset_password', { password, password_confirmation: password });
      assert.equal(set.statusCode, 303);
      await new Browser(monban.server).signIn('user10', password);
    });

    test('a second run changes nothing and reports what it skipped', async () => {
      const before = await counts(target);
      const second = await run(target);
      assert.deepEqual(await counts(target), before);
      for (const kind of ['users', 'applications', 'grants', 'tokens'] as const) {
        assert.equal(second[kind].imported, 0, kind);
      }
      assert.equal(second.applications.already, first.applications.imported);
      assert.equal(second.tokens.already, first.tokens.imported);
      // The grant redeemed above is still mapped: it is not brought back.
      assert.equal(second.grants.already, first.grants.imported);
      assert.equal(second.users.already, first.users.imported);
    });

    test('a dry run writes nothing and counts what a real run would do', async () => {
      const url = await side.newTarget();
      const fresh = openDatabase(url);
      try {
        const config = loadConfig({ MONBAN_DATABASE_URL: url }, { logLevel: 'silent' });
        const other = await createMonban(config, { database: fresh, now: clock.now });
        await registerUser(other.ctx.stores, { nickname: 'taken', password: 'a long password' }, 0);
        const before = await counts(fresh);
        const generators = await idGenerators(fresh);
        assert.ok(Object.keys(generators).length > 0);
        const dry = await run(fresh, { dryRun: true });
        assert.deepEqual(await counts(fresh), before);
        assert.deepEqual(await idGenerators(fresh), generators);
        assert.deepEqual(withoutTime(dry), { ...expectedSummary(expected), dryRun: true });
        await other.close();
      } finally {
        await fresh.close().catch(() => {});
      }
    });

    test('a run stopped halfway resumes where it stopped', async () => {
      const url = await side.newTarget();
      const fresh = openDatabase(url);
      try {
        const config = loadConfig({ MONBAN_DATABASE_URL: url }, { logLevel: 'silent' });
        const other = await createMonban(config, { database: fresh, now: clock.now });
        await registerUser(other.ctx.stores, { nickname: 'taken', password: 'a long password' }, 0);
        let batches = 0;
        const crash: Progress = {
          start() {},
          advance() {
            if (++batches === 6) throw new Error('killed');
          },
          finish() {},
        };
        await assert.rejects(run(fresh, { progress: crash }), /killed/);
        const resumed = await run(fresh);
        const total = await counts(fresh);
        assert.equal(resumed.tokens.imported + resumed.tokens.already, expected.tokens.imported);
        assert.equal(total.access_tokens, expected.tokens.imported);
        assert.equal(total.applications, expected.applications.imported);
        assert.equal(total.users, expected.users.imported + 1);
        await other.close();
      } finally {
        await fresh.close().catch(() => {});
      }
    });
  });
}

importSuite('SQLite', async (rows) => {
  const dir = mkdtempSync(join(tmpdir(), 'monban-import-'));
  const sourceUrl = join(dir, 'shikimori.sqlite3');
  writeSqlite(sourceUrl, rows);
  let n = 0;
  return {
    sourceUrl: `sqlite:${sourceUrl}`,
    newTarget: async () => join(dir, `monban-${++n}.sqlite3`),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

if (postgres) {
  importSuite('PostgreSQL', async (rows) => {
    const made: TestDatabase[] = [];
    const source = await createTestDatabase('import_source');
    made.push(source);
    await writePostgres(source.url, rows);
    return {
      sourceUrl: source.url,
      newTarget: async () => {
        const target = await createTestDatabase('import_target');
        made.push(target);
        return target.url;
      },
      cleanup: async () => {
        for (const db of made) await db.drop();
      },
    };
  });
}

describe('import doorkeeper: a source that is not Doorkeeper', () => {
  const dir = mkdtempSync(join(tmpdir(), 'monban-import-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const attempt = async (ddl: string[]) => {
    const path = join(dir, `source-${Math.random().toString(36).slice(2)}.sqlite3`);
    writeSqlite(path, { users: [], applications: [], grants: [], tokens: [] }, ddl);
    const source = await openSource(path);
    const target = openDatabase(':memory:');
    try {
      return await importDoorkeeper(source, target, { pepper: null, dryRun: true });
    } finally {
      await source.close();
      await target.close();
    }
  };

  test('names the missing table', async () => {
    const ddl = SOURCE_DDL.sqlite.filter((s) => !s.includes('oauth_access_tokens'));
    await assert.rejects(attempt(ddl), {
      name: 'NotDoorkeeperError',
      message: /is not a Doorkeeper database: it has no table oauth_access_tokens$/,
    });
  });

  test('names the missing column', async () => {
    const ddl = SOURCE_DDL.sqlite.map((s) => s.replace('scopes varchar,', ''));
    await assert.rejects(attempt(ddl), {
      name: 'NotDoorkeeperError',
      message: /missing column oauth_access_tokens\.scopes$/,
    });
  });
});
