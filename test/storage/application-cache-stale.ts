import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { registerUser } from '../../src/accounts/accounts.js';
import type { OAuthContext } from '../../src/core/context.js';
import { Events, type MonbanEvent } from '../../src/core/events.js';
import { LastUseRecorder } from '../../src/core/last-use.js';
import type { Application } from '../../src/core/model.js';
import type { Stores } from '../../src/core/ports/stores.js';
import { secretHash } from '../../src/core/secrets.js';
import { tokenEndpoint } from '../../src/core/token-endpoint.js';
import { ApplicationCache, type ApplicationWatch } from '../../src/storage/application-cache.js';
import { withApplicationCache } from '../../src/storage/cached-application-store.js';

const AT = 1_700_000_000_000;
const REDIRECT_URI = 'https://bot.example/cb';
const OLD_SECRET = 'old-secret';
const NEW_SECRET = 'new-secret';

/** A watch never told of anything: a process whose notification (PostgreSQL) has not arrived yet. */
const DEAF: ApplicationWatch = { check: () => true, close: async () => {} };

export interface StaleBackend {
  /** Stores on the database with no cache: process A, which changes the application. */
  stores: Stores;
  close(): Promise<void>;
}

/**
 * Issue 16: the token endpoint of a process whose cached application is stale (changed or deleted by another process,
 * the news not yet arrived) answers as a single process would: an old secret is invalid_client, a deleted application
 * invalid_client (never a 500), a new secret accepted, and nothing is written. Each grant's statement writes only
 * while the application is at the version the client was authenticated with (sql/grant-statements.ts).
 */
export function staleCacheContract(name: string, open: () => Promise<StaleBackend>): void {
  describe(`the token endpoint with a stale cached application: ${name}`, () => {
    let backend: StaleBackend;
    let app: Application;
    let userId: number;
    let failures: MonbanEvent[];
    let b: OAuthContext;

    beforeEach(async () => {
      backend = await open();
      userId = (await registerUser(backend.stores, { nickname: 'alice', password: 'correct horse battery' }, AT)).id;
      app = await backend.stores.applications.create({
        uid: 'bot',
        secretHash: secretHash(OLD_SECRET),
        name: 'Bot',
        redirectUris: [REDIRECT_URI],
        scopes: ['user_rates'],
        allowedScopes: ['user_rates'],
        descriptionEn: '',
        descriptionRu: '',
        ownerId: userId,
        at: AT,
      });
      failures = [];
      const events = new Events();
      events.on('client.authentication_failed', (e) => failures.push(e));
      const stores = withApplicationCache(backend.stores, new ApplicationCache(10), DEAF);
      b = {
        stores,
        lastUse: new LastUseRecorder(stores.tokens, () => {}),
        accessTokenTtl: 7200,
        codeTtl: 600,
        deviceCodeTtl: 600,
        refreshSuccessorKey: createSecretKey(randomBytes(32)),
        refreshReuseGrace: 0,
        publicUrl: 'https://monban.example',
        now: () => AT + 10,
        events,
        reportError: (err) => {
          throw err;
        },
      };
    });
    afterEach(async () => backend.close());

    async function token(params: Record<string, string>, secret: string) {
      const request = { params: { ...params, client_id: 'bot', client_secret: secret }, authorization: undefined };
      const answer = await tokenEndpoint(b, request);
      return { status: answer.status, body: answer.body as Record<string, unknown> };
    }

    function assertInvalidClient(answer: { status: number; body: Record<string, unknown> }): void {
      assert.equal(answer.status, 401);
      assert.equal(answer.body.error, 'invalid_client');
    }

    const regenerate = () => backend.stores.applications.replaceSecret(app.id, secretHash(NEW_SECRET), AT + 1);

    it('client_credentials: an old secret is refused, the new one taken, once another process changed it', async () => {
      const grant = { grant_type: 'client_credentials' };
      assert.equal((await token(grant, OLD_SECRET)).status, 200);
      assert.equal(await regenerate(), true);
      assertInvalidClient(await token(grant, OLD_SECRET));
      assert.equal(failures.length, 1);
      assert.equal((await token(grant, NEW_SECRET)).status, 200);
      assertInvalidClient(await token(grant, OLD_SECRET));
    });

    it('client_credentials: a deleted application is invalid_client, never a server error', async () => {
      const grant = { grant_type: 'client_credentials' };
      assert.equal((await token(grant, OLD_SECRET)).status, 200);
      assert.equal(await backend.stores.applications.delete(app.id), true);
      assertInvalidClient(await token(grant, OLD_SECRET));
      assert.equal(failures.length, 1);
    });

    async function liveRefreshToken(): Promise<string> {
      const issued = await backend.stores.tokens.create({
        tokenHash: secretHash('at'),
        refreshTokenHash: secretHash('rt'),
        applicationId: app.id,
        userId,
        grantId: null,
        parentId: null,
        scopes: ['user_rates'],
        expiresIn: 7200,
        previousRefreshTokenHash: null,
        at: AT,
      });
      assert.ok(issued);
      return 'rt';
    }

    it('refresh_token: an old secret is refused and nothing rotated, the new one taken', async () => {
      const refreshToken = await liveRefreshToken();
      // B authenticates the client once (a failed refresh with a wrong token), and so keeps the application.
      const unknown = await token({ grant_type: 'refresh_token', refresh_token: 'unknown' }, OLD_SECRET);
      assert.equal(unknown.body.error, 'invalid_grant');
      assert.equal(await regenerate(), true);
      assertInvalidClient(await token({ grant_type: 'refresh_token', refresh_token: refreshToken }, OLD_SECRET));
      assert.equal(failures.length, 1);
      assert.equal((await backend.stores.tokens.findByRefreshToken(secretHash(refreshToken)))?.revokedAt, null);
      assert.equal((await token({ grant_type: 'refresh_token', refresh_token: refreshToken }, NEW_SECRET)).status, 200);
    });

    async function liveCode(hash: string): Promise<void> {
      await backend.stores.codes.create({
        codeHash: secretHash(hash),
        applicationId: app.id,
        userId,
        redirectUri: REDIRECT_URI,
        scopes: ['user_rates'],
        expiresIn: 600,
        at: AT,
      });
    }

    it('authorization_code: an old secret is refused and the code left unused, the new one taken', async () => {
      await liveCode('first');
      const exchange = { grant_type: 'authorization_code', code: 'first', redirect_uri: REDIRECT_URI };
      assert.equal((await token(exchange, OLD_SECRET)).status, 200);
      await liveCode('second');
      assert.equal(await regenerate(), true);
      const second = { ...exchange, code: 'second' };
      assertInvalidClient(await token(second, OLD_SECRET));
      assert.equal(failures.length, 1);
      assert.equal((await backend.stores.codes.findByHash(secretHash('second')))?.revokedAt, null);
      assert.equal((await token(second, NEW_SECRET)).status, 200);
    });

    it('authorization_code: a deleted application is invalid_client', async () => {
      await liveCode('first');
      const exchange = { grant_type: 'authorization_code', code: 'first', redirect_uri: REDIRECT_URI };
      assert.equal((await token(exchange, OLD_SECRET)).status, 200);
      assert.equal(await backend.stores.applications.delete(app.id), true);
      assertInvalidClient(await token({ ...exchange, code: 'second' }, OLD_SECRET));
    });
  });
}
