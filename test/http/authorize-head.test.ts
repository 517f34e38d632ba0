import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { authorizePathFor, codeOf, grantCount } from './authorize-support.js';

/** Issue 9: HEAD /oauth/authorize ran the GET handler, which with prior consent issued a code. */
describe('HEAD /oauth/authorize issues nothing', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;

  before(async () => {
    t = await TestMonban.start();
    app = await t.createApp((await t.createUser('alice')).id);
    alice = await t.browserFor('alice');
    // Prior consent: a token for the default scopes, so GET redirects straight back with a new code.
    await t.tokensFor(alice, app);
  });
  after(() => t.close());

  it('with prior consent: 405 with Allow, no Location, and no code in the store', async () => {
    const before = await grantCount(t);
    const response = await alice.request({ method: 'HEAD', url: authorizePathFor(app, { state: 's' }) });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'GET, POST, DELETE');
    assert.equal(response.headers.location, undefined);
    assert.equal(response.body, '');
    assert.equal(await grantCount(t), before);
  });

  it('signed out, or for a request that is not valid: the same 405', async () => {
    const visitor = await t.server.inject({ method: 'HEAD', url: authorizePathFor(app) });
    assert.equal(visitor.statusCode, 405);
    const invalid = await alice.request({ method: 'HEAD', url: '/oauth/authorize?client_id=nobody' });
    assert.equal(invalid.statusCode, 405);
  });

  it('GET still issues a code on prior consent', async () => {
    const before = await grantCount(t);
    codeOf(await alice.get(authorizePathFor(app)));
    assert.equal(await grantCount(t), before + 1);
  });

  it('HEAD of the out-of-band code page is still answered as its GET, and issues nothing', async () => {
    const before = await grantCount(t);
    const response = await alice.request({ method: 'HEAD', url: '/oauth/authorize/some-code' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(response.body, '');
    assert.equal(await grantCount(t), before);
  });
});
