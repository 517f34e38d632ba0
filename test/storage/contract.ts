import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { NicknameTaken, type Stores } from '../../src/storage/stores.js';

export interface Backend {
  stores: Stores;
  close(): Promise<void>;
}

/**
 * The store contract: every backend runs this one suite. `open` gives a fresh, migrated, empty database;
 * `openTwin`, when given, opens a second connection pool to that same database, as another process would.
 */
export function storeContract(
  name: string,
  open: () => Promise<Backend>,
  openTwin?: () => Promise<Backend>,
): void {
  describe(`store contract: ${name}`, () => {
    let backend: Backend;
    let stores: Stores;
    let now = 1_800_000_000_000;

    beforeEach(async () => {
      backend = await open();
      stores = backend.stores;
      now += 1000;
    });
    afterEach(async () => backend.close());

    async function user(nickname = 'alice') {
      return stores.users.create({ nickname, email: null, passwordHash: 'h', admin: false, locale: 'en', at: now });
    }

    async function application(ownerId: number, uid = 'client-1') {
      return stores.applications.create({
        uid,
        secretHash: 'secret-hash',
        name: 'App',
        redirectUris: ['https://a.example/cb', 'urn:ietf:wg:oauth:2.0:oob'],
        scopes: ['user_rates', 'email'],
        allowedScopes: ['user_rates', 'comments', 'topics', 'email'],
        descriptionEn: 'en',
        descriptionRu: 'ru',
        ownerId,
        at: now,
      });
    }

    async function code(applicationId: number, userId: number, codeHash = 'code-hash') {
      return stores.codes.create({
        codeHash,
        applicationId,
        userId,
        redirectUri: 'https://a.example/cb',
        scopes: ['user_rates'],
        expiresIn: 600,
        at: now,
      });
    }

    function token(applicationId: number, userId: number | null, over: Partial<Parameters<Stores['tokens']['create']>[0]> = {}) {
      return stores.tokens.create({
        tokenHash: `t-${Math.random()}`,
        refreshTokenHash: `r-${Math.random()}`,
        applicationId,
        userId,
        grantId: null,
        parentId: null,
        scopes: ['user_rates', 'comments'],
        expiresIn: 86400,
        previousRefreshTokenHash: null,
        at: now,
        ...over,
      });
    }

    describe('users', () => {
      it('creates a user and finds it by id and by nickname in any case', async () => {
        const alice = await user('Alice');
        assert.equal(alice.nickname, 'Alice');
        assert.equal(alice.admin, false);
        assert.equal(alice.locale, 'en');
        assert.equal(alice.lastOnlineAt, now);
        assert.deepEqual(await stores.users.findById(alice.id), alice);
        const found = await stores.users.findByNickname('aLiCe');
        assert.deepEqual(found, { user: alice, passwordHash: 'h' });
        assert.equal(await stores.users.findByNickname('bob'), undefined);
      });

      it('refuses a nickname taken in another case', async () => {
        await user('alice');
        await assert.rejects(user('ALICE'), NicknameTaken);
      });

      it('records the last time a user was online', async () => {
        const alice = await user();
        await stores.users.touchLastOnline(alice.id, now + 5000);
        assert.equal((await stores.users.findById(alice.id))?.lastOnlineAt, now + 5000);
      });
    });

    describe('applications', () => {
      it('round-trips every field', async () => {
        const alice = await user();
        const app = await application(alice.id);
        assert.deepEqual(app, {
          id: app.id,
          uid: 'client-1',
          secretHash: 'secret-hash',
          name: 'App',
          redirectUris: ['https://a.example/cb', 'urn:ietf:wg:oauth:2.0:oob'],
          scopes: ['user_rates', 'email'],
          allowedScopes: ['user_rates', 'comments', 'topics', 'email'],
          descriptionEn: 'en',
          descriptionRu: 'ru',
          ownerId: alice.id,
          confidential: true,
          createdAt: now,
          updatedAt: now,
        });
        assert.deepEqual(await stores.applications.findByUid('client-1'), app);
        assert.deepEqual(await stores.applications.findById(app.id), app);
        assert.equal(await stores.applications.findByUid('client-2'), undefined);
      });
    });

    describe('authorization codes', () => {
      it('consumes a code once, and only for its own application', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const other = await application(alice.id, 'client-2');
        const created = await code(app.id, alice.id);
        assert.equal(await stores.codes.consume('code-hash', other.id, now), undefined);
        const consumed = await stores.codes.consume('code-hash', app.id, now + 1);
        assert.deepEqual(consumed, { ...created, revokedAt: now + 1 });
        assert.equal(await stores.codes.consume('code-hash', app.id, now + 2), undefined);
        assert.equal((await stores.codes.findByHash('code-hash'))?.revokedAt, now + 1);
        assert.equal(await stores.codes.findByHash('nope'), undefined);
      });

      it('gives a code to exactly one of many concurrent callers', async () => {
        const alice = await user();
        const app = await application(alice.id);
        await code(app.id, alice.id);
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) => stores.codes.consume('code-hash', app.id, now + i)),
        );
        assert.equal(results.filter((r) => r !== undefined).length, 1);
      });

      if (openTwin) {
        it('gives a code to exactly one caller across two connections to one database', async () => {
          const alice = await user();
          const app = await application(alice.id);
          await code(app.id, alice.id);
          const twin = await openTwin();
          try {
            const results = await Promise.all(
              Array.from({ length: 20 }, (_, i) =>
                (i % 2 === 0 ? stores : twin.stores).codes.consume('code-hash', app.id, now + i),
              ),
            );
            assert.equal(results.filter((r) => r !== undefined).length, 1);
          } finally {
            await twin.close();
          }
        });
      }
    });

    describe('access tokens', () => {
      it('finds a token by either secret, and revokes it once', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const t = await token(app.id, alice.id, { tokenHash: 'at', refreshTokenHash: 'rt' });
        assert.equal(t.hasRefreshToken, true);
        assert.deepEqual(t.scopes, ['user_rates', 'comments']);
        assert.deepEqual(await stores.tokens.findByToken('at'), t);
        assert.deepEqual(await stores.tokens.findByRefreshToken('rt'), t);
        assert.equal(await stores.tokens.findByToken('rt'), undefined);
        assert.equal(await stores.tokens.revoke(t.id, now + 1), true);
        assert.equal(await stores.tokens.revoke(t.id, now + 2), false);
        assert.equal((await stores.tokens.findByToken('at'))?.revokedAt, now + 1);
      });

      it('stores client_credentials tokens without a user or refresh token', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const t = await token(app.id, null, { refreshTokenHash: null });
        assert.equal(t.userId, null);
        assert.equal(t.hasRefreshToken, false);
      });

      it('revokes a whole family, and only it', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const grant = await code(app.id, alice.id);
        const other = await code(app.id, alice.id, 'other-code');
        const first = await token(app.id, alice.id, { grantId: grant.id, tokenHash: 'f1' });
        await token(app.id, alice.id, { grantId: grant.id, parentId: first.id, tokenHash: 'f2' });
        await stores.tokens.revoke(first.id, now);
        await token(app.id, alice.id, { grantId: other.id, tokenHash: 'stranger' });
        // Only the one live member counts; the already revoked one keeps its first revocation time.
        assert.equal(await stores.tokens.revokeFamily(grant.id, now + 1), 1);
        assert.equal((await stores.tokens.findByToken('f1'))?.revokedAt, now);
        assert.equal((await stores.tokens.findByToken('f2'))?.revokedAt, now + 1);
        assert.equal((await stores.tokens.findByToken('stranger'))?.revokedAt, null);
      });

      it('completes a lazy rotation: the replaced token is revoked and the link forgotten', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const old = await token(app.id, alice.id, { tokenHash: 'old-at', refreshTokenHash: 'old-rt' });
        const fresh = await token(app.id, alice.id, {
          tokenHash: 'new-at',
          refreshTokenHash: 'new-rt',
          parentId: old.id,
          previousRefreshTokenHash: 'old-rt',
        });
        assert.equal(fresh.previousRefreshTokenHash, 'old-rt');
        await stores.tokens.completeRotation(fresh, now + 1);
        assert.equal((await stores.tokens.findByRefreshToken('old-rt'))?.revokedAt, now + 1);
        const after = await stores.tokens.findByToken('new-at');
        assert.equal(after?.previousRefreshTokenHash, null);
        assert.equal(after?.revokedAt, null);
      });

      it("lists a user's granted scope sets for an application, newest first, without revoked ones", async () => {
        const alice = await user();
        const bob = await user('bob');
        const app = await application(alice.id);
        await token(app.id, alice.id, { scopes: ['user_rates'] });
        const revoked = await token(app.id, alice.id, { scopes: ['comments'] });
        await token(app.id, alice.id, { scopes: ['topics', 'user_rates'] });
        await token(app.id, bob.id, { scopes: ['email'] });
        await stores.tokens.revoke(revoked.id, now);
        assert.deepEqual(await stores.tokens.grantedScopes(app.id, alice.id), [['topics', 'user_rates'], ['user_rates']]);
      });
    });

    describe('sessions', () => {
      it('finds the user of a live session, not of an expired or deleted one', async () => {
        const alice = await user();
        await stores.sessions.create('s1', alice.id, now, now + 1000);
        assert.deepEqual(await stores.sessions.findUser('s1', now + 999), alice);
        assert.equal(await stores.sessions.findUser('s1', now + 1000), undefined);
        await stores.sessions.create('s2', alice.id, now, now + 1000);
        await stores.sessions.delete('s2');
        assert.equal(await stores.sessions.findUser('s2', now), undefined);
      });
    });

    describe('transactions', () => {
      it('keeps all writes of a transaction, or none', async () => {
        const alice = await user();
        const app = await application(alice.id);
        await code(app.id, alice.id);
        await assert.rejects(
          stores.transaction(async (tx) => {
            await tx.codes.consume('code-hash', app.id, now);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal((await stores.codes.findByHash('code-hash'))?.revokedAt, null);
        await stores.transaction(async (tx) => {
          await tx.codes.consume('code-hash', app.id, now);
          await tx.tokens.create({
            tokenHash: 'tx-at',
            refreshTokenHash: null,
            applicationId: app.id,
            userId: alice.id,
            grantId: null,
            parentId: null,
            scopes: ['user_rates'],
            expiresIn: 60,
            previousRefreshTokenHash: null,
            at: now,
          });
        });
        assert.equal((await stores.codes.findByHash('code-hash'))?.revokedAt, now);
        assert.ok(await stores.tokens.findByToken('tx-at'));
      });
    });
  });
}
