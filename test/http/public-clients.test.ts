/**
 * Public applications (RFC 6749 §2.1, issue 11): no secret; PKCE S256 required at the authorization endpoint;
 * authenticated by client_id alone at the token, revocation and introspection endpoints (the `none` method of
 * core/client-authentication.ts), where a secret is invalid_client. A confidential application keeps today's answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { randomSecret, secretHash } from '../../src/core/secrets.js';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { assertErrorRedirect, authorizePathFor, codeOf, ISS } from './authorize-support.js';
import {
  assertTokenError,
  assertTokenSuccess,
  basic,
  bearerChallenge,
  INVALID_CLIENT,
  INVALID_GRANT,
  unixSeconds,
} from './token-support.js';

/** RFC 7636 Appendix B. */
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const PKCE = { code_challenge: CHALLENGE, code_challenge_method: 'S256' };
const REDIRECT_URI = 'https://spa.example/cb';

const PKCE_REQUIRED = {
  error: 'invalid_request',
  error_description: 'Missing required parameter: code_challenge. A public client must use PKCE with S256.',
};

describe('public applications (issue 11)', () => {
  let t: TestMonban;
  let alice: Browser;
  /** A public application. */
  let spa: TestApp;
  /** Another public application. */
  let otherSpa: TestApp;
  /** A confidential one, for comparison. */
  let confidential: TestApp;

  before(async () => {
    t = await TestMonban.start({ MONBAN_ACCESS_TOKEN_TTL: '600' });
    const owner = await t.createUser('alice');
    spa = await t.createApp(owner.id, { name: 'SPA', redirectUris: [REDIRECT_URI], confidential: false });
    otherSpa = await t.createApp(owner.id, { name: 'Other SPA', redirectUris: [REDIRECT_URI], confidential: false });
    confidential = await t.createApp(owner.id, { redirectUris: ['https://client.example/cb'] });
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  const post = (url: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    t.server.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(form).toString(),
    });

  /** A code for the public application, after consent, with the PKCE challenge. */
  const spaCode = (app: TestApp = spa) => t.authorize(alice, app, PKCE);

  const exchange = (code: string, extra: Record<string, string> = {}, app: TestApp = spa) =>
    t.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: app.clientId,
      code_verifier: VERIFIER,
      ...extra,
    });

  async function spaTokens(): Promise<{ access_token: string; refresh_token: string }> {
    const response = await exchange(await spaCode());
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as { access_token: string; refresh_token: string };
  }

  const success = (response: LightMyRequestResponse) =>
    assertTokenSuccess(response, {
      scope: 'user_rates comments topics',
      expires_in: 600,
      created_at: unixSeconds(t),
      refresh: true,
    });

  it('is stored public, with a secret hash no secret matches', async () => {
    const stored = await t.stores.applications.findById(spa.application.id);
    assert.equal(stored?.confidential, false);
    assert.equal(stored?.secretHash, '');
    assert.equal(spa.clientSecret, '');
  });

  describe('GET /oauth/authorize', () => {
    for (const [name, params] of [
      ['no challenge', {}],
      ['an empty challenge (an empty parameter is absent)', { code_challenge: '', code_challenge_method: 'S256' }],
      ['a method without a challenge', { code_challenge_method: 'S256' }],
    ] as const) {
      it(`refuses ${name}: invalid_request, redirected with state`, async () => {
        const response = await alice.get(authorizePathFor(spa, { ...params, state: 'st' }));
        assertErrorRedirect(response, REDIRECT_URI, { ...PKCE_REQUIRED, state: 'st' });
      });
    }

    it('refuses plain like any other client', async () => {
      const response = await alice.get(authorizePathFor(spa, { code_challenge: CHALLENGE, code_challenge_method: 'plain' }));
      assertErrorRedirect(response, REDIRECT_URI, {
        error: 'invalid_request',
        error_description: 'The code_challenge_method must be S256.',
      });
    });

    it('asks for consent every time, even after a grant (Doorkeeper; RFC 6749 §10.2): anyone can send its client_id', async () => {
      await spaTokens();
      const again = await alice.get(authorizePathFor(spa, { ...PKCE, state: 'again' }));
      assert.equal(again.statusCode, 200, again.body.slice(0, 300));
      const approved = await alice.submit(again.body, 'form#authorize');
      const code = codeOf(approved);
      assert.equal(approved.headers.location, `${REDIRECT_URI}?code=${code}&state=again&${ISS}`);
    });
  });

  describe('POST /oauth/token, authorization_code', () => {
    it('exchanges a code for client_id alone and the verifier: the usual body', async () => {
      success(await exchange(await spaCode()));
    });

    it('refuses a code without the verifier: invalid_grant', async () => {
      const code = await spaCode();
      assertTokenError(await exchange(code, { code_verifier: '' }), 400, INVALID_GRANT);
    });

    it('refuses a secret, in the body or by Basic, even an empty one: 401 invalid_client', async () => {
      const code = await spaCode();
      assertTokenError(await exchange(code, { client_secret: 'anything' }), 401, INVALID_CLIENT);
      const byBasic = await t.token(
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: VERIFIER },
        { authorization: basic(spa.clientId, '') },
      );
      assertTokenError(byBasic, 401, INVALID_CLIENT, 'Basic realm="Doorkeeper"');
      // Refused before the code was looked at: it still works.
      success(await exchange(code));
    });

    it('refuses no client_id at all: 401 invalid_client', async () => {
      const code = await spaCode();
      assertTokenError(await exchange(code, { client_id: '' }), 401, INVALID_CLIENT);
    });

    it("refuses another public application's client_id: invalid_grant", async () => {
      const code = await spaCode();
      assertTokenError(await exchange(code, {}, otherSpa), 400, INVALID_GRANT);
    });

    it('refuses a code of a public application that somehow has no challenge: invalid_grant', async () => {
      const code = randomSecret();
      await t.stores.codes.create({
        codeHash: secretHash(code),
        applicationId: spa.application.id,
        userId: spa.application.ownerId,
        redirectUri: REDIRECT_URI,
        scopes: ['user_rates'],
        expiresIn: 600,
        at: t.clock.now(),
      });
      assertTokenError(await exchange(code, { code_verifier: '' }), 400, INVALID_GRANT);
    });

    it('gets no client_credentials token: unauthorized_client', async () => {
      const response = await t.token({ grant_type: 'client_credentials', client_id: spa.clientId });
      assertTokenError(response, 400, {
        error: 'unauthorized_client',
        error_description: 'The client is not authorized to perform this request using this method.',
      });
    });
  });

  describe('POST /oauth/token, refresh_token', () => {
    const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
      t.token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: spa.clientId, ...extra });

    it('refreshes for client_id alone', async () => {
      const tokens = await spaTokens();
      const body = success(await refresh(tokens.refresh_token));
      assert.equal((await t.whoami(body.access_token)).statusCode, 200);
    });

    it('refuses a secret: 401 invalid_client', async () => {
      const tokens = await spaTokens();
      assertTokenError(await refresh(tokens.refresh_token, { client_secret: 'anything' }), 401, INVALID_CLIENT);
    });

    it("refuses no client_id, or another application's: invalid_grant, as for confidential applications", async () => {
      const tokens = await spaTokens();
      assertTokenError(await refresh(tokens.refresh_token, { client_id: '' }), 400, INVALID_GRANT);
      assertTokenError(await refresh(tokens.refresh_token, { client_id: otherSpa.clientId }), 400, INVALID_GRANT);
      assertTokenError(await refresh(tokens.refresh_token, { client_id: 'unknown' }), 400, INVALID_GRANT);
      success(await refresh(tokens.refresh_token));
    });

    it("still refuses a confidential application's client_id without its secret: invalid_grant (Doorkeeper)", async () => {
      const tokens = await t.tokensFor(alice, confidential);
      const response = await t.token({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: confidential.clientId,
      });
      assertTokenError(response, 400, INVALID_GRANT, bearerChallenge(INVALID_GRANT.error, INVALID_GRANT.error_description));
    });
  });

  describe('POST /oauth/revoke and /oauth/introspect', () => {
    it('introspects for client_id alone; a secret is 401 invalid_client', async () => {
      const tokens = await spaTokens();
      const createdAt = unixSeconds(t);
      const response = await post('/oauth/introspect', { token: tokens.access_token, client_id: spa.clientId });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(
        response.body,
        JSON.stringify({
          active: true,
          scope: 'user_rates comments topics',
          client_id: spa.clientId,
          token_type: 'Bearer',
          exp: createdAt + 600,
          iat: createdAt,
        }),
      );
      const withSecret = await post('/oauth/introspect', {
        token: tokens.access_token,
        client_id: spa.clientId,
        client_secret: 'anything',
      });
      assert.equal(withSecret.statusCode, 401);
      assert.equal(withSecret.body, JSON.stringify(INVALID_CLIENT));
    });

    it('revokes for client_id alone; a secret is 401 invalid_client and the token lives on', async () => {
      const tokens = await spaTokens();
      const withSecret = await post('/oauth/revoke', {
        token: tokens.refresh_token,
        client_id: spa.clientId,
        client_secret: 'anything',
      });
      assert.equal(withSecret.statusCode, 401);
      assert.equal(withSecret.body, JSON.stringify(INVALID_CLIENT));
      assert.equal((await t.whoami(tokens.access_token)).statusCode, 200);

      const revoked = await post('/oauth/revoke', { token: tokens.refresh_token, client_id: spa.clientId });
      assert.equal(revoked.statusCode, 200, revoked.body);
      assert.equal(revoked.body, '{}');
      assert.equal((await t.whoami(tokens.access_token)).statusCode, 401);
    });
  });
});
