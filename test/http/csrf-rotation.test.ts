/**
 * Issue 9: "the CSRF secret is not rotated at sign-in". Signing in, signing up and signing out forget the CSRF
 * secret (http/session.ts), so that a token handed out before is refused after; the next page brings a new one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../src/http/session.js';
import { Browser } from '../helpers/browser.js';
import { PASSWORD, TestMonban } from '../helpers/monban.js';
import { submitForm } from './pages-support.js';

const en = { 'accept-language': 'en' };

function csrfOf(page: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  assert.ok(token, 'no CSRF token in the page');
  return token;
}

function signOut(browser: Browser, token: string): Promise<LightMyRequestResponse> {
  return browser.post('/users/sign_out', { _csrf: token }, en);
}

/** The answer forgets the CSRF secret: its cookie is cleared, with the attributes it was set with. */
function assertCsrfSecretCleared(response: LightMyRequestResponse): void {
  const cleared = response.cookies.find((c) => c.name === CSRF_COOKIE);
  assert.ok(cleared, 'the CSRF cookie is cleared');
  assert.equal(cleared.value, '');
  assert.equal(cleared.path, '/');
  assert.equal(cleared.httpOnly, true);
  assert.equal(cleared.sameSite, 'Lax');
}

function assertRefused(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 403);
  assert.match(response.body, /<h1>/);
}

describe('the CSRF secret is rotated at sign-in, sign-up and sign-out (issue 9)', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
    await t.createUser('alice');
  });
  after(() => t.close());

  it('refuses, after signing in, a token from the sign-in page; the next page brings one that works', async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in', en);
    const before = csrfOf(page.body);
    const secretBefore = browser.cookies.get(CSRF_COOKIE);
    const signedIn = await submitForm(browser, page.body, 'sign_in', { nickname: 'alice', password: PASSWORD }, en);
    assert.equal(signedIn.statusCode, 303);
    assertCsrfSecretCleared(signedIn);

    const settings = await browser.get('/users/edit', en);
    assert.equal(settings.statusCode, 200);
    assert.notEqual(browser.cookies.get(CSRF_COOKIE), secretBefore, 'a new secret');
    assertRefused(await signOut(browser, before));
    assert.ok(browser.cookies.get(SESSION_COOKIE), 'still signed in');

    const signedOut = await signOut(browser, csrfOf(settings.body));
    assert.equal(signedOut.statusCode, 303);
    assert.equal(browser.cookies.has(SESSION_COOKIE), false);
  });

  it('refuses a token kept with its secret from before signing in (planted by someone else, say)', async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in', en);
    const before = csrfOf(page.body);
    const plantedSecret = browser.cookies.get(CSRF_COOKIE) ?? '';
    await browser.signIn('alice', PASSWORD);
    await browser.get('/users/edit', en);
    // Whoever planted the secret knows it and the token, but the browser now holds another.
    assertRefused(await signOut(browser, before));
    assert.notEqual(browser.cookies.get(CSRF_COOKIE), plantedSecret);
  });

  it('refuses, after signing up, a token from the sign-up page', async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_up', en);
    const before = csrfOf(page.body);
    const signedUp = await submitForm(browser, page.body, 'sign_up', { nickname: 'newbie', password: PASSWORD }, en);
    assert.equal(signedUp.statusCode, 303);
    assertCsrfSecretCleared(signedUp);
    const settings = await browser.get('/users/edit', en);
    assertRefused(await signOut(browser, before));
    assert.equal((await signOut(browser, csrfOf(settings.body))).statusCode, 303);
  });

  it('refuses, after signing out, a token from a page seen while signed in', async () => {
    const browser = await t.browserFor('alice');
    const settings = await browser.get('/users/edit', en);
    const whileSignedIn = csrfOf(settings.body);
    const signedOut = await signOut(browser, whileSignedIn);
    assert.equal(signedOut.statusCode, 303);
    assertCsrfSecretCleared(signedOut);

    const page = await browser.get('/users/sign_in', en);
    const typed = { nickname: 'alice', password: PASSWORD };
    const stale = await submitForm(browser, page.body, 'sign_in', { ...typed, _csrf: whileSignedIn });
    assertRefused(stale);
    assert.equal(browser.cookies.has(SESSION_COOKIE), false, 'not signed in');
    assert.equal((await submitForm(browser, page.body, 'sign_in', typed)).statusCode, 303);
  });
});
