/**
 * Authorization requests kept on the server: GET /oauth/authorize validates the request once and keeps it under an
 * opaque id bound to the browser session; the consent form carries only that id. A decision for an id that is
 * unknown, expired, already decided or another session's issues nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { UNKNOWN_REQUEST } from '../../src/core/authorization/flow.js';
import { escapeHtml } from '../../src/http/pages/html.js';
import { Browser, findForm } from '../helpers/browser.js';
import { PASSWORD, TestMonban, type TestApp } from '../helpers/monban.js';
import { authorizePathFor, codeOf, grantCount, pendingRequestOf, redeemedScope } from './authorize-support.js';

describe('authorization requests kept on the server', () => {
  let t: TestMonban;
  let alice: Browser;
  let aliceId: number;

  before(async () => {
    t = await TestMonban.start();
    aliceId = (await t.createUser('alice')).id;
    await t.createUser('bob');
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  /** An application of its own per test, so that no test sees another's prior consent. */
  const newApp = () => t.createApp(aliceId, { redirectUris: ['https://c2.test/cb'] });

  /** 400, the error page with invalid_request and the reason, no redirect, and no code issued since `grantsBefore`. */
  async function assertRefused(response: LightMyRequestResponse, grantsBefore: number): Promise<void> {
    assert.equal(response.statusCode, 400, response.body.slice(0, 300));
    assert.equal(response.headers.location, undefined);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.ok(response.body.includes('<code>invalid_request</code>'));
    assert.ok(response.body.includes(escapeHtml(UNKNOWN_REQUEST)), response.body);
    assert.equal(await grantCount(t), grantsBefore);
  }

  it('a forged request id is refused and issues nothing', async () => {
    const page = (await alice.get(authorizePathFor(await newApp()))).body;
    const grantsBefore = await grantCount(t);
    await assertRefused(await alice.submit(page, 'form#authorize', { request_id: 'x'.repeat(43) }), grantsBefore);
    await assertRefused(await alice.submit(page, 'form#deny', { request_id: 'x'.repeat(43) }), grantsBefore);
    // The real one still works afterwards.
    codeOf(await alice.submit(page, 'form#authorize'));
  });

  it('a form without a request id is refused and issues nothing', async () => {
    const page = (await alice.get(authorizePathFor(await newApp()))).body;
    const grantsBefore = await grantCount(t);
    await assertRefused(await alice.submit(page, 'form#authorize', { request_id: null }), grantsBefore);
  });

  it('a repeated request id is refused as invalid_request', async () => {
    const page = (await alice.get(authorizePathFor(await newApp()))).body;
    const other = (await alice.get(authorizePathFor(await newApp()))).body;
    const id = new Map(findForm(page, 'form#authorize').fields).get('request_id') ?? '';
    const otherId = new Map(findForm(other, 'form#authorize').fields).get('request_id') ?? '';
    const grantsBefore = await grantCount(t);
    const form = findForm(page, 'form#authorize');
    const response = await alice.post(form.action, [...form.fields.filter(([name]) => name !== 'request_id'), ['request_id', id], ['request_id', otherId]]);
    assert.equal(response.statusCode, 400);
    assert.ok(response.body.includes('<code>invalid_request</code>'));
    assert.equal(await grantCount(t), grantsBefore);
  });

  it('an expired request is refused and issues nothing', async () => {
    const page = (await alice.get(authorizePathFor(await newApp()))).body;
    t.clock.advance(30 * 60);
    const grantsBefore = await grantCount(t);
    await assertRefused(await alice.submit(page, 'form#authorize'), grantsBefore);
  });

  it('a request is decided once: Authorize again, or Deny after Authorize, issues nothing', async () => {
    const app = await newApp();
    const page = (await alice.get(authorizePathFor(app, { state: 's' }))).body;
    const code = codeOf(await alice.submit(page, 'form#authorize'));
    assert.equal((await pendingRequestOf(t, page)).decided, true);
    const grantsBefore = await grantCount(t);
    await assertRefused(await alice.submit(page, 'form#authorize'), grantsBefore);
    await assertRefused(await alice.submit(page, 'form#deny'), grantsBefore);
    assert.equal(await redeemedScope(t, app, code, 'https://c2.test/cb'), 'user_rates comments topics');
  });

  it('a denied request cannot be approved afterwards', async () => {
    const page = (await alice.get(authorizePathFor(await newApp()))).body;
    const denied = await alice.submit(page, 'form#deny');
    assert.equal(new URL(String(denied.headers.location)).searchParams.get('error'), 'access_denied');
    const grantsBefore = await grantCount(t);
    await assertRefused(await alice.submit(page, 'form#authorize'), grantsBefore);
  });

  it('two answers sent at once: exactly one code', async () => {
    const page = (await alice.get(authorizePathFor(await newApp()))).body;
    const grantsBefore = await grantCount(t);
    const answers = await Promise.all(Array.from({ length: 5 }, () => alice.submit(page, 'form#authorize')));
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [302, 400, 400, 400, 400]);
    assert.equal(await grantCount(t), grantsBefore + 1);
  });

  it("another session's request is refused, even for the same user", async () => {
    const page = (await alice.get(authorizePathFor(await newApp()))).body;
    const requestId = new Map(findForm(page, 'form#authorize').fields).get('request_id') ?? '';
    const grantsBefore = await grantCount(t);

    // alice in a second browser: her own session and CSRF token, the first session's request id.
    const aliceElsewhere = await t.browserFor('alice');
    const ownPage = (await aliceElsewhere.get(authorizePathFor(await newApp()))).body;
    await assertRefused(await aliceElsewhere.submit(ownPage, 'form#authorize', { request_id: requestId }), grantsBefore);

    // bob, with his session and CSRF token.
    const bob = await t.browserFor('bob');
    const bobPage = (await bob.get(authorizePathFor(await newApp()))).body;
    await assertRefused(await bob.submit(bobPage, 'form#authorize', { request_id: requestId }), grantsBefore);
  });

  it('signing out and in again ends the requests of the old session', async () => {
    const browser = await t.browserFor('alice');
    const page = (await browser.get(authorizePathFor(await newApp()))).body;
    const csrf = new Map(findForm(page, 'form#authorize').fields).get('_csrf') ?? '';
    assert.equal((await browser.post('/users/sign_out', [['_csrf', csrf]])).statusCode, 303);
    await browser.signIn('alice', PASSWORD);
    const fresh = (await browser.get(authorizePathFor(await newApp()))).body;
    const freshCsrf = new Map(findForm(fresh, 'form#authorize').fields).get('_csrf') ?? '';
    const grantsBefore = await grantCount(t);
    await assertRefused(await browser.submit(page, 'form#authorize', { _csrf: freshCsrf }), grantsBefore);
  });

  it('sign-in in the middle: the request survives it and ends on the consent page, then redirects with a code', async () => {
    const app: TestApp = await newApp();
    const guest = new Browser(t.server);
    const path = authorizePathFor(app, { state: 'mid', scope: 'topics' });
    const toSignIn = await guest.get(path);
    assert.equal(toSignIn.statusCode, 302);
    const signInPage = await guest.get(String(toSignIn.headers.location));
    const signedIn = await guest.submit(signInPage.body, 'form', { nickname: 'alice', password: PASSWORD });
    assert.equal(signedIn.headers.location, path);
    const consent = await guest.get(path);
    assert.equal(consent.statusCode, 200);
    assert.deepEqual(await pendingRequestOf(t, consent.body), {
      redirectUri: 'https://c2.test/cb',
      scope: 'topics',
      state: 'mid',
      decided: false,
    });
    const code = codeOf(await guest.submit(consent.body, 'form#authorize'));
    assert.equal(await redeemedScope(t, app, code, 'https://c2.test/cb'), 'topics');
  });

  it('an application deleted while its consent page was open gets no code', async () => {
    const app = await newApp();
    const page = (await alice.get(authorizePathFor(app))).body;
    assert.equal(await t.stores.applications.delete(app.application.id), true);
    const grantsBefore = await grantCount(t);
    const response = await alice.submit(page, 'form#authorize');
    assert.equal(response.statusCode, 400);
    assert.equal(response.headers.location, undefined);
    assert.equal(await grantCount(t), grantsBefore);
  });

  it('a redirect URI unregistered while the consent page was open is not redirected to', async () => {
    const app = await newApp();
    const page = (await alice.get(authorizePathFor(app))).body;
    const { application } = app;
    await t.stores.applications.update(application.id, { ...application, redirectUris: ['https://moved.test/cb'], at: 1 });
    const grantsBefore = await grantCount(t);
    const response = await alice.submit(page, 'form#authorize');
    assert.equal(response.statusCode, 400);
    assert.ok(response.body.includes('<code>invalid_redirect_uri</code>'));
    assert.equal(response.headers.location, undefined);
    assert.equal(await grantCount(t), grantsBefore);
  });
});
