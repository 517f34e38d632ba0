/**
 * Redirect URI matching at GET /oauth/authorize: exact string comparison, the loopback port exception, registered
 * queries and custom schemes (compatibility.md §4.1; security.md #6-#9; RFC 9700 §4.1.3, RFC 8252 §7.3). A mismatch is always the
 * error page, never a redirect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '../helpers/browser.js';
import type { TestApp, TestMonban } from '../helpers/monban.js';
import {
  assertConsentPage,
  assertErrorPage,
  assertErrorRedirect,
  authorizePath,
  DESCRIPTION,
  type Query,
  startWithTwoClients,
} from './authorize-support.js';

describe('redirect URIs at /oauth/authorize', () => {
  let t: TestMonban;
  let browser: Browser;
  /** Two registered URIs (security.md §0, conf1). */
  let conf1: TestApp;

  before(async () => {
    ({ t, browser, conf1 } = await startWithTwoClients());
  });
  after(() => t.close());

  /** GET /oauth/authorize in alice's browser with exactly these parameters. */
  const authorize = (query: Query) => browser.get(authorizePath(query));

  describe('exact string matching: mutation table (security.md #7, RFC 9700 §4.1.3)', () => {
    const mutations = [
      'https://c1.test/cb/',
      'https://c1.test/cbx',
      'https://c1.test/cb/..%2Fcb',
      'https://c1.test/%63b',
      'https://C1.TEST/cb',
      'HTTPS://c1.test/cb',
      'https://c1.test:443/cb',
      'http://c1.test/cb',
      'https://c1.test/cb?x=1',
      'https://c1.test/cb#f',
      'https://sub.c1.test/cb',
      'https://c1.test.evil.test/cb',
      'https://c1.test@evil.test/cb',
      'https://evil.test/https://c1.test/cb',
      'https://c1.test/cb%00',
      'https://c1.test/cb%20',
      ' https://c1.test/cb',
      'https://c1.test/cb ',
    ];
    for (const mutation of mutations) {
      it(`refuses ${JSON.stringify(mutation)} for https://c1.test/cb`, async () => {
        const response = await authorize({
          client_id: conf1.clientId,
          redirect_uri: mutation,
          response_type: 'code',
          state: 's',
        });
        assertErrorPage(response, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
      });
    }
  });

  describe('loopback IP redirect URIs: only the port may vary (security.md #9, RFC 8252 §7.3)', () => {
    let nat1: TestApp;
    let nat2: TestApp;
    let local: TestApp;
    before(async () => {
      const owner = await t.createUser('native-dev');
      nat1 = await t.createApp(owner.id, { redirectUris: ['http://127.0.0.1/cb'] });
      nat2 = await t.createApp(owner.id, { redirectUris: ['http://127.0.0.1:8080/cb?x=1'] });
      local = await t.createApp(owner.id, { redirectUris: ['http://localhost:8080/cb'] });
    });

    for (const accepted of ['http://127.0.0.1:51004/cb', 'http://127.0.0.1/cb', 'http://127.0.0.1:1/cb']) {
      it(`accepts ${accepted} for http://127.0.0.1/cb`, async () => {
        const response = await authorize({
          client_id: nat1.clientId,
          redirect_uri: accepted,
          response_type: 'code',
        });
        await assertConsentPage(t, response, accepted, 'user_rates comments topics');
      });
    }

    const refused = [
      'http://127.0.0.1:51004/cb2',
      'http://127.0.0.1:51004/cb/',
      'http://127.000.000.001:51004/cb',
      'HTTP://127.0.0.1:51004/cb',
      'http://127.0.0.1:51004/x/../cb',
      'http://localhost:51004/cb',
      'http://[::1]:51004/cb',
      'https://127.0.0.1:51004/cb',
      'http://127.0.0.1:0/cb',
      'http://127.0.0.1:65536/cb',
      'http://127.0.0.1:/cb',
      'http://127.0.0.1:51004/cb?x=1',
      'http://127.0.0.1.evil.test/cb',
    ];
    for (const uri of refused) {
      it(`refuses ${uri} for http://127.0.0.1/cb`, async () => {
        const response = await authorize({ client_id: nat1.clientId, redirect_uri: uri, response_type: 'code' });
        assertErrorPage(response, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
      });
    }

    it('a registered port and query: another port matches, another query does not', async () => {
      const ok = await authorize({
        client_id: nat2.clientId,
        redirect_uri: 'http://127.0.0.1:9/cb?x=1',
        response_type: 'code',
      });
      await assertConsentPage(t, ok, 'http://127.0.0.1:9/cb?x=1', 'user_rates comments topics');
      const other = await authorize({
        client_id: nat2.clientId,
        redirect_uri: 'http://127.0.0.1:9/cb?x=2',
        response_type: 'code',
      });
      assertErrorPage(other, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
    });

    it('localhost is a host name, not a loopback IP: its port must match', async () => {
      const ok = await authorize({
        client_id: local.clientId,
        redirect_uri: 'http://localhost:8080/cb',
        response_type: 'code',
      });
      await assertConsentPage(t, ok, 'http://localhost:8080/cb', 'user_rates comments topics');
      const otherPort = await authorize({
        client_id: local.clientId,
        redirect_uri: 'http://localhost:9090/cb',
        response_type: 'code',
      });
      assertErrorPage(otherPort, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
    });
  });

  describe('registered URIs with a query, and custom schemes', () => {
    let cq: TestApp;
    let native: TestApp;
    before(async () => {
      const owner = await t.createUser('query-dev');
      cq = await t.createApp(owner.id, { redirectUris: ['https://cq.test/cb?tenant=a&lang=en'] });
      native = await t.createApp(owner.id, { redirectUris: ['com.example.app:/cb'] });
    });

    it('the registered query matches byte for byte (security.md #8)', async () => {
      const ok = await authorize({
        client_id: cq.clientId,
        redirect_uri: 'https://cq.test/cb?tenant=a&lang=en',
        response_type: 'code',
      });
      await assertConsentPage(t, ok, 'https://cq.test/cb?tenant=a&lang=en', 'user_rates comments topics');
      for (const uri of [
        'https://cq.test/cb?tenant=b&lang=en',
        'https://cq.test/cb?tenant=a&lang=en&x=1',
        'https://cq.test/cb?lang=en&tenant=a',
        'https://cq.test/cb?tenant=a',
        'https://cq.test/cb',
      ]) {
        const response = await authorize({ client_id: cq.clientId, redirect_uri: uri, response_type: 'code' });
        assertErrorPage(response, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
      }
    });

    it('later errors keep the registered query and add to it', async () => {
      const response = await authorize({
        client_id: cq.clientId,
        redirect_uri: 'https://cq.test/cb?tenant=a&lang=en',
        state: 's1',
      });
      assert.equal(response.statusCode, 302);
      assert.equal(
        response.headers.location,
        'https://cq.test/cb?tenant=a&lang=en&error=invalid_request&error_description=Missing+required+parameter%3A+response_type.&state=s1&iss=http%3A%2F%2Flocalhost%3A3000',
      );
    });

    it('a custom-scheme URI is accepted, and its errors go back to it', async () => {
      const ok = await authorize({
        client_id: native.clientId,
        redirect_uri: 'com.example.app:/cb',
        response_type: 'code',
      });
      await assertConsentPage(t, ok, 'com.example.app:/cb', 'user_rates comments topics');
      const bad = await authorize({
        client_id: native.clientId,
        redirect_uri: 'com.example.app:/cb',
        response_type: 'token',
        state: 'z',
      });
      assertErrorRedirect(bad, 'com.example.app:/cb', {
        error: 'unsupported_response_type',
        error_description: DESCRIPTION.unsupportedResponseType,
        state: 'z',
      });
      const other = await authorize({
        client_id: native.clientId,
        redirect_uri: 'com.example.app:/cb2',
        response_type: 'code',
      });
      assertErrorPage(other, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
    });
  });
});
