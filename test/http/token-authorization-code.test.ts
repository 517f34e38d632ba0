import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import {
  assertTokenError,
  assertTokenSuccess,
  INVALID_CLIENT,
  INVALID_GRANT,
  missing,
  SECRET_SHAPE,
  unixSeconds,
} from './token-support.js';

const REDIRECT_URI = 'https://client.example/cb';
const SECOND_REDIRECT_URI = 'https://client.example/other';

/** POST /oauth/token with grant_type=authorization_code (compatibility.md §4.3, RFC 6749 §4.1.3). */
describe('POST /oauth/token, grant_type=authorization_code', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  let otherApp: TestApp;

  const exchange = (code: string, overrides: Record<string, string> = {}, client: TestApp = app) =>
    t.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: client.clientId,
      client_secret: client.clientSecret,
      ...overrides,
    });

  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    await t.createUser('bob');
    app = await t.createApp(owner.id, { redirectUris: [REDIRECT_URI, SECOND_REDIRECT_URI] });
    otherApp = await t.createApp(owner.id, { name: 'Other app' });
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  describe('success (compatibility.md §4.3)', () => {
    it('answers 200 with Doorkeeper body in its key order and the no-store headers', async () => {
      const code = await t.authorize(alice, app);
      assert.match(code, SECRET_SHAPE);
      const response = await exchange(code);
      const body = assertTokenSuccess(response, {
        scope: 'user_rates comments topics',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: true,
      });
      assert.notEqual(body.access_token, body.refresh_token);
    });

    it('issues a token for the user who authorized, with the scopes of the code', async () => {
      const bob = await t.browserFor('bob');
      const code = await t.authorize(bob, app, { scope: 'user_rates' });
      const body = assertTokenSuccess(await exchange(code), {
        scope: 'user_rates',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: true,
      });
      const me = await t.whoami(body.access_token);
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().nickname, 'bob');
    });

    it('created_at is the clock in whole unix seconds', async () => {
      t.clock.advance(0.75);
      const code = await t.authorize(alice, app);
      const body = assertTokenSuccess(await exchange(code), {
        scope: 'user_rates comments topics',
        expires_in: 86400,
        created_at: Math.floor(t.clock.now() / 1000),
        refresh: true,
      });
      assert.equal(body.created_at, unixSeconds(t));
    });

    it('accepts the second registered redirect_uri when the code was issued for it', async () => {
      const code = await t.authorize(alice, app, { redirect_uri: SECOND_REDIRECT_URI });
      const response = await exchange(code, { redirect_uri: SECOND_REDIRECT_URI });
      assert.equal(response.statusCode, 200, response.body);
    });

    it('honours PKCE when it was sent (issue 11; every rule in pkce.test.ts): the right code_verifier works', async () => {
      const code = await t.authorize(alice, app, {
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      const response = await exchange(code, { code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' });
      assert.equal(response.statusCode, 200, response.body);
    });

    it('does not echo state in a success body', async () => {
      const code = await t.authorize(alice, app);
      const response = await exchange(code, { state: 'xyz' });
      assert.deepEqual(Object.keys(response.json()), [
        'access_token',
        'token_type',
        'expires_in',
        'refresh_token',
        'scope',
        'created_at',
      ]);
    });
  });

  describe('errors, in Doorkeeper order (compatibility.md §4.3)', () => {
    it('3: a missing code is invalid_request before anything else is looked at', async () => {
      const response = await t.token({ grant_type: 'authorization_code' });
      assertTokenError(response, 400, missing('code'));
    });

    it('3: an empty code counts as missing', async () => {
      const response = await exchange('');
      assertTokenError(response, 400, missing('code'));
    });

    it('4: a missing redirect_uri is invalid_request, checked before the client', async () => {
      const response = await t.token({ grant_type: 'authorization_code', code: 'whatever', client_id: 'nobody' });
      assertTokenError(response, 400, missing('redirect_uri'));
    });

    it('5: an unknown client is 401 invalid_client with WWW-Authenticate', async () => {
      const code = await t.authorize(alice, app);
      const response = await exchange(code, { client_id: 'unknown-client' });
      assertTokenError(response, 401, INVALID_CLIENT);
    });

    it('5: a wrong secret is 401 invalid_client', async () => {
      const code = await t.authorize(alice, app);
      assertTokenError(await exchange(code, { client_secret: otherApp.clientSecret }), 401, INVALID_CLIENT);
    });

    it('5: a client_id without a secret is 401 invalid_client (every app is confidential)', async () => {
      const code = await t.authorize(alice, app);
      const response = await t.token({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: app.clientId,
      });
      assertTokenError(response, 401, INVALID_CLIENT);
    });

    it('5: no client authentication at all is 401 invalid_client', async () => {
      const code = await t.authorize(alice, app);
      const response = await t.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      assertTokenError(response, 401, INVALID_CLIENT);
    });

    it('5 before 6: a bad client with an unknown code is invalid_client, not invalid_grant', async () => {
      assertTokenError(await exchange('unknown-code', { client_secret: 'wrong' }), 401, INVALID_CLIENT);
    });

    it('a failed client authentication does not use up the code', async () => {
      const code = await t.authorize(alice, app);
      assertTokenError(await exchange(code, { client_secret: 'wrong' }), 401, INVALID_CLIENT);
      assert.equal((await exchange(code)).statusCode, 200);
    });

    it('6: an unknown code is invalid_grant', async () => {
      assertTokenError(await exchange('x'.repeat(43)), 400, INVALID_GRANT);
    });

    it('6: a code lives 1800 s by default (MONBAN_CODE_TTL)', async () => {
      const fresh = await t.authorize(alice, app);
      t.clock.advance(1799);
      assert.equal((await exchange(fresh)).statusCode, 200);

      const stale = await t.authorize(alice, app);
      t.clock.advance(1801);
      assertTokenError(await exchange(stale), 400, INVALID_GRANT);
    });

    it('6: a code used a second time is invalid_grant (single use)', async () => {
      const code = await t.authorize(alice, app);
      assert.equal((await exchange(code)).statusCode, 200);
      assertTokenError(await exchange(code), 400, INVALID_GRANT);
    });

    it("6: another client's code is invalid_grant, and stays usable by its own client", async () => {
      const code = await t.authorize(alice, app);
      assertTokenError(await exchange(code, {}, otherApp), 400, INVALID_GRANT);
      assert.equal((await exchange(code)).statusCode, 200);
    });

    it('7: a redirect_uri other than the one authorized is invalid_grant', async () => {
      const code = await t.authorize(alice, app, { redirect_uri: SECOND_REDIRECT_URI });
      assertTokenError(await exchange(code, { redirect_uri: REDIRECT_URI }), 400, INVALID_GRANT);
    });

    it('7: redirect_uri must match exactly (RFC 6749 §4.1.3): a trailing slash is a mismatch', async () => {
      const code = await t.authorize(alice, app);
      assertTokenError(await exchange(code, { redirect_uri: `${REDIRECT_URI}/` }), 400, INVALID_GRANT);
    });

    it('echoes state in an error body only when one was sent (Doorkeeper ErrorResponse)', async () => {
      assertTokenError(await exchange('unknown', { state: 'abc' }), 400, { ...INVALID_GRANT, state: 'abc' });
      assertTokenError(await exchange('unknown', { state: '' }), 400, INVALID_GRANT);
    });
  });

  describe('a code redeemed twice (RFC 6749 §4.1.2, RFC 9700 §4.5)', () => {
    it('revokes the tokens of the first redemption and their refreshed descendants', async () => {
      const code = await t.authorize(alice, app);
      const first = await exchange(code);
      assert.equal(first.statusCode, 200);
      const original = first.json() as { access_token: string; refresh_token: string };
      const refreshed = await t.token({
        grant_type: 'refresh_token',
        refresh_token: original.refresh_token,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      assert.equal(refreshed.statusCode, 200);
      const descendant = refreshed.json() as { access_token: string; refresh_token: string };
      const unrelated = await t.tokensFor(alice, app);

      assertTokenError(await exchange(code), 400, INVALID_GRANT);

      assert.equal((await t.whoami(original.access_token)).statusCode, 401);
      assert.equal((await t.whoami(descendant.access_token)).statusCode, 401);
      for (const refreshToken of [original.refresh_token, descendant.refresh_token]) {
        const response = await t.token({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: app.clientId,
          client_secret: app.clientSecret,
        });
        assertTokenError(response, 400, INVALID_GRANT);
      }
      // Tokens from another code are not touched.
      assert.equal((await t.whoami(unrelated.access_token)).statusCode, 200);
    });

    it("is not triggered by another client presenting the code", async () => {
      const code = await t.authorize(alice, app);
      const tokens = (await exchange(code)).json() as { access_token: string };
      assertTokenError(await exchange(code, {}, otherApp), 400, INVALID_GRANT);
      assert.equal((await t.whoami(tokens.access_token)).statusCode, 200);
    });
  });
});

describe('POST /oauth/token, authorization_code with MONBAN_CODE_TTL and MONBAN_ACCESS_TOKEN_TTL', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  before(async () => {
    t = await TestMonban.start({ MONBAN_CODE_TTL: '60', MONBAN_ACCESS_TOKEN_TTL: '3600' });
    const owner = await t.createUser('alice');
    app = await t.createApp(owner.id);
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  const exchange = (code: string) =>
    t.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });

  it('expires_in is MONBAN_ACCESS_TOKEN_TTL', async () => {
    const code = await t.authorize(alice, app);
    assertTokenSuccess(await exchange(code), {
      scope: 'user_rates comments topics',
      expires_in: 3600,
      created_at: unixSeconds(t),
      refresh: true,
    });
  });

  it('a code expires after MONBAN_CODE_TTL seconds', async () => {
    const fresh = await t.authorize(alice, app);
    t.clock.advance(59);
    assert.equal((await exchange(fresh)).statusCode, 200);

    const stale = await t.authorize(alice, app);
    t.clock.advance(61);
    assertTokenError(await exchange(stale), 400, INVALID_GRANT);
  });
});
