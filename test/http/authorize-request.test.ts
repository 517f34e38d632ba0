/**
 * GET /oauth/authorize: the validation order and where each error goes (compatibility.md §4.1; security.md §B, §C). Errors before
 * the redirect URI is verified are an HTML page with status 400 and no Location; later ones go back to the client.
 * Redirect URI matching is in authorize-redirect-uri.test.ts, parameters in authorize-params.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, findForm } from '../helpers/browser.js';
import { PASSWORD, type TestApp, type TestMonban } from '../helpers/monban.js';
import {
  assertConsentPage,
  pendingRequestOf,
  assertErrorPage,
  assertErrorRedirect,
  authorizePath,
  DESCRIPTION,
  grantCount,
  type Query,
  startWithTwoClients,
  validQuery,
} from './authorize-support.js';

describe('GET /oauth/authorize (compatibility.md §4.1)', () => {
  let t: TestMonban;
  let browser: Browser;
  /** Two registered URIs (security.md §0, conf1). */
  let conf1: TestApp;
  /** One registered URI (security.md §0, conf2). */
  let conf2: TestApp;

  let grantsAtStart: number;

  before(async () => {
    ({ t, browser, conf1, conf2 } = await startWithTwoClients());
    grantsAtStart = await grantCount(t);
  });
  after(() => t.close());

  /** GET /oauth/authorize in alice's browser with exactly these parameters. */
  const authorize = (query: Query) => browser.get(authorizePath(query));

  describe('signed out', () => {
    it('redirects to sign-in first, even for an unknown client (RFC 9700 §4.11.2), and comes back after', async () => {
      const guest = new Browser(t.server);
      const unknown = await guest.get(authorizePath({ client_id: 'nope', redirect_uri: 'https://evil.example/' }));
      assert.equal(unknown.statusCode, 302);
      assert.match(String(unknown.headers.location), /^\/users\/sign_in\?return_to=/);

      const path = authorizePath(validQuery(conf2, { scope: 'user_rates', state: 'a b&c' }));
      const response = await guest.get(path);
      assert.equal(response.statusCode, 302);
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.equal(response.headers.location, `/users/sign_in?return_to=${encodeURIComponent(path)}`);

      const signInPage = await guest.get(String(response.headers.location));
      assert.equal(signInPage.statusCode, 200);
      const signedIn = await guest.submit(signInPage.body, 'form', { nickname: 'alice', password: PASSWORD });
      assert.equal(signedIn.statusCode, 303);
      assert.equal(signedIn.headers.location, path);

      const consent = await guest.get(path);
      await assertConsentPage(t, consent, 'https://c2.test/cb', 'user_rates');
      assert.equal((await pendingRequestOf(t, consent.body)).state, 'a b&c');
    });
  });

  describe('errors shown to the user, never redirected (RFC 6749 §4.1.2.1)', () => {
    it('1. a missing client_id: invalid_request', async () => {
      const response = await authorize({ redirect_uri: 'https://evil.example/cb', response_type: 'code' });
      assertErrorPage(response, 'invalid_request', 'Missing required parameter: client_id.');
    });

    it('1. an empty client_id counts as missing (RFC 6749 §3.1)', async () => {
      const response = await authorize({ client_id: '', redirect_uri: 'https://c2.test/cb' });
      assertErrorPage(response, 'invalid_request', 'Missing required parameter: client_id.');
    });

    it('2. an unknown client with an attacker redirect_uri: invalid_client, no Location (security.md #5)', async () => {
      const response = await authorize({
        client_id: 'doesnotexist',
        redirect_uri: 'https://evil.test/cb',
        response_type: 'code',
      });
      assertErrorPage(response, 'invalid_client', DESCRIPTION.invalidClient);
    });

    it('2. the client is checked before the other parameters', async () => {
      const response = await authorize({ client_id: 'doesnotexist', response_type: 'token' });
      assertErrorPage(response, 'invalid_client', DESCRIPTION.invalidClient);
    });

    it('3. a missing redirect_uri: an error page, never a default URI (security.md #10)', async () => {
      for (const app of [conf1, conf2]) {
        const response = await authorize({ client_id: app.clientId, response_type: 'code', state: 's' });
        assertErrorPage(response, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
        const empty = await authorize({ client_id: app.clientId, redirect_uri: '', response_type: 'code' });
        assertErrorPage(empty, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
      }
    });

    it('3. the redirect URI is checked before response_type and scope', async () => {
      const response = await authorize({
        client_id: conf2.clientId,
        redirect_uri: 'https://evil.test/cb',
        response_type: 'token',
        scope: 'x',
      });
      assertErrorPage(response, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
    });

    it('3. an unregistered path appended to a registered URI, with no fallback to it (security.md #6)', async () => {
      const response = await authorize({
        client_id: conf1.clientId,
        redirect_uri: 'https://c1.test/cb/x7Kq2LmP9z',
        response_type: 'code',
      });
      assertErrorPage(response, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
    });

    it('the second registered URI works too', async () => {
      const response = await authorize({
        client_id: conf1.clientId,
        redirect_uri: 'https://c1.test/cb2',
        response_type: 'code',
      });
      await assertConsentPage(t, response, 'https://c1.test/cb2', 'user_rates comments topics');
    });
  });

  describe('errors after the redirect URI is verified go back to the client (RFC 6749 §4.1.2.1)', () => {
    it('4. a missing response_type: invalid_request, with state (security.md #13, pinned)', async () => {
      const response = await authorize({ client_id: conf2.clientId, redirect_uri: 'https://c2.test/cb', state: 'xyz' });
      assertErrorRedirect(response, 'https://c2.test/cb', {
        error: 'invalid_request',
        error_description: 'Missing required parameter: response_type.',
        state: 'xyz',
      });
      // The wire shape Doorkeeper's URIBuilder gives: form-encoded, `+` for spaces.
      assert.equal(
        response.headers.location,
        'https://c2.test/cb?error=invalid_request&error_description=Missing+required+parameter%3A+response_type.&state=xyz&iss=http%3A%2F%2Flocalhost%3A3000',
      );
    });

    it('4. an empty response_type counts as missing', async () => {
      const response = await authorize({
        client_id: conf2.clientId,
        redirect_uri: 'https://c2.test/cb',
        response_type: '',
      });
      assertErrorRedirect(response, 'https://c2.test/cb', {
        error: 'invalid_request',
        error_description: 'Missing required parameter: response_type.',
      });
    });

    for (const responseType of ['token', 'code token', 'code id_token', 'foo', 'CODE']) {
      it(`5. response_type=${responseType}: unsupported_response_type, no token anywhere (security.md #14)`, async () => {
        const response = await authorize({
          client_id: conf2.clientId,
          redirect_uri: 'https://c2.test/cb',
          response_type: responseType,
          state: 'st',
        });
        assertErrorRedirect(response, 'https://c2.test/cb', {
          error: 'unsupported_response_type',
          error_description: DESCRIPTION.unsupportedResponseType,
          state: 'st',
        });
        assert.doesNotMatch(String(response.headers.location), /access_token|#/);
      });
    }

    it('5. response_type is checked before scope', async () => {
      const response = await authorize({
        client_id: conf2.clientId,
        redirect_uri: 'https://c2.test/cb',
        response_type: 'token',
        scope: 'nope',
      });
      assertErrorRedirect(response, 'https://c2.test/cb', {
        error: 'unsupported_response_type',
        error_description: DESCRIPTION.unsupportedResponseType,
      });
    });

    it('an out-of-band client has nowhere to be sent: its errors are shown instead', async () => {
      const owner = await t.createUser('oob-dev');
      const oob = await t.createApp(owner.id, { redirectUris: ['urn:ietf:wg:oauth:2.0:oob'] });
      const response = await authorize({
        client_id: oob.clientId,
        redirect_uri: 'urn:ietf:wg:oauth:2.0:oob',
        response_type: 'token',
      });
      assertErrorPage(response, 'unsupported_response_type', DESCRIPTION.unsupportedResponseType);
      const scope = await authorize({
        client_id: oob.clientId,
        redirect_uri: 'urn:ietf:wg:oauth:2.0:oob',
        response_type: 'code',
        scope: 'email',
      });
      assertErrorPage(scope, 'invalid_scope', DESCRIPTION.invalidScope);
    });
  });

  it('issued no code: nothing above consented, and no GET grants by itself (security.md #39)', async () => {
    assert.equal(await grantCount(t), grantsAtStart);
  });
});
