/**
 * The first hour's pages (issue 13), in-process: the profile page at whoami's `url`, the favicon, the consent page's
 * owner and return host, the sign-in page naming the application that asks, "Account created" after signing up,
 * the error pages' headings and their signed-in header.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser } from '../helpers/browser.js';
import { PASSWORD, PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';
import { assertPageHeaders, formFields, hasElement, submitForm, textOf } from './pages-support.js';

const en = { 'accept-language': 'en' };
const ru = { 'accept-language': 'ru' };
const OOB = 'urn:ietf:wg:oauth:2.0:oob';

describe('the first hour: pages (issue 13)', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  let oobApp: TestApp;

  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('mei');
    await t.createUser('alice');
    await t.createUser('Кира');
    alice = await t.browserFor('alice');
    app = await t.createApp(owner.id, {
      name: 'Anime tracker',
      descriptionEn: 'Tracks what you watch.',
      redirectUris: ['https://tracker.example:8443/cb'],
    });
    oobApp = await t.createApp(owner.id, { name: 'Desktop app', redirectUris: [OOB] });
  });
  after(() => t.close());

  async function whoamiUrl(nickname: string): Promise<string> {
    const browser = await t.browserFor(nickname);
    const tokens = await t.tokensFor(browser, app);
    const me = (await t.whoami(tokens.access_token)).json() as { url: string };
    return me.url;
  }

  describe("the profile page at whoami's url (compatibility.md §5)", () => {
    it('resolves, with the nickname, an avatar and the day the account was made, in English and Russian', async () => {
      const url = await whoamiUrl('alice');
      assert.equal(url, `${PUBLIC_URL}/alice`);
      const path = new URL(url).pathname;
      const guest = new Browser(t.server);
      const page = await guest.get(path, en);
      assert.equal(page.statusCode, 200);
      assertPageHeaders(page);
      assert.equal(textOf(page.body, 'profile_nickname'), '@alice');
      assert.match(page.body, /<title>@alice<\/title>/);
      assert.equal(textOf(page.body, 'member_since'), '28 November 2026');
      const avatar = /<img class="avatar" src="data:image\/svg\+xml;base64,[\w+/=]+" width="80" height="80" alt="">/;
      assert.match(page.body, avatar);
      assert.doesNotMatch(page.body, /@example|password/i, 'nothing private');
      const russian = await guest.get(path, ru);
      assert.match(russian.body, /<dt>Зарегистрирован<\/dt>/);
      assert.equal(textOf(russian.body, 'member_since'), '28 ноября 2026 г.');
    });

    it('resolves a nickname that whoami percent-encodes, and sends a look-alike to its own spelling', async () => {
      const url = await whoamiUrl('Кира');
      assert.equal(url, `${PUBLIC_URL}/${encodeURIComponent('Кира')}`);
      const page = await alice.get(new URL(url).pathname, en);
      assert.equal(page.statusCode, 200);
      assert.equal(textOf(page.body, 'profile_nickname'), '@Кира');
      assert.ok(hasElement(page.body, 'sign_out'), 'signed in: the header says so');
      const lookAlike = await alice.get('/ALICE', en);
      assert.equal(lookAlike.statusCode, 301);
      assert.equal(lookAlike.headers.location, '/alice');
    });

    it('is a 404 page for a nickname nobody has, and never takes a path another route has', async () => {
      const unknown = await alice.get('/nobody-here', en);
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.body, /<h1>Page not found<\/h1>/);
      assert.ok(hasElement(unknown.body, 'sign_out'), 'the 404 page has the signed-in header');
      const guest = new Browser(t.server);
      for (const [path, status, type] of [
        ['/oauth', 200, /^text\/html/],
        ['/favicon.ico', 200, /^image\/x-icon/],
        ['/healthz', 200, /^application\/json/],
        ['/users/sign_in', 200, /^text\/html/],
        ['/locale?to=en', 302, undefined],
      ] as const) {
        const response = await guest.get(path);
        assert.equal(response.statusCode, status, path);
        if (type) assert.match(String(response.headers['content-type']), type, path);
      }
      assert.equal((await guest.get('/alice/extra')).statusCode, 404);
    });
  });

  it('serves a favicon at /favicon.ico (an ICO with a PNG) and links an SVG one from every page', async () => {
    const guest = new Browser(t.server);
    const ico = await guest.get('/favicon.ico');
    assert.equal(ico.statusCode, 200);
    const bytes = ico.rawPayload;
    assert.deepEqual([...bytes.subarray(0, 6)], [0, 0, 1, 0, 1, 0], 'an ICO with one image');
    assert.deepEqual([...bytes.subarray(22, 26)], [0x89, 0x50, 0x4e, 0x47], 'a PNG inside');
    const svg = await guest.get('/assets/favicon.svg');
    assert.equal(svg.statusCode, 200);
    assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
    const home = await guest.get('/', en);
    assert.match(home.body, /<link rel="icon" href="\/assets\/favicon.svg" type="image\/svg\+xml">/);
  });

  describe('the consent page', () => {
    it('names the application, its owner, its description, each scope and the host the answer goes to', async () => {
      const query = new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: 'https://tracker.example:8443/cb',
        response_type: 'code',
        scope: 'user_rates comments',
      });
      const page = await alice.get(`/oauth/authorize?${query}`, en);
      assert.equal(page.statusCode, 200);
      assert.equal(textOf(page.body, 'application_name'), 'Anime tracker');
      assert.equal(textOf(page.body, 'application_owner'), 'by @mei');
      assert.match(page.body, /Tracks what you watch\./);
      assert.equal(textOf(page.body, 'return_host'), 'tracker.example:8443');
      assert.match(textOf(page.body, 'return_to'), /^Returns to: tracker\.example:8443 After you answer/);
      // Shikimori's heading and lead-in (compatibility.md §3) stay.
      assert.match(page.body, /<h1>Authorization required<\/h1>/);
      assert.match(page.body, /<h2>Authorize @alice to use your account\?<\/h2>/);
      assert.match(page.body, /<legend>This application will be able to<\/legend>/);
      // Authorize first (the default button), Deny beside it, answering with its own form.
      const authorize = page.body.indexOf('id="authorize_button"');
      const deny = page.body.indexOf('id="deny_button"');
      assert.ok(authorize > 0 && deny > authorize);
      assert.match(page.body, /<button type="submit" form="deny" id="deny_button">Deny<\/button>/);
      assert.deepEqual(
        formFields(page.body, 'deny').fields.map(([name]) => name),
        ['_csrf', 'request_id', '_method'],
      );
      const russian = await alice.get(`/oauth/authorize?${query}`, ru);
      assert.match(russian.body, /<h1>Разреши доступ<\/h1>/);
      assert.match(russian.body, /<h2>К твоему аккаунту @alice для приложения<\/h2>/);
      assert.equal(textOf(russian.body, 'application_owner'), 'автор: @mei');
      assert.match(textOf(russian.body, 'return_to'), /^Вернёт на: tracker\.example:8443/);
    });

    it('says "a code to paste" for an out-of-band client, and Deny still denies', async () => {
      const query = new URLSearchParams({ client_id: oobApp.clientId, redirect_uri: OOB, response_type: 'code' });
      const page = await alice.get(`/oauth/authorize?${query}`, en);
      assert.equal(textOf(page.body, 'return_host'), 'a code to paste into the application');
      const denied = await submitForm(alice, page.body, 'deny', {}, en);
      assert.equal(denied.statusCode, 400);
      assert.match(denied.body, /access_denied/);
    });
  });

  it('names the application that asks on the sign-in and sign-up pages reached from its request', async () => {
    const redirectUri = 'https://tracker.example:8443/cb';
    const query = new URLSearchParams({ client_id: app.clientId, redirect_uri: redirectUri, response_type: 'code' });
    const guest = new Browser(t.server);
    const redirect = await guest.get(`/oauth/authorize?${query}`, en);
    assert.equal(redirect.statusCode, 302);
    const signIn = await guest.get(String(redirect.headers.location), en);
    assert.equal(textOf(signIn.body, 'asking_application'), 'Sign in to answer the request of Anime tracker.');
    const signUpPath = String(redirect.headers.location).replace('/users/sign_in', '/users/sign_up');
    const signUp = await guest.get(signUpPath, ru);
    const asking = 'Войди, чтобы ответить на запрос приложения Anime tracker.';
    assert.equal(textOf(signUp.body, 'asking_application'), asking);
    const plain = await guest.get('/users/sign_in', en);
    assert.equal(hasElement(plain.body, 'asking_application'), false);
  });

  it('says "Account created" once on the page that signing up comes back to', async () => {
    const guest = new Browser(t.server);
    const form = await guest.get('/users/sign_up', en);
    const created = await submitForm(guest, form.body, 'sign_up', { nickname: 'newcomer', password: PASSWORD }, en);
    assert.equal(created.statusCode, 303);
    const home = await guest.get(String(created.headers.location), en);
    assert.equal(textOf(home.body, 'flash'), 'Account created. Welcome, @newcomer!');
    const again = await guest.get('/', en);
    assert.equal(hasElement(again.body, 'flash'), false, 'once');
  });

  describe('error pages', () => {
    it('heads the invalid_redirect_uri page with what happened, keeping the .b-errors block', async () => {
      const evil = 'https://evil.example/cb';
      const query = new URLSearchParams({ client_id: app.clientId, redirect_uri: evil, response_type: 'code' });
      const page = await alice.get(`/oauth/authorize?${query}`, en);
      assert.equal(page.statusCode, 400);
      assert.match(page.body, /<h1>This authorization request cannot be answered<\/h1>/);
      assert.doesNotMatch(page.body, /<h1>Authorization code<\/h1>/);
      assert.match(page.body, /<div class="b-errors" role="alert">\s*<p>An error has occurred<\/p>/);
      assert.match(page.body, /<code>invalid_redirect_uri<\/code>/);
      const russian = await alice.get(`/oauth/authorize?${query}`, ru);
      assert.match(russian.body, /<h1>На этот запрос авторизации нельзя ответить<\/h1>/);
    });

    it('shows the signed-in header on the 403 page after a refused form, and on the 404 page', async () => {
      const form = await alice.get('/oauth/applications/new', en);
      const forged = { _csrf: 'forged', name: 'x', redirect_uri: 'https://x.example/cb' };
      const refused = await submitForm(alice, form.body, 'application', forged, en);
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, /This form has expired/);
      assert.ok(hasElement(refused.body, 'sign_out'));
      assert.match(refused.body, /<h1>An error has occurred<\/h1>/);
      assert.match(refused.body, /Signed in as @alice/);
      const missing = await alice.get('/oauth/applications/999999', en);
      assert.equal(missing.statusCode, 404);
      assert.match(missing.body, /Signed in as @alice/);
      assert.match(missing.body, /There is no page at this address\./);
      const guest = await new Browser(t.server).get('/no/such/page', en);
      assert.equal(guest.statusCode, 404);
      assert.equal(hasElement(guest.body, 'sign_out'), false);
    });

    it('shows the signed-in header on the 500 page too', async () => {
      const applications = t.stores.applications;
      const listByOwner = applications.listByOwner.bind(applications);
      applications.listByOwner = async () => {
        throw new Error('the store failed');
      };
      // The harness rethrows unexpected errors; here one is expected, and reported.
      const reportError = t.monban.ctx.reportError;
      const reported: unknown[] = [];
      t.monban.ctx.reportError = (err) => void reported.push(err);
      try {
        const failed = await alice.get('/oauth/applications', en);
        assert.equal(failed.statusCode, 500);
        assert.match(failed.body, /<h1>An error has occurred<\/h1>/);
        assert.match(failed.body, /Signed in as @alice/);
        assert.ok(hasElement(failed.body, 'sign_out'));
        assert.doesNotMatch(failed.body, /the store failed/);
        assert.equal(reported.length, 1);
      } finally {
        t.monban.ctx.reportError = reportError;
        applications.listByOwner = listByOwner;
      }
    });
  });
});
