/**
 * A user who already granted an application the same scopes skips the consent page, as on Shikimori: Doorkeeper's
 * `matching_token_for` looks for a non-revoked token, expired or not, with exactly those scopes (compatibility.md §4.1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, findForm } from '../helpers/browser.js';
import { PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';
import { authorizePathFor, codeOf, ISS, OOB, redeem, redeemedScope } from './authorize-support.js';

describe('a returning user skips consent (compatibility.md §4.1)', () => {
  let t: TestMonban;
  let bob: Browser;
  let bobApp: TestApp;
  let bobId: number;
  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('bob');
    bobId = owner.id;
    await t.createUser('carol');
    bobApp = await t.createApp(owner.id, { redirectUris: ['https://bob.test/cb'] });
    bob = await t.browserFor('bob');
  });
  after(() => t.close());

  it('once a token was issued for the same scopes, GET redirects straight back with a new code', async () => {
    const first = await bob.get(authorizePathFor(bobApp, { scope: 'user_rates comments' }));
    assert.equal(first.statusCode, 200);
    const code = codeOf(await bob.submit(first.body, 'form#authorize'));
    // A code alone is not consent Doorkeeper remembers (matching_token_for looks at tokens).
    assert.equal((await bob.get(authorizePathFor(bobApp, { scope: 'user_rates comments' }))).statusCode, 200);
    assert.equal(await redeemedScope(t, bobApp, code, 'https://bob.test/cb'), 'user_rates comments');

    const again = await bob.get(authorizePathFor(bobApp, { scope: 'user_rates comments', state: 'again' }));
    const next = codeOf(again);
    assert.notEqual(next, code);
    assert.equal(again.headers.location, `https://bob.test/cb?code=${next}&state=again&${ISS}`);
    const reordered = await bob.get(authorizePathFor(bobApp, { scope: 'comments user_rates' }));
    codeOf(reordered);
    assert.equal(await redeemedScope(t, bobApp, next, 'https://bob.test/cb'), 'user_rates comments');
  });

  it('other scopes, more or fewer, ask again', async () => {
    for (const scope of ['user_rates comments topics', 'user_rates']) {
      const response = await bob.get(authorizePathFor(bobApp, { scope }));
      assert.equal(response.statusCode, 200, scope);
      findForm(response.body, 'form#authorize');
    }
  });

  it('a narrowed grant is remembered as narrowed', async () => {
    const page = await bob.get(authorizePathFor(bobApp));
    const form = findForm(page.body, 'form#authorize');
    const onlyTopics = form.fields.filter(([name, value]) => !(name === 'scopes' && value !== 'topics'));
    const code = codeOf(await bob.post(form.action, onlyTopics));
    assert.equal(await redeemedScope(t, bobApp, code, 'https://bob.test/cb'), 'topics');
    codeOf(await bob.get(authorizePathFor(bobApp, { scope: 'topics' })));
    assert.equal((await bob.get(authorizePathFor(bobApp))).statusCode, 200);
  });

  it("another user's consent does not count", async () => {
    const carol = await t.browserFor('carol');
    assert.equal((await carol.get(authorizePathFor(bobApp, { scope: 'user_rates comments' }))).statusCode, 200);
  });

  it('an expired token still counts; a revoked one does not', async () => {
    const page = await bob.get(authorizePathFor(bobApp, { scope: 'comments' }));
    const code = codeOf(await bob.submit(page.body, 'form#authorize'));
    const tokens = (await redeem(t, bobApp, code, 'https://bob.test/cb')).json() as { access_token: string };
    t.clock.advance(86400 + 60);
    codeOf(await bob.get(authorizePathFor(bobApp, { scope: 'comments' })));

    const revoked = await t.server.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        token: tokens.access_token,
        client_id: bobApp.clientId,
        client_secret: bobApp.clientSecret,
      }).toString(),
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal((await bob.get(authorizePathFor(bobApp, { scope: 'comments' }))).statusCode, 200);
  });

  it('an out-of-band client skips to the code page', async () => {
    const oob = await t.createApp(bobId, { redirectUris: [OOB] });
    const code = await t.authorize(bob, oob, { scope: 'topics' });
    assert.equal(await redeemedScope(t, oob, code, OOB), 'topics');
    const skipped = await bob.get(authorizePathFor(oob, { scope: 'topics' }));
    assert.equal(skipped.statusCode, 302);
    assert.match(String(skipped.headers.location), new RegExp(`^${PUBLIC_URL}/oauth/authorize/[A-Za-z0-9_-]{43}$`));
  });
});
