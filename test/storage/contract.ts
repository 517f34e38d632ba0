import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { NicknameTaken, type DeviceDecision, type NewDeviceCode, type Stores } from '../../src/core/ports/stores.js';
import { cleanupContract } from './cleanup-contract.js';
import { auditContract } from './audit-contract.js';
import { grantStatementsContract } from './grant-statements-contract.js';
import { passwordResetsContract } from './password-resets-contract.js';

export interface Backend {
  stores: Stores;
  close(): Promise<void>;
  /**
   * Deletes a row as a hand-made delete would, without its foreign keys' cascade (SQLite with foreign keys off,
   * PostgreSQL with its triggers off), leaving its codes and tokens behind (issue 9).
   */
  deleteWithoutCascade?(table: 'users' | 'applications', id: number): Promise<void>;
  /**
   * True when this backend and its twin are connections of this one thread that wait for a lock by blocking it
   * (SQLite's busy timeout): a transaction of one that waits for a transaction of the other never sees it end, so
   * tests of concurrent transactions across the two skip it. Processes, each with its connection, do not share this.
   */
  blockingTwin?: boolean;
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

      it('refuses a look-alike of a taken nickname, and finds the account by any look-alike (issue 9)', async () => {
        const alice = await user('alice');
        for (const lookalike of ['ａｌｉｃｅ', '\u0430lice', 'ＡＬＩＣＥ']) {
          await assert.rejects(user(lookalike), NicknameTaken, lookalike);
          assert.deepEqual(await stores.users.findByNickname(lookalike), { user: alice, passwordHash: 'h' }, lookalike);
        }
      });

      it('keeps Cyrillic nicknames apart from each other', async () => {
        const alisa = await user('алиса');
        const alina = await user('алина');
        assert.equal((await stores.users.findByNickname('АЛИСА'))?.user.id, alisa.id);
        assert.equal((await stores.users.findByNickname('алина'))?.user.id, alina.id);
        await assert.rejects(user('Алиса'), NicknameTaken);
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
          quota: null,
          version: 0,
          createdAt: now,
          updatedAt: now,
        });
        assert.deepEqual(await stores.applications.findByUid('client-1'), app);
        assert.deepEqual(await stores.applications.findById(app.id), app);
        assert.equal(await stores.applications.findByUid('client-2'), undefined);
      });

      it('stores a public application (issue 11)', async () => {
        const alice = await user();
        const app = await stores.applications.create({
          uid: 'public-1',
          secretHash: '',
          name: 'SPA',
          redirectUris: ['https://spa.example/cb'],
          scopes: [],
          allowedScopes: ['user_rates'],
          descriptionEn: '',
          descriptionRu: '',
          ownerId: alice.id,
          confidential: false,
          at: now,
        });
        assert.equal(app.confidential, false);
        assert.equal(app.secretHash, '');
        assert.deepEqual(await stores.applications.findByUid('public-1'), app);
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
        assert.equal(created.codeChallenge, null);
      });

      it('keeps the PKCE challenge a code is bound to (RFC 7636 §4.4)', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const challenge = { challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', method: 'S256' };
        const created = await stores.codes.create({
          codeHash: 'pkce-code',
          applicationId: app.id,
          userId: alice.id,
          redirectUri: 'https://a.example/cb',
          scopes: ['user_rates'],
          expiresIn: 600,
          codeChallenge: challenge,
          at: now,
        });
        assert.deepEqual(created.codeChallenge, challenge);
        assert.deepEqual((await stores.codes.findByHash('pkce-code'))?.codeChallenge, challenge);
        assert.deepEqual((await stores.codes.consume('pkce-code', app.id, now))?.codeChallenge, challenge);
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

    describe('authorization requests', () => {
      async function pending(userId: number, applicationId: number, idHash = 'request-hash') {
        await stores.authorizationRequests.create({
          idHash,
          sessionHash: 'session-hash',
          userId,
          applicationId,
          redirectUri: 'https://a.example/cb',
          scopes: ['user_rates', 'email'],
          state: 'st',
          at: now,
          expiresAt: now + 60_000,
        });
      }

      it('finds an open request only in its own session, before it expires', async () => {
        const alice = await user();
        const app = await application(alice.id);
        await pending(alice.id, app.id);
        const found = await stores.authorizationRequests.findOpen('request-hash', 'session-hash', now);
        assert.deepEqual(found && { ...found, id: 0 }, {
          id: 0,
          applicationId: app.id,
          userId: alice.id,
          redirectUri: 'https://a.example/cb',
          scopes: ['user_rates', 'email'],
          state: 'st',
          codeChallenge: null,
          createdAt: now,
          expiresAt: now + 60_000,
        });
        assert.equal(await stores.authorizationRequests.findOpen('request-hash', 'other-session', now), undefined);
        assert.equal(await stores.authorizationRequests.findOpen('nope', 'session-hash', now), undefined);
        assert.equal(await stores.authorizationRequests.findOpen('request-hash', 'session-hash', now + 60_000), undefined);
        assert.equal(await stores.authorizationRequests.decide('request-hash', 'session-hash', now + 60_000), undefined);
      });

      it('decides a request once: of many concurrent callers exactly one gets it, and then it is no longer open', async () => {
        const alice = await user();
        const app = await application(alice.id);
        await pending(alice.id, app.id);
        assert.equal(await stores.authorizationRequests.decide('request-hash', 'other-session', now), undefined);
        const results = await Promise.all(
          Array.from({ length: 25 }, () => stores.authorizationRequests.decide('request-hash', 'session-hash', now)),
        );
        assert.equal(results.filter((r) => r !== undefined).length, 1);
        assert.equal(await stores.authorizationRequests.findOpen('request-hash', 'session-hash', now), undefined);
      });

      if (openTwin) {
        it('decides a request once across two connections to one database', async () => {
          const alice = await user();
          const app = await application(alice.id);
          await pending(alice.id, app.id);
          const twin = await openTwin();
          try {
            const results = await Promise.all(
              Array.from({ length: 20 }, (_, i) =>
                (i % 2 === 0 ? stores : twin.stores).authorizationRequests.decide('request-hash', 'session-hash', now),
              ),
            );
            assert.equal(results.filter((r) => r !== undefined).length, 1);
          } finally {
            await twin.close();
          }
        });
      }

      it('keeps the PKCE challenge of a request until it is decided (issue 11)', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const challenge = { challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', method: 'S256' };
        await stores.authorizationRequests.create({
          idHash: 'pkce-request',
          sessionHash: 'session-hash',
          userId: alice.id,
          applicationId: app.id,
          redirectUri: 'https://a.example/cb',
          scopes: ['user_rates'],
          state: undefined,
          codeChallenge: challenge,
          at: now,
          expiresAt: now + 60_000,
        });
        const open = await stores.authorizationRequests.findOpen('pkce-request', 'session-hash', now);
        assert.deepEqual(open?.codeChallenge, challenge);
        const decided = await stores.authorizationRequests.decide('pkce-request', 'session-hash', now);
        assert.deepEqual(decided?.codeChallenge, challenge);
      });

      it("goes with its application when the application is deleted", async () => {
        const alice = await user();
        const app = await application(alice.id);
        await pending(alice.id, app.id);
        assert.equal(await stores.applications.delete(app.id), true);
        assert.equal(await stores.authorizationRequests.findOpen('request-hash', 'session-hash', now), undefined);
      });
    });

    describe('device codes (RFC 8628, issue 11)', () => {
      function deviceCode(applicationId: number, over: Partial<NewDeviceCode> = {}) {
        return stores.deviceCodes.create({
          deviceCodeHash: 'device-hash',
          userCodeHash: 'user-hash',
          applicationId,
          scopes: ['user_rates', 'email'],
          interval: 5,
          at: now,
          expiresAt: now + 600_000,
          ...over,
        });
      }

      it('stores a pending device code, found by its hash, and by its user code while pending', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const created = await deviceCode(app.id);
        assert.deepEqual(created && { ...created, id: 0 }, {
          id: 0,
          applicationId: app.id,
          scopes: ['user_rates', 'email'],
          status: 'pending',
          userId: null,
          createdAt: now,
          expiresAt: now + 600_000,
          interval: 5,
          lastPolledAt: null,
          redeemedAt: null,
        });
        assert.deepEqual(await stores.deviceCodes.findByHash('device-hash'), created);
        assert.equal(await stores.deviceCodes.findByHash('user-hash'), undefined);
        assert.deepEqual(await stores.deviceCodes.findPendingByUserCode('user-hash', now + 599_999), created);
        assert.equal(await stores.deviceCodes.findPendingByUserCode('user-hash', now + 600_000), undefined);
        assert.equal(await stores.deviceCodes.findPendingByUserCode('device-hash', now), undefined);
      });

      it('refuses a user code another device code has, storing nothing', async () => {
        const alice = await user();
        const app = await application(alice.id);
        assert.ok(await deviceCode(app.id));
        assert.equal(await deviceCode(app.id, { deviceCodeHash: 'second' }), undefined);
        assert.equal(await stores.deviceCodes.findByHash('second'), undefined);
        assert.ok(await deviceCode(app.id, { deviceCodeHash: 'second', userCodeHash: 'other-user-code' }));
      });

      it('records one answer: of many concurrent callers exactly one, and never after expiry', async () => {
        const alice = await user();
        const bob = await user('bob');
        const app = await application(alice.id);
        const created = await deviceCode(app.id);
        assert.ok(created);
        const approval = (userId: number): DeviceDecision => ({ approved: true, userId, scopes: ['email'] });
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            stores.deviceCodes.decide(created.id, approval(i === 0 ? alice.id : bob.id), now),
          ),
        );
        assert.equal(results.filter(Boolean).length, 1);
        const approved = await stores.deviceCodes.findByHash('device-hash');
        assert.deepEqual(approved, { ...created, status: 'approved', userId: approved?.userId, scopes: ['email'] });
        assert.ok(approved?.userId === alice.id || approved?.userId === bob.id);
        assert.equal(await stores.deviceCodes.findPendingByUserCode('user-hash', now), undefined);
        assert.equal(await stores.deviceCodes.decide(created.id, { approved: false, userId: alice.id }, now), false);

        const late = await deviceCode(app.id, { deviceCodeHash: 'late', userCodeHash: 'late-user' });
        assert.ok(late);
        const denial = { approved: false, userId: alice.id } as const;
        assert.equal(await stores.deviceCodes.decide(late.id, denial, now + 600_000), false);
        assert.deepEqual(await stores.deviceCodes.findByHash('late'), late);
        assert.equal(await stores.deviceCodes.decide(late.id, denial, now), true);
        assert.deepEqual(await stores.deviceCodes.findByHash('late'), { ...late, status: 'denied', userId: alice.id });
      });

      it('records a poll only when no other was recorded since the one the caller saw', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const created = await deviceCode(app.id);
        assert.ok(created);
        assert.equal(await stores.deviceCodes.recordPoll(created.id, null, 5, now), true);
        assert.equal(await stores.deviceCodes.recordPoll(created.id, null, 10, now + 1), false);
        assert.equal(await stores.deviceCodes.recordPoll(created.id, now, 10, now + 2), true);
        const polled = await stores.deviceCodes.findByHash('device-hash');
        assert.deepEqual([polled?.lastPolledAt, polled?.interval], [now + 2, 10]);
        const results = await Promise.all(
          Array.from({ length: 25 }, () => stores.deviceCodes.recordPoll(created.id, now + 2, 15, now + 3)),
        );
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('redeems an approved device code once, for its own application, before it expires', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const other = await application(alice.id, 'client-2');
        const created = await deviceCode(app.id);
        assert.ok(created);
        assert.equal(await stores.deviceCodes.redeem('device-hash', app.id, now), undefined, 'pending');
        await stores.deviceCodes.decide(created.id, { approved: true, userId: alice.id, scopes: ['email'] }, now);
        assert.equal(await stores.deviceCodes.redeem('device-hash', other.id, now), undefined, 'another client');
        assert.equal(await stores.deviceCodes.redeem('device-hash', app.id, now + 600_000), undefined, 'expired');
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) => stores.deviceCodes.redeem('device-hash', app.id, now + i)),
        );
        const redeemed = results.filter((r) => r !== undefined);
        assert.equal(redeemed.length, 1);
        assert.equal(redeemed[0]?.userId, alice.id);
        assert.deepEqual(redeemed[0]?.scopes, ['email']);
        assert.equal(typeof redeemed[0]?.redeemedAt, 'number');
        assert.equal(await stores.deviceCodes.redeem('device-hash', app.id, now + 30), undefined);

        const denied = await deviceCode(app.id, { deviceCodeHash: 'denied', userCodeHash: 'denied-user' });
        assert.ok(denied);
        await stores.deviceCodes.decide(denied.id, { approved: false, userId: alice.id }, now);
        assert.equal(await stores.deviceCodes.redeem('denied', app.id, now), undefined, 'denied');
      });

      if (openTwin) {
        it('redeems a device code once across two connections to one database', async () => {
          const alice = await user();
          const app = await application(alice.id);
          const created = await deviceCode(app.id);
          assert.ok(created);
          await stores.deviceCodes.decide(created.id, { approved: true, userId: alice.id, scopes: ['email'] }, now);
          const twin = await openTwin();
          try {
            const results = await Promise.all(
              Array.from({ length: 20 }, (_, i) =>
                (i % 2 === 0 ? stores : twin.stores).deviceCodes.redeem('device-hash', app.id, now + i),
              ),
            );
            assert.equal(results.filter((r) => r !== undefined).length, 1);
          } finally {
            await twin.close();
          }
        });
      }

      it('keeps the device code a pending authorization request answers', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const created = await deviceCode(app.id);
        assert.ok(created);
        await stores.authorizationRequests.create({
          idHash: 'device-request',
          sessionHash: 'session-hash',
          userId: alice.id,
          applicationId: app.id,
          redirectUri: '',
          scopes: ['user_rates'],
          state: undefined,
          deviceCodeId: created.id,
          at: now,
          expiresAt: now + 60_000,
        });
        const open = await stores.authorizationRequests.findOpen('device-request', 'session-hash', now);
        assert.equal(open?.deviceCodeId, created.id);
        assert.equal(open?.redirectUri, '');
        const decided = await stores.authorizationRequests.decide('device-request', 'session-hash', now);
        assert.equal(decided?.deviceCodeId, created.id);
      });

      it('goes with its application, and so do the requests that answer it', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const created = await deviceCode(app.id);
        assert.ok(created);
        await stores.authorizationRequests.create({
          idHash: 'device-request',
          sessionHash: 'session-hash',
          userId: alice.id,
          applicationId: app.id,
          redirectUri: '',
          scopes: ['user_rates'],
          state: undefined,
          deviceCodeId: created.id,
          at: now,
          expiresAt: now + 60_000,
        });
        assert.equal(await stores.applications.delete(app.id), true);
        assert.equal(await stores.deviceCodes.findByHash('device-hash'), undefined);
        assert.equal(await stores.authorizationRequests.findOpen('device-request', 'session-hash', now), undefined);
      });

      it('redeems none whose user was deleted without the cascade', async (t) => {
        const deleteWithoutCascade = backend.deleteWithoutCascade?.bind(backend);
        if (!deleteWithoutCascade) return t.skip('this backend cannot delete without the cascade');
        const owner = await user('owner');
        const bob = await user('bob');
        const app = await application(owner.id);
        const created = await deviceCode(app.id);
        assert.ok(created);
        await stores.deviceCodes.decide(created.id, { approved: true, userId: bob.id, scopes: ['email'] }, now);
        await deleteWithoutCascade('users', bob.id);
        assert.equal(await stores.deviceCodes.redeem('device-hash', app.id, now), undefined);
      });
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

      it('reads a token with its user in one query, and without one for a token that has none', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const t = await token(app.id, alice.id, { tokenHash: 'with-user' });
        assert.deepEqual(await stores.tokens.findByTokenWithUser('with-user'), {
          token: t,
          user: await stores.users.findById(alice.id),
        });
        const machine = await token(app.id, null, { tokenHash: 'machine', refreshTokenHash: null });
        assert.deepEqual(await stores.tokens.findByTokenWithUser('machine'), { token: machine, user: undefined });
        assert.equal(await stores.tokens.findByTokenWithUser('unknown'), undefined);
      });

      it("reads the token's application's quota in the same query (migration 008)", async () => {
        const alice = await user();
        const app = await application(alice.id);
        const t = await token(app.id, alice.id, { tokenHash: 'quota-at' });
        const limited = await stores.applications.setQuota(app.id, { perMinute: 600, perDay: 50000 }, now + 1);
        const quota = { perMinute: 600, perDay: 50000 };
        assert.deepEqual(limited, { ...app, quota, version: app.version + 1, updatedAt: now + 1 });
        assert.deepEqual(await stores.applications.findByUid(app.uid), limited);
        assert.deepEqual((await stores.tokens.findByTokenWithUser('quota-at'))?.quota, { perMinute: 600, perDay: 50000 });
        await stores.applications.setQuota(app.id, { perMinute: null, perDay: 7 }, now + 2);
        assert.deepEqual((await stores.tokens.findByTokenWithUser('quota-at'))?.quota, { perMinute: null, perDay: 7 });
        assert.equal((await stores.applications.setQuota(app.id, null, now + 3))?.quota, null);
        assert.deepEqual(await stores.tokens.findByTokenWithUser('quota-at'), {
          token: t,
          user: await stores.users.findById(alice.id),
        });
        assert.equal(await stores.applications.setQuota(app.id + 1000, null, now), undefined);
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

      it('locks a live token for a refresh, never a revoked or unknown one (compatibility.md §4.4)', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const live = await token(app.id, alice.id, { tokenHash: 'live-at', refreshTokenHash: 'live-rt' });
        const revoked = await token(app.id, alice.id, { tokenHash: 'gone-at', refreshTokenHash: 'gone-rt' });
        await stores.tokens.revoke(revoked.id, now);
        assert.deepEqual(await stores.transaction((tx) => tx.tokens.lockForRefresh('live-rt')), live);
        assert.equal(await stores.transaction((tx) => tx.tokens.lockForRefresh('gone-rt')), undefined);
        assert.equal(await stores.transaction((tx) => tx.tokens.lockForRefresh('live-at')), undefined);
        assert.equal(await stores.transaction((tx) => tx.tokens.lockForRefresh('nope')), undefined);
        // Locking changes nothing.
        assert.deepEqual(await stores.tokens.findByRefreshToken('live-rt'), live);
      });

      it('makes a rotation that completes during a refresh wait for it, and fail the refreshes after it (compatibility.md §4.4)', async () => {
        const alice = await user();
        const app = await application(alice.id);
        await token(app.id, alice.id, { tokenHash: 'old-at', refreshTokenHash: 'old-rt' });
        const fresh = await token(app.id, alice.id, { tokenHash: 'new-at', previousRefreshTokenHash: 'old-rt' });
        let rotation: Promise<void> | undefined;
        const child = await stores.transaction(async (tx) => {
          const locked = await tx.tokens.lockForRefresh('old-rt');
          assert.ok(locked);
          // Outside the transaction, on another connection where the backend has several: it must wait.
          rotation = stores.tokens.completeRotation(fresh, now + 1);
          await new Promise((resolve) => setTimeout(resolve, 100));
          assert.equal((await tx.tokens.findByRefreshToken('old-rt'))?.revokedAt, null);
          return tx.tokens.create({
            tokenHash: 'child-at',
            refreshTokenHash: 'child-rt',
            applicationId: app.id,
            userId: alice.id,
            grantId: null,
            parentId: locked.id,
            scopes: locked.scopes,
            expiresIn: 60,
            previousRefreshTokenHash: 'old-rt',
            at: now,
          });
        });
        await rotation;
        assert.equal((await stores.tokens.findByRefreshToken('old-rt'))?.revokedAt, now + 1);
        assert.deepEqual(await stores.tokens.findByToken('child-at'), child);
        assert.equal(await stores.transaction((tx) => tx.tokens.lockForRefresh('old-rt')), undefined);
      });

      it('revokes the family member a refresh adds while the revocation waits for it (RFC 6749 §4.1.2)', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const grant = await code(app.id, alice.id);
        const first = await token(app.id, alice.id, { grantId: grant.id, tokenHash: 'f1', refreshTokenHash: 'f1-rt' });
        let revocation: Promise<number> | undefined;
        await stores.transaction(async (tx) => {
          assert.ok(await tx.tokens.lockForRefresh('f1-rt'));
          await tx.tokens.create({
            tokenHash: 'f2',
            refreshTokenHash: 'f2-rt',
            applicationId: app.id,
            userId: alice.id,
            grantId: grant.id,
            parentId: first.id,
            scopes: first.scopes,
            expiresIn: 60,
            previousRefreshTokenHash: 'f1-rt',
            at: now,
          });
          // A replayed code's revocation starts now and has to wait for this refresh.
          revocation = stores.tokens.revokeFamily(grant.id, now + 1);
          await new Promise((resolve) => setTimeout(resolve, 100));
        });
        assert.equal(await revocation, 2);
        assert.equal((await stores.tokens.findByToken('f1'))?.revokedAt, now + 1);
        assert.equal((await stores.tokens.findByToken('f2'))?.revokedAt, now + 1);
      });

      it("revokes the user's token a refresh adds while Revoke access waits for it", async () => {
        const alice = await user();
        const app = await application(alice.id);
        const first = await token(app.id, alice.id, { tokenHash: 'u1', refreshTokenHash: 'u1-rt' });
        let revocation: Promise<number> | undefined;
        await stores.transaction(async (tx) => {
          assert.ok(await tx.tokens.lockForRefresh('u1-rt'));
          await tx.tokens.create({
            tokenHash: 'u2',
            refreshTokenHash: 'u2-rt',
            applicationId: app.id,
            userId: alice.id,
            grantId: null,
            parentId: first.id,
            scopes: first.scopes,
            expiresIn: 60,
            previousRefreshTokenHash: 'u1-rt',
            at: now,
          });
          revocation = stores.tokens.revokeAllForUser(app.id, alice.id, now + 1);
          await new Promise((resolve) => setTimeout(resolve, 100));
        });
        assert.equal(await revocation, 2);
        assert.equal((await stores.tokens.findByToken('u1'))?.revokedAt, now + 1);
        assert.equal((await stores.tokens.findByToken('u2'))?.revokedAt, now + 1);
      });

      it('creates a token once for any number of concurrent callers with its hashes, and gives each that row (issue 11)', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            stores.tokens.createIfAbsent({
              tokenHash: 'once-at',
              refreshTokenHash: 'once-rt',
              applicationId: app.id,
              userId: alice.id,
              grantId: null,
              parentId: null,
              scopes: i === 0 ? ['user_rates'] : ['comments'],
              expiresIn: 60 + i,
              previousRefreshTokenHash: 'before-rt',
              at: now + i,
            }),
          ),
        );
        const stored = await stores.tokens.findByToken('once-at');
        assert.ok(stored);
        for (const result of results) assert.deepEqual(result, stored);
        // A later caller, whatever else it asks for, gets the row as the first caller made it.
        const later = await stores.tokens.createIfAbsent({
          tokenHash: 'once-at',
          refreshTokenHash: 'once-rt',
          applicationId: app.id,
          userId: alice.id,
          grantId: null,
          parentId: null,
          scopes: ['topics'],
          expiresIn: 1,
          previousRefreshTokenHash: null,
          at: now + 100,
        });
        assert.deepEqual(later, stored);
        assert.equal(stored.previousRefreshTokenHash, 'before-rt');
      });

      if (openTwin) {
        it('creates a token once across two connections to one database (issue 11)', async () => {
          const alice = await user();
          const app = await application(alice.id);
          const twin = await openTwin();
          try {
            const results = await Promise.all(
              Array.from({ length: 20 }, (_, i) =>
                (i % 2 === 0 ? stores : twin.stores).tokens.createIfAbsent({
                  tokenHash: 'twin-at',
                  refreshTokenHash: 'twin-rt',
                  applicationId: app.id,
                  userId: alice.id,
                  grantId: null,
                  parentId: null,
                  scopes: ['user_rates'],
                  expiresIn: 60,
                  previousRefreshTokenHash: null,
                  at: now + i,
                }),
              ),
            );
            assert.equal(new Set(results.map((r) => r?.id)).size, 1);
            assert.deepEqual(results[1], await stores.tokens.findByToken('twin-at'));
          } finally {
            await twin.close();
          }
        });
      }

      it('marks a token rotated only when completeRotation retires it, never when it is revoked (issue 11)', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const live = await token(app.id, alice.id, { tokenHash: 'r-live', refreshTokenHash: 'r-live-rt' });
        assert.equal(live.rotatedAt, null);
        const revoked = await token(app.id, alice.id, { tokenHash: 'r-revoked', refreshTokenHash: 'r-revoked-rt' });
        await stores.tokens.revoke(revoked.id, now);
        const child = await token(app.id, alice.id, { parentId: live.id, previousRefreshTokenHash: 'r-live-rt' });
        await stores.tokens.completeRotation(child, now + 1);
        const orphan = await token(app.id, alice.id, { parentId: revoked.id, previousRefreshTokenHash: 'r-revoked-rt' });
        await stores.tokens.completeRotation(orphan, now + 2);
        assert.deepEqual(await stores.tokens.findByRefreshToken('r-live-rt'), { ...live, revokedAt: now + 1, rotatedAt: now + 1 });
        // Revoked before: its revocation stands, and it is no rotated-out token.
        assert.deepEqual(await stores.tokens.findByRefreshToken('r-revoked-rt'), { ...revoked, revokedAt: now });
        await stores.tokens.revokeAllForUser(app.id, alice.id, now + 3);
        assert.equal((await stores.tokens.findByRefreshToken('r-live-rt'))?.rotatedAt, now + 1);
        assert.equal((await stores.tokens.findByToken('r-live'))?.revokedAt, now + 1);
      });

      it('revokes the refresh chain of a token without a grant: its ancestors and all their descendants (issue 11)', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const grant = await code(app.id, alice.id);
        const root = await token(app.id, alice.id, { tokenHash: 'c-root' });
        const middle = await token(app.id, alice.id, { tokenHash: 'c-middle', parentId: root.id });
        await token(app.id, alice.id, { tokenHash: 'c-leaf', parentId: middle.id });
        await token(app.id, alice.id, { tokenHash: 'c-sibling', parentId: root.id });
        const revokedBefore = await token(app.id, alice.id, { tokenHash: 'c-revoked', parentId: middle.id });
        await stores.tokens.revoke(revokedBefore.id, now);
        const stranger = await token(app.id, alice.id, { tokenHash: 'c-stranger' });
        await token(app.id, alice.id, { tokenHash: 'c-stranger-child', parentId: stranger.id });
        // A token with a grant id hanging off the chain belongs to that grant's family, not to this chain.
        await token(app.id, alice.id, { tokenHash: 'c-granted', parentId: middle.id, grantId: grant.id });
        assert.equal(await stores.tokens.revokeChain(middle.id, now + 1), 4);
        for (const hash of ['c-root', 'c-middle', 'c-leaf', 'c-sibling']) {
          assert.equal((await stores.tokens.findByToken(hash))?.revokedAt, now + 1, hash);
        }
        assert.equal((await stores.tokens.findByToken('c-revoked'))?.revokedAt, now);
        for (const hash of ['c-stranger', 'c-stranger-child', 'c-granted']) {
          assert.equal((await stores.tokens.findByToken(hash))?.revokedAt, null, hash);
        }
        assert.equal(await stores.tokens.revokeChain(middle.id, now + 2), 0);
      });

      it('revokes the chain member a refresh adds while the chain revocation waits for it (issue 11)', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const first = await token(app.id, alice.id, { tokenHash: 'w1', refreshTokenHash: 'w1-rt' });
        let revocation: Promise<number> | undefined;
        await stores.transaction(async (tx) => {
          assert.ok(await tx.tokens.lockForRefresh('w1-rt'));
          await tx.tokens.createIfAbsent({
            tokenHash: 'w2',
            refreshTokenHash: 'w2-rt',
            applicationId: app.id,
            userId: alice.id,
            grantId: null,
            parentId: first.id,
            scopes: first.scopes,
            expiresIn: 60,
            previousRefreshTokenHash: 'w1-rt',
            at: now,
          });
          revocation = stores.tokens.revokeChain(first.id, now + 1);
          await new Promise((resolve) => setTimeout(resolve, 100));
        });
        assert.equal(await revocation, 2);
        assert.equal((await stores.tokens.findByToken('w2'))?.revokedAt, now + 1);
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

    describe('tokens and codes whose application or user is gone (issue 9)', () => {
      /** The lookups that authenticate a token or redeem a code, each of which must find nothing. */
      async function assertNothingFound(at: string, rt: string, codeHash: string, applicationId: number) {
        assert.equal(await stores.tokens.findByToken(at), undefined);
        assert.equal(await stores.tokens.findByTokenWithUser(at), undefined);
        assert.equal(await stores.tokens.findByRefreshToken(rt), undefined);
        assert.equal(await stores.transaction((tx) => tx.tokens.lockForRefresh(rt)), undefined);
        assert.equal(await stores.codes.consume(codeHash, applicationId, now), undefined);
      }

      it('finds no token, and redeems no code, of an application deleted without its cascade', async (t) => {
        const deleteWithoutCascade = backend.deleteWithoutCascade?.bind(backend);
        if (!deleteWithoutCascade) return t.skip('this backend cannot delete without the cascade');
        const alice = await user();
        const app = await application(alice.id);
        const other = await application(alice.id, 'client-2');
        await token(app.id, alice.id, { tokenHash: 'gone-at', refreshTokenHash: 'gone-rt' });
        await token(app.id, null, { tokenHash: 'gone-machine', refreshTokenHash: null });
        await code(app.id, alice.id, 'gone-code');
        const kept = await token(other.id, alice.id, { tokenHash: 'kept-at', refreshTokenHash: 'kept-rt' });
        await deleteWithoutCascade('applications', app.id);
        assert.ok(await stores.codes.findByHash('gone-code'), 'the code is still there');
        await assertNothingFound('gone-at', 'gone-rt', 'gone-code', app.id);
        assert.equal(await stores.tokens.findByTokenWithUser('gone-machine'), undefined);
        assert.deepEqual(await stores.tokens.findByTokenWithUser('kept-at'), { token: kept, user: alice });
        assert.deepEqual(await stores.transaction((tx) => tx.tokens.lockForRefresh('kept-rt')), kept);
      });

      it('finds no token, and redeems no code, of a user deleted without the cascade', async (t) => {
        const deleteWithoutCascade = backend.deleteWithoutCascade?.bind(backend);
        if (!deleteWithoutCascade) return t.skip('this backend cannot delete without the cascade');
        const owner = await user('owner');
        const bob = await user('bob');
        const carol = await user('carol');
        const app = await application(owner.id);
        await token(app.id, bob.id, { tokenHash: 'bob-at', refreshTokenHash: 'bob-rt' });
        await code(app.id, bob.id, 'bob-code');
        const machine = await token(app.id, null, { tokenHash: 'machine', refreshTokenHash: null });
        const kept = await token(app.id, carol.id, { tokenHash: 'carol-at', refreshTokenHash: 'carol-rt' });
        await code(app.id, carol.id, 'carol-code');
        await deleteWithoutCascade('users', bob.id);
        assert.equal((await stores.tokens.liveGrantsOfUser(bob.id)).length, 1, 'the token is still there');
        await assertNothingFound('bob-at', 'bob-rt', 'bob-code', app.id);
        // A token without a user needs none; another user's token and code are untouched.
        assert.deepEqual(await stores.tokens.findByTokenWithUser('machine'), { token: machine, user: undefined });
        assert.deepEqual(await stores.tokens.findByToken('machine'), machine);
        assert.deepEqual(await stores.tokens.findByTokenWithUser('carol-at'), { token: kept, user: carol });
        assert.deepEqual(await stores.tokens.findByRefreshToken('carol-rt'), kept);
        assert.ok(await stores.codes.consume('carol-code', app.id, now));
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

    describe('secret reveals (post/redirect/get, issue 13)', () => {
      it('gives a reveal once, to its session, before it expires; concurrent takes get it once', async () => {
        const app = await application((await user()).id);
        const reveal = (idHash: string, sealedSecret: string | null = 'sealed') =>
          stores.secretReveals.create({
            idHash,
            sessionHash: 's1',
            applicationId: app.id,
            kind: 'created',
            sealedSecret,
            at: now,
            expiresAt: now + 1000,
          });
        await reveal('r1');
        assert.equal(await stores.secretReveals.take('r1', 's2', now), undefined, 'another session');
        const takes = await Promise.all([1, 2, 3].map(() => stores.secretReveals.take('r1', 's1', now)));
        assert.deepEqual(
          takes.filter((t) => t !== undefined),
          [{ applicationId: app.id, kind: 'created', sealedSecret: 'sealed' }],
        );
        assert.equal(await stores.secretReveals.take('r1', 's1', now), undefined, 'once');
        await reveal('r2', null);
        assert.equal(await stores.secretReveals.take('r2', 's1', now + 1000), undefined, 'expired');
        // A later reveal deletes the expired ones.
        now += 2000;
        await reveal('r3');
        assert.equal(await stores.secretReveals.take('r2', 's1', now - 2000), undefined, 'deleted');
        assert.deepEqual(await stores.secretReveals.take('r3', 's1', now), {
          applicationId: app.id,
          kind: 'created',
          sealedSecret: 'sealed',
        });
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

    describe('application management, authorized applications and accounts', () => {
      it('updates an application, replaces its secret, and finds nothing to update when it is gone', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const changes = {
          name: 'Renamed',
          redirectUris: ['https://b.example/cb'],
          scopes: ['comments'],
          allowedScopes: ['comments', 'messages'],
          descriptionEn: 'new en',
          descriptionRu: 'new ru',
          at: now + 1,
        };
        const updated = await stores.applications.update(app.id, changes);
        assert.deepEqual(updated, {
          ...app,
          name: 'Renamed',
          redirectUris: ['https://b.example/cb'],
          scopes: ['comments'],
          allowedScopes: ['comments', 'messages'],
          descriptionEn: 'new en',
          descriptionRu: 'new ru',
          version: app.version + 1,
          updatedAt: now + 1,
        });
        assert.deepEqual(await stores.applications.findById(app.id), updated);
        assert.equal(await stores.applications.replaceSecret(app.id, 'new-secret-hash', now + 2), true);
        assert.equal((await stores.applications.findById(app.id))?.secretHash, 'new-secret-hash');
        assert.equal(await stores.applications.update(app.id + 1000, changes), undefined);
        assert.equal(await stores.applications.replaceSecret(app.id + 1000, 'x', now), false);
      });

      it('deletes an application with its codes and tokens', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const kept = await application(alice.id, 'client-2');
        await code(app.id, alice.id);
        await token(app.id, alice.id, { tokenHash: 'gone' });
        await token(kept.id, alice.id, { tokenHash: 'kept' });
        assert.equal(await stores.applications.delete(app.id), true);
        assert.equal(await stores.applications.delete(app.id), false);
        assert.equal(await stores.applications.findById(app.id), undefined);
        assert.equal(await stores.codes.findByHash('code-hash'), undefined);
        assert.equal(await stores.tokens.findByToken('gone'), undefined);
        assert.ok(await stores.tokens.findByToken('kept'));
      });

      it("lists a user's applications by name, and all of them up to a limit", async () => {
        const alice = await user();
        const bob = await user('bob');
        const zeta = await stores.applications.update((await application(alice.id, 'c1')).id, {
          name: 'Zeta', redirectUris: ['https://a.example/cb'], scopes: [], allowedScopes: [], descriptionEn: '',
          descriptionRu: '', at: now,
        });
        const alpha = await application(alice.id, 'c2');
        const bobs = await application(bob.id, 'c3');
        assert.deepEqual(await stores.applications.listByOwner(alice.id), [alpha, zeta]);
        assert.deepEqual(await stores.applications.listByOwner(bob.id), [bobs]);
        assert.deepEqual(await stores.applications.listAll(2), [alpha, bobs]);
      });

      it('counts distinct users holding a live token or an unconsumed code', async () => {
        const alice = await user();
        const bob = await user('bob');
        const carol = await user('carol');
        const dave = await user('dave');
        const app = await application(alice.id);
        const other = await application(alice.id, 'client-2');
        const quiet = await application(alice.id, 'client-3');
        await token(app.id, alice.id);
        await token(app.id, alice.id);
        await code(app.id, alice.id);
        await code(app.id, bob.id, 'bob-code');
        await stores.tokens.revoke((await token(app.id, carol.id)).id, now);
        await code(app.id, dave.id, 'dave-code');
        await stores.codes.consume('dave-code', app.id, now);
        await token(app.id, null, { refreshTokenHash: null });
        await token(other.id, carol.id);
        const counts = await stores.applications.countUsers([app.id, other.id, quiet.id]);
        assert.deepEqual([...counts].sort((a, b) => a[0] - b[0]), [[app.id, 2], [other.id, 1]]);
        assert.deepEqual(await stores.applications.countUsers([]), new Map());
      });

      it("revokes all of one user's tokens and unconsumed codes for one application, and nothing else", async () => {
        const alice = await user();
        const bob = await user('bob');
        const app = await application(alice.id);
        const other = await application(alice.id, 'client-2');
        await token(app.id, alice.id, { tokenHash: 'a1' });
        await token(app.id, alice.id, { tokenHash: 'a2' });
        await token(app.id, bob.id, { tokenHash: 'b1' });
        await token(other.id, alice.id, { tokenHash: 'o1' });
        await code(app.id, alice.id, 'ac');
        await code(app.id, bob.id, 'bc');
        assert.equal(await stores.tokens.revokeAllForUser(app.id, alice.id, now + 1), 2);
        assert.equal(await stores.tokens.revokeAllForUser(app.id, alice.id, now + 2), 0);
        assert.equal(await stores.codes.revokeAllForUser(app.id, alice.id, now + 1), 1);
        assert.equal((await stores.tokens.findByToken('a1'))?.revokedAt, now + 1);
        assert.equal((await stores.tokens.findByToken('a2'))?.revokedAt, now + 1);
        assert.equal((await stores.tokens.findByToken('b1'))?.revokedAt, null);
        assert.equal((await stores.tokens.findByToken('o1'))?.revokedAt, null);
        assert.equal(await stores.codes.consume('ac', app.id, now + 3), undefined);
        assert.ok(await stores.codes.consume('bc', app.id, now + 3));
      });

      it('revokes every token and unconsumed code of one user, for every application, and nothing else', async () => {
        const alice = await user();
        const bob = await user('bob');
        const app = await application(alice.id);
        const other = await application(alice.id, 'client-2');
        const quiet = await application(alice.id, 'client-3');
        await token(app.id, alice.id, { tokenHash: 'a1' });
        await token(app.id, alice.id, { tokenHash: 'a2' });
        await token(other.id, alice.id, { tokenHash: 'o1' });
        const earlier = await token(quiet.id, alice.id, { tokenHash: 'q1' });
        await stores.tokens.revoke(earlier.id, now);
        await token(app.id, bob.id, { tokenHash: 'b1' });
        await token(app.id, null, { tokenHash: 'machine', refreshTokenHash: null });
        await code(app.id, alice.id, 'ac');
        await code(quiet.id, alice.id, 'qc');
        await code(app.id, bob.id, 'bc');
        await stores.codes.consume('qc', quiet.id, now);
        await code(other.id, alice.id, 'oc');

        // Each application once, however many tokens or codes it held; the consumed code and revoked token not at all.
        assert.deepEqual((await stores.tokens.revokeAllOfUser(alice.id, now + 1)).sort(), [app.id, other.id].sort());
        assert.deepEqual(await stores.tokens.revokeAllOfUser(alice.id, now + 2), []);
        assert.deepEqual((await stores.codes.revokeAllOfUser(alice.id, now + 1)).sort(), [app.id, other.id].sort());
        assert.deepEqual(await stores.codes.revokeAllOfUser(alice.id, now + 2), []);
        for (const hash of ['a1', 'a2', 'o1']) {
          assert.equal((await stores.tokens.findByToken(hash))?.revokedAt, now + 1);
        }
        assert.equal((await stores.tokens.findByToken('q1'))?.revokedAt, now);
        assert.equal((await stores.tokens.findByToken('b1'))?.revokedAt, null);
        assert.equal((await stores.tokens.findByToken('machine'))?.revokedAt, null);
        assert.equal((await stores.codes.findByHash('qc'))?.revokedAt, now);
        assert.equal(await stores.codes.consume('ac', app.id, now + 3), undefined);
        assert.equal(await stores.codes.consume('oc', other.id, now + 3), undefined);
        assert.ok(await stores.codes.consume('bc', app.id, now + 3));
      });

      it("revokes the user's token a refresh adds while a password change waits for it", async () => {
        const alice = await user();
        const app = await application(alice.id);
        const first = await token(app.id, alice.id, { tokenHash: 'p1', refreshTokenHash: 'p1-rt' });
        let revocation: Promise<number[]> | undefined;
        await stores.transaction(async (tx) => {
          assert.ok(await tx.tokens.lockForRefresh('p1-rt'));
          await tx.tokens.create({
            tokenHash: 'p2',
            refreshTokenHash: 'p2-rt',
            applicationId: app.id,
            userId: alice.id,
            grantId: null,
            parentId: first.id,
            scopes: first.scopes,
            expiresIn: 60,
            previousRefreshTokenHash: 'p1-rt',
            at: now,
          });
          revocation = stores.tokens.revokeAllOfUser(alice.id, now + 1);
          await new Promise((resolve) => setTimeout(resolve, 100));
        });
        assert.deepEqual(await revocation, [app.id]);
        assert.equal((await stores.tokens.findByToken('p1'))?.revokedAt, now + 1);
        assert.equal((await stores.tokens.findByToken('p2'))?.revokedAt, now + 1);
      });

      it('records a token\'s last use at most once per interval', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const t = await token(app.id, alice.id, { tokenHash: 'used' });
        assert.equal(t.lastUsedAt, null);
        assert.equal(await stores.tokens.touchLastUsed([t.id], now, 60_000), 1);
        assert.equal(await stores.tokens.touchLastUsed([t.id], now + 59_999, 60_000), 0);
        assert.equal((await stores.tokens.findByToken('used'))?.lastUsedAt, now);
        assert.equal(await stores.tokens.touchLastUsed([t.id], now + 60_000, 60_000), 1);
        assert.equal((await stores.tokens.findByToken('used'))?.lastUsedAt, now + 60_000);
      });

      it('records the last use of many tokens at once, skipping those used within the interval', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const tokens = [];
        for (let i = 0; i < 1_203; i++) tokens.push(await token(app.id, alice.id, { tokenHash: `many-${i}` }));
        const recent = tokens[7]!;
        await stores.tokens.touchLastUsed([recent.id], now, 60_000);
        const ids = tokens.map((t) => t.id);
        // More ids than one UPDATE takes (LAST_USED_BATCH), an unknown id, and one token used a second ago.
        assert.equal(await stores.tokens.touchLastUsed([...ids, 999_999_999], now + 1_000, 60_000), 1_202);
        assert.equal((await stores.tokens.findByToken('many-0'))?.lastUsedAt, now + 1_000);
        assert.equal((await stores.tokens.findByToken('many-1202'))?.lastUsedAt, now + 1_000);
        assert.equal((await stores.tokens.findByToken('many-7'))?.lastUsedAt, now);
        assert.equal(await stores.tokens.touchLastUsed([], now, 60_000), 0);
      });

      it('gives one write to many concurrent uses of a token', async () => {
        const alice = await user();
        const app = await application(alice.id);
        const t = await token(app.id, alice.id);
        const writes = await Promise.all(
          Array.from({ length: 20 }, (_, i) => stores.tokens.touchLastUsed([t.id], now + i, 60_000)),
        );
        assert.equal(writes.reduce((a, b) => a + b, 0), 1);
      });

      it("lists a user's live tokens with their scopes and last use", async () => {
        const alice = await user();
        const bob = await user('bob');
        const app = await application(alice.id);
        const first = await token(app.id, alice.id, { scopes: ['user_rates'] });
        await stores.tokens.touchLastUsed([first.id], now + 5, 60_000);
        const revoked = await token(app.id, alice.id, { scopes: ['email'] });
        await stores.tokens.revoke(revoked.id, now);
        await token(app.id, alice.id, { scopes: ['comments', 'topics'] });
        await token(app.id, bob.id, { scopes: ['messages'] });
        assert.deepEqual(await stores.tokens.liveGrantsOfUser(alice.id), [
          { applicationId: app.id, scopes: ['user_rates'], createdAt: now, lastUsedAt: now + 5 },
          { applicationId: app.id, scopes: ['comments', 'topics'], createdAt: now, lastUsedAt: null },
        ]);
      });

      it('changes a password hash', async () => {
        const alice = await user();
        await stores.users.updatePassword(alice.id, 'new-hash', now + 1);
        assert.equal((await stores.users.findByNickname('alice'))?.passwordHash, 'new-hash');
      });

      it("ends a user's other sessions, or all of them", async () => {
        const alice = await user();
        const bob = await user('bob');
        for (const id of ['a1', 'a2', 'a3']) await stores.sessions.create(id, alice.id, now, now + 1000);
        await stores.sessions.create('b1', bob.id, now, now + 1000);
        assert.equal(await stores.sessions.deleteAllForUser(alice.id, 'a2'), 2);
        assert.equal(await stores.sessions.findUser('a1', now), undefined);
        assert.deepEqual(await stores.sessions.findUser('a2', now), alice);
        assert.deepEqual(await stores.sessions.findUser('b1', now), bob);
        assert.equal(await stores.sessions.deleteAllForUser(alice.id), 1);
        assert.equal(await stores.sessions.findUser('a2', now), undefined);
      });
    });

    cleanupContract(open, openTwin);
    grantStatementsContract(open, openTwin);
    auditContract(open);
    passwordResetsContract(open, openTwin);
  });
}
