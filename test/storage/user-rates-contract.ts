import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { NewUserRate, Stores } from '../../src/core/ports/stores.js';

export interface UserRateBackend {
  stores: Stores;
  close(): Promise<void>;
  /** Deletes a user as an administrator would, by SQL: its foreign keys cascade. */
  deleteUser(id: number): Promise<void>;
}

/**
 * The UserRateStore's part of the store contract (core/ports/stores.ts), run on every backend: one entry per user
 * and target whatever the concurrency, row locks that serialize changes of one entry, filters, cascades.
 */
export function userRateContract(
  name: string,
  open: () => Promise<UserRateBackend>,
  openTwin?: () => Promise<UserRateBackend>,
  /**
   * Whether the twin may hold a transaction open while this pool waits for its lock. Not for two SQLite
   * connections in one process: better-sqlite3 waits for a lock synchronously, blocking the event loop that would
   * commit the other transaction.
   */
  twinTransactions = true,
): void {
  describe(`user rate store contract: ${name}`, () => {
    let backend: UserRateBackend;
    let stores: Stores;
    const at = 1_800_000_000_000;

    beforeEach(async () => {
      backend = await open();
      stores = backend.stores;
    });
    afterEach(async () => backend.close());

    async function setUp() {
      const user = (nickname: string) =>
        stores.users.create({ nickname, email: null, passwordHash: 'h', admin: false, locale: 'en', at });
      const alice = await user('alice');
      const bob = await user('bob');
      const app = await stores.applications.create({
        uid: 'client-ur',
        secretHash: 'secret-hash',
        name: 'App',
        redirectUris: ['https://a.example/cb'],
        scopes: ['user_rates'],
        allowedScopes: ['user_rates'],
        descriptionEn: '',
        descriptionRu: '',
        ownerId: alice.id,
        at,
      });
      const rate = (over: Partial<NewUserRate> = {}): NewUserRate => ({
        userId: alice.id,
        targetId: 1,
        targetType: 'Anime',
        score: 0,
        status: 'planned',
        rewatches: 0,
        episodes: 0,
        volumes: 0,
        chapters: 0,
        text: null,
        applicationId: app.id,
        at,
        ...over,
      });
      return { alice, bob, app, rate };
    }

    it('inserts an entry once per user and target; a second insert writes nothing', async () => {
      const { alice, app, rate } = await setUp();
      const first = await stores.userRates.insert(rate({ score: 7, status: 'rewatching', text: 'x' }));
      assert.deepEqual(first, {
        id: first!.id,
        userId: alice.id,
        targetId: 1,
        targetType: 'Anime',
        score: 7,
        status: 'rewatching',
        rewatches: 0,
        episodes: 0,
        volumes: 0,
        chapters: 0,
        text: 'x',
        createdAt: at,
        updatedAt: at,
        lastApplicationId: app.id,
      });
      assert.equal(await stores.userRates.insert(rate({ score: 1 })), undefined);
      assert.equal((await stores.userRates.findById(first!.id))?.score, 7);
      assert.ok(await stores.userRates.insert(rate({ targetType: 'Manga' })));
      assert.ok(await stores.userRates.insert(rate({ targetId: 2 })));
    });

    it('of concurrent inserts of one entry, from two pools, exactly one inserts', async () => {
      const { rate } = await setUp();
      const twin = openTwin ? await openTwin() : undefined;
      try {
        const other = twin?.stores ?? stores;
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 ? other : stores).userRates.insert(rate({ targetId: 5 }))),
        );
        assert.equal(results.filter((r) => r !== undefined).length, 1);
      } finally {
        await twin?.close();
      }
    });

    it('serializes changes of one entry under its row lock: no increment is lost', async () => {
      const { app, rate } = await setUp();
      const created = await stores.userRates.insert(rate());
      const twin = openTwin && twinTransactions ? await openTwin() : undefined;
      try {
        const other = twin?.stores ?? stores;
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : stores).transaction(async (tx) => {
              const locked = await tx.userRates.lockById(created!.id);
              assert.ok(locked);
              await tx.userRates.update(locked.id, { ...locked, episodes: locked.episodes + 1 }, app.id, at + i);
            }),
          ),
        );
        assert.equal((await stores.userRates.findById(created!.id))?.episodes, 10);
      } finally {
        await twin?.close();
      }
    });

    it('locks by target, updates values with the application and time, deletes', async () => {
      const { alice, app, rate } = await setUp();
      const created = await stores.userRates.insert(rate({ targetType: 'Manga', targetId: 3 }));
      const locked = await stores.transaction((tx) => tx.userRates.lockByTarget(alice.id, 'Manga', 3));
      assert.equal(locked?.id, created?.id);
      assert.equal(await stores.userRates.lockByTarget(alice.id, 'Anime', 3), undefined);
      assert.equal(await stores.userRates.lockById(999999), undefined);
      const values = { score: 9, status: 'completed', rewatches: 2, episodes: 1, volumes: 2, chapters: 3, text: null };
      const updated = await stores.userRates.update(created!.id, { ...values, status: 'completed' }, app.id, at + 5);
      assert.deepEqual(updated, { ...created!, ...values, status: 'completed', updatedAt: at + 5 });
      assert.equal(await stores.userRates.update(999999, updated!, app.id, at), undefined);
      assert.equal(await stores.userRates.delete(created!.id), true);
      assert.equal(await stores.userRates.delete(created!.id), false);
      assert.equal(await stores.userRates.findById(created!.id), undefined);
    });

    it('lists by every filter, by id, paged by limit and offset', async () => {
      const { alice, bob, rate } = await setUp();
      const a1 = await stores.userRates.insert(rate({ targetId: 1, status: 'completed' }));
      const a2 = await stores.userRates.insert(rate({ targetId: 2, status: 'dropped' }));
      const m1 = await stores.userRates.insert(rate({ targetId: 1, targetType: 'Manga', status: 'completed' }));
      const b1 = await stores.userRates.insert(rate({ userId: bob.id, targetId: 1, status: 'watching' }));
      const ids = (list: { id: number }[]) => list.map((r) => r.id);
      assert.deepEqual(ids(await stores.userRates.list({ userId: alice.id })), ids([a1!, a2!, m1!]));
      assert.deepEqual(ids(await stores.userRates.list({ targetId: 1, targetType: 'Anime' })), ids([a1!, b1!]));
      assert.deepEqual(ids(await stores.userRates.list({ statuses: ['completed', 'watching'] })), ids([a1!, m1!, b1!]));
      assert.deepEqual(ids(await stores.userRates.list({ statuses: [] })), []);
      assert.deepEqual(ids(await stores.userRates.list({ targetType: 'Anime', limit: 2, offset: 1 })), ids([a2!, b1!]));
      assert.deepEqual(ids(await stores.userRates.list({ userId: bob.id, targetType: 'Manga' })), []);
    });

    it("goes with its user; forgets a deleted application", async () => {
      const { alice, bob, app, rate } = await setUp();
      const mine = await stores.userRates.insert(rate());
      const bobs = await stores.userRates.insert(rate({ userId: bob.id }));
      assert.equal(await stores.applications.delete(app.id), true);
      assert.equal((await stores.userRates.findById(mine!.id))?.lastApplicationId, null);
      await backend.deleteUser(alice.id);
      assert.equal(await stores.userRates.findById(mine!.id), undefined);
      assert.ok(await stores.userRates.findById(bobs!.id));
    });
  });
}
