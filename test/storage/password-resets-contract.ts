import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { passwordResetCleanupTask } from '../../src/accounts/password-resets.js';
import { EXPIRY_MARGIN_MS, runCleanup } from '../../src/core/cleanup.js';
import type { Stores } from '../../src/core/ports/stores.js';
import type { Backend } from './contract.js';

const NOW = 1_900_000_000_000;
const HOUR = 3_600_000;

/**
 * Password resets (migration 016, accounts/password-resets.ts) against the store contract's backends: a link sets a
 * password once, of any number of concurrent uses in any number of processes; a newer link voids the older ones;
 * the cleanup takes the expired and the used; accounts are found by email address in any case.
 */
export function passwordResetsContract(open: () => Promise<Backend>, openTwin?: () => Promise<Backend>): void {
  describe('password resets', () => {
    let backend: Backend;
    let stores: Stores;
    let n = 0;

    beforeEach(async () => {
      backend = await open();
      stores = backend.stores;
    });
    afterEach(async () => backend.close());

    async function user(email: string | null = null) {
      const nickname = `user${++n}`;
      return stores.users.create({ nickname, email, passwordHash: 'h', admin: false, locale: 'en', at: NOW });
    }

    const reset = (userId: number, tokenHash: string, at = NOW, expiresAt = at + HOUR) =>
      stores.passwordResets.create({ userId, tokenHash, at, expiresAt });

    it('finds a reset while it is unused and unexpired, and consumes it once', async () => {
      const alice = await user();
      await reset(alice.id, 'h-1');
      assert.equal(await stores.passwordResets.findUsable('h-1', NOW + HOUR - 1), alice.id);
      assert.equal(await stores.passwordResets.findUsable('h-1', NOW + HOUR), undefined, 'expired at expires_at');
      assert.equal(await stores.passwordResets.findUsable('h-unknown', NOW), undefined);
      assert.equal(await stores.passwordResets.consume('h-1', NOW + HOUR), undefined, 'not once expired');
      assert.equal(await stores.passwordResets.consume('h-1', NOW + 10), alice.id);
      assert.equal(await stores.passwordResets.consume('h-1', NOW + 11), undefined, 'once');
      assert.equal(await stores.passwordResets.findUsable('h-1', NOW + 11), undefined);
    });

    it('voids the earlier unused resets of the same user, not those of others', async () => {
      const alice = await user();
      const bob = await user();
      await reset(alice.id, 'a-1');
      await reset(bob.id, 'b-1');
      await reset(alice.id, 'a-2', NOW + 1);
      assert.equal(await stores.passwordResets.consume('a-1', NOW + 2), undefined);
      assert.equal(await stores.passwordResets.consume('b-1', NOW + 2), bob.id);
      assert.equal(await stores.passwordResets.consume('a-2', NOW + 2), alice.id);
    });

    it('refuses a second reset with the same token hash', async () => {
      const alice = await user();
      await reset(alice.id, 'same');
      await assert.rejects(reset((await user()).id, 'same'));
    });

    it('consumes a reset once among concurrent callers', async () => {
      const alice = await user();
      await reset(alice.id, 'race');
      const got = await Promise.all([1, 2, 3, 4].map(() => stores.passwordResets.consume('race', NOW + 5)));
      assert.deepEqual(got.filter((id) => id !== undefined), [alice.id]);
    });

    if (openTwin) {
      it('consumes a reset once among concurrent callers in two processes', async () => {
        const twin = await openTwin();
        try {
          const alice = await user();
          for (let i = 0; i < 5; i++) {
            await reset(alice.id, `race-${i}`, NOW + i);
            const all = [stores, twin.stores, stores, twin.stores, stores, twin.stores];
            const got = await Promise.all(all.map((s) => s.passwordResets.consume(`race-${i}`, NOW + i + 1)));
            assert.deepEqual(got.filter((id) => id !== undefined), [alice.id], `round ${i}`);
          }
        } finally {
          await twin.close();
        }
      });
    }

    it('is cleaned up an hour after it expired or was used; the others stay', async () => {
      const alice = await user();
      const bob = await user();
      const carol = await user();
      const cutoff = NOW - EXPIRY_MARGIN_MS;
      await reset(alice.id, 'expired', cutoff - 2 * HOUR, cutoff - 1);
      await reset(bob.id, 'at-cutoff', cutoff - HOUR, cutoff);
      await reset(carol.id, 'used', cutoff - 2 * HOUR, NOW + HOUR);
      assert.equal(await stores.passwordResets.consume('used', cutoff - 1), carol.id);
      const live = await user();
      await reset(live.id, 'live', NOW - 10, NOW + HOUR);
      const results = await runCleanup([passwordResetCleanupTask(stores.passwordResets)], NOW, {
        batchSize: 1,
        maxRowsPerTask: Infinity,
      });
      assert.deepEqual(results, [{ name: 'password_resets', removed: 2, complete: true }]);
      assert.equal(await stores.passwordResets.findUsable('live', NOW), live.id);
      assert.equal(await stores.passwordResets.findUsable('at-cutoff', cutoff - 1), bob.id);
    });

    it('finds the accounts with an email address in any case, by id, at most `limit`', async () => {
      const first = await user('Alice@Example.org');
      const second = await user('alice@example.org');
      await user('bob@example.org');
      await user(null);
      const found = await stores.users.findByEmail('ALICE@example.ORG', 5);
      assert.deepEqual(
        found.map((u) => u.id),
        [first.id, second.id],
      );
      assert.deepEqual((await stores.users.findByEmail('alice@example.org', 1)).map((u) => u.id), [first.id]);
      assert.deepEqual(await stores.users.findByEmail('nobody@example.org', 5), []);
    });
  });
}
