/**
 * The consent form's guards: a CSRF token, a same-origin request, a signed-in user and a well-formed form, or no
 * code (RFC 6749 §10.12; security.md #40; the issue: "a cross-origin POST is refused even with a valid token").
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { Browser, findForm } from '../helpers/browser.js';
import { PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';
import { authorizePathFor, codeOf, grantCount } from './authorize-support.js';

describe('POST /oauth/authorize: CSRF and cross-origin posts (RFC 6749 §10.12, security.md #40)', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  let page: string;

  before(async () => {
    t = await TestMonban.start();
    const user = await t.createUser('alice');
    app = await t.createApp(user.id, { redirectUris: ['https://c2.test/cb'] });
    alice = await t.browserFor('alice');
    page = (await alice.get(authorizePathFor(app, { state: 'c' }))).body;
  });
  after(() => t.close());

  async function assertRefused(response: LightMyRequestResponse, grantsBefore: number): Promise<void> {
    assert.equal(response.statusCode, 403);
    assert.equal(response.headers.location, undefined);
    assert.equal(await grantCount(t), grantsBefore);
  }

  it('no CSRF token: 403, no code', async () => {
    const grantsBefore = await grantCount(t);
    await assertRefused(await alice.submit(page, 'form#authorize', { _csrf: null }), grantsBefore);
    await assertRefused(await alice.submit(page, 'form#deny', { _csrf: null }), grantsBefore);
  });

  it("another browser's CSRF token: 403, no code", async () => {
    const other = new Browser(t.server);
    const otherToken = new Map(findForm((await other.get('/users/sign_in')).body, 'form').fields).get('_csrf') ?? '';
    assert.notEqual(otherToken, '');
    const grantsBefore = await grantCount(t);
    await assertRefused(await alice.submit(page, 'form#authorize', { _csrf: otherToken }), grantsBefore);
  });

  it('a garbage CSRF token: 403, no code', async () => {
    const grantsBefore = await grantCount(t);
    await assertRefused(await alice.submit(page, 'form#authorize', { _csrf: 'x'.repeat(52) }), grantsBefore);
  });

  const crossSite: Array<[string, Record<string, string>]> = [
    ['Origin: https://evil.example', { origin: 'https://evil.example' }],
    ['Origin: null', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ['a same-origin Origin with Sec-Fetch-Site: cross-site', { origin: PUBLIC_URL, 'sec-fetch-site': 'cross-site' }],
  ];
  for (const [name, headers] of crossSite) {
    it(`a valid token with ${name}: 403, no code`, async () => {
      const form = findForm(page, 'form#authorize');
      const grantsBefore = await grantCount(t);
      await assertRefused(await alice.post(form.action, form.fields, headers), grantsBefore);
    });
  }

  it('a valid token from the same origin is accepted (the control for the above)', async () => {
    const form = findForm(page, 'form#authorize');
    const sameOrigin = { origin: PUBLIC_URL, 'sec-fetch-site': 'same-origin' };
    const response = await alice.post(form.action, form.fields, sameOrigin);
    codeOf(response);
  });

  it('a forged form (repeated control field, JSON or multipart body): the error page, no code, no 500', async () => {
    const form = findForm(page, 'form#authorize');
    const grantsBefore = await grantCount(t);
    const forged: LightMyRequestResponse[] = [
      await alice.post(form.action, [...form.fields, ['_method', 'delete'], ['_method', 'post']]),
      await alice.post(form.action, [...form.fields, ['scope_choice', '1']]),
      await alice.request({
        method: 'POST',
        url: form.action,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ ...Object.fromEntries(form.fields), scope_choice: { x: 1 } }),
      }),
      await alice.request({
        method: 'POST',
        url: form.action,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(Object.fromEntries(form.fields)),
      }),
      await alice.request({
        method: 'POST',
        url: form.action,
        headers: { 'content-type': 'multipart/form-data; boundary=b' },
        payload: form.fields
          .map(([name, value]) => `--b\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
          .join('')
          .concat('--b--\r\n'),
      }),
    ];
    for (const response of forged) {
      assert.equal(response.statusCode, 400, response.body.slice(0, 300));
      assert.equal(response.headers.location, undefined);
      assert.match(response.body, /<code>invalid_request<\/code>/);
    }
    assert.equal(await grantCount(t), grantsBefore);
  });

  it('signed out, even with a valid CSRF token: no code', async () => {
    const guest = new Browser(t.server);
    const token = new Map(findForm((await guest.get('/users/sign_in')).body, 'form').fields).get('_csrf') ?? '';
    const form = findForm(page, 'form#authorize');
    const grantsBefore = await grantCount(t);
    const fields = [...form.fields.filter(([name]) => name !== '_csrf'), ['_csrf', token] as [string, string]];
    const response = await guest.post(form.action, fields);
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/users/sign_in');
    assert.equal(await grantCount(t), grantsBefore);
    const anonymous = await new Browser(t.server).post(form.action, form.fields);
    assert.equal(anonymous.statusCode, 403);
    assert.equal(await grantCount(t), grantsBefore);
  });
});
