/**
 * The applications with access to my account (compatibility.md §3; security.md #43): each with the scopes granted and when it
 * last used that access; the application's number of users; "Revoke access" (POST /oauth/applications/:id/revoke)
 * revoking every token and code of that user for that application at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { secretHash } from '../../src/core/secrets.js';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { assertPageHeaders, hasElement, submitForm, textOf } from './pages-support.js';

const en = { 'accept-language': 'en' };

describe('applications with access to my account', () => {
  let t: TestMonban;
  let app: TestApp;
  let other: TestApp;
  let alice: Browser;
  let bob: Browser;

  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('owner');
    await t.createUser('alice');
    await t.createUser('bob');
    app = await t.createApp(owner.id, { name: 'Tracker', scopes: ['user_rates', 'comments', 'topics'] });
    other = await t.createApp(owner.id, { name: 'Other' });
    alice = await t.browserFor('alice');
    bob = await t.browserFor('bob');
  });
  after(() => t.close());

  function refresh(testApp: TestApp, refreshToken: string) {
    return t.token({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: testApp.clientId,
      client_secret: testApp.clientSecret,
    });
  }

  function exchange(testApp: TestApp, code: string) {
    return t.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: testApp.application.redirectUris[0] ?? '',
      client_id: testApp.clientId,
      client_secret: testApp.clientSecret,
    });
  }

  it('lists each application with the scopes granted and when it last used them', async () => {
    const tokens = await t.tokensFor(alice, app, { scope: 'user_rates comments' });
    let list = await alice.get('/oauth/applications', en);
    assertPageHeaders(list);
    const entry = `authorized_application_${app.application.id}`;
    assert.ok(hasElement(list.body, entry));
    assert.match(
      textOf(list.body, entry),
      /^Tracker Can Change your list of anime and manga user_rates Comment on your behalf comments Last used never Revoke access$/,
    );
    assert.ok(hasElement(list.body, `revoke_access_${app.application.id}`));
    assert.equal(hasElement(list.body, `authorized_application_${other.application.id}`), false);

    t.clock.advance(90);
    assert.equal((await t.whoami(tokens.access_token)).statusCode, 200);
    list = await alice.get('/oauth/applications', en);
    // TestClock starts at 2026-11-28 12:00 UTC; the token was used 90 seconds later.
    assert.match(
      list.body,
      /<dd class="last-used"><time datetime="2026-11-28T12:01:30\.000Z">28 Nov 2026, 12:01 UTC<\/time><\/dd>/,
    );
    const ru = await alice.get('/oauth/applications', { 'accept-language': 'ru' });
    assert.match(ru.body, /Последнее использование<\/dt><dd class="last-used"><time datetime="2026-11-28T12:01:30\.000Z">28 нояб\. 2026 г\., 12:01 UTC<\/time>/);
    assert.match(ru.body, /Изменять твой список аниме и манги <code>user_rates<\/code>/);
  });

  it('records a token\'s last use at most once a minute (core/last-use.ts)', async () => {
    const tokens = await t.tokensFor(bob, other);
    const record = async () => {
      await t.monban.ctx.lastUse.flush();
      return (await t.stores.tokens.findByToken(secretHash(tokens.access_token)))?.lastUsedAt;
    };
    assert.equal(await record(), null);
    await t.whoami(tokens.access_token);
    const first = t.clock.now();
    assert.equal(await record(), first);
    t.clock.advance(59);
    await t.whoami(tokens.access_token);
    assert.equal(await record(), first);
    t.clock.advance(1);
    await t.whoami(tokens.access_token);
    assert.equal(await record(), first + 60_000);
  });

  it('writes a noted use within a second, without anything asking for it', async () => {
    const tokens = await t.tokensFor(bob, other);
    assert.equal((await t.whoami(tokens.access_token)).statusCode, 200);
    const stored = async () => (await t.stores.tokens.findByToken(secretHash(tokens.access_token)))?.lastUsedAt;
    assert.equal(await stored(), null, 'noted, not written yet');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    assert.equal(await stored(), t.clock.now());
  });

  it("shows a granting user their access and the application's number of users on its page", async () => {
    const bobTokens = await t.tokensFor(bob, app, { scope: 'topics' });
    assert.ok(bobTokens.access_token);
    const page = await bob.get(`/oauth/applications/${app.application.id}`, en);
    assert.equal(page.statusCode, 200);
    assert.equal(textOf(page.body, 'application_users'), '2', 'alice and bob');
    assert.equal(textOf(page.body, 'my_access_title'), 'You have given this application access to your account.');
    assert.match(textOf(page.body, 'my_access'), /Can Create topics and critiques on your behalf topics Last used never/);
    assert.ok(hasElement(page.body, 'revoke_access'));

    const stranger = await t.createUser('stranger');
    const strangerBrowser = await t.browserFor(stranger.nickname);
    const notGranted = await strangerBrowser.get(`/oauth/applications/${app.application.id}`, en);
    assert.equal(hasElement(notGranted.body, 'my_access'), false);
    assert.equal(hasElement(notGranted.body, 'revoke_access'), false);
  });

  it('revokes every token and code of this user for this application at once, and nothing else (compatibility.md §3)', async () => {
    const carol = await t.createUser('carol');
    const browser = await t.browserFor(carol.nickname);
    const first = await t.tokensFor(browser, app);
    const second = await t.tokensFor(browser, app, { scope: 'user_rates' });
    const pendingCode = await t.authorize(browser, app);
    const elsewhere = await t.tokensFor(browser, other);
    const someoneElse = await t.tokensFor(bob, app);
    const usersBefore = textOf((await browser.get(`/oauth/applications/${app.application.id}`)).body, 'application_users');

    const page = await browser.get(`/oauth/applications/${app.application.id}`, en);
    const response = await submitForm(browser, page.body, 'revoke_access', {}, en);
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, `/oauth/applications/${app.application.id}?notice=revoked`);
    const after = await browser.get(response.headers.location, en);
    assert.match(after.body, /Access revoked: the application can no longer use your account\./);
    assert.equal(hasElement(after.body, 'my_access'), false);
    assert.equal(Number(textOf(after.body, 'application_users')), Number(usersBefore) - 1);

    for (const tokens of [first, second]) {
      assert.equal((await t.whoami(tokens.access_token)).statusCode, 401);
      const refreshed = await refresh(app, tokens.refresh_token);
      assert.equal(refreshed.statusCode, 400);
      assert.equal(refreshed.json().error, 'invalid_grant');
    }
    const exchanged = await exchange(app, pendingCode);
    assert.equal(exchanged.statusCode, 400);
    assert.equal(exchanged.json().error, 'invalid_grant');
    assert.equal((await t.whoami(elsewhere.access_token)).statusCode, 200, 'another application keeps its access');
    assert.equal((await t.whoami(someoneElse.access_token)).statusCode, 200, 'another user keeps theirs');

    const list = await browser.get('/oauth/applications', en);
    assert.equal(hasElement(list.body, `authorized_application_${app.application.id}`), false);
    assert.ok(hasElement(list.body, `authorized_application_${other.application.id}`));

    // Consent was forgotten with the tokens: the next request asks again instead of skipping the page.
    const query = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: app.application.redirectUris[0] ?? '',
      response_type: 'code',
    });
    const again = await browser.get(`/oauth/authorize?${query}`);
    assert.equal(again.statusCode, 200);
    assert.ok(hasElement(again.body, 'authorize'));
  });

  it('from the list, comes back to the list', async () => {
    const dave = await t.createUser('dave');
    const browser = await t.browserFor(dave.nickname);
    const tokens = await t.tokensFor(browser, other);
    const list = await browser.get('/oauth/applications', en);
    const response = await submitForm(browser, list.body, `revoke_access_${other.application.id}`);
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/oauth/applications?notice=revoked');
    assert.equal((await t.whoami(tokens.access_token)).statusCode, 401);
  });

  it('refuses to revoke without the CSRF token or from another origin, revoking nothing', async () => {
    const erin = await t.createUser('erin');
    const browser = await t.browserFor(erin.nickname);
    const tokens = await t.tokensFor(browser, app);
    const page = await browser.get(`/oauth/applications/${app.application.id}`);
    const withoutToken = await submitForm(browser, page.body, 'revoke_access', { _csrf: null });
    assert.equal(withoutToken.statusCode, 403);
    const crossSite = await submitForm(browser, page.body, 'revoke_access', {}, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.statusCode, 403);
    assert.equal((await t.whoami(tokens.access_token)).statusCode, 200);
  });

  it('sends a guest to sign in, and answers 404 for an unknown application', async () => {
    const page = await alice.get(`/oauth/applications/${app.application.id}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const unknown = await alice.post('/oauth/applications/424242/revoke', { _csrf: csrf });
    assert.equal(unknown.statusCode, 404);
    await alice.post('/users/sign_out', { _csrf: csrf });
    // Signing out replaced the CSRF secret (issue 9): the guest's token comes from a page seen since.
    const since = /name="_csrf" value="([^"]+)"/.exec((await alice.get('/users/sign_in')).body)?.[1] ?? '';
    const guest = await alice.post(`/oauth/applications/${app.application.id}/revoke`, { _csrf: since });
    assert.equal(guest.statusCode, 303);
    assert.equal(guest.headers.location, '/users/sign_in?return_to=%2Foauth%2Fapplications');
  });
});
