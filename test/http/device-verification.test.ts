/**
 * The device verification page and its consent (RFC 8628 §3.3, §5.1, §5.4; security.md #96): sign-in first with
 * the code kept, the form (CSRF, same origin), wrong codes and their throttling, the same consent page as a
 * browser's request, Authorize and Deny answering the device, and both languages.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { UNKNOWN_REQUEST } from '../../src/core/authorization/flow.js';
import { DEVICE_CODE_GONE } from '../../src/core/device/decision.js';
import type { MonbanEvent } from '../../src/core/events.js';
import { secretHash } from '../../src/core/secrets.js';
import { redactUrl } from '../../src/http/log-redaction.js';
import { Browser, findForm } from '../helpers/browser.js';
import { PASSWORD, PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';
import { assertErrorPage, authorizePathFor, scopeCheckboxes } from './authorize-support.js';
import { answer, consentFor, followToConsent, newDeviceCode, poll } from './device-support.js';
import { assertPageHeaders, textOf } from './pages-support.js';
import { pendingRequestOf } from './authorize-support.js';

const en = { 'accept-language': 'en' };
const ru = { 'accept-language': 'ru' };

/** What the device's code status is, as stored. */
async function statusOf(t: TestMonban, deviceCode: string): Promise<string | undefined> {
  return (await t.stores.deviceCodes.findByHash(secretHash(deviceCode)))?.status;
}

async function pendingRequests(t: TestMonban): Promise<number> {
  const row = await t.monban.database.db
    .selectFrom('authorization_requests')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function assertWrongCode(response: LightMyRequestResponse, typed: string): void {
  assert.equal(response.statusCode, 422, response.body.slice(0, 300));
  assertPageHeaders(response);
  const wrong = 'This code is wrong or has expired. Check the code on your device and try again.';
  assert.ok(response.body.includes(`<p class="notice error" role="alert">${wrong}</p>`), response.body);
  assert.equal(new Map(findForm(response.body, 'form#device').fields).get('user_code'), typed);
}

describe('GET and POST /oauth/device: the verification page (RFC 8628 §3.3)', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;

  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    await t.createUser('bob');
    app = await t.createApp(owner.id, { name: 'Anime TV', descriptionEn: 'Watch on the big screen.' });
    alice = await t.browserFor('alice');
    // Every page in English, forms included (the language switch's cookie).
    alice.cookies.set('locale', 'en');
  });
  after(() => t.close());

  it('signed out: sign in first, then back with the code filled in (verification_uri_complete)', async () => {
    const { user_code } = await newDeviceCode(t, app);
    const browser = new Browser(t.server);
    browser.cookies.set('locale', 'en');
    const path = `/oauth/device?user_code=${user_code}`;
    const first = await browser.get(path, en);
    assert.equal(first.statusCode, 302);
    assert.equal(first.headers['cache-control'], 'no-store');
    assert.equal(first.headers.location, `/users/sign_in?return_to=${encodeURIComponent(path)}`);

    const signInPage = await browser.get(String(first.headers.location), en);
    const signedIn = await browser.submit(signInPage.body, 'form#sign_in', { nickname: 'alice', password: PASSWORD });
    assert.equal(signedIn.statusCode, 303);
    assert.equal(signedIn.headers.location, path);

    const page = await browser.get(path, en);
    assert.equal(page.statusCode, 200);
    assertPageHeaders(page);
    assert.match(page.body, /<title>Sign in on a device<\/title>/);
    assert.match(page.body, /<h1>Sign in on a device<\/h1>/);
    assert.match(page.body, /<p>Check that this is the code your device shows, then continue\.<\/p>/);
    const form = findForm(page.body, 'form#device');
    assert.equal(form.action, '/oauth/device');
    assert.deepEqual(
      form.fields.map(([name]) => name),
      ['_csrf', 'user_code'],
    );
    assert.equal(new Map(form.fields).get('user_code'), user_code);
  });

  it('without a code: an empty field and what to type', async () => {
    const page = await alice.get('/oauth/device', en);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<p>Enter the code your TV, console or command-line tool shows\.<\/p>/);
    assert.equal(new Map(findForm(page.body, 'form#device').fields).get('user_code'), '');
  });

  it('Continue shows the same consent page as a browser’s request, saying it is for a device', async () => {
    const { user_code } = await newDeviceCode(t, app, { scope: 'user_rates comments' });
    const page = await alice.get(`/oauth/device?user_code=${user_code}`, en);
    const consent = await followToConsent(alice, await alice.submit(page.body, 'form#device'), en);
    assert.equal(consent.statusCode, 200);
    assertPageHeaders(consent);
    assert.match(consent.body, /<title>OAuth authorization required<\/title>/);
    assert.match(consent.body, /<h1>Authorization required<\/h1>/);
    assert.match(consent.body, /<h2>Authorize @alice to use your account\?<\/h2>/);
    assert.match(consent.body, /<p class="application-name" id="application_name">Anime TV<\/p>/);
    assert.match(consent.body, /Watch on the big screen\./);
    assert.deepEqual(scopeCheckboxes(consent.body), [
      { scope: 'user_rates', checked: true },
      { scope: 'comments', checked: true },
    ]);
    assert.equal(
      textOf(consent.body, 'return_to'),
      'You are signing in a device. Authorize only a device you started signing in on yourself; ' +
        'after you answer, return to it.',
    );
    assert.doesNotMatch(consent.body, /you will be sent back to/);
    // Both forms answer where a browser's consent answers, carrying only the kept request's id.
    for (const id of ['form#authorize', 'form#deny']) {
      assert.equal(findForm(consent.body, id).action, '/oauth/authorize');
    }
    const requestId = new Map(findForm(consent.body, 'form#authorize').fields).get('request_id') ?? '';
    const kept = await t.monban.database.db
      .selectFrom('authorization_requests')
      .selectAll()
      .where('id_hash', '=', secretHash(requestId))
      .executeTakeFirstOrThrow();
    assert.equal(kept.redirect_uri, '');
    assert.equal(kept.state, null);
    assert.equal(kept.scopes, 'user_rates comments');
    assert.notEqual(kept.device_code_id, null);
  });

  it('takes the code in any case, with or without the dash and spaces', async () => {
    const spellings = [
      (code: string) => code.toLowerCase(),
      (code: string) => code.replace('-', ''),
      (code: string) => ` ${code.replace('-', ' ')} `,
    ];
    for (const typed of spellings) {
      const { user_code } = await newDeviceCode(t, app);
      const page = await alice.get('/oauth/device', en);
      const continued = await alice.submit(page.body, 'form#device', { user_code: typed(user_code) });
      const consent = await followToConsent(alice, continued, en);
      assert.equal(consent.statusCode, 200, typed(user_code));
      assert.match(consent.body, /id="authorize"/);
    }
  });

  it('a wrong, expired or already answered code: 422 and the form again, with what was typed', async () => {
    const page = await alice.get('/oauth/device', en);
    for (const typed of ['BCDF-GHJK', 'not a code', '<b>x</b>']) {
      const response = await alice.submit(page.body, 'form#device', { user_code: typed });
      assertWrongCode(response, typed);
    }
    const expired = await newDeviceCode(t, app);
    t.clock.advance(600);
    assertWrongCode(await alice.submit(page.body, 'form#device', { user_code: expired.user_code }), expired.user_code);
    const answered = await newDeviceCode(t, app);
    assert.equal((await answer(alice, answered.user_code, false)).statusCode, 302);
    const again = await alice.submit(page.body, 'form#device', { user_code: answered.user_code });
    assertWrongCode(again, answered.user_code);
  });

  it('CSRF: refused without the token, with another browser’s, or from another origin; nothing kept', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const page = (await alice.get(`/oauth/device?user_code=${user_code}`)).body;
    const before = await pendingRequests(t);
    const other = new Browser(t.server);
    const otherToken = new Map(findForm((await other.get('/users/sign_in')).body, 'form').fields).get('_csrf') ?? '';
    const form = findForm(page, 'form#device');
    const refused = [
      await alice.submit(page, 'form#device', { _csrf: null }),
      await alice.submit(page, 'form#device', { _csrf: otherToken }),
      await alice.post(form.action, form.fields, { origin: 'https://evil.example' }),
      await alice.post(form.action, form.fields, { 'sec-fetch-site': 'cross-site' }),
    ];
    for (const response of refused) {
      assert.equal(response.statusCode, 403);
      assert.doesNotMatch(response.body, /id="authorize"/);
    }
    assert.equal(await pendingRequests(t), before);
    assert.equal((await alice.post(form.action, form.fields, { 'sec-fetch-site': 'same-origin' })).statusCode, 303);
    assert.equal(await statusOf(t, device_code), 'pending');
  });

  it('signed out, the form sends to sign in and keeps nothing', async () => {
    const { user_code } = await newDeviceCode(t, app);
    const page = (await alice.get(`/oauth/device?user_code=${user_code}`)).body;
    const stranger = new Browser(t.server);
    for (const [name, value] of alice.cookies) if (name !== '_monban_session') stranger.cookies.set(name, value);
    const before = await pendingRequests(t);
    const response = await stranger.submit(page, 'form#device');
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, `/users/sign_in?return_to=${encodeURIComponent('/oauth/device')}`);
    assert.equal(await pendingRequests(t), before);
  });

  it('Authorize approves the device code and sends to "You may now return to your device"', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const events: MonbanEvent[] = [];
    const stop = t.monban.ctx.events.on('authorization.granted', (event) => events.push(event));
    try {
      const response = await answer(alice, user_code, true);
      assert.equal(response.statusCode, 302);
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.equal(response.headers.location, `${PUBLIC_URL}/oauth/device/approved`);
      assert.equal(await statusOf(t, device_code), 'approved');
      const me = (await t.stores.users.findByNickname('alice'))?.user.id;
      assert.deepEqual(events, [
        {
          type: 'authorization.granted',
          applicationId: app.application.id,
          userId: me,
          scopes: ['user_rates', 'comments', 'topics'],
          prior: false,
        },
      ]);
    } finally {
      stop();
    }
    const done = await alice.get('/oauth/device/approved', en);
    assert.equal(done.statusCode, 200);
    assertPageHeaders(done);
    assert.match(done.body, /<h1>Device authorized<\/h1>/);
    assert.equal(textOf(done.body, 'device_return'), 'You may now return to your device.');
  });

  it('Deny denies the device code and sends to the same message', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const events: MonbanEvent[] = [];
    const stop = t.monban.ctx.events.on('authorization.denied', (event) => events.push(event));
    try {
      const response = await answer(alice, user_code, false);
      assert.equal(response.statusCode, 302);
      assert.equal(response.headers.location, `${PUBLIC_URL}/oauth/device/denied`);
    } finally {
      stop();
    }
    assert.equal(await statusOf(t, device_code), 'denied');
    assert.deepEqual(events.map((e) => e.type), ['authorization.denied']);
    const done = await alice.get('/oauth/device/denied', en);
    assert.match(done.body, /<h1>Access denied<\/h1>/);
    assert.equal(textOf(done.body, 'device_return'), 'You may now return to your device.');
  });

  it('is answered once, by the session that asked; a second answer or another user’s changes nothing', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const consent = await consentFor(alice, user_code);
    const bob = await t.browserFor('bob');
    const bobToken = new Map(findForm((await bob.get('/oauth/device')).body, 'form#device').fields).get('_csrf') ?? '';
    assertErrorPage(
      await bob.submit(consent.body, 'form#authorize', { _csrf: bobToken }),
      'invalid_request',
      UNKNOWN_REQUEST,
    );
    assert.equal(await statusOf(t, device_code), 'pending');
    assert.equal((await alice.submit(consent.body, 'form#deny')).statusCode, 302);
    assertErrorPage(await alice.submit(consent.body, 'form#authorize'), 'invalid_request', UNKNOWN_REQUEST);
    assert.equal(await statusOf(t, device_code), 'denied');
  });

  it('two users who typed the same code: the first answer is the device’s, the second changes nothing', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const bob = await t.browserFor('bob');
    bob.cookies.set('locale', 'en');
    const alicesPage = await consentFor(alice, user_code);
    const bobsPage = await consentFor(bob, user_code);
    assert.equal((await bob.submit(bobsPage.body, 'form#deny')).statusCode, 302);
    assertErrorPage(await alice.submit(alicesPage.body, 'form#authorize'), 'invalid_request', DEVICE_CODE_GONE);
    // The refusal changed nothing: alice's request is still undecided (and still refused, the code being gone).
    const alicesRequest = await pendingRequestOf(t, alicesPage.body);
    assert.equal(alicesRequest.decided, false);
    assertErrorPage(await alice.submit(alicesPage.body, 'form#deny'), 'invalid_request', DEVICE_CODE_GONE);
    const stored = await t.stores.deviceCodes.findByHash(secretHash(device_code));
    const bobsId = (await t.stores.users.findByNickname('bob'))?.user.id;
    assert.deepEqual([stored?.status, stored?.userId], ['denied', bobsId]);
  });

  it('unticking every scope keeps the request open, on the device variant of the page', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const consent = await consentFor(alice, user_code);
    const again = await alice.submit(consent.body, 'form#authorize', { scopes: null });
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /Choose at least one permission, or deny the request\./);
    assert.match(again.body, /You are signing in a device\./);
    assert.equal(await statusOf(t, device_code), 'pending');
    assert.equal((await alice.submit(again.body, 'form#authorize', { scopes: 'comments' })).statusCode, 302);
  });

  it('a consent page left open past the device code’s life answers nothing', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const consent = await consentFor(alice, user_code);
    t.clock.advance(600);
    assertErrorPage(await alice.submit(consent.body, 'form#authorize'), 'invalid_request', UNKNOWN_REQUEST);
    assert.equal(await statusOf(t, device_code), 'pending');
    assert.equal((await poll(t, app, device_code)).json().error, 'expired_token');
  });

  it('keeps user codes and device codes out of logs', () => {
    assert.equal(redactUrl('/oauth/device?user_code=BCDF-GHJK'), '/oauth/device?user_code=[REDACTED]');
    assert.equal(
      redactUrl(`/users/sign_in?return_to=${encodeURIComponent('/oauth/device?user_code=BCDF-GHJK')}`),
      `/users/sign_in?return_to=${encodeURIComponent('/oauth/device?user_code=[REDACTED]')}`,
    );
    assert.equal(redactUrl('/oauth/token?device_code=abc'), '/oauth/token?device_code=[REDACTED]');
  });
});

const GONE =
  'This request is unknown, has expired or has already been answered. Enter the code your device shows again.';

/** The consent page of a request not (or no longer) this session's to answer: 404, and the form to start again. */
function assertRequestGone(response: LightMyRequestResponse, where: string): void {
  assert.equal(response.statusCode, 404, `${where}: ${response.body.slice(0, 300)}`);
  assertPageHeaders(response);
  assert.ok(response.body.includes(`<p class="notice error" role="alert">${GONE}</p>`), where);
  assert.match(response.body, /<h1>Sign in on a device<\/h1>/, where);
  assert.doesNotMatch(response.body, /id="authorize"|name="request_id"/, where);
  assert.equal(new Map(findForm(response.body, 'form#device').fields).get('user_code'), '', where);
}

describe('GET /oauth/device/consent: Continue answers with a redirect to the consent page (post/redirect/get)', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;

  beforeEach(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    await t.createUser('bob');
    app = await t.createApp(owner.id, { name: 'Anime TV' });
    alice = await t.browserFor('alice');
    alice.cookies.set('locale', 'en');
  });
  afterEach(() => t.close());

  /** Continue with a right code; the consent page's address and its request's id. */
  async function continueWith(userCode: string): Promise<{ location: string; requestId: string }> {
    const page = await alice.get(`/oauth/device?user_code=${userCode}`, en);
    const continued = await alice.submit(page.body, 'form#device');
    const consent = await followToConsent(alice, continued, en);
    const requestId = new Map(findForm(consent.body, 'form#authorize').fields).get('request_id') ?? '';
    return { location: String(continued.headers.location), requestId };
  }

  function requestIdOf(response: LightMyRequestResponse): string | undefined {
    assert.equal(response.statusCode, 200, response.body.slice(0, 300));
    return new Map(findForm(response.body, 'form#authorize').fields).get('request_id');
  }

  it('Continue keeps one request and answers 303 to its consent page; reloads show it and keep no other', async () => {
    const { user_code } = await newDeviceCode(t, app, { scope: 'user_rates comments' });
    const page = await alice.get(`/oauth/device?user_code=${user_code}`, en);
    const continued = await alice.submit(page.body, 'form#device');
    assert.equal(await pendingRequests(t), 1);
    const consent = await followToConsent(alice, continued, en);
    assertPageHeaders(consent);
    assert.match(consent.body, /<h1>Authorization required<\/h1>/);
    assert.match(consent.body, /You are signing in a device\./);
    const requestId = requestIdOf(consent);
    const location = String(continued.headers.location);
    assert.equal(location, `/oauth/device/consent?request_id=${requestId}`);
    const kept = await pendingRequestOf(t, consent.body);
    assert.deepEqual(kept, { redirectUri: '', scope: 'user_rates comments', state: null, decided: false });

    for (let reload = 0; reload < 3; reload++) assert.equal(requestIdOf(await alice.get(location, en)), requestId);
    assert.equal((await alice.request({ method: 'HEAD', url: location })).statusCode, 200);
    // The language switch comes back to the same request, in the other language.
    const back = encodeURIComponent(location);
    assert.ok(consent.body.includes(`href="/locale?to=ru&amp;return_to=${back}"`));
    const switched = await alice.get(`/locale?to=ru&return_to=${back}`);
    assert.equal(switched.headers.location, location);
    const russian = await alice.get(location);
    assert.match(russian.body, /<h1>Разреши доступ<\/h1>/);
    assert.equal(requestIdOf(russian), requestId);
    assert.equal(await pendingRequests(t), 1);
  });

  it('Authorize on a reloaded consent page completes the device grant; a reload after it shows nothing', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const { location, requestId } = await continueWith(user_code);
    const reloaded = await alice.get(location, en);
    assert.equal(requestIdOf(reloaded), requestId);
    const approved = await alice.submit(reloaded.body, 'form#authorize');
    assert.equal(approved.statusCode, 302);
    assert.equal(approved.headers.location, `${PUBLIC_URL}/oauth/device/approved`);
    assert.equal(await statusOf(t, device_code), 'approved');
    const tokens = await poll(t, app, device_code);
    assert.equal(tokens.statusCode, 200, tokens.body);
    assert.equal(tokens.json().token_type, 'Bearer');
    assert.equal(typeof tokens.json().access_token, 'string');

    assertRequestGone(await alice.get(location, en), 'after the answer');
    assert.equal(await pendingRequests(t), 1);
  });

  it('refuses another user’s request, another session’s, a browser’s, unknown, missing, repeated ids', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const { location, requestId } = await continueWith(user_code);
    const bob = await t.browserFor('bob');
    const aliceElsewhere = await t.browserFor('alice');
    const browsersConsent = await alice.get(authorizePathFor(app), en);
    const browsersId = requestIdOf(browsersConsent) ?? '';
    const before = await pendingRequests(t);
    const refused: Array<[string, Browser, string]> = [
      ['another user', bob, location],
      ['another session of the same user', aliceElsewhere, location],
      ['a browser’s request', alice, `/oauth/device/consent?request_id=${browsersId}`],
      ['an unknown id', alice, `/oauth/device/consent?request_id=${'x'.repeat(43)}`],
      ['no id', alice, '/oauth/device/consent'],
      ['an empty id', alice, '/oauth/device/consent?request_id='],
      ['a repeated id', alice, `${location}&request_id=${requestId}`],
      ['a bracketed id', alice, `/oauth/device/consent?request_id[]=${requestId}`],
    ];
    for (const [where, browser, path] of refused) {
      const response = await browser.get(path, en);
      assertRequestGone(response, where);
      assert.ok(!response.body.includes(requestId), `${where}: the id is not on the page`);
    }
    assert.equal(await pendingRequests(t), before);
    assert.equal(await statusOf(t, device_code), 'pending');
    assert.equal(requestIdOf(await alice.get(location, en)), requestId, 'still alice’s, in her session');
  });

  it('an expired request: past its device code’s life', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    const { location, requestId } = await continueWith(user_code);
    t.clock.advance(599);
    assert.equal(requestIdOf(await alice.get(location, en)), requestId);
    t.clock.advance(1);
    assertRequestGone(await alice.get(location, en), 'expired');
    assert.equal(await statusOf(t, device_code), 'pending');
  });

  it('signed out: to sign in, then to the verification page (the request was the old session’s)', async () => {
    const { user_code } = await newDeviceCode(t, app);
    const { location } = await continueWith(user_code);
    const stranger = new Browser(t.server);
    for (const [name, value] of alice.cookies) if (name !== '_monban_session') stranger.cookies.set(name, value);
    const response = await stranger.get(location, en);
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers.location, `/users/sign_in?return_to=${encodeURIComponent('/oauth/device')}`);
  });

  it('keeps the request id out of logs', () => {
    assert.equal(redactUrl('/oauth/device/consent?request_id=abc'), '/oauth/device/consent?request_id=[REDACTED]');
    assert.equal(
      redactUrl(`/locale?to=ru&return_to=${encodeURIComponent('/oauth/device/consent?request_id=abc')}`),
      `/locale?to=ru&return_to=${encodeURIComponent('/oauth/device/consent?request_id=[REDACTED]')}`,
    );
  });
});

describe('wrong user codes are throttled per address and per code (RFC 8628 §5.1)', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  let page: string;

  beforeEach(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    app = await t.createApp(owner.id);
    alice = await t.browserFor('alice');
    alice.cookies.set('locale', 'en');
    page = (await alice.get('/oauth/device', en)).body;
  });
  afterEach(() => t.close());

  function submit(userCode: string, address: string, headers = en): Promise<LightMyRequestResponse> {
    const form = findForm(page, 'form#device');
    const fields = [...form.fields.filter(([name]) => name !== 'user_code'), ['user_code', userCode]];
    return alice.request({
      method: 'POST',
      url: form.action,
      remoteAddress: address,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  function assertThrottled(response: LightMyRequestResponse): void {
    assert.equal(response.statusCode, 429);
    assertPageHeaders(response);
    assert.equal(response.headers['retry-after'], '900');
    assert.match(response.body, /<p class="notice error" role="alert">Too many wrong codes\. Try again later\.<\/p>/);
    assert.doesNotMatch(response.body, /id="authorize"/);
  }

  it('after 10 wrong codes from one address, even the right code is refused from it, and only from it', async () => {
    const { user_code, device_code } = await newDeviceCode(t, app);
    for (let i = 0; i < 10; i++) {
      assert.equal((await submit(`BCDF-GHJ${'KLMNPQRSTV'[i]}`, '203.0.113.1')).statusCode, 422, `attempt ${i + 1}`);
    }
    assertThrottled(await submit(user_code, '203.0.113.1'));
    assert.equal(await statusOf(t, device_code), 'pending');
    assert.equal((await submit(user_code, '203.0.113.2')).statusCode, 303, 'another address is not affected');

    t.clock.advance(15 * 60);
    const next = await newDeviceCode(t, app);
    assert.equal((await submit(next.user_code, '203.0.113.1')).statusCode, 303, 'the limit is not permanent');
  });

  it('after 10 tries of one wrong code, from any addresses, that code is refused everywhere', async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal((await submit('BCDF-GHJK', `198.51.100.${i}`)).statusCode, 422, `attempt ${i + 1}`);
    }
    assertThrottled(await submit('bcdfghjk', '192.0.2.1'));
    const { user_code } = await newDeviceCode(t, app);
    assert.equal((await submit(user_code, '192.0.2.1')).statusCode, 303, 'other codes are not affected');
  });

  it('a right code gives its places back', async () => {
    for (let i = 0; i < 9; i++) await submit(`BCDF-GHJ${'KLMNPQRST'[i]}`, '203.0.113.9');
    const { user_code } = await newDeviceCode(t, app);
    assert.equal((await submit(user_code, '203.0.113.9')).statusCode, 303);
    assert.equal((await submit('BCDF-GHJV', '203.0.113.9')).statusCode, 422);
    assertThrottled(await submit('BCDF-GHJW', '203.0.113.9'));
  });

  it('says so in Russian too', async () => {
    alice.cookies.delete('locale');
    for (let i = 0; i < 10; i++) await submit('BCDF-GHJK', '203.0.113.3', ru);
    const refused = await submit('BCDF-GHJK', '203.0.113.3', ru);
    assert.equal(refused.statusCode, 429);
    assert.match(refused.body, /Слишком много неверных кодов\. Попробуй позже\./);
  });
});

describe('the device pages in Russian', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;

  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    app = await t.createApp(owner.id);
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  it('the verification page, a wrong code, the consent page and the page after it', async () => {
    const page = await alice.get('/oauth/device', ru);
    assert.match(page.body, /<html lang="ru">/);
    assert.match(page.body, /<h1>Вход на устройстве<\/h1>/);
    assert.match(page.body, /<p>Введи код, который показывает телевизор, приставка или программа в терминале\.<\/p>/);
    assert.match(page.body, /<label for="user_code">Код<\/label>/);
    const wrong = await alice.submit(page.body, 'form#device', { user_code: 'BCDF-GHJK' });
    assert.match(wrong.body, /Код неверный или устарел\. Проверь код на устройстве и попробуй снова\./);

    const { user_code } = await newDeviceCode(t, app);
    const prefilled = await alice.get(`/oauth/device?user_code=${user_code}`, ru);
    assert.match(prefilled.body, /<p>Проверь, что устройство показывает именно этот код, и продолжай\.<\/p>/);
    const consent = await followToConsent(alice, await alice.submit(prefilled.body, 'form#device'), ru);
    assert.match(consent.body, /<h1>Разреши доступ<\/h1>/);
    const hint =
      'Ты входишь на устройстве. Разрешай доступ, только если сам начал вход на этом устройстве; после ответа вернись к нему.';
    assert.ok(consent.body.includes(hint));
    const approved = await alice.submit(consent.body, 'form#authorize');
    assert.equal(approved.statusCode, 302);
    const done = await alice.get(String(approved.headers.location).slice(PUBLIC_URL.length), ru);
    assert.match(done.body, /<h1>Устройство подключено<\/h1>/);
    assert.equal(textOf(done.body, 'device_return'), 'Можно вернуться к устройству.');
    const denied = await alice.get('/oauth/device/denied', ru);
    assert.match(denied.body, /<h1>Доступ запрещён<\/h1>/);
    const gone = await alice.get(`/oauth/device/consent?request_id=${'x'.repeat(43)}`, ru);
    assert.equal(gone.statusCode, 404);
    const goneText =
      'Запрос неизвестен, устарел или на него уже ответили. Введи код, который показывает устройство, ещё раз.';
    assert.ok(gone.body.includes(`<p class="notice error" role="alert">${goneText}</p>`), gone.body);
  });
});
