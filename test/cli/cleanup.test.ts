import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EXPIRY_MARGIN_MS } from '../../src/core/cleanup.js';
import type { Stores } from '../../src/core/ports/stores.js';
import { CLEANUP_LEASE } from '../../src/ops/cleanup.js';
import { migrateToLatest, openSqlite } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { cliJson, runCli, tempDatabase } from '../helpers/process.js';

const DAY = 86_400_000;
/** The default MONBAN_TOKEN_RETENTION: 120 days. */
const RETENTION = 120 * DAY;

/** `monban cleanup` (issue 12): one run now, as of the real clock, under the servers' lease. */
describe('monban cleanup', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let env: Record<string, string>;
  beforeEach(async () => {
    database = await tempDatabase();
    env = { MONBAN_DATABASE_URL: database.path };
  });
  afterEach(() => database.remove());

  async function withStores<T>(fn: (stores: Stores) => Promise<T>): Promise<T> {
    const opened = openSqlite(database.path);
    try {
      await migrateToLatest(opened);
      return await fn(sqlStores(opened.db));
    } finally {
      await opened.close();
    }
  }

  /** Three tokens past retention (one a refreshed child), one within it, two expired sessions, one live. */
  async function seed(): Promise<void> {
    const now = Date.now();
    await withStores(async (stores) => {
      const user = await stores.users.create({
        nickname: 'alice',
        email: null,
        passwordHash: 'h',
        admin: false,
        locale: 'en',
        at: now - 400 * DAY,
      });
      const app = await stores.applications.create({
        uid: 'client',
        secretHash: 's',
        name: 'App',
        redirectUris: ['https://a.example/cb'],
        scopes: [],
        allowedScopes: [],
        descriptionEn: '',
        descriptionRu: '',
        ownerId: user.id,
        at: now - 400 * DAY,
      });
      const token = (name: string, at: number, parentId: number | null = null) =>
        stores.tokens.create({
          tokenHash: `t-${name}`,
          refreshTokenHash: `r-${name}`,
          applicationId: app.id,
          userId: user.id,
          grantId: null,
          parentId,
          scopes: [],
          expiresIn: 86_400,
          previousRefreshTokenHash: null,
          at,
        });
      const old = await token('old', now - RETENTION - 3 * DAY);
      await token('old-child', now - RETENTION - 2 * DAY, old.id);
      await token('old-2', now - RETENTION - 2 * DAY);
      await token('kept', now - RETENTION);
      await stores.sessions.create('s1', user.id, now - 30 * DAY, now - EXPIRY_MARGIN_MS - 1000);
      await stores.sessions.create('s2', user.id, now - 30 * DAY, now - EXPIRY_MARGIN_MS - 1000);
      await stores.sessions.create('s3', user.id, now, now + DAY);
    });
  }

  it('prints one line per kind with how many rows it removed', async () => {
    await seed();
    const run = await runCli(['cleanup'], env);
    assert.deepEqual(run, {
      code: 0,
      stdout:
        'tokens: 3\nauthorization codes: 0\nauthorization requests: 0\ndevice codes: 0\nsessions: 2\npassword resets: 0\n' +
        'audit events: 0\n',
      stderr: '',
    });
    const again = await runCli(['cleanup'], env);
    const none =
      'tokens: 0\nauthorization codes: 0\nauthorization requests: 0\ndevice codes: 0\nsessions: 0\npassword resets: 0\n' +
      'audit events: 0\n';
    assert.deepEqual(again, { code: 0, stdout: none, stderr: '' });
    await withStores(async (stores) => {
      assert.ok(await stores.tokens.findByRefreshToken('r-kept'));
      assert.equal(await stores.tokens.findByRefreshToken('r-old-child'), undefined);
      assert.ok(await stores.sessions.findUser('s3', Date.now()));
    });
  });

  it('prints one JSON object with --json', async () => {
    await seed();
    const removed = await cliJson<Record<string, number>>(['cleanup'], env);
    assert.deepEqual(Object.entries(removed), [
      ['tokens', 3],
      ['authorization_codes', 0],
      ['authorization_requests', 0],
      ['device_codes', 0],
      ['sessions', 2],
      ['password_resets', 0],
      ['audit_events', 0],
    ]);
  });

  it('does nothing, and says so, while another process holds the cleanup lease', async () => {
    await seed();
    await withStores((stores) => stores.leases.acquire(CLEANUP_LEASE, 'a server', Date.now(), Date.now() + 60_000));
    const run = await runCli(['cleanup'], env);
    assert.deepEqual(run, {
      code: 1,
      stdout: '',
      stderr: 'monban: another process is cleaning up this database now; try again later\n',
    });
    await withStores(async (stores) => assert.ok(await stores.tokens.findByRefreshToken('r-old')));
  });

  it('refuses unknown options with the usage', async () => {
    const run = await runCli(['cleanup', '--all'], env);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^monban: Unknown option '--all'/);
    assert.match(run.stderr, /\n {2}cleanup \[--json\] {14}Delete expired codes/);
  });
});
