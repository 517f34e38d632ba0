import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { registerUser } from '../../src/accounts/accounts.js';
import type { Stores } from '../../src/core/ports/stores.js';
import { ApplicationCache, type ApplicationWatch } from '../../src/storage/application-cache.js';
import { withApplicationCache } from '../../src/storage/cached-application-store.js';
import { watchApplications } from '../../src/storage/application-watch.js';
import { migrateToLatest, openDatabase, type OpenDatabase } from '../../src/storage/database.js';
import { PostgresApplicationListener } from '../../src/storage/postgres/application-listener.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';
import { staleCacheContract } from './application-cache-stale.js';

/**
 * The application cache's PostgreSQL watch (storage/postgres/application-listener.ts, migration 014): a connection
 * of its own LISTENs, and every application updated or deleted, by any connection, is evicted when its transaction
 * commits; a lost connection bypasses the cache until it listens again. Across processes:
 * test/cluster/application-cache.test.ts.
 */
const AT = 1_700_000_000_000;

/** Waits (polling) until `ready` holds; fails naming `what` after 10 s. */
async function eventually(what: string, ready: () => boolean): Promise<void> {
  for (let waited = 0; !ready(); waited += 10) {
    if (waited > 10_000) assert.fail(`never: ${what}`);
    await sleep(10);
  }
}

describe('the application cache on PostgreSQL', { skip: skipWithoutPostgres }, () => {
  let database: TestDatabase;
  let server: OpenDatabase;
  let other: OpenDatabase;
  let cache: ApplicationCache;
  let watch: ApplicationWatch;
  let stores: Stores;
  let otherStores: Stores;
  let id = 0;
  const lost: Error[] = [];
  let restored = 0;

  before(async () => {
    database = await createTestDatabase('application_cache');
    server = openDatabase(database.url);
    await migrateToLatest(server);
    other = openDatabase(database.url);
    cache = new ApplicationCache(10);
    const events = { lost: (err: Error) => lost.push(err), restored: () => restored++ };
    watch = (await watchApplications(server, cache, events))!;
    assert.ok(watch instanceof PostgresApplicationListener);
    stores = withApplicationCache(sqlStores(server.db), cache, watch);
    otherStores = sqlStores(other.db);
    const owner = await registerUser(otherStores, { nickname: 'alice', password: 'correct horse battery' }, AT);
    ({ id } = await otherStores.applications.create({
      uid: 'bot',
      secretHash: 'old-hash',
      name: 'Bot',
      redirectUris: ['https://bot.example/cb'],
      scopes: [],
      allowedScopes: [],
      descriptionEn: '',
      descriptionRu: '',
      ownerId: owner.id,
      at: AT,
    }));
  });

  after(async () => {
    await watch?.close();
    await server?.close();
    await other?.close();
    await database?.drop();
  });

  it('keeps an application, and evicts it when another connection changes it', async () => {
    assert.equal(watch.check(), true);
    assert.equal((await stores.applications.findByUid('bot'))?.secretHash, 'old-hash');
    assert.equal(cache.findByUid('bot')?.secretHash, 'old-hash');
    await otherStores.applications.replaceSecret(id, 'new-hash', AT + 1);
    await eventually('the notification evicts the application', () => cache.findById(id) === undefined);
    assert.equal((await stores.applications.findByUid('bot'))?.secretHash, 'new-hash');
  });

  it('moves the version once per UPDATE, made past the stores or through them (migration 014)', async () => {
    const version = async () => (await otherStores.applications.findById(id))?.version;
    const before = await version();
    assert.ok(before !== undefined);
    await sql`update applications set name = 'Raw' where id = ${id}`.execute(other.db);
    assert.equal(await version(), before + 1);
    const renamed = await otherStores.applications.setQuota(id, null, AT + 1);
    assert.equal(renamed?.version, before + 2);
    assert.equal(await version(), before + 2);
  });

  it('is told only once the transaction commits', async () => {
    // The notifications of the earlier tests' changes may still be on their way: cache the application again until
    // it stays cached for a moment, so that only this test's transaction can evict it.
    for (let attempt = 0; ; attempt++) {
      await stores.applications.findById(id);
      await sleep(100);
      if (cache.findById(id) !== undefined) break;
      if (attempt === 50) assert.fail('the application never stayed cached');
    }
    await other.db.transaction().execute(async (trx) => {
      await sqlStores(trx).applications.setQuota(id, { perMinute: 5, perDay: null }, AT + 2);
      // Not yet committed: the row this process reads is still the old one, and it keeps it.
      assert.equal(cache.findById(id)?.quota, null);
    });
    await eventually('the commit evicts the application', () => cache.findById(id) === undefined);
    assert.deepEqual((await stores.applications.findByUid('bot'))?.quota, { perMinute: 5, perDay: null });
  });

  it('bypasses the cache while its connection is lost, and listens again', async () => {
    await stores.applications.findByUid('bot');
    assert.equal(cache.size, 1);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'monban-listener'",
      );
    } finally {
      await admin.end();
    }
    await eventually('the listener notices the loss', () => watch.check() === false);
    assert.equal(cache.size, 0);
    assert.equal(lost.length, 1);
    // Meanwhile lookups read the database and keep nothing: a change now cannot be missed.
    await otherStores.applications.replaceSecret(id, 'while-lost', AT + 3);
    assert.equal((await stores.applications.findByUid('bot'))?.secretHash, 'while-lost');
    assert.equal(cache.size, 0);

    await eventually('the listener listens again', () => watch.check() === true);
    assert.equal(restored, 1);
    await stores.applications.findByUid('bot');
    await otherStores.applications.delete(id);
    await eventually('the new connection is told too', () => cache.findById(id) === undefined);
    assert.equal(await stores.applications.findByUid('bot'), undefined);
  });
});

if (!skipWithoutPostgres) {
  staleCacheContract('PostgreSQL, the notification not yet arrived', async () => {
    const database = await createTestDatabase('application_cache_stale');
    const opened = openDatabase(database.url);
    await migrateToLatest(opened);
    return {
      stores: sqlStores(opened.db),
      close: async () => {
        await opened.close();
        await database.drop();
      },
    };
  });
}
