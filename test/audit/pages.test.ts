/**
 * The audit log on the pages (docs/audit.md): a user sees their own security events on their account page, newest
 * first, in their language; an application's owner sees its activity (authorized users, tokens issued in the last
 * 7 days, replays detected); nobody else does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, findForm } from '../helpers/browser.js';
import { PASSWORD, TestMonban, type TestApp } from '../helpers/monban.js';

/** The rows of the security events table: [what, application, address, user agent]. */
function eventRows(body: string): string[][] {
  const section = /<section class="card" id="security_events"[\s\S]*?<\/section>/.exec(body)?.[0] ?? '';
  return [...section.matchAll(/<tr class="audit-event"[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)]
      .slice(1)
      .map((cell) => (cell[1] ?? '').replace(/<[^>]+>/g, '').trim()),
  );
}

function activity(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/<dd id="activity_(\w+)">(\d+)<\/dd>/g)) out[m[1] ?? ''] = m[2] ?? '';
  return out;
}

describe('audit log pages', () => {
  let t: TestMonban;
  let alice: Browser;
  let bob: Browser;
  let app: TestApp;

  before(async () => {
    t = await TestMonban.start();
    const aliceUser = await t.createUser('alice');
    await t.createUser('bob');
    app = await t.createApp(aliceUser.id, { name: 'Tracker', redirectUris: ['https://c.test/cb'] });
    alice = await t.browserFor('alice');
    bob = await t.browserFor('bob');
  });
  after(() => t.close());

  it("shows a user's own events on their account page, newest first, and none of another's", async () => {
    t.clock.advance(60);
    const tokens = await t.tokensFor(bob, app);
    assert.ok(tokens.access_token);
    const bobPage = await bob.get('/users/edit', { 'accept-language': 'en' });
    assert.equal(bobPage.statusCode, 200);
    assert.deepEqual(eventRows(bobPage.body), [
      ['Token issued', 'Tracker', '127.0.0.1', 'lightMyRequest'],
      ['Access granted to an application', 'Tracker', '127.0.0.1', 'lightMyRequest'],
      ['Signed in', '', '127.0.0.1', 'lightMyRequest'],
    ]);
    assert.match(bobPage.body, /<h2 id="security_events_title">Security events<\/h2>/);
    const alicePage = await alice.get('/users/edit', { 'accept-language': 'ru' });
    assert.deepEqual(eventRows(alicePage.body), [['Вход', '', '127.0.0.1', 'lightMyRequest']]);
    assert.match(alicePage.body, /События безопасности/);
  });

  it('shows at most 20 events, and escapes what the client sent', async () => {
    for (let i = 0; i < 25; i++) {
      await t.token({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: 'wrong' });
    }
    const page = await alice.get('/users/edit');
    assert.equal(eventRows(page.body).length, 1, 'failed client authentications name no user');

    const mallory = await t.createUser('mallory');
    const other = await t.createApp(mallory.id, { name: 'Other', redirectUris: ['https://o.test/cb'] });
    const first = await t.browserFor('mallory');
    for (let i = 0; i < 25; i++) await t.tokensFor(first, other);
    // A sign-in whose user agent is HTML: shown as text.
    const browser = new Browser(t.server);
    const form = findForm((await browser.get('/users/sign_in')).body, 'form');
    const fields = form.fields.filter(([name]) => name !== 'nickname' && name !== 'password');
    fields.push(['nickname', 'mallory'], ['password', PASSWORD]);
    const signedIn = await browser.post(form.action, fields, { 'user-agent': '<script>alert(1)</script>' });
    assert.equal(signedIn.statusCode, 303);
    const page2 = await browser.get('/users/edit', { 'accept-language': 'en' });
    const rows = eventRows(page2.body);
    assert.equal(rows.length, 20);
    assert.deepEqual(rows.slice(0, 2), [
      ['Signed in', '', '127.0.0.1', '&lt;script&gt;alert(1)&lt;/script&gt;'],
      ['Token issued', 'Other', '127.0.0.1', 'lightMyRequest'],
    ]);
    assert.doesNotMatch(page2.body, /<script>alert/);
  });

  it("shows an application's activity to its owner only", async () => {
    const page = await alice.get(`/oauth/applications/${app.application.id}`, { 'accept-language': 'en' });
    assert.equal(page.statusCode, 200);
    assert.deepEqual(activity(page.body), { users: '1', tokens_issued: '1', replays: '0' });
    assert.match(page.body, /Tokens issued in the last 7 days/);
    const other = await bob.get(`/oauth/applications/${app.application.id}`);
    assert.equal(other.statusCode, 200);
    assert.doesNotMatch(other.body, /application_activity/);
  });

  it('counts tokens issued in the last 7 days, and replays detected', async () => {
    const code = await t.authorize(alice, app);
    const exchange = () =>
      t.token({
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://c.test/cb',
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
    assert.equal((await exchange()).statusCode, 200);
    assert.equal((await exchange()).statusCode, 400);
    let page = await alice.get(`/oauth/applications/${app.application.id}`);
    // The replay revoked alice's tokens: bob alone holds one.
    assert.deepEqual(activity(page.body), { users: '1', tokens_issued: '2', replays: '1' });
    t.clock.advance(8 * 24 * 3600);
    page = await alice.get(`/oauth/applications/${app.application.id}`);
    assert.deepEqual(activity(page.body), { users: '1', tokens_issued: '0', replays: '1' });
  });
});
