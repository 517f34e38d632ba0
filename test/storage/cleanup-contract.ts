import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EXPIRY_MARGIN_MS, runCleanup, storeCleanupTasks, type CleanupTask } from '../../src/core/cleanup.js';
import type { NewAccessToken, Stores } from '../../src/core/ports/stores.js';
import { CLEANUP_LEASE, cleanupOnce, removedCounts } from '../../src/ops/cleanup.js';
import type { Backend } from './contract.js';

const NOW = 1_900_000_000_000;
const DAY = 86_400_000;
/** MONBAN_TOKEN_RETENTION in these tests: 10 days. */
const RETENTION_S = 10 * 86_400;
const TOKEN_CUTOFF = NOW - RETENTION_S * 1000;
const EXPIRED_BEFORE = NOW - EXPIRY_MARGIN_MS;
const TTL_S = 86_400;

/**
 * The cleanup against the store contract's backends (issue 12): rows of every kind on both sides of each cutoff,
 * exactly which go, and that what stays still works.
 */
export function cleanupContract(open: () => Promise<Backend>, openTwin?: () => Promise<Backend>): void {
  describe('cleanup', () => {
    let backend: Backend;
    let stores: Stores;
    let n = 0;

    beforeEach(async () => {
      backend = await open();
      stores = backend.stores;
    });
    afterEach(async () => backend.close());

    const run = (batchSize = 2, maxRowsPerTask = Infinity) =>
      runCleanup(storeCleanupTasks(stores, { tokenRetention: RETENTION_S }), NOW, { batchSize, maxRowsPerTask });

    async function owners() {
      const user = await stores.users.create({
        nickname: `user${++n}`,
        email: null,
        passwordHash: 'h',
        admin: false,
        locale: 'en',
        at: NOW - 400 * DAY,
      });
      const app = await stores.applications.create({
        uid: `client-${n}`,
        secretHash: 's',
        name: 'App',
        redirectUris: ['https://a.example/cb'],
        scopes: ['user_rates'],
        allowedScopes: ['user_rates'],
        descriptionEn: '',
        descriptionRu: '',
        ownerId: user.id,
        at: NOW - 400 * DAY,
      });
      return { userId: user.id, appId: app.id };
    }

    /** A token whose access token expires at `expiresAt`. */
    async function token(name: string, expiresAt: number, over: Partial<NewAccessToken> = {}) {
      const { userId, appId } = await owners();
      return stores.tokens.create({
        tokenHash: `t-${name}`,
        refreshTokenHash: `r-${name}`,
        applicationId: appId,
        userId,
        grantId: null,
        parentId: null,
        scopes: ['user_rates'],
        expiresIn: TTL_S,
        previousRefreshTokenHash: null,
        at: expiresAt - TTL_S * 1000,
        ...over,
      });
    }

    /** A code whose lifetime (10 minutes) ends at `expiresAt`. */
    async function code(name: string, expiresAt: number) {
      const { userId, appId } = await owners();
      return stores.codes.create({
        codeHash: `c-${name}`,
        applicationId: appId,
        userId,
        redirectUri: 'https://a.example/cb',
        scopes: ['user_rates'],
        expiresIn: 600,
        at: expiresAt - 600_000,
      });
    }

    const exists = async (name: string) => (await stores.tokens.findByToken(`t-${name}`)) !== undefined;

    it('deletes tokens past retention after expiry or revocation, parents first, and keeps every other', async () => {
      await token('expired-past-retention', TOKEN_CUTOFF - 1);
      await token('expired-at-cutoff', TOKEN_CUTOFF);
      const yesterday = await token('expired-yesterday', NOW - DAY);
      const live = await token('live', NOW + DAY);
      await token('client-credentials-past-retention', TOKEN_CUTOFF - 1, { refreshTokenHash: null, userId: null });
      const revokedOld = await token('revoked-past-retention', NOW + DAY);
      await stores.tokens.revoke(revokedOld.id, TOKEN_CUTOFF - 1);
      const revokedAtCutoff = await token('revoked-at-cutoff', NOW + DAY);
      await stores.tokens.revoke(revokedAtCutoff.id, TOKEN_CUTOFF);
      // A chain past retention: grandparent, parent and child all go, in one run of several batches.
      const grandparent = await token('chain-1', TOKEN_CUTOFF - 3 * DAY);
      const parent = await token('chain-2', TOKEN_CUTOFF - 2 * DAY, { parentId: grandparent.id });
      await token('chain-3', TOKEN_CUTOFF - DAY, { parentId: parent.id });
      // A revoked successor of a parent whose refresh token still works: deleting it would let the parent's next
      // refresh make it again (createIfAbsent), unrevoked. It waits for its parent.
      const liveParent = await token('parent-usable', NOW - DAY);
      const revokedChild = await token('child-revoked', NOW + DAY, { parentId: liveParent.id });
      await stores.tokens.revoke(revokedChild.id, TOKEN_CUTOFF - 1);

      const results = await run();
      assert.deepEqual(results[0], { name: 'tokens', removed: 6, complete: true });
      const kept = [];
      for (const name of [
        'expired-past-retention',
        'expired-at-cutoff',
        'expired-yesterday',
        'live',
        'client-credentials-past-retention',
        'revoked-past-retention',
        'revoked-at-cutoff',
        'chain-1',
        'chain-2',
        'chain-3',
        'parent-usable',
        'child-revoked',
      ]) {
        if (await exists(name)) kept.push(name);
      }
      assert.deepEqual(kept, [
        'expired-at-cutoff',
        'expired-yesterday',
        'live',
        'revoked-at-cutoff',
        'parent-usable',
        'child-revoked',
      ]);

      // What stays works: the old-but-valid refresh token can still be refreshed.
      const locked = await stores.transaction((tx) => tx.tokens.lockForRefresh('r-expired-yesterday'));
      assert.equal(locked?.id, yesterday.id);
      assert.equal((await stores.tokens.findByRefreshToken('r-parent-usable'))?.revokedAt, null);
      assert.equal((await stores.tokens.findByTokenWithUser('t-live'))?.token.id, live.id);
      // A second run finds nothing more.
      assert.deepEqual(removedCounts(await run()), {
        tokens: 0,
        authorization_codes: 0,
        authorization_requests: 0,
        device_codes: 0,
        sessions: 0,
      });
    });

    it('keeps a consumed code while a token of its family exists, so its replay still revokes them', async () => {
      await code('expired', EXPIRED_BEFORE - 1);
      await code('expired-at-cutoff', EXPIRED_BEFORE);
      const live = await code('live', NOW + 60_000);
      // Consumed, expired, with a live token: kept (RFC 9700 §4.5).
      const consumed = await code('consumed', EXPIRED_BEFORE - DAY);
      await stores.codes.consume('c-consumed', consumed.applicationId, EXPIRED_BEFORE - DAY - 1000);
      await token('of-consumed', NOW + DAY, { grantId: consumed.id });
      // Consumed, expired, whose every token goes in this run: goes with them.
      const gone = await code('consumed-gone', TOKEN_CUTOFF - 2 * DAY);
      await stores.codes.consume('c-consumed-gone', gone.applicationId, TOKEN_CUTOFF - 2 * DAY - 1000);
      await token('of-gone', TOKEN_CUTOFF - DAY, { grantId: gone.id });
      // A code revoked unconsumed (Revoke access) that issued nothing: goes once expired.
      const revoked = await code('revoked', EXPIRED_BEFORE - 1);
      await stores.codes.revokeAllForUser(revoked.applicationId, revoked.userId, EXPIRED_BEFORE - 2000);

      assert.deepEqual(removedCounts(await run()), {
        tokens: 1,
        authorization_codes: 3,
        authorization_requests: 0,
        device_codes: 0,
        sessions: 0,
      });
      assert.equal(await stores.codes.findByHash('c-expired'), undefined);
      assert.equal(await stores.codes.findByHash('c-consumed-gone'), undefined);
      assert.equal(await stores.codes.findByHash('c-revoked'), undefined);
      assert.ok(await stores.codes.findByHash('c-expired-at-cutoff'));
      // The consumed code is still there to be recognized as a replay, and its family still revocable.
      assert.notEqual((await stores.codes.findByHash('c-consumed'))?.revokedAt, null);
      assert.equal(await stores.tokens.revokeFamily(consumed.id, NOW), 1);
      // The live code is still redeemed once.
      assert.equal((await stores.codes.consume('c-live', live.applicationId, NOW))?.id, live.id);
    });

    it('deletes expired authorization requests, device codes and sessions; the live ones still work', async () => {
      const { userId, appId } = await owners();
      const request = (id: string, expiresAt: number, deviceCodeId?: number) =>
        stores.authorizationRequests.create({
          idHash: id,
          sessionHash: 'session',
          userId,
          applicationId: appId,
          redirectUri: 'https://a.example/cb',
          scopes: ['user_rates'],
          state: undefined,
          ...(deviceCodeId === undefined ? {} : { deviceCodeId }),
          at: expiresAt - 600_000,
          expiresAt,
        });
      const device = async (name: string, expiresAt: number) => {
        const created = await stores.deviceCodes.create({
          deviceCodeHash: `d-${name}`,
          userCodeHash: `u-${name}`,
          applicationId: appId,
          scopes: ['user_rates'],
          interval: 5,
          at: expiresAt - 600_000,
          expiresAt,
        });
        assert.ok(created);
        return created;
      };
      await request('expired', EXPIRED_BEFORE - 1);
      await request('at-cutoff', EXPIRED_BEFORE);
      await request('live', NOW + 60_000);
      const expiredDevice = await device('expired', EXPIRED_BEFORE - 1);
      await request('of-expired-device', EXPIRED_BEFORE + 1, expiredDevice.id);
      await device('at-cutoff', EXPIRED_BEFORE);
      const liveDevice = await device('live', NOW + 60_000);
      await stores.sessions.create('s-expired', userId, NOW - 30 * DAY, EXPIRED_BEFORE - 1);
      await stores.sessions.create('s-at-cutoff', userId, NOW - 30 * DAY, EXPIRED_BEFORE);
      await stores.sessions.create('s-live', userId, NOW - DAY, NOW + DAY);

      assert.deepEqual(removedCounts(await run()), {
        tokens: 0,
        authorization_codes: 0,
        authorization_requests: 1,
        device_codes: 1,
        sessions: 1,
      });
      // The expired device code took its request along (the foreign key's cascade).
      assert.equal(await stores.deviceCodes.findByHash('d-expired'), undefined);
      const requests = stores.authorizationRequests;
      assert.equal(await requests.findOpen('of-expired-device', 'session', EXPIRED_BEFORE), undefined);
      assert.equal(await requests.findOpen('expired', 'session', EXPIRED_BEFORE - 2), undefined);
      assert.ok(await requests.findOpen('at-cutoff', 'session', EXPIRED_BEFORE - 1));
      assert.ok(await stores.deviceCodes.findByHash('d-at-cutoff'));
      assert.equal(await stores.sessions.findUser('s-expired', EXPIRED_BEFORE - 2), undefined);
      assert.equal((await stores.sessions.findUser('s-at-cutoff', EXPIRED_BEFORE - 1))?.id, userId);

      // The live ones work as before.
      assert.equal((await stores.authorizationRequests.decide('live', 'session', NOW))?.userId, userId);
      assert.equal((await stores.deviceCodes.findPendingByUserCode('u-live', NOW))?.id, liveDevice.id);
      assert.equal(await stores.deviceCodes.decide(liveDevice.id, { approved: false, userId }, NOW), true);
      assert.equal((await stores.sessions.findUser('s-live', NOW))?.id, userId);
    });

    it('works through a backlog in batches, and stops a run at its cap', async () => {
      for (let i = 0; i < 5; i++) await token(`old-${i}`, TOKEN_CUTOFF - 1);
      const capped = await run(2, 3);
      assert.deepEqual(capped[0], { name: 'tokens', removed: 3, complete: false });
      const rest = await run(2, 3);
      assert.deepEqual(rest[0], { name: 'tokens', removed: 2, complete: true });
    });

    it('runs a registered task with the others, given the same now and batch limit', async () => {
      const calls: Array<[number, number]> = [];
      let left = 5;
      const audit: CleanupTask = {
        name: 'audit_events',
        async deleteBatch(now, limit) {
          calls.push([now, limit]);
          const deleted = Math.min(left, limit);
          left -= deleted;
          return deleted;
        },
      };
      const tasks = [...storeCleanupTasks(stores, { tokenRetention: RETENTION_S }), audit];
      const results = await runCleanup(tasks, NOW, { batchSize: 2, maxRowsPerTask: Infinity });
      assert.deepEqual(results.at(-1), { name: 'audit_events', removed: 5, complete: true });
      assert.deepEqual(calls, [
        [NOW, 2],
        [NOW, 2],
        [NOW, 2],
        [NOW, 2],
      ]);
    });

    it('lets one holder at a time have the lease, and another take it over once it runs out', async () => {
      const { leases } = stores;
      assert.equal(await leases.acquire('job', 'a', NOW, NOW + 1000), true);
      assert.equal(await leases.acquire('job', 'b', NOW + 999, NOW + 2000), false);
      assert.equal(await leases.acquire('other-job', 'b', NOW, NOW + 1000), true);
      // Another holder's release gives nothing up.
      await leases.release('job', 'b');
      assert.equal(await leases.acquire('job', 'b', NOW + 10, NOW + 2000), false);
      assert.equal(await leases.acquire('job', 'b', NOW + 1000, NOW + 2000), true);
      await leases.release('job', 'b');
      assert.equal(await leases.acquire('job', 'c', NOW + 1001, NOW + 3000), true);
    });

    if (openTwin) {
      it('gives a free lease to one of many concurrent callers in two processes', async () => {
        const twin = await openTwin();
        try {
          const all = [stores, twin.stores, stores, twin.stores, stores, twin.stores];
          const got = await Promise.all(all.map((s, i) => s.leases.acquire('race', `holder-${i}`, NOW, NOW + 1000)));
          assert.equal(got.filter(Boolean).length, 1);
        } finally {
          await twin.close();
        }
      });

      it('runs one of two concurrent cleanups; the other does nothing and does not fail', async () => {
        const twin = await openTwin();
        try {
          for (let i = 0; i < 4; i++) await token(`old-${i}`, TOKEN_CUTOFF - 1);
          let release!: () => void;
          const held = new Promise<void>((resolve) => (release = resolve));
          let started!: () => void;
          const running = new Promise<void>((resolve) => (started = resolve));
          const slow: CleanupTask = {
            name: 'slow',
            async deleteBatch() {
              started();
              await held;
              return 0;
            },
          };
          const first = cleanupOnce({
            stores,
            tasks: [...storeCleanupTasks(stores, { tokenRetention: RETENTION_S }), slow],
            now: () => NOW,
            holder: 'first',
            batchSize: 2,
            capped: true,
          });
          await running;
          const second = await cleanupOnce({
            stores: twin.stores,
            tasks: storeCleanupTasks(twin.stores, { tokenRetention: RETENTION_S }),
            now: () => NOW,
            holder: 'second',
            batchSize: 2,
            capped: true,
          });
          assert.deepEqual(second, { ran: false });
          release();
          const done = await first;
          assert.equal(done.ran && removedCounts(done.results).tokens, 4);
          // The lease is given up at the end: the twin runs now, and finds nothing left.
          assert.equal(await twin.stores.leases.acquire(CLEANUP_LEASE, 'probe', NOW, NOW + 1), true);
          await twin.stores.leases.release(CLEANUP_LEASE, 'probe');

          // Two started at once: whichever runs, neither fails, and rows are counted once.
          for (let i = 4; i < 10; i++) await token(`old-${i}`, TOKEN_CUTOFF - 1);
          const both = await Promise.all(
            [stores, twin.stores].map((s, i) =>
              cleanupOnce({
                stores: s,
                tasks: storeCleanupTasks(s, { tokenRetention: RETENTION_S }),
                now: () => NOW,
                holder: `racer-${i}`,
                batchSize: 2,
                capped: true,
              }),
            ),
          );
          const removed = both.reduce((sum, o) => sum + (o.ran ? (removedCounts(o.results).tokens ?? 0) : 0), 0);
          assert.equal(removed, 6);
        } finally {
          await twin.close();
        }
      });
    }
  });
}
