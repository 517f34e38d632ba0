import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { CodeExchange, Rotation, Stores } from '../../src/core/ports/stores.js';
import type { Backend } from './contract.js';

const NOW = 1_850_000_000_000;
const CODE_TTL_S = 600;
const REDIRECT_URI = 'https://a.example/cb';
/** BASE64URL(SHA256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')), RFC 7636 Appendix B. */
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/**
 * The grants' one-statement paths (issue 16): tokens.rotate and codes.exchange create only when every condition
 * holds, write nothing otherwise, and give one winner to concurrent callers, across connection pools too.
 */
export function grantStatementsContract(open: () => Promise<Backend>, openTwin?: () => Promise<Backend>): void {
  describe('grants in one statement (issue 16)', () => {
    let backend: Backend;
    let stores: Stores;
    let n = 0;

    beforeEach(async () => {
      backend = await open();
      stores = backend.stores;
    });
    afterEach(async () => backend.close());

    async function owners(uid = 'client-1') {
      const user = await stores.users.create({
        nickname: `user${++n}`,
        email: null,
        passwordHash: 'h',
        admin: false,
        locale: 'en',
        at: NOW,
      });
      const app = await stores.applications.create({
        uid: `${uid}-${n}`,
        secretHash: 's',
        name: 'App',
        redirectUris: [REDIRECT_URI],
        scopes: ['user_rates'],
        allowedScopes: ['user_rates'],
        descriptionEn: '',
        descriptionRu: '',
        ownerId: user.id,
        at: NOW,
      });
      return { user, app };
    }

    function rotation(over: Partial<Rotation> = {}): Rotation {
      return {
        refreshTokenHash: 'old-rt',
        applicationId: 0,
        applicationVersion: 0,
        tokenHash: 'next-at',
        successorRefreshTokenHash: 'next-rt',
        expiresIn: 7200,
        at: NOW + 5,
        ...over,
      };
    }

    function exchange(over: Partial<CodeExchange> = {}): CodeExchange {
      return {
        codeHash: 'code',
        applicationId: 0,
        applicationVersion: 0,
        redirectUri: REDIRECT_URI,
        codeChallenge: null,
        tokenHash: 'code-at',
        refreshTokenHash: 'code-rt',
        expiresIn: 86400,
        at: NOW + 5,
        ...over,
      };
    }

    describe('tokens.rotate', () => {
      async function oldToken(applicationId: number, userId: number, grantId: number | null = null) {
        return stores.tokens.create({
          tokenHash: 'old-at',
          refreshTokenHash: 'old-rt',
          applicationId,
          userId,
          grantId,
          parentId: null,
          scopes: ['user_rates', 'comments'],
          expiresIn: 86400,
          previousRefreshTokenHash: null,
          at: NOW,
        });
      }

      it("creates the successor from the live token: user, grant, scopes; the old one as parent", async () => {
        const { user, app } = await owners();
        const grant = await stores.codes.create({
          codeHash: 'c',
          applicationId: app.id,
          userId: user.id,
          redirectUri: REDIRECT_URI,
          scopes: ['user_rates'],
          expiresIn: CODE_TTL_S,
          at: NOW,
        });
        const old = await oldToken(app.id, user.id, grant.id);
        const successor = await stores.tokens.rotate(rotation({ applicationId: app.id }));
        assert.ok(successor);
        assert.deepEqual(successor, {
          id: successor.id,
          applicationId: app.id,
          userId: user.id,
          grantId: grant.id,
          parentId: old.id,
          scopes: ['user_rates', 'comments'],
          createdAt: NOW + 5,
          expiresIn: 7200,
          revokedAt: null,
          previousRefreshTokenHash: 'old-rt',
          lastUsedAt: null,
          rotatedAt: null,
          hasRefreshToken: true,
        });
        assert.deepEqual(await stores.tokens.findByToken('next-at'), successor);
        assert.deepEqual(await stores.tokens.findByRefreshToken('next-rt'), successor);
        // The old token is left as it was: lazy rotation retires it later (completeRotation).
        assert.deepEqual(await stores.tokens.findByRefreshToken('old-rt'), old);
      });

      it('creates nothing once a token holds the successor: an earlier refresh made it', async () => {
        const { user, app } = await owners();
        await oldToken(app.id, user.id);
        const first = await stores.tokens.rotate(rotation({ applicationId: app.id }));
        assert.ok(first);
        assert.equal(await stores.tokens.rotate(rotation({ applicationId: app.id, at: NOW + 9 })), undefined);
        // Either hash alone is enough to refuse.
        assert.equal(await stores.tokens.rotate(rotation({ applicationId: app.id, tokenHash: 'other-at' })), undefined);
        assert.equal(await stores.tokens.findByToken('other-at'), undefined);
        assert.deepEqual(await stores.tokens.findByToken('next-at'), first);
      });

      it('creates nothing for a revoked, unknown or access-token hash, or for another application', async () => {
        const { user, app } = await owners();
        const other = await owners('client-2');
        const old = await oldToken(app.id, user.id);
        assert.equal(await stores.tokens.rotate(rotation({ applicationId: other.app.id })), undefined);
        for (const refreshTokenHash of ['nope', 'old-at']) {
          assert.equal(await stores.tokens.rotate(rotation({ applicationId: app.id, refreshTokenHash })), undefined);
        }
        await stores.tokens.revoke(old.id, NOW + 1);
        assert.equal(await stores.tokens.rotate(rotation({ applicationId: app.id })), undefined);
        assert.equal(await stores.tokens.findByToken('next-at'), undefined);
      });

      it('creates nothing when the owners are gone without the cascade (issue 9)', async (t) => {
        const deleteWithoutCascade = backend.deleteWithoutCascade?.bind(backend);
        if (!deleteWithoutCascade) return t.skip('this backend cannot delete without the cascade');
        const { user, app } = await owners();
        await oldToken(app.id, user.id);
        await deleteWithoutCascade('users', user.id);
        assert.equal(await stores.tokens.rotate(rotation({ applicationId: app.id })), undefined);
        const other = await owners('client-2');
        await stores.tokens.create({
          tokenHash: 'kept-at',
          refreshTokenHash: 'kept-rt',
          applicationId: other.app.id,
          userId: other.user.id,
          grantId: null,
          parentId: null,
          scopes: ['user_rates'],
          expiresIn: 60,
          previousRefreshTokenHash: null,
          at: NOW,
        });
        await deleteWithoutCascade('applications', other.app.id);
        const gone = rotation({
          applicationId: other.app.id,
          refreshTokenHash: 'kept-rt',
          tokenHash: 'x',
          successorRefreshTokenHash: 'y',
        });
        assert.equal(await stores.tokens.rotate(gone), undefined);
        assert.equal(await stores.tokens.findByToken('next-at'), undefined);
      });

      it('creates nothing unless the application is at the version given: changed, it is refused', async () => {
        const { user, app } = await owners();
        assert.equal(app.version, 0);
        await oldToken(app.id, user.id);
        assert.equal(await stores.applications.replaceSecret(app.id, 'new-secret-hash', NOW + 1), true);
        assert.equal((await stores.applications.findById(app.id))?.version, 1);
        for (const applicationVersion of [0, 2]) {
          assert.equal(await stores.tokens.rotate(rotation({ applicationId: app.id, applicationVersion })), undefined);
        }
        assert.equal(await stores.tokens.findByToken('next-at'), undefined);
        const successor = await stores.tokens.rotate(rotation({ applicationId: app.id, applicationVersion: 1 }));
        assert.equal(successor?.applicationId, app.id);
      });

      it('waits for a transaction holding the token, and creates nothing if that one revoked it', async () => {
        const { user, app } = await owners();
        const old = await oldToken(app.id, user.id);
        let rotated: Promise<unknown> | undefined;
        await stores.transaction(async (tx) => {
          assert.ok(await tx.tokens.lockForRefresh('old-rt'));
          rotated = stores.tokens.rotate(rotation({ applicationId: app.id }));
          await new Promise((resolve) => setTimeout(resolve, 100));
          await tx.tokens.revoke(old.id, NOW + 1);
        });
        assert.equal(await rotated, undefined);
        assert.equal(await stores.tokens.findByToken('next-at'), undefined);
      });

      it('leaves no live successor to a revocation racing it (RFC 6749 §4.1.2)', async () => {
        const { user, app } = await owners();
        await oldToken(app.id, user.id);
        // Many rotations and one revocation of the user's tokens at once: whatever the order, none is left live.
        const rotations = Array.from({ length: 10 }, (_, i) =>
          stores.tokens.rotate(rotation({ applicationId: app.id, at: NOW + i })),
        );
        const revocation = stores.tokens.revokeAllForUser(app.id, user.id, NOW + 50);
        await Promise.all([...rotations, revocation]);
        assert.deepEqual(await stores.tokens.liveGrantsOfUser(user.id), []);
      });

      it('creates the successor once for many concurrent callers', async () => {
        const { user, app } = await owners();
        await oldToken(app.id, user.id);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            stores.tokens.rotate(rotation({ applicationId: app.id, at: NOW + i })),
          ),
        );
        assert.equal(results.filter((r) => r !== undefined).length, 1);
      });

      if (openTwin) {
        it('creates the successor once across two connection pools to one database', async () => {
          const { user, app } = await owners();
          await oldToken(app.id, user.id);
          const twin = await openTwin();
          try {
            for (let round = 0; round < 5; round++) {
              const refreshTokenHash = round === 0 ? 'old-rt' : `rt-${round - 1}`;
              const results = await Promise.all(
                [stores, twin.stores].map((s) =>
                  s.tokens.rotate(
                    rotation({
                      applicationId: app.id,
                      refreshTokenHash,
                      tokenHash: `at-${round}`,
                      successorRefreshTokenHash: `rt-${round}`,
                    }),
                  ),
                ),
              );
              const created = results.filter((r) => r !== undefined);
              assert.equal(created.length, 1, `round ${round}`);
              assert.deepEqual(await stores.tokens.findByToken(`at-${round}`), created[0]);
            }
          } finally {
            await twin.close();
          }
        });
      }
    });

    describe('codes.exchange', () => {
      async function liveCode(
        applicationId: number,
        userId: number,
        codeChallenge: { challenge: string; method: string } | null = null,
      ) {
        return stores.codes.create({
          codeHash: 'code',
          applicationId,
          userId,
          redirectUri: REDIRECT_URI,
          scopes: ['user_rates'],
          expiresIn: CODE_TTL_S,
          codeChallenge,
          at: NOW,
        });
      }

      /** The code is still unconsumed and no token was made from it. */
      async function untouched() {
        assert.equal((await stores.codes.findByHash('code'))?.revokedAt, null);
        assert.equal(await stores.tokens.findByToken('code-at'), undefined);
      }

      it('consumes the code and creates its token: its user, its scopes, the code as grant', async () => {
        const { user, app } = await owners();
        const code = await liveCode(app.id, user.id);
        const token = await stores.codes.exchange(exchange({ applicationId: app.id }));
        assert.ok(token);
        assert.deepEqual(token, {
          id: token.id,
          applicationId: app.id,
          userId: user.id,
          grantId: code.id,
          parentId: null,
          scopes: ['user_rates'],
          createdAt: NOW + 5,
          expiresIn: 86400,
          revokedAt: null,
          previousRefreshTokenHash: null,
          lastUsedAt: null,
          rotatedAt: null,
          hasRefreshToken: true,
        });
        assert.deepEqual(await stores.tokens.findByRefreshToken('code-rt'), token);
        assert.equal((await stores.codes.findByHash('code'))?.revokedAt, NOW + 5);
        assert.equal(await stores.codes.exchange(exchange({ applicationId: app.id, tokenHash: 'again' })), undefined);
      });

      it('takes a code with a challenge only for that S256 challenge (RFC 7636 §4.6)', async () => {
        const { user, app } = await owners();
        await liveCode(app.id, user.id, { challenge: CHALLENGE, method: 'S256' });
        assert.equal(await stores.codes.exchange(exchange({ applicationId: app.id })), undefined);
        await untouched();
        const wrong = exchange({ applicationId: app.id, codeChallenge: CHALLENGE.replace('E', 'F') });
        assert.equal(await stores.codes.exchange(wrong), undefined);
        await untouched();
        assert.ok(await stores.codes.exchange(exchange({ applicationId: app.id, codeChallenge: CHALLENGE })));
      });

      it('takes no code whose challenge has another method, nor one without a challenge for a verifier', async () => {
        const { user, app } = await owners();
        await liveCode(app.id, user.id, { challenge: CHALLENGE, method: 'plain' });
        const plain = exchange({ applicationId: app.id, codeChallenge: CHALLENGE });
        assert.equal(await stores.codes.exchange(plain), undefined);
        await untouched();
        const other = await owners('client-2');
        await stores.codes.create({
          codeHash: 'bare',
          applicationId: other.app.id,
          userId: other.user.id,
          redirectUri: REDIRECT_URI,
          scopes: ['user_rates'],
          expiresIn: CODE_TTL_S,
          at: NOW,
        });
        const downgrade = exchange({ codeHash: 'bare', applicationId: other.app.id, codeChallenge: CHALLENGE });
        assert.equal(await stores.codes.exchange(downgrade), undefined);
        assert.equal((await stores.codes.findByHash('bare'))?.revokedAt, null);
      });

      it('writes nothing for another application, another redirect URI, an expired or a consumed code', async () => {
        const { user, app } = await owners();
        const other = await owners('client-2');
        await liveCode(app.id, user.id);
        assert.equal(await stores.codes.exchange(exchange({ applicationId: other.app.id })), undefined);
        await untouched();
        const redirect = exchange({ applicationId: app.id, redirectUri: `${REDIRECT_URI}/` });
        assert.equal(await stores.codes.exchange(redirect), undefined);
        await untouched();
        // model.ts isExpired: expired from created_at + expires_in on.
        const late = exchange({ applicationId: app.id, at: NOW + CODE_TTL_S * 1000 });
        assert.equal(await stores.codes.exchange(late), undefined);
        await untouched();
        assert.ok(await stores.codes.exchange(exchange({ applicationId: app.id, at: NOW + CODE_TTL_S * 1000 - 1 })));
        assert.equal(await stores.codes.exchange(exchange({ applicationId: app.id, tokenHash: 't2' })), undefined);
        assert.equal(await stores.tokens.findByToken('t2'), undefined);
      });

      it('writes nothing when the code\'s owners are gone without the cascade (issue 9)', async (t) => {
        const deleteWithoutCascade = backend.deleteWithoutCascade?.bind(backend);
        if (!deleteWithoutCascade) return t.skip('this backend cannot delete without the cascade');
        const { user, app } = await owners();
        await liveCode(app.id, user.id);
        await deleteWithoutCascade('users', user.id);
        assert.equal(await stores.codes.exchange(exchange({ applicationId: app.id })), undefined);
        await untouched();
      });

      it('writes nothing unless the application is at the version given: changed, it is refused', async () => {
        const { user, app } = await owners();
        await liveCode(app.id, user.id);
        const changed = await stores.applications.update(app.id, {
          name: 'Renamed',
          redirectUris: [REDIRECT_URI],
          scopes: ['user_rates'],
          allowedScopes: ['user_rates'],
          descriptionEn: '',
          descriptionRu: '',
          at: NOW + 1,
        });
        assert.ok(changed);
        assert.equal((await stores.applications.findById(app.id))?.version, 1);
        for (const applicationVersion of [0, 2]) {
          assert.equal(await stores.codes.exchange(exchange({ applicationId: app.id, applicationVersion })), undefined);
          await untouched();
        }
        const token = await stores.codes.exchange(exchange({ applicationId: app.id, applicationVersion: 1 }));
        assert.equal(token?.applicationId, app.id);
      });

      it('gives the code to exactly one of many concurrent callers', async () => {
        const { user, app } = await owners();
        await liveCode(app.id, user.id);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            stores.codes.exchange(
              exchange({ applicationId: app.id, tokenHash: `at-${i}`, refreshTokenHash: `rt-${i}` }),
            ),
          ),
        );
        assert.equal(results.filter((r) => r !== undefined).length, 1);
      });

      if (openTwin) {
        it('gives the code to exactly one caller across two connection pools to one database', async () => {
          // SQLite's exchange is a transaction of two statements (sql/grant-statements.ts): where both pools block
          // one thread while they wait for a lock (Backend.blockingTwin), they take turns, and the second must see
          // the code the first consumed; elsewhere they race.
          const both = <T>(calls: Array<() => Promise<T>>): Promise<T[]> =>
            backend.blockingTwin
              ? calls.reduce<Promise<T[]>>(async (done, call) => [...(await done), await call()], Promise.resolve([]))
              : Promise.all(calls.map((call) => call()));
          const { user, app } = await owners();
          const twin = await openTwin();
          try {
            for (let round = 0; round < 5; round++) {
              await stores.codes.create({
                codeHash: `code-${round}`,
                applicationId: app.id,
                userId: user.id,
                redirectUri: REDIRECT_URI,
                scopes: ['user_rates'],
                expiresIn: CODE_TTL_S,
                at: NOW,
              });
              const results = await both(
                [stores, twin.stores].map((s, i) => () =>
                  s.codes.exchange(
                    exchange({
                      codeHash: `code-${round}`,
                      applicationId: app.id,
                      tokenHash: `at-${round}-${i}`,
                      refreshTokenHash: `rt-${round}-${i}`,
                    }),
                  ),
                ),
              );
              assert.equal(results.filter((r) => r !== undefined).length, 1, `round ${round}`);
            }
          } finally {
            await twin.close();
          }
        });
      }
    });

    describe('tokens.createIfCurrent', () => {
      function clientToken(applicationId: number) {
        return {
          tokenHash: 'cc-at',
          refreshTokenHash: null,
          applicationId,
          userId: null,
          grantId: null,
          parentId: null,
          scopes: ['user_rates', 'comments'],
          expiresIn: 7200,
          previousRefreshTokenHash: null,
          at: NOW + 5,
        };
      }

      it('creates the token as create does while the application is at the version given', async () => {
        const { app } = await owners();
        const token = await stores.tokens.createIfCurrent(clientToken(app.id), 0);
        assert.ok(token);
        assert.deepEqual(token, {
          id: token.id,
          applicationId: app.id,
          userId: null,
          grantId: null,
          parentId: null,
          scopes: ['user_rates', 'comments'],
          createdAt: NOW + 5,
          expiresIn: 7200,
          revokedAt: null,
          previousRefreshTokenHash: null,
          lastUsedAt: null,
          rotatedAt: null,
          hasRefreshToken: false,
        });
        assert.deepEqual(await stores.tokens.findByToken('cc-at'), token);
      });

      it('creates a token with a user, a grant and a refresh token alike', async () => {
        const { user, app } = await owners();
        const parent = await stores.tokens.create({ ...clientToken(app.id), tokenHash: 'parent-at', userId: user.id });
        const withUser = { ...clientToken(app.id), refreshTokenHash: 'cc-rt', userId: user.id, parentId: parent.id };
        const token = await stores.tokens.createIfCurrent({ ...withUser, previousRefreshTokenHash: 'p' }, 0);
        assert.equal(token?.userId, user.id);
        assert.equal(token?.parentId, parent.id);
        assert.equal(token?.previousRefreshTokenHash, 'p');
        assert.deepEqual(await stores.tokens.findByRefreshToken('cc-rt'), token);
      });

      it('creates nothing once the application changed or went: never a foreign key error', async () => {
        const { app } = await owners();
        assert.ok(await stores.applications.setQuota(app.id, { perMinute: 60, perDay: null }, NOW + 1));
        assert.equal(await stores.tokens.createIfCurrent(clientToken(app.id), 0), undefined);
        assert.equal(await stores.tokens.findByToken('cc-at'), undefined);
        assert.ok(await stores.tokens.createIfCurrent({ ...clientToken(app.id), tokenHash: 'cc-at-1' }, 1));
        assert.equal(await stores.applications.delete(app.id), true);
        const gone = await stores.tokens.createIfCurrent({ ...clientToken(app.id), tokenHash: 'cc-at-2' }, 1);
        assert.equal(gone, undefined);
        assert.equal(await stores.tokens.findByToken('cc-at-2'), undefined);
      });
    });

    describe('applications.version (migration 014)', () => {
      it('moves by one at every change of the row, whichever store method makes it', async () => {
        const { app } = await owners();
        const version = async () => (await stores.applications.findById(app.id))?.version;
        assert.equal(await version(), 0);
        await stores.applications.replaceSecret(app.id, 'h2', NOW + 1);
        assert.equal(await version(), 1);
        await stores.applications.setQuota(app.id, null, NOW + 2);
        assert.equal(await version(), 2);
        const icon = { contentType: 'image/png', bytes: Buffer.from('png'), version: 'v1' };
        assert.equal(await stores.applicationIcons.put(app.id, icon, NOW + 3), true);
        assert.equal(await version(), 3);
        assert.equal((await stores.applications.findByUid(app.uid))?.version, 3);
        // Another application's row is left as it was.
        const other = await owners('client-2');
        assert.equal((await stores.applications.findById(other.app.id))?.version, 0);
      });
    });
  });
}
