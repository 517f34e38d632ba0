/**
 * The consent page and its answer: Authorize, Deny, narrowing and the out-of-band code page (compatibility.md §3 "Consent page",
 * "oob code page"; compatibility.md §4.2; security.md §F). CSRF and origin checks are in authorize-consent-guards.test.ts, skipping
 * consent for a returning user in authorize-prior-consent.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { secretHash } from '../../src/core/secrets.js';
import { Browser, findForm } from '../helpers/browser.js';
import { PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';
import {
  authorizePathFor,
  CODE_SHAPE,
  codeOf,
  DESCRIPTION,
  grantCount,
  ISS,
  OOB,
  pendingRequestOf,
  redeemedScope,
  scopeCheckboxes,
} from './authorize-support.js';

describe('consent (compatibility.md §3, §4.2)', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  let aliceId: number;

  before(async () => {
    t = await TestMonban.start();
    const user = await t.createUser('alice');
    aliceId = user.id;
    app = await t.createApp(user.id, {
      name: 'Anime Tracker',
      redirectUris: ['https://c2.test/cb'],
      descriptionEn: 'Keeps your list in sync.',
    });
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  /**
   * An application of its own for a test that redeems a code: once alice holds a token for an application, she
   * skips its consent page for the same scopes (authorize-prior-consent.test.ts), which these tests must not see.
   */
  const newApp = (options: Parameters<TestMonban['createApp']>[1] = {}) =>
    t.createApp(aliceId, { redirectUris: ['https://c2.test/cb'], ...options });

  describe('the page', () => {
    it('names the app and the account, and lists each scope with its description, ticked (English)', async () => {
      const response = await alice.get(authorizePathFor(app, { state: 'xyz' }), { 'accept-language': 'en' });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      const page = response.body;
      assert.match(page, /<title>OAuth authorization required<\/title>/);
      assert.match(page, /<h1>Authorization required<\/h1>/);
      assert.match(page, /<h2>Authorize @alice to use your account\?<\/h2>/);
      assert.match(page, /Anime Tracker/);
      assert.match(page, /Keeps your list in sync\./);
      assert.match(page, /This application will be able to/);
      assert.deepEqual(scopeCheckboxes(page), [
        { scope: 'user_rates', checked: true },
        { scope: 'comments', checked: true },
        { scope: 'topics', checked: true },
      ]);
      for (const description of [
        'Change your list of anime and manga',
        'Comment on your behalf',
        'Create topics and critiques on your behalf',
      ]) {
        assert.ok(page.includes(description), description);
      }
    });

    it('in Russian by default', async () => {
      const page = (await alice.get(authorizePathFor(app))).body;
      assert.match(page, /<h1>Разреши доступ<\/h1>/);
      assert.match(page, /<h2>К твоему аккаунту @alice для приложения<\/h2>/);
      assert.match(page, /Приложение сможет от твоего имени/);
      assert.match(page, /Изменять твой список аниме и манги/);
    });

    it('has two forms posting to /oauth/authorize with the id of the request kept on the server and a CSRF token', async () => {
      const page = (await alice.get(authorizePathFor(app, { state: 'xyz', scope: 'comments user_rates' }))).body;
      const authorize = findForm(page, 'form#authorize');
      const deny = findForm(page, 'form#deny');
      assert.equal(authorize.action, '/oauth/authorize');
      assert.equal(deny.action, '/oauth/authorize');
      for (const id of ['authorize', 'deny']) {
        const tag = new RegExp(`<form\\b[^>]*\\bid="${id}"[^>]*>`).exec(page)?.[0] ?? '';
        assert.match(tag, /\bmethod="post"/i, id);
      }
      const requestId = new Map(authorize.fields).get('request_id') ?? '';
      assert.match(requestId, CODE_SHAPE);
      assert.deepEqual(
        authorize.fields.map(([name]) => name),
        ['_csrf', 'request_id', 'scope_choice', 'scopes', 'scopes'],
      );
      assert.deepEqual(
        deny.fields.map(([name]) => name),
        ['_csrf', 'request_id', '_method'],
      );
      assert.equal(new Map(deny.fields).get('request_id'), requestId);
      assert.match(new Map(authorize.fields).get('_csrf') ?? '', /.{20,}/);
      assert.equal(new Map(deny.fields).get('_method'), 'delete');
      assert.deepEqual(await pendingRequestOf(t, page), {
        redirectUri: 'https://c2.test/cb',
        scope: 'comments user_rates',
        state: 'xyz',
        decided: false,
      });
      // Only the id's hash is stored.
      const stored = await t.monban.database.db.selectFrom('authorization_requests').select('id_hash').execute();
      assert.ok(stored.every((row) => row.id_hash !== requestId));
    });

    it('cannot be framed or cached (RFC 9700 §4.16, security.md #41)', async () => {
      const response = await alice.get(authorizePathFor(app));
      assert.equal(response.headers['x-frame-options'], 'DENY');
      assert.match(String(response.headers['content-security-policy']), /(^|;)\s*frame-ancestors 'none'(;|$)/);
      assert.equal(response.headers['cache-control'], 'no-store');
    });
  });

  describe('Authorize', () => {
    it('302s to the redirect URI with code and state, and the code redeems for the requested scopes', async () => {
      const fresh = await newApp();
      const page = await alice.get(authorizePathFor(fresh, { state: 'xyz' }));
      const response = await alice.submit(page.body, 'form#authorize');
      const code = codeOf(response);
      assert.equal(response.headers.location, `https://c2.test/cb?code=${code}&state=xyz&${ISS}`);
      assert.equal(await redeemedScope(t, fresh, code, 'https://c2.test/cb'), 'user_rates comments topics');
    });

    it('binds the code to the client, user, redirect URI and scopes, and stores only its hash', async () => {
      const page = await alice.get(authorizePathFor(app, { scope: 'topics comments' }));
      const code = codeOf(await alice.submit(page.body, 'form#authorize'));
      const stored = await t.stores.codes.findByHash(secretHash(code));
      assert.ok(stored);
      assert.equal(stored.applicationId, app.application.id);
      assert.equal(stored.userId, aliceId);
      assert.equal(stored.redirectUri, 'https://c2.test/cb');
      assert.deepEqual(stored.scopes, ['topics', 'comments']);
      assert.equal(stored.expiresIn, 1800);
      assert.equal(stored.revokedAt, null);
      const raw = await t.monban.database.db.selectFrom('access_grants').select('token_hash').execute();
      assert.ok(raw.every((row) => row.token_hash !== code));
    });

    it('every code is new', async () => {
      const codes = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const page = await alice.get(authorizePathFor(app));
        codes.add(codeOf(await alice.submit(page.body, 'form#authorize')));
      }
      assert.equal(codes.size, 3);
    });

    it('without state, none comes back; an empty state is none (RFC 6749 §3.1)', async () => {
      for (const params of [{}, { state: '' }] as Array<Record<string, string>>) {
        const page = await alice.get(authorizePathFor(app, params));
        const response = await alice.submit(page.body, 'form#authorize');
        const code = codeOf(response);
        assert.equal(response.headers.location, `https://c2.test/cb?code=${code}&${ISS}`);
      }
    });

    it('state comes back exactly, however it is written (security.md #17)', async () => {
      for (const state of ['a b&c=d+e%2F', 'é/?#[]@!$&\'()*+,;=', 'x'.repeat(1000)]) {
        const page = await alice.get(authorizePathFor(app, { state }));
        const response = await alice.submit(page.body, 'form#authorize');
        codeOf(response);
        assert.equal(new URL(String(response.headers.location)).searchParams.get('state'), state);
      }
    });

    it('a registered URI with a query keeps it and gets the code appended (RFC 6749 §3.1.2)', async () => {
      const cq = await newApp({ redirectUris: ['https://cq.test/cb?tenant=a'] });
      const page = await alice.get(authorizePathFor(cq, { state: 's' }));
      const response = await alice.submit(page.body, 'form#authorize');
      const code = codeOf(response);
      assert.equal(response.headers.location, `https://cq.test/cb?tenant=a&code=${code}&state=s&${ISS}`);
      assert.equal(await redeemedScope(t, cq, code, 'https://cq.test/cb?tenant=a'), 'user_rates comments topics');
    });

    it('a custom-scheme URI gets the code like any other', async () => {
      const native = await newApp({ redirectUris: ['com.example.app:/cb'] });
      const page = await alice.get(authorizePathFor(native, { state: 's' }));
      const response = await alice.submit(page.body, 'form#authorize');
      const code = codeOf(response);
      assert.equal(response.headers.location, `com.example.app:/cb?code=${code}&state=s&${ISS}`);
      assert.equal(await redeemedScope(t, native, code, 'com.example.app:/cb'), 'user_rates comments topics');
    });

    it('a loopback URI goes back to the port asked for, and the code is bound to it (RFC 8252 §7.3)', async () => {
      const loopback = await newApp({ redirectUris: ['http://127.0.0.1/cb'] });
      const page = await alice.get(authorizePathFor(loopback, { redirect_uri: 'http://127.0.0.1:51004/cb' }));
      const response = await alice.submit(page.body, 'form#authorize');
      const code = codeOf(response);
      assert.equal(response.headers.location, `http://127.0.0.1:51004/cb?code=${code}&${ISS}`);
      assert.equal((await t.stores.codes.findByHash(secretHash(code)))?.redirectUri, 'http://127.0.0.1:51004/cb');
      assert.equal(await redeemedScope(t, loopback, code, 'http://127.0.0.1:51004/cb'), 'user_rates comments topics');
    });
  });

  describe('narrowing by unticking', () => {
    it('an unticked scope is not granted, and the code redeems for the rest', async () => {
      const fresh = await newApp();
      const page = await alice.get(authorizePathFor(fresh, { state: 'n' }));
      const form = findForm(page.body, 'form#authorize');
      const fields = form.fields.filter(([name, value]) => !(name === 'scopes' && value === 'comments'));
      const response = await alice.post(form.action, fields);
      const code = codeOf(response);
      assert.equal(response.headers.location, `https://c2.test/cb?code=${code}&state=n&${ISS}`);
      assert.deepEqual((await t.stores.codes.findByHash(secretHash(code)))?.scopes, ['user_rates', 'topics']);
      assert.equal(await redeemedScope(t, fresh, code, 'https://c2.test/cb'), 'user_rates topics');
    });

    it('unticking every scope shows the page again with 422 and issues no code', async () => {
      const page = await alice.get(authorizePathFor(app, { state: 'n' }));
      const form = findForm(page.body, 'form#authorize');
      const grantsBefore = await grantCount(t);
      const response = await alice.post(
        form.action,
        form.fields.filter(([name]) => name !== 'scopes'),
        { 'accept-language': 'en' },
      );
      assert.equal(response.statusCode, 422);
      assert.equal(response.headers.location, undefined);
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.match(response.body, /Choose at least one permission, or deny the request\./);
      findForm(response.body, 'form#authorize');
      findForm(response.body, 'form#deny');
      assert.equal(await grantCount(t), grantsBefore);
    });

    it('a ticked scope outside the request cannot widen the grant', async () => {
      const wide = await newApp({ scopes: ['user_rates', 'comments', 'topics', 'messages'] });
      const page = await alice.get(authorizePathFor(wide, { scope: 'user_rates' }));
      const form = findForm(page.body, 'form#authorize');
      const response = await alice.post(form.action, [
        ...form.fields,
        ['scopes', 'messages'],
        ['scopes', 'comments'],
        ['scopes', 'email'],
      ]);
      const code = codeOf(response);
      assert.deepEqual((await t.stores.codes.findByHash(secretHash(code)))?.scopes, ['user_rates']);
      assert.equal(await redeemedScope(t, wide, code, 'https://c2.test/cb'), 'user_rates');
    });

    it('request parameters added to the form change nothing: the request is the one kept on the server', async () => {
      const fresh = await newApp();
      const page = await alice.get(authorizePathFor(fresh, { scope: 'user_rates', state: 'w' }));
      const form = findForm(page.body, 'form#authorize');
      const response = await alice.post(form.action, [
        ...form.fields,
        ['scope', 'user_rates email'],
        ['scopes', 'email'],
        ['redirect_uri', 'https://evil.test/cb'],
        ['state', 'forged'],
        ['client_id', app.clientId],
      ]);
      const code = codeOf(response);
      assert.equal(response.headers.location, `https://c2.test/cb?code=${code}&state=w&${ISS}`);
      const stored = await t.stores.codes.findByHash(secretHash(code));
      assert.equal(stored?.applicationId, fresh.application.id);
      assert.deepEqual(stored?.scopes, ['user_rates']);
    });
  });

  describe('Deny', () => {
    it("302s with access_denied and Doorkeeper's description, and issues no code", async () => {
      const page = await alice.get(authorizePathFor(app, { state: 'xyz' }));
      const grantsBefore = await grantCount(t);
      const response = await alice.submit(page.body, 'form#deny');
      assert.equal(response.statusCode, 302);
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.equal(
        response.headers.location,
        `https://c2.test/cb?error=access_denied&error_description=The+resource+owner+or+authorization+server+denied+the+request.&state=xyz&${ISS}`,
      );
      assert.equal(await grantCount(t), grantsBefore);
    });

    it('as an HTTP DELETE too (compatibility.md §2)', async () => {
      const page = await alice.get(authorizePathFor(app));
      const form = findForm(page.body, 'form#deny');
      const response = await alice.request({
        method: 'DELETE',
        url: '/oauth/authorize',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form.fields.filter(([name]) => name !== '_method')).toString(),
      });
      assert.equal(response.statusCode, 302);
      const location = new URL(String(response.headers.location));
      assert.equal(location.searchParams.get('error'), 'access_denied');
      assert.equal(location.searchParams.get('error_description'), DESCRIPTION.accessDenied);
    });

    it('for an out-of-band client: the error page, no Location', async () => {
      const oob = await newApp({ redirectUris: [OOB] });
      const page = await alice.get(authorizePathFor(oob, { state: 's' }));
      const grantsBefore = await grantCount(t);
      const response = await alice.submit(page.body, 'form#deny');
      assert.equal(response.statusCode, 400);
      assert.equal(response.headers.location, undefined);
      assert.match(response.body, /<code>access_denied<\/code>/);
      assert.ok(response.body.includes(DESCRIPTION.accessDenied));
      assert.equal(await grantCount(t), grantsBefore);
    });
  });

  describe('out-of-band (compatibility.md §3 "oob code page", §4.2)', () => {
    for (const oobUri of [OOB, `${OOB}:auto`]) {
      it(`${oobUri}: 302 to /oauth/authorize/CODE, which shows the code, and it redeems`, async () => {
        const oob = await newApp({ redirectUris: [oobUri] });
        const page = await alice.get(authorizePathFor(oob, { state: 's' }));
        const response = await alice.submit(page.body, 'form#authorize');
        assert.equal(response.statusCode, 302);
        assert.equal(response.headers['cache-control'], 'no-store');
        const location = String(response.headers.location);
        assert.ok(location.startsWith(`${PUBLIC_URL}/oauth/authorize/`), location);
        const code = location.slice(`${PUBLIC_URL}/oauth/authorize/`.length);
        assert.match(code, CODE_SHAPE);

        const codePage = await alice.get(new URL(location).pathname, { 'accept-language': 'en' });
        assert.equal(codePage.statusCode, 200);
        assert.equal(codePage.headers['cache-control'], 'no-store');
        assert.equal(codePage.headers['x-frame-options'], 'DENY');
        assert.ok(codePage.body.includes(`<code id="authorization_code">${code}</code>`));
        assert.match(codePage.body, /<h1>Authorization code<\/h1>/);
        assert.match(codePage.body, /<title>OAuth authorization required<\/title>/);
        assert.equal(await redeemedScope(t, oob, code, oobUri), 'user_rates comments topics');
      });
    }

    it('the code page needs a signed-in user', async () => {
      const response = await new Browser(t.server).get('/oauth/authorize/abc');
      assert.equal(response.statusCode, 302);
      assert.equal(response.headers.location, `/users/sign_in?return_to=${encodeURIComponent('/oauth/authorize/abc')}`);
    });
  });
});
