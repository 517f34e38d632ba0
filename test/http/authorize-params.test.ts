/**
 * Parameters of GET /oauth/authorize: scope resolution, repeated and empty parameters, and reflected values
 * (compatibility.md §4.1; security.md #11, #12, #15, #16; RFC 6749 §3.1, §3.3, §10.14).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { escapeHtml } from '../../src/http/pages/html.js';
import { type Browser, findForm } from '../helpers/browser.js';
import type { TestApp, TestMonban } from '../helpers/monban.js';
import {
  assertConsentPage,
  pendingRequestOf,
  assertErrorPage,
  assertErrorRedirect,
  authorizePath,
  DESCRIPTION,
  type Query,
  startWithTwoClients,
  validQuery,
} from './authorize-support.js';

describe('authorization request parameters (compatibility.md §4.1)', () => {
  let t: TestMonban;
  let browser: Browser;
  /** Two registered URIs (security.md §0, conf1). */
  let conf1: TestApp;
  /** One registered URI (security.md §0, conf2). */
  let conf2: TestApp;

  before(async () => {
    ({ t, browser, conf1, conf2 } = await startWithTwoClients());
  });
  after(() => t.close());

  /** GET /oauth/authorize in alice's browser with exactly these parameters. */
  const authorize = (query: Query) => browser.get(authorizePath(query));

  describe('scope resolution (compatibility.md §4.1)', () => {
    let messagesApp: TestApp;
    let messagesOnly: TestApp;
    let noScopes: TestApp;
    before(async () => {
      const owner = await t.createUser('scope-dev');
      const redirectUris = ['https://scopes.test/cb'];
      messagesApp = await t.createApp(owner.id, { redirectUris, scopes: ['user_rates', 'messages'] });
      messagesOnly = await t.createApp(owner.id, { redirectUris, scopes: ['messages'] });
      noScopes = await t.createApp(owner.id, { redirectUris, scopes: [] });
    });

    const request = (app: TestApp, scope?: string) =>
      browser.get(
        authorizePath({
          client_id: app.clientId,
          redirect_uri: app.application.redirectUris[0] ?? '',
          response_type: 'code',
          state: 'st',
          ...(scope === undefined ? {} : { scope }),
        }),
      );
    const invalidScope = { error: 'invalid_scope', error_description: DESCRIPTION.invalidScope, state: 'st' };

    it('no scope, or an empty or blank one, means the default scopes `user_rates comments topics`', async () => {
      for (const scope of [undefined, '', '   ']) {
        await assertConsentPage(t, await request(conf2, scope), 'https://c2.test/cb', 'user_rates comments topics');
      }
    });

    it('an application without its own scope list gets the server defaults', async () => {
      await assertConsentPage(t, await request(noScopes), 'https://scopes.test/cb', 'user_rates comments topics');
      await assertConsentPage(t, await request(noScopes, 'topics'), 'https://scopes.test/cb', 'topics');
      assertErrorRedirect(await request(noScopes, 'messages'), 'https://scopes.test/cb', invalidScope);
    });

    it("no scope on an application with its own list: the defaults within that list", async () => {
      await assertConsentPage(t, await request(messagesApp), 'https://scopes.test/cb', 'user_rates');
    });

    it("the application's own list restricts what it may ask", async () => {
      const both = await request(messagesApp, 'messages user_rates');
      await assertConsentPage(t, both, 'https://scopes.test/cb', 'messages user_rates');
      assertErrorRedirect(await request(messagesApp, 'comments'), 'https://scopes.test/cb', invalidScope);
      assertErrorRedirect(await request(messagesApp, 'user_rates comments'), 'https://scopes.test/cb', invalidScope);
      assertErrorRedirect(await request(conf2, 'user_rates email'), 'https://c2.test/cb', invalidScope);
    });

    it('an application with only non-default scopes and no scope asked: invalid_scope', async () => {
      assertErrorRedirect(await request(messagesOnly), 'https://scopes.test/cb', invalidScope);
      await assertConsentPage(t, await request(messagesOnly, 'messages'), 'https://scopes.test/cb', 'messages');
    });

    it('scope order does not matter and repeats collapse (security.md #16)', async () => {
      await assertConsentPage(t, await request(conf2, 'topics user_rates'), 'https://c2.test/cb', 'topics user_rates');
      await assertConsentPage(t, await request(conf2, 'comments  comments'), 'https://c2.test/cb', 'comments');
    });

    it('a scope outside the RFC 6749 §3.3 grammar: invalid_scope', async () => {
      for (const scope of ['"bad\\', 'user_rates\tcomments', 'user_rates\ncomments', 'коммент']) {
        assertErrorRedirect(await request(conf2, scope), 'https://c2.test/cb', invalidScope);
      }
    });
  });

  describe('repeated and empty parameters (security.md #11, #15; RFC 6749 §3.1)', () => {
    it('a repeated client_id: error page', async () => {
      const response = await authorize([...validQuery(conf2), ['client_id', conf1.clientId]]);
      assertErrorPage(response, 'invalid_request', 'Parameter included more than once: client_id.');
    });

    it('a repeated client_id, even with the same value: error page', async () => {
      const response = await authorize([...validQuery(conf2), ['client_id', conf2.clientId]]);
      assertErrorPage(response, 'invalid_request', 'Parameter included more than once: client_id.');
    });

    it('a second redirect_uri: error page, no Location to either', async () => {
      const response = await authorize([...validQuery(conf2), ['redirect_uri', 'https://evil.test/']]);
      assertErrorPage(response, 'invalid_request', 'Parameter included more than once: redirect_uri.');
    });

    it('repeated state and scope: invalid_request to the client, without the ambiguous state', async () => {
      const response = await authorize([
        ...validQuery(conf2),
        ['state', 'one'],
        ['scope', 'user_rates'],
        ['state', 'foo'],
        ['scope', 'topics'],
      ]);
      assertErrorRedirect(response, 'https://c2.test/cb', {
        error: 'invalid_request',
        error_description: 'Parameter included more than once: state.',
      });
    });

    it('a repeated scope with one state: invalid_request, state kept', async () => {
      const response = await authorize([
        ...validQuery(conf2),
        ['state', 'one'],
        ['scope', 'user_rates'],
        ['scope', 'user_rates'],
      ]);
      assertErrorRedirect(response, 'https://c2.test/cb', {
        error: 'invalid_request',
        error_description: 'Parameter included more than once: scope.',
        state: 'one',
      });
    });

    it('a repeated response_type or unknown parameter: invalid_request', async () => {
      const type = await authorize([...validQuery(conf2), ['response_type', 'code']]);
      assertErrorRedirect(type, 'https://c2.test/cb', {
        error: 'invalid_request',
        error_description: 'Parameter included more than once: response_type.',
      });
      const extra = await authorize([...validQuery(conf2), ['extra', '1'], ['extra', '2']]);
      assertErrorRedirect(extra, 'https://c2.test/cb', {
        error: 'invalid_request',
        error_description: 'Parameter included more than once: extra.',
      });
    });

    it('error_description never carries characters RFC 6749 §4.1.2.1 forbids, whatever the repeated name', async () => {
      const response = await authorize([...validQuery(conf2), ['a"\\é', '1'], ['a"\\é', '2']]);
      assert.equal(response.statusCode, 302);
      const description = new URL(String(response.headers.location)).searchParams.get('error_description') ?? '';
      assert.equal(new URL(String(response.headers.location)).searchParams.get('error'), 'invalid_request');
      assert.match(description, /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
    });

    it('an empty duplicate does not count: `state=&state=abc` is state abc', async () => {
      const response = await authorize([...validQuery(conf2), ['state', ''], ['state', 'abc']]);
      assert.equal(response.statusCode, 200);
      assert.equal((await pendingRequestOf(t, response.body)).state, 'abc');
    });

    it('unknown parameters are ignored (security.md #15c)', async () => {
      const response = await authorize([...validQuery(conf2), ['extra', 'foobar'], ['response_mode', 'fragment']]);
      await assertConsentPage(t, response, 'https://c2.test/cb', 'user_rates comments topics');
    });

    it('an empty state is no state, on error redirects too', async () => {
      const response = await authorize({
        client_id: conf2.clientId,
        redirect_uri: 'https://c2.test/cb',
        response_type: 'foo',
        state: '',
      });
      assertErrorRedirect(response, 'https://c2.test/cb', {
        error: 'unsupported_response_type',
        error_description: DESCRIPTION.unsupportedResponseType,
      });
    });
  });

  describe('reflected values are escaped (security.md #12, RFC 6749 §10.14)', () => {
    /** No markup from the request: Monban's own script file is the only script a page may carry. */
    const assertInert = (body: string) => {
      assert.doesNotMatch(body.replace(/<script src="\/assets\/[\w.-]+\.js"( defer)?><\/script>/g, ''), /<script/i);
      // Monban's own pictures (an application's icon, drawn from its initials: http/icons.ts) are data: images.
      const icon = /<img class="[\w-]+" src="data:image\/svg\+xml;base64,[\w+/=]+" width="\d+" height="\d+" alt="">/g;
      assert.doesNotMatch(body.replace(icon, ''), /<img/i);
      assert.doesNotMatch(body, /href="javascript:/i);
    };

    it('a hostile client_id', async () => {
      const response = await authorize({ client_id: '<script>alert(1)</script>', response_type: 'code' });
      assertErrorPage(response, 'invalid_client', DESCRIPTION.invalidClient);
      assertInert(response.body);
    });

    it('a javascript: redirect_uri', async () => {
      const response = await authorize({
        client_id: conf2.clientId,
        redirect_uri: 'javascript:alert(1)//',
        response_type: 'code',
      });
      assertErrorPage(response, 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
      assertInert(response.body);
      assert.doesNotMatch(response.body, /javascript:/);
    });

    it('a hostile state with an invalid client', async () => {
      const response = await authorize({
        client_id: 'nope',
        state: '"><img src=x onerror=alert(1)>',
        response_type: 'code',
      });
      assertErrorPage(response, 'invalid_client', DESCRIPTION.invalidClient);
      assertInert(response.body);
      assert.doesNotMatch(response.body, /onerror=/);
    });

    it('a hostile state never reaches the consent page, and is kept exact for the redirect', async () => {
      const state = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
      const response = await authorize(validQuery(conf2, { state }));
      assert.equal(response.statusCode, 200);
      assertInert(response.body);
      assert.ok(!response.body.includes(escapeHtml(state)));
      assert.equal((await pendingRequestOf(t, response.body)).state, state);
    });

    it("a hostile application name and description (registered by any user) are escaped", async () => {
      const owner = await t.createUser('mallory');
      const evil = await t.createApp(owner.id, {
        name: '<script>alert(1)</script>',
        descriptionEn: '<img src=x onerror=alert(1)>',
        descriptionRu: '<img src=x onerror=alert(1)>',
        redirectUris: ['https://mallory.test/cb'],
      });
      const response = await authorize(validQuery(evil));
      assert.equal(response.statusCode, 200);
      assertInert(response.body);
      assert.ok(response.body.includes(escapeHtml('<script>alert(1)</script>')));
    });

    it('the code page shows its path segment as text', async () => {
      const response = await browser.get(`/oauth/authorize/${encodeURIComponent('<script>alert(1)</script>')}`);
      assert.equal(response.statusCode, 200);
      assertInert(response.body);
      const shown = escapeHtml('<script>alert(1)</script>');
      assert.ok(response.body.includes(`<code id="authorization_code">${shown}</code>`));
    });
  });
});
