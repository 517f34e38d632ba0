/**
 * Issue 9: a password change signs every application out (every access token, refresh token and unredeemed code of
 * the user, for every application, revoked with the new password), unless the user ticks "Keep applications signed
 * in"; the page says so before the change, and says after it how many applications were signed out. Web sessions
 * end as before either way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { SESSION_COOKIE } from '../../src/http/session.js';
import type { Browser } from '../helpers/browser.js';
import { PASSWORD, TestMonban, type TestApp } from '../helpers/monban.js';
import { formFields, submitForm, textOf } from './pages-support.js';
import { assertTokenError, INVALID_GRANT } from './token-support.js';

const en = { 'accept-language': 'en' };
const ru = { 'accept-language': 'ru' };
const NEW_PASSWORD = 'a brand new passphrase';

/** The 401 Shikimori's API sends for any token it does not accept, byte for byte (compatibility.md §5). */
const INVALID_TOKEN_BODY =
  '{"error":"invalid_token","error_description":"The access token is invalid","state":"unauthorized"}';

function assertInvalidToken(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 401, response.body);
  assert.equal(response.body, INVALID_TOKEN_BODY);
  assert.equal(
    response.headers['www-authenticate'],
    'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid", ' +
      'resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/api"',
  );
}

describe('a password change and the applications signed in to the account (issue 9)', () => {
  let t: TestMonban;
  let first: TestApp;
  let second: TestApp;
  before(async () => {
    t = await TestMonban.start();
    const developer = await t.createUser('developer');
    first = await t.createApp(developer.id, { name: 'First' });
    second = await t.createApp(developer.id, { name: 'Second' });
  });
  after(() => t.close());

  const credentials = (app: TestApp) => ({ client_id: app.clientId, client_secret: app.clientSecret });

  const refresh = (app: TestApp, refreshToken: string) =>
    t.token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...credentials(app) });

  const exchange = (app: TestApp, code: string) =>
    t.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.application.redirectUris[0] ?? '',
      ...credentials(app),
    });

  /** A user signed in to both applications (tokens for each) with a code for the first not yet redeemed. */
  async function signedInEverywhere(nickname: string) {
    await t.createUser(nickname);
    const browser = await t.browserFor(nickname);
    const tokens = await t.tokensFor(browser, first);
    const secondTokens = await t.tokensFor(browser, second);
    const code = await t.authorize(browser, first);
    return { browser, tokens, secondTokens, code };
  }

  /** Changes the password on the settings page, with the box ticked or not; returns the answer to the POST. */
  async function changePassword(browser: Browser, keepApplications: boolean, headers = en) {
    const page = await browser.get('/users/edit', headers);
    const typed = { current_password: PASSWORD, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD };
    const fields = keepApplications ? { ...typed, keep_applications: '1' } : typed;
    return submitForm(browser, page.body, 'change_password', fields);
  }

  it('offers the box unticked, and says beside it what happens without it (English and Russian)', async () => {
    await t.createUser('nagi');
    const browser = await t.browserFor('nagi');
    const page = await browser.get('/users/edit', en);
    assert.equal(page.statusCode, 200);
    const box = /<input type="checkbox" id="keep_applications"[^>]*>/.exec(page.body)?.[0] ?? '';
    assert.match(box, /name="keep_applications" value="1"/);
    assert.match(box, /aria-describedby="keep_applications_hint"/);
    assert.doesNotMatch(box, /checked/);
    assert.ok(!formFields(page.body, 'change_password').fields.some(([name]) => name === 'keep_applications'));
    assert.match(page.body, /<label for="keep_applications">[\s\S]*?Keep applications signed in<\/label>/);
    assert.equal(
      textOf(page.body, 'keep_applications_hint'),
      'Changing the password signs every application out of your account, unless you tick this box.',
    );
    const russian = await browser.get('/users/edit', ru);
    assert.match(russian.body, /<label for="keep_applications">[\s\S]*?Не выходить из приложений<\/label>/);
    assert.equal(
      textOf(russian.body, 'keep_applications_hint'),
      'Смена пароля выполняет выход из аккаунта во всех приложениях, если не отметить этот пункт.',
    );
  });

  it('unticked: every token and code of the user dies, in every application, and the page counts them', async () => {
    const { browser, tokens, secondTokens, code } = await signedInEverywhere('kana');
    const bystander = await signedInEverywhere('rin');
    const machine = await t.token({ grant_type: 'client_credentials', ...credentials(first) });
    const elsewhere = await t.browserFor('kana');
    const oldSession = browser.cookies.get(SESSION_COOKIE);

    const response = await changePassword(browser, false);
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/users/edit?notice=password_changed&applications=2');
    const done = await browser.get(response.headers.location, en);
    assert.equal(done.statusCode, 200);
    assert.match(
      done.body,
      /Your password has been changed, and every other session has been signed out\. Applications signed out: 2\./,
    );

    assertInvalidToken(await t.whoami(tokens.access_token));
    assertInvalidToken(await t.whoami(secondTokens.access_token));
    assertTokenError(await refresh(first, tokens.refresh_token), 400, INVALID_GRANT);
    assertTokenError(await refresh(second, secondTokens.refresh_token), 400, INVALID_GRANT);
    assertTokenError(await exchange(first, code), 400, INVALID_GRANT);

    // Web sessions as before: this browser stays signed in with a new session id, every other one is signed out.
    assert.notEqual(browser.cookies.get(SESSION_COOKIE), oldSession);
    assert.equal((await browser.get('/users/edit')).statusCode, 200);
    assert.equal((await elsewhere.get('/users/edit')).statusCode, 302);
    // Another user's tokens and code, and the application's own token, are not the user's.
    assert.equal((await t.whoami(bystander.tokens.access_token)).statusCode, 200);
    assert.equal((await refresh(second, bystander.secondTokens.refresh_token)).statusCode, 200);
    assert.equal((await exchange(first, bystander.code)).statusCode, 200);
    assert.equal((await t.whoami((machine.json() as { access_token: string }).access_token)).statusCode, 404);
    // The applications can ask again, and get new tokens that work.
    const again = await t.tokensFor(browser, first);
    assert.equal((await t.whoami(again.access_token)).statusCode, 200);
  });

  it('with the box ticked: the tokens, refresh tokens and code keep working', async () => {
    const { browser, tokens, secondTokens, code } = await signedInEverywhere('mika');
    const elsewhere = await t.browserFor('mika');
    const oldSession = browser.cookies.get(SESSION_COOKIE);

    const response = await changePassword(browser, true);
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/users/edit?notice=password_changed&applications=kept');
    const done = await browser.get(response.headers.location, en);
    assert.match(
      done.body,
      /Your password has been changed, and every other session has been signed out\. Applications stay signed in\./,
    );

    assert.equal((await t.whoami(tokens.access_token)).statusCode, 200);
    assert.equal((await t.whoami(secondTokens.access_token)).statusCode, 200);
    assert.equal((await refresh(first, tokens.refresh_token)).statusCode, 200);
    assert.equal((await refresh(second, secondTokens.refresh_token)).statusCode, 200);
    assert.equal((await exchange(first, code)).statusCode, 200);

    assert.notEqual(browser.cookies.get(SESSION_COOKIE), oldSession);
    assert.equal((await browser.get('/users/edit')).statusCode, 200);
    assert.equal((await elsewhere.get('/users/edit')).statusCode, 302);
  });

  it('says nothing of applications when none was signed in, and keeps the box ticked on a refused form', async () => {
    await t.createUser('sora');
    const browser = await t.browserFor('sora');
    const page = await browser.get('/users/edit', en);
    const mismatched = {
      current_password: PASSWORD,
      password: NEW_PASSWORD,
      password_confirmation: 'another one',
      keep_applications: '1',
    };
    const refused = await submitForm(browser, page.body, 'change_password', mismatched, en);
    assert.equal(refused.statusCode, 422);
    assert.match(/<input type="checkbox" id="keep_applications"[^>]*>/.exec(refused.body)?.[0] ?? '', /\schecked/);

    const response = await changePassword(browser, false);
    assert.equal(response.headers.location, '/users/edit?notice=password_changed');
  });

  it('tells in Russian how many applications were signed out', async () => {
    const { browser } = await signedInEverywhere('yuki');
    const response = await changePassword(browser, false, ru);
    assert.equal(response.headers.location, '/users/edit?notice=password_changed&applications=2');
    const done = await browser.get(response.headers.location, ru);
    assert.match(done.body, /Пароль изменён, все остальные сеансы завершены\. Выход выполнен в приложениях: 2\./);
    const kept = await browser.get('/users/edit?notice=password_changed&applications=kept', ru);
    assert.match(kept.body, /Пароль изменён, все остальные сеансы завершены\. Вход в приложения сохранён\./);
    // Anything else in the link is left out, not shown.
    const odd = await browser.get('/users/edit?notice=password_changed&applications=%3Cb%3E', ru);
    assert.match(odd.body, /Пароль изменён, все остальные сеансы завершены\.<\/p>/);
  });
});
