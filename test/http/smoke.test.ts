import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestMonban } from '../helpers/monban.js';

describe('the whole flow in-process', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  it('authorizes, exchanges, calls whoami and refreshes', async () => {
    const alice = await t.createUser('alice');
    const app = await t.createApp(alice.id);
    const browser = await t.browserFor('alice');
    const tokens = await t.tokensFor(browser, app, { state: 'xyz' });
    assert.equal(tokens.scope, 'user_rates comments topics');
    const me = await t.whoami(tokens.access_token);
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().nickname, 'alice');
    const refreshed = await t.token({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
  });
});
