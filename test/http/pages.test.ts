/**
 * The pages people use (the "pages" bullets): sign-in throttling, changing the password, English and
 * Russian with a switch, the consent, code and error pages, and "safe by construction": CSRF on every form that
 * changes state, a CSP without inline scripts, frame-ancestors 'none', and only Monban's own assets.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { SESSION_COOKIE } from '../../src/http/session.js';
import { Browser } from '../helpers/browser.js';
import { PASSWORD, TestMonban, type TestApp } from '../helpers/monban.js';
import {
  assertNoInlineScriptOrForeignAsset,
  assertPageHeaders,
  formFields,
  hasElement,
  submitForm,
  textOf,
} from './pages-support.js';

const en = { 'accept-language': 'en' };
const ru = { 'accept-language': 'ru' };

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function csrfOf(page: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  assert.ok(token, 'no CSRF token in the page');
  return token;
}

/** Opens the page and posts its form from this address with these fields typed in, as a fresh browser would. */
async function postFormFrom(
  t: TestMonban,
  address: string,
  path: string,
  formId: string,
  typed: Record<string, string>,
  headers: Record<string, string> = en,
): Promise<LightMyRequestResponse> {
  const browser = new Browser(t.server);
  const page = await browser.get(path, headers);
  const form = formFields(page.body, formId);
  const fields = [...form.fields.filter(([name]) => !(name in typed)), ...Object.entries(typed)];
  return browser.request({
    method: 'POST',
    url: form.action,
    remoteAddress: address,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

describe('sign-in throttling (security.md #32)', () => {
  let t: TestMonban;
  beforeEach(async () => {
    t = await TestMonban.start();
    await t.createUser('alice');
    await t.createUser('bob');
  });
  afterEach(() => t.close());

  /** Posts the sign-in form from this address, as a fresh browser would. */
  function signIn(nickname: string, password: string, address = '203.0.113.1'): Promise<LightMyRequestResponse> {
    return postFormFrom(t, address, '/users/sign_in', 'sign_in', { nickname, password });
  }

  function assertThrottled(response: LightMyRequestResponse): void {
    assert.equal(response.statusCode, 429);
    assertPageHeaders(response);
    assert.equal(response.headers['retry-after'], '900');
    assert.match(response.body, /<p class="notice error" role="alert">Too many failed sign-ins\. Try again later\.<\/p>/);
    assert.equal(response.cookies.some((c) => c.name === SESSION_COOKIE), false, 'no session');
  }

  it('after 10 failures for one nickname, even the right password gets 429 until the window passes', async () => {
    for (let i = 0; i < 10; i++) {
      // A new address each time: spreading the guesses does not help (the nickname's count holds).
      const response = await signIn('alice', `wrong ${i}`, `198.51.100.${i}`);
      assert.equal(response.statusCode, 401, `attempt ${i + 1}`);
    }
    assertThrottled(await signIn('alice', PASSWORD, '192.0.2.77'));
    assertThrottled(await signIn('ALICE', PASSWORD, '192.0.2.78'));
    assert.equal((await signIn('bob', PASSWORD, '192.0.2.79')).statusCode, 303, 'other accounts are not affected');

    t.clock.advance(15 * 60);
    assert.equal((await signIn('alice', PASSWORD, '192.0.2.80')).statusCode, 303, 'the lock is not permanent');
  });

  it('answers an unknown nickname exactly as a known one, throttled or not (security.md #33)', async () => {
    const normalise = (r: LightMyRequestResponse) =>
      r.body.replace(/value="[^"]*"/g, 'value=""').replace(/nosuchuser|alice/g, 'NICK');
    for (let i = 0; i < 10; i++) {
      const known = await signIn('alice', 'wrong', `198.51.100.${i}`);
      const unknown = await signIn('nosuchuser', 'wrong', `198.51.101.${i}`);
      assert.equal(known.statusCode, unknown.statusCode);
      assert.equal(normalise(known), normalise(unknown));
    }
    const known = await signIn('alice', 'wrong', '192.0.2.1');
    const unknown = await signIn('nosuchuser', 'wrong', '192.0.2.2');
    assertThrottled(known);
    assertThrottled(unknown);
    assert.equal(normalise(known), normalise(unknown));
  });

  it('after 10 failures from one address, every nickname is refused from it, and only from it', async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal((await signIn(`user${i}`, 'password spray')).statusCode, 401);
    }
    assertThrottled(await signIn('alice', PASSWORD));
    assert.equal((await signIn('alice', PASSWORD, '203.0.113.2')).statusCode, 303);
  });

  it("a success does not reset the address's count", async () => {
    for (let i = 0; i < 9; i++) await signIn(`user${i}`, 'wrong');
    assert.equal((await signIn('alice', PASSWORD)).statusCode, 303);
    assert.equal((await signIn('user9', 'wrong')).statusCode, 401);
    assertThrottled(await signIn('bob', PASSWORD));
  });

  it('counts an IPv6 /64 as one address, as the rate limits do', async () => {
    for (let i = 1; i <= 10; i++) {
      assert.equal((await signIn(`user${i}`, 'password spray', `2001:db8:1:2::${i.toString(16)}`)).statusCode, 401);
    }
    assertThrottled(await signIn('alice', PASSWORD, '2001:db8:1:2:ffff:ffff:ffff:ffff'));
    assert.equal((await signIn('alice', PASSWORD, '2001:db8:1:3::1')).statusCode, 303, 'the next /64 is not affected');
  });

  it('says so in Russian too', async () => {
    for (let i = 0; i < 10; i++) await signIn('alice', 'wrong', `198.51.100.${i}`);
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in', ru);
    const response = await submitForm(browser, page.body, 'sign_in', { nickname: 'alice', password: PASSWORD }, ru);
    assert.equal(response.statusCode, 429);
    assert.match(response.body, /Слишком много неудачных попыток входа\. Попробуй позже\./);
  });
});

describe('sign-up throttling: 10 accounts per address in 15 minutes', () => {
  let t: TestMonban;
  beforeEach(async () => {
    t = await TestMonban.start();
  });
  afterEach(() => t.close());

  function signUp(nickname: string, address: string, headers = en): Promise<LightMyRequestResponse> {
    return postFormFrom(t, address, '/users/sign_up', 'sign_up', { nickname, password: PASSWORD }, headers);
  }

  it('refuses the eleventh account from one address (or /64), creating nothing, and only from it', async () => {
    for (let i = 1; i <= 10; i++) {
      assert.equal((await signUp(`newbie${i}`, `2001:db8:5:6::${i}`)).statusCode, 303, `account ${i}`);
    }
    const refused = await signUp('newbie11', '2001:db8:5:6::99');
    assert.equal(refused.statusCode, 429);
    assertPageHeaders(refused);
    assert.equal(refused.headers['retry-after'], '900');
    assert.match(
      refused.body,
      /<p class="notice error" role="alert">Too many accounts were created from your network\. Try again later\.<\/p>/,
    );
    assert.equal(refused.cookies.some((c) => c.name === SESSION_COOKIE), false, 'no session');
    assert.equal(await t.stores.users.findByNickname('newbie11'), undefined);
    assert.equal((await signUp('newbie12', '192.0.2.1')).statusCode, 303, 'another address is not affected');

    t.clock.advance(15 * 60);
    assert.equal((await signUp('newbie11', '2001:db8:5:6::99')).statusCode, 303, 'the limit is not permanent');
  });

  it('counts only accounts made: refused forms do not count', async () => {
    await t.createUser('alice');
    for (let i = 0; i < 12; i++) assert.equal((await signUp('alice', '198.51.100.7')).statusCode, 422);
    assert.equal((await signUp('bob', '198.51.100.7')).statusCode, 303);
  });

  it('says so in Russian too', async () => {
    for (let i = 1; i <= 10; i++) await signUp(`newbie${i}`, '198.51.100.8', ru);
    const refused = await signUp('newbie11', '198.51.100.8', ru);
    assert.equal(refused.statusCode, 429);
    assert.match(refused.body, /Из твоей сети создано слишком много аккаунтов\. Попробуй позже\./);
  });
});

describe('changing the password', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  it('sends a guest to sign in', async () => {
    const response = await new Browser(t.server).get('/users/edit');
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/users/sign_in?return_to=%2Fusers%2Fedit');
  });

  it('needs the current password and the new one twice, with messages next to the fields', async () => {
    await t.createUser('carol');
    const browser = await t.browserFor('carol');
    const page = await browser.get('/users/edit', en);
    assert.equal(page.statusCode, 200);
    assertPageHeaders(page);
    assert.match(page.body, /<label for="current_password">Current password<\/label>/);
    assert.match(page.body, /<label for="password">New password<\/label>/);
    assert.match(page.body, /<label for="password_confirmation">New password again<\/label>/);
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ current_password: 'wrong one', password: 'a new password', password_confirmation: 'a new password' }, 'current_password', 'The current password is wrong.'],
      [{ current_password: PASSWORD, password: 'short', password_confirmation: 'short' }, 'password', 'Password must be 8 to 128 characters long.'],
      [{ current_password: PASSWORD, password: 'a new password', password_confirmation: 'another one' }, 'password_confirmation', 'The two new passwords differ.'],
    ];
    for (const [fields, field, message] of cases) {
      const response = await submitForm(browser, page.body, 'change_password', fields, en);
      assert.equal(response.statusCode, 422, message);
      assert.equal(textOf(response.body, `${field}_errors`), message);
      assert.match(response.body, new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
    }
    await new Browser(t.server).signIn('carol', PASSWORD);
  });

  it('changes it, ends every other session, and keeps this browser signed in with a new session id', async () => {
    await t.createUser('dave');
    const browser = await t.browserFor('dave');
    const elsewhere = await t.browserFor('dave');
    const oldSession = browser.cookies.get(SESSION_COOKIE);
    const page = await browser.get('/users/edit', en);
    const response = await submitForm(browser, page.body, 'change_password', {
      current_password: PASSWORD,
      password: 'a brand new passphrase',
      password_confirmation: 'a brand new passphrase',
    });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/users/edit?notice=password_changed');
    assert.notEqual(browser.cookies.get(SESSION_COOKIE), oldSession);
    const done = await browser.get(response.headers.location, en);
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /Your password has been changed, and every other session has been signed out\./);
    assert.equal((await elsewhere.get('/users/edit')).statusCode, 302, 'the other session ended');

    await assert.rejects(new Browser(t.server).signIn('dave', PASSWORD), /sign-in failed: 401/);
    await new Browser(t.server).signIn('dave', 'a brand new passphrase');
  });

  it('counts wrong current passwords against the sign-in limits', async () => {
    // A Monban of its own: the other tests here fail from the same address, which counts too.
    const own = await TestMonban.start();
    try {
      await own.createUser('erin');
      const browser = await own.browserFor('erin');
      const page = await browser.get('/users/edit', en);
      const wrong = { current_password: 'guess', password: 'a new password', password_confirmation: 'a new password' };
      for (let i = 0; i < 10; i++) {
        assert.equal((await submitForm(browser, page.body, 'change_password', wrong)).statusCode, 422);
      }
      const right = { ...wrong, current_password: PASSWORD };
      const throttled = await submitForm(browser, page.body, 'change_password', right, en);
      assert.equal(throttled.statusCode, 429);
      assert.match(throttled.body, /Too many failed sign-ins\. Try again later\./);
      own.clock.advance(15 * 60);
      await new Browser(own.server).signIn('erin', PASSWORD);
    } finally {
      await own.close();
    }
  });
});

describe('English and Russian', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
    await t.createUser('alice');
  });
  after(() => t.close());

  it('follows Accept-Language, Russian when it names neither', async () => {
    const browser = new Browser(t.server);
    assert.match((await browser.get('/users/sign_in', en)).body, /<html lang="en">[\s\S]*<h1>Sign in<\/h1>/);
    assert.match((await browser.get('/users/sign_in', ru)).body, /<html lang="ru">[\s\S]*<h1>Вход<\/h1>/);
    assert.match((await browser.get('/users/sign_in', { 'accept-language': 'de' })).body, /<h1>Вход<\/h1>/);
  });

  it('switches with a link that sets a cookie, which wins over Accept-Language', async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_up?return_to=%2Foauth%2Fapplications', ru);
    const link = /<a id="locale_en"[^>]*href="([^"]+)"/.exec(page.body)?.[1];
    assert.equal(link, '/locale?to=en&amp;return_to=%2Fusers%2Fsign_up%3Freturn_to%3D%252Foauth%252Fapplications');
    assert.ok(hasElement(page.body, 'locale_ru'));

    const response = await browser.get('/locale?to=en&return_to=%2Fusers%2Fsign_up%3Freturn_to%3D%252Foauth%252Fapplications');
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/users/sign_up?return_to=%2Foauth%2Fapplications');
    const cookie = response.cookies.find((c) => c.name === 'locale');
    assert.equal(cookie?.value, 'en');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Lax');
    assert.equal(cookie?.path, '/');

    const after = await browser.get('/users/sign_up', ru);
    assert.match(after.body, /<html lang="en">[\s\S]*<h1>Sign up<\/h1>/);
    await browser.get('/locale?to=ru');
    assert.match((await browser.get('/users/sign_up', en)).body, /<h1>Регистрация<\/h1>/);
  });

  it('never leaves the site, and ignores a language it does not have', async () => {
    const browser = new Browser(t.server);
    for (const returnTo of ['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      const response = await browser.get(`/locale?to=en&return_to=${encodeURIComponent(returnTo)}`);
      assert.equal(response.headers.location, '/', returnTo);
    }
    const response = await browser.get('/locale?to=de&return_to=%2F');
    assert.equal(response.statusCode, 302);
    assert.equal(response.cookies.some((c) => c.name === 'locale'), false);
  });

  it('renders sign-up problems next to their field, in either language', async () => {
    const browser = new Browser(t.server);
    for (const [headers, nicknameMessage, passwordMessage] of [
      [en, 'This nickname is already taken.', 'Password must be 8 to 128 characters long.'],
      [ru, 'Этот никнейм уже занят.', 'Пароль должен быть длиной от 8 до 128 символов.'],
    ] as const) {
      const page = await browser.get('/users/sign_up', headers);
      const taken = await submitForm(browser, page.body, 'sign_up', { nickname: 'ALICE', password: PASSWORD }, headers);
      assert.equal(taken.statusCode, 422);
      assert.equal(textOf(taken.body, 'nickname_errors'), nicknameMessage);
      const short = await submitForm(browser, page.body, 'sign_up', { nickname: 'newbie', password: 'short' }, headers);
      assert.equal(short.statusCode, 422);
      assert.equal(textOf(short.body, 'password_errors'), passwordMessage);
    }
  });

  it('marks up the cookie Secure when Monban is served over https', async () => {
    const secure = await TestMonban.start({ MONBAN_PUBLIC_URL: 'https://monban.example' });
    try {
      const response = await new Browser(secure.server).get('/locale?to=en');
      assert.equal(response.cookies.find((c) => c.name === 'locale')?.secure, true);
    } finally {
      await secure.close();
    }
  });
});

describe('consent, code and error pages (compatibility.md §3)', () => {
  let t: TestMonban;
  let app: TestApp;
  let oobApp: TestApp;
  let alice: Browser;
  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('owner');
    await t.createUser('alice');
    app = await t.createApp(owner.id, {
      name: 'Tracker',
      descriptionEn: 'Tracks anime.',
      descriptionRu: 'Следит за аниме.',
      redirectUris: ['https://tracker.example/cb'],
    });
    oobApp = await t.createApp(owner.id, { redirectUris: ['urn:ietf:wg:oauth:2.0:oob'] });
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  const authorizePath = (testApp: TestApp) =>
    `/oauth/authorize?${new URLSearchParams({
      client_id: testApp.clientId,
      redirect_uri: testApp.application.redirectUris[0] ?? '',
      response_type: 'code',
      scope: 'user_rates comments',
    })}`;

  it("has Shikimori's title and headings, the app, one labelled checkbox per scope, and where the answer goes", async () => {
    for (const [headers, h1, h2, scopeText, where, about] of [
      [en, 'Authorization required', 'Authorize @alice to use your account?', 'Change your list of anime and manga', 'After you answer, you will be sent back to tracker.example.', 'About this application'],
      [ru, 'Разреши доступ', 'К твоему аккаунту @alice для приложения', 'Изменять твой список аниме и манги', 'После ответа ты вернёшься на tracker.example.', 'О приложении'],
    ] as const) {
      const page = await alice.get(authorizePath(app), headers);
      assert.equal(page.statusCode, 200);
      assertPageHeaders(page);
      assertNoInlineScriptOrForeignAsset(page.body);
      assert.match(page.body, /<title>OAuth authorization required<\/title>/);
      assert.match(page.body, new RegExp(`<h1>${h1}</h1>\\s*<h2>${escape(h2)}</h2>`));
      assert.match(page.body, /<p class="application-name" id="application_name">Tracker<\/p>/);
      assert.match(page.body, new RegExp(`<label class="scope" for="scope_user_rates"><input type="checkbox" name="scopes" value="user_rates"\\s+id="scope_user_rates" checked> <span>${scopeText}</span>`));
      assert.ok(hasElement(page.body, 'scope_comments'));
      assert.match(page.body, new RegExp(`<span class="hint">${escape(where)}</span>`));
      assert.match(page.body, new RegExp(`<a href="/oauth/applications/${app.application.id}">${about}</a>`));
      assert.ok(hasElement(page.body, 'authorize'));
      assert.ok(hasElement(page.body, 'deny'));
    }
  });

  it('for an out-of-band client, says a code will be shown; the code page offers a copy button', async () => {
    const page = await alice.get(authorizePath(oobApp), en);
    assert.match(page.body, /After you authorize, you will get a code to paste into the application\./);
    const answer = await alice.submit(page.body, 'form#authorize');
    assert.equal(answer.statusCode, 302);
    const codePage = await alice.get(String(answer.headers.location).replace('http://localhost:3000', ''), en);
    assert.equal(codePage.statusCode, 200);
    assertPageHeaders(codePage);
    assertNoInlineScriptOrForeignAsset(codePage.body);
    assert.match(codePage.body, /<title>OAuth authorization required<\/title>/);
    assert.match(codePage.body, /<h1>Authorization code<\/h1>/);
    assert.match(codePage.body, /<code id="authorization_code">[A-Za-z0-9_-]{43}<\/code>/);
    assert.match(codePage.body, /<button type="button" class="copy" id="copy_authorization_code" data-copy="authorization_code"/);
  });

  it('shows a request that cannot go back to the client on a 400 page, in either language', async () => {
    for (const [headers, title] of [[en, 'An error has occurred'], [ru, 'Произошла ошибка']] as const) {
      const response = await alice.get('/oauth/authorize?client_id=nope&response_type=code&redirect_uri=https%3A%2F%2Fx.example', headers);
      assert.equal(response.statusCode, 400);
      assertPageHeaders(response);
      assert.equal(response.headers.location, undefined);
      assert.match(textOf(response.body, 'main'), new RegExp(title));
      assert.match(response.body, /<div class="b-errors" role="alert">/);
    }
  });

  it('refuses Authorize and Deny without the CSRF token, issuing nothing', async () => {
    const page = await alice.get(authorizePath(app));
    for (const form of ['authorize', 'deny']) {
      const response = await submitForm(alice, page.body, form, { _csrf: null });
      assert.equal(response.statusCode, 403, form);
      assert.equal(response.headers.location, undefined);
    }
    // No code and no token exists for the application: nobody holds one.
    assert.deepEqual(await t.stores.applications.countUsers([app.application.id]), new Map());
  });
});

describe('safe by construction', () => {
  let t: TestMonban;
  let app: TestApp;
  let alice: Browser;
  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    app = await t.createApp(owner.id);
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  it('every page: no-store, a CSP without inline script and with frame-ancestors none, only its own assets', async () => {
    const id = app.application.id;
    const paths = ['/', '/oauth/applications', '/oauth/applications/new', `/oauth/applications/${id}`, `/oauth/applications/${id}/edit`, `/oauth/applications/${id}/delete`, '/users/edit'];
    for (const path of paths) {
      const response = await alice.get(path);
      assert.equal(response.statusCode, 200, path);
      assertPageHeaders(response);
      assertNoInlineScriptOrForeignAsset(response.body);
      assert.match(response.body, /<meta name="viewport" content="width=device-width, initial-scale=1">/, 'phone-width');
      assert.match(response.body, /<a class="skip" href="#main">/, 'keyboard users can skip the header');
    }
    for (const path of ['/users/sign_in', '/users/sign_up']) {
      const response = await new Browser(t.server).get(path);
      assertPageHeaders(response);
      assertNoInlineScriptOrForeignAsset(response.body);
    }
  });

  it('labels every field of every form', async () => {
    const id = app.application.id;
    for (const path of ['/oauth/applications/new', `/oauth/applications/${id}/edit`, '/users/edit']) {
      const page = (await alice.get(path)).body;
      for (const field of page.matchAll(/<(input|textarea)\b([^>]*)>/g)) {
        const attributes = field[2] ?? '';
        if (/type="hidden"|\shidden\b/.test(attributes)) continue;
        const fieldId = /\bid="([^"]+)"/.exec(attributes)?.[1];
        assert.ok(fieldId, `${path}: a field without an id: ${field[0]}`);
        assert.match(page, new RegExp(`<label[^>]*for="${fieldId}"`), `${path}: #${fieldId} has a label`);
      }
    }
  });

  it('serves its one script itself, as JavaScript', async () => {
    const response = await t.server.inject({ method: 'GET', url: '/assets/monban.js' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(response.body, /button\[data-copy\]/);
    assert.match(response.body, /navigator\.clipboard\.writeText/);
  });

  it('refuses sign-up, sign-in, sign-out and the password change without the CSRF token, changing nothing', async () => {
    const guest = new Browser(t.server);
    const signUp = await guest.get('/users/sign_up');
    const noAccount = await submitForm(guest, signUp.body, 'sign_up', { nickname: 'mallory', password: PASSWORD, _csrf: null });
    assert.equal(noAccount.statusCode, 403);
    assert.equal(await t.stores.users.findByNickname('mallory'), undefined);

    const signIn = await guest.get('/users/sign_in');
    const noSession = await submitForm(guest, signIn.body, 'sign_in', { nickname: 'alice', password: PASSWORD, _csrf: null });
    assert.equal(noSession.statusCode, 403);
    assert.equal(noSession.cookies.some((c) => c.name === SESSION_COOKIE), false);

    const settings = await alice.get('/users/edit');
    const change = { current_password: PASSWORD, password: 'hijacked password', password_confirmation: 'hijacked password', _csrf: null };
    assert.equal((await submitForm(alice, settings.body, 'change_password', change)).statusCode, 403);
    await new Browser(t.server).signIn('alice', PASSWORD);

    const signOut = await alice.post('/users/sign_out', {});
    assert.equal(signOut.statusCode, 403);
    assert.equal((await alice.get('/users/edit')).statusCode, 200, 'still signed in');
    assert.ok(csrfOf(settings.body));
  });
});
