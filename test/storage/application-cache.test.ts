import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { registerUser } from '../../src/accounts/accounts.js';
import type { Application } from '../../src/core/model.js';
import type { ApplicationStore, NewApplication, Stores } from '../../src/core/ports/stores.js';
import { ApplicationCache, type ApplicationWatch } from '../../src/storage/application-cache.js';
import { CachedApplicationStore, withApplicationCache } from '../../src/storage/cached-application-store.js';
import { watchApplications } from '../../src/storage/application-watch.js';
import { migrateToLatest, openSqlite, type OpenDatabase } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { SqliteApplicationWatch } from '../../src/storage/sqlite/application-watch.js';
import { tempDatabase } from '../helpers/process.js';
import { staleCacheContract } from './application-cache-stale.js';

/**
 * Issue 16, "Clients cached in the process": applications kept in memory (storage/application-cache.ts), each
 * write evicting at once in the process that made it, and every change, whoever made it, reaching the cache through
 * the database's own triggers (migration 014). The processes themselves: test/cluster/application-cache.test.ts.
 */

const AT = 1_700_000_000_000;

function application(id: number, uid = `uid-${id}`): Application {
  return {
    id,
    uid,
    secretHash: `hash-${id}`,
    name: `App ${id}`,
    redirectUris: ['https://client.example/cb'],
    scopes: ['user_rates'],
    allowedScopes: ['user_rates'],
    descriptionEn: '',
    descriptionRu: '',
    ownerId: 1,
    confidential: true,
    quota: null,
    version: 0,
    createdAt: AT,
    updatedAt: AT,
  };
}

function newApplication(ownerId: number, uid: string): NewApplication {
  return {
    uid,
    secretHash: 'old-hash',
    name: 'Bot',
    redirectUris: ['https://bot.example/cb'],
    scopes: ['user_rates'],
    allowedScopes: ['user_rates'],
    descriptionEn: '',
    descriptionRu: '',
    ownerId,
    at: AT,
  };
}

/** The store with its lookups counted: how many reached the database. */
function countingReads(store: ApplicationStore): { store: ApplicationStore; reads: () => number } {
  let reads = 0;
  const counted = Object.assign(Object.create(store) as ApplicationStore, {
    findByUid: (uid: string) => {
      reads++;
      return store.findByUid(uid);
    },
    findById: (id: number) => {
      reads++;
      return store.findById(id);
    },
  });
  return { store: counted, reads: () => reads };
}

/** A watch the test sets: current or not. */
class FixedWatch implements ApplicationWatch {
  current = true;
  check(): boolean {
    return this.current;
  }
  async close(): Promise<void> {}
}

describe('ApplicationCache', () => {
  it('finds what it keeps by id and by uid, frozen', () => {
    const cache = new ApplicationCache(10);
    cache.store(application(1), cache.epoch);
    assert.equal(cache.findById(1)?.uid, 'uid-1');
    assert.equal(cache.findByUid('uid-1')?.id, 1);
    assert.equal(cache.findByUid('uid-2'), undefined);
    const kept = cache.findById(1)!;
    assert.ok(Object.isFrozen(kept) && Object.isFrozen(kept.scopes) && Object.isFrozen(kept.redirectUris));
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = new ApplicationCache(2);
    cache.store(application(1), cache.epoch);
    cache.store(application(2), cache.epoch);
    assert.ok(cache.findByUid('uid-1'));
    cache.store(application(3), cache.epoch);
    assert.equal(cache.size, 2);
    assert.equal(cache.findById(2), undefined);
    assert.equal(cache.findByUid('uid-2'), undefined);
    assert.deepEqual([cache.findById(1)?.id, cache.findById(3)?.id], [1, 3]);
  });

  it('forgets an evicted application by id and uid, and a cleared cache everything', () => {
    const cache = new ApplicationCache(10);
    cache.store(application(1), cache.epoch);
    cache.store(application(2), cache.epoch);
    cache.evict(1);
    assert.equal(cache.findById(1), undefined);
    assert.equal(cache.findByUid('uid-1'), undefined);
    assert.equal(cache.findById(2)?.id, 2);
    cache.clear();
    assert.equal(cache.size, 0);
    assert.equal(cache.findByUid('uid-2'), undefined);
  });

  it('refuses what a lookup read before an eviction (the row may be from before the change)', () => {
    const cache = new ApplicationCache(10);
    const before = cache.epoch;
    cache.evict(7);
    cache.store(application(1), before);
    assert.equal(cache.size, 0);
    const beforeClear = cache.epoch;
    cache.clear();
    cache.store(application(1), beforeClear);
    assert.equal(cache.size, 0);
  });

  it('replaces an application stored again, its old uid with it', () => {
    const cache = new ApplicationCache(10);
    cache.store(application(1, 'old-uid'), cache.epoch);
    cache.store(application(1, 'new-uid'), cache.epoch);
    assert.equal(cache.findByUid('old-uid'), undefined);
    assert.equal(cache.findByUid('new-uid')?.id, 1);
    assert.equal(cache.size, 1);
  });

  it('keeps nothing with a capacity of 0 (MONBAN_CLIENT_CACHE=off)', () => {
    const cache = new ApplicationCache(0);
    cache.store(application(1), cache.epoch);
    assert.equal(cache.size, 0);
  });
});

describe('CachedApplicationStore on SQLite', () => {
  let database: OpenDatabase;
  let base: Stores;
  let ownerId: number;

  beforeEach(async () => {
    database = openSqlite(':memory:');
    await migrateToLatest(database);
    base = sqlStores(database.db);
    ownerId = (await registerUser(base, { nickname: 'alice', password: 'correct horse battery' }, AT)).id;
  });
  afterEach(() => database.close());

  function cached(watch: ApplicationWatch = new FixedWatch(), cache = new ApplicationCache(10)) {
    const counted = countingReads(base.applications);
    const stores = withApplicationCache({ ...base, applications: counted.store }, cache, watch);
    return { stores, cache, reads: counted.reads };
  }

  it('reads an application once, then answers by uid and by id from memory', async () => {
    const { stores, reads } = cached();
    const created = await stores.applications.create(newApplication(ownerId, 'bot'));
    assert.equal((await stores.applications.findByUid('bot'))?.id, created.id);
    assert.equal((await stores.applications.findByUid('bot'))?.id, created.id);
    assert.equal((await stores.applications.findById(created.id))?.uid, 'bot');
    assert.equal(reads(), 1);
  });

  it('keeps no answer for an unknown client_id', async () => {
    const { stores, reads } = cached();
    assert.equal(await stores.applications.findByUid('nobody'), undefined);
    await stores.applications.create(newApplication(ownerId, 'nobody'));
    assert.equal((await stores.applications.findByUid('nobody'))?.uid, 'nobody');
    assert.equal(reads(), 2);
  });

  it('evicts at once on each write through it: secret, settings, quota, deletion', async () => {
    // A watch that never says anything changed: only the store's own evictions are at work.
    const { stores } = cached();
    const { id } = await stores.applications.create(newApplication(ownerId, 'bot'));
    await stores.applications.findByUid('bot');

    assert.equal(await stores.applications.replaceSecret(id, 'new-hash', AT + 1), true);
    assert.equal((await stores.applications.findByUid('bot'))?.secretHash, 'new-hash');

    const changes = {
      name: 'Renamed',
      redirectUris: ['https://other.example/cb'],
      scopes: [],
      allowedScopes: [],
      descriptionEn: '',
      descriptionRu: '',
      at: AT + 2,
    };
    await stores.applications.update(id, changes);
    const updated = await stores.applications.findById(id);
    assert.deepEqual([updated?.name, updated?.redirectUris], ['Renamed', ['https://other.example/cb']]);

    await stores.applications.setQuota(id, { perMinute: 60, perDay: null }, AT + 3);
    assert.deepEqual((await stores.applications.findByUid('bot'))?.quota, { perMinute: 60, perDay: null });

    assert.equal(await stores.applications.delete(id), true);
    assert.equal(await stores.applications.findByUid('bot'), undefined);
    assert.equal(await stores.applications.findById(id), undefined);
  });

  it('evicts what a transaction wrote once it has ended, and what the icon store changed', async () => {
    const { stores } = cached();
    const { id } = await stores.applications.create(newApplication(ownerId, 'bot'));
    await stores.applications.findByUid('bot');
    await stores.transaction((trx) => trx.applications.replaceSecret(id, 'in-transaction', AT + 1));
    assert.equal((await stores.applications.findByUid('bot'))?.secretHash, 'in-transaction');

    const icon = { contentType: 'image/png', bytes: new Uint8Array([1, 2, 3]), version: 'v1' };
    assert.equal(await stores.applicationIcons.put(id, icon, AT + 2), true);
    assert.equal((await stores.applications.findById(id))?.iconVersion, 'v1');
  });

  it('reads the database, keeping nothing, while the watch cannot tell', async () => {
    const watch = new FixedWatch();
    const { stores, cache, reads } = cached(watch);
    await stores.applications.create(newApplication(ownerId, 'bot'));
    watch.current = false;
    await stores.applications.findByUid('bot');
    await stores.applications.findByUid('bot');
    assert.equal(reads(), 2);
    assert.equal(cache.size, 0);
  });

  it('does not keep a row read while an eviction happened (a write that committed meanwhile)', async () => {
    const cache = new ApplicationCache(10);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let readDone: () => void = () => {};
    const read = new Promise<void>((resolve) => (readDone = resolve));
    const slow: ApplicationStore = Object.assign(Object.create(base.applications) as ApplicationStore, {
      findByUid: async (uid: string) => {
        const found = await base.applications.findByUid(uid);
        readDone();
        await gate;
        return found;
      },
    });
    const store = new CachedApplicationStore(slow, cache, new FixedWatch());
    const { id } = await base.applications.create(newApplication(ownerId, 'bot'));
    const lookup = store.findByUid('bot');
    await read;
    // Another request's write, through this process's store, evicts while the lookup holds the old row.
    await store.replaceSecret(id, 'new-hash', AT + 1);
    release();
    assert.equal((await lookup)?.secretHash, 'old-hash');
    assert.equal(cache.size, 0);
    assert.equal((await store.findByUid('bot'))?.secretHash, 'new-hash');
  });

  it('sees a change made past its stores (a raw statement, a deleted owner) through the generation', async () => {
    // The generation read on the database's own connection.
    const cache = new ApplicationCache(10);
    const { stores, reads } = cached(new SqliteApplicationWatch(database.db, cache), cache);
    const { id } = await stores.applications.create(newApplication(ownerId, 'bot'));
    await stores.applications.findByUid('bot');
    await stores.applications.findByUid('bot');
    assert.equal(reads(), 1);

    await sql`update applications set secret_hash = 'raw' where id = ${id}`.execute(database.db);
    const changed = await stores.applications.findByUid('bot');
    assert.equal(changed?.secretHash, 'raw');
    // The version moved too (migration 014's trigger), once, as for a write through the stores.
    assert.equal(changed?.version, 1);
    await sql`delete from users where id = ${ownerId}`.execute(database.db);
    assert.equal(await stores.applications.findByUid('bot'), undefined);
    assert.equal(reads(), 3);
  });

  it('moves the version once per UPDATE made past the stores, and as the stores set it', async () => {
    const { id } = await base.applications.create(newApplication(ownerId, 'bot'));
    const version = async () => (await base.applications.findById(id))?.version;
    await sql`update applications set name = 'raw' where id = ${id}`.execute(database.db);
    assert.equal(await version(), 1);
    await sql`update applications set name = 'raw again' where id = ${id}`.execute(database.db);
    assert.equal(await version(), 2);
    assert.equal(await base.applications.replaceSecret(id, 'h', AT + 1), true);
    assert.equal(await version(), 3);
  });

  it('is what watchApplications gives an in-memory database', async () => {
    const cache = new ApplicationCache(10);
    const watch = await watchApplications(database, cache, { lost: () => {}, restored: () => {} });
    assert.ok(watch instanceof SqliteApplicationWatch);
  });
});

describe('two connections on one SQLite file, as two processes', () => {
  let file: Awaited<ReturnType<typeof tempDatabase>>;
  let server: OpenDatabase;
  let other: OpenDatabase;
  let watch: ApplicationWatch | undefined;

  beforeEach(async () => {
    file = await tempDatabase();
    server = openSqlite(file.path);
    await migrateToLatest(server);
    other = openSqlite(file.path);
  });
  afterEach(async () => {
    await watch?.close();
    await server.close();
    await other.close();
    await file.remove();
  });

  it("refuses, from the next lookup on, what another connection changed: secret, quota, deletion", async () => {
    const cache = new ApplicationCache(10);
    watch = await watchApplications(server, cache, { lost: () => {}, restored: () => {} });
    assert.ok(watch instanceof SqliteApplicationWatch);
    const counted = countingReads(sqlStores(server.db).applications);
    const cachedStores = withApplicationCache({ ...sqlStores(server.db), applications: counted.store }, cache, watch);
    const otherStores = sqlStores(other.db);

    const ownerId = (await registerUser(otherStores, { nickname: 'alice', password: 'correct horse battery' }, AT)).id;
    const { id } = await otherStores.applications.create(newApplication(ownerId, 'bot'));
    await cachedStores.applications.findByUid('bot');
    assert.equal((await cachedStores.applications.findByUid('bot'))?.secretHash, 'old-hash');
    assert.equal(counted.reads(), 1);

    await otherStores.applications.replaceSecret(id, 'new-hash', AT + 1);
    assert.equal((await cachedStores.applications.findByUid('bot'))?.secretHash, 'new-hash');
    await otherStores.applications.setQuota(id, { perMinute: null, perDay: 100 }, AT + 2);
    assert.deepEqual((await cachedStores.applications.findById(id))?.quota, { perMinute: null, perDay: 100 });
    // And a write of the server's own connection, past the cached store (the generation read there sees it at once).
    await sql`update applications set name = 'Raw' where id = ${id}`.execute(server.db);
    assert.equal((await cachedStores.applications.findByUid('bot'))?.name, 'Raw');
    await otherStores.applications.delete(id);
    assert.equal(await cachedStores.applications.findByUid('bot'), undefined);
    assert.equal(await cachedStores.applications.findById(id), undefined);
  });
});

staleCacheContract('SQLite', async () => {
  const database = openSqlite(':memory:');
  await migrateToLatest(database);
  return { stores: sqlStores(database.db), close: () => database.close() };
});
