import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import {
  assertTokenError,
  assertTokenSuccess,
  basic,
  INVALID_CLIENT,
  INVALID_GRANT,
  INVALID_SCOPE,
  unixSeconds,
} from './token-support.js';

/** POST /oauth/token with grant_type=client_credentials (compatibility.md §4.5, RFC 6749 §4.4). */
describe('POST /oauth/token, grant_type=client_credentials', () => {
  let t: TestMonban;
  let app: TestApp;
  let ownerId: number;

  const clientCredentials = (overrides: Record<string, string> = {}, client: TestApp = app) =>
    t.token({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      ...overrides,
    });

  before(async () => {
    t = await TestMonban.start();
    ownerId = (await t.createUser('alice')).id;
    app = await t.createApp(ownerId);
  });
  after(() => t.close());

  it('a public application (no secret) gets no token of its own: unauthorized_client (RFC 6749 §4.4)', async () => {
    const open = await t.createApp(ownerId);
    await t.monban.database.db.updateTable('applications').set({ confidential: 0 }).where('id', '=', open.application.id).execute();
    const response = await t.token({ grant_type: 'client_credentials', client_id: open.clientId });
    assertTokenError(response, 400, {
      error: 'unauthorized_client',
      error_description: 'The client is not authorized to perform this request using this method.',
    });
  });

  describe('success (compatibility.md §4.5)', () => {
    it('answers a token with no refresh_token, in Doorkeeper key order', async () => {
      const response = await clientCredentials();
      const body = assertTokenSuccess(response, {
        scope: 'user_rates comments topics',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: false,
      });
      assert.equal('refresh_token' in body, false);
    });

    it('works with HTTP Basic client authentication (RFC 6749 §2.3.1)', async () => {
      const response = await t.token(
        { grant_type: 'client_credentials' },
        { authorization: basic(app.clientId, app.clientSecret) },
      );
      assertTokenSuccess(response, {
        scope: 'user_rates comments topics',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: false,
      });
    });

    it('the access token cannot be used as a refresh token', async () => {
      const token = (await clientCredentials()).json().access_token as string;
      const response = await t.token({
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      assertTokenError(response, 400, INVALID_GRANT);
    });
  });

  describe('scope resolution (compatibility.md §4.1: application scopes, else the server defaults)', () => {
    let scoped: TestApp;
    let unscoped: TestApp;
    before(async () => {
      scoped = await t.createApp(ownerId, { name: 'Scoped', scopes: ['user_rates', 'messages'] });
      unscoped = await t.createApp(ownerId, { name: 'Unscoped', scopes: [] });
    });

    it('a blank scope is the default scopes narrowed to the application scopes', async () => {
      assert.equal((await clientCredentials({}, scoped)).json().scope, 'user_rates');
      assert.equal((await clientCredentials({ scope: '' }, scoped)).json().scope, 'user_rates');
    });

    it('a blank scope is the full default scopes for an application without scopes', async () => {
      assert.equal((await clientCredentials({}, unscoped)).json().scope, 'user_rates comments topics');
    });

    it('a requested scope within the application scopes is granted as asked', async () => {
      assert.equal((await clientCredentials({ scope: 'messages' }, scoped)).json().scope, 'messages');
      const both = await clientCredentials({ scope: 'messages user_rates' }, scoped);
      assertTokenSuccess(both, {
        scope: 'messages user_rates',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: false,
      });
    });

    it('a scope outside the application scopes is invalid_scope', async () => {
      assertTokenError(await clientCredentials({ scope: 'comments' }, scoped), 400, INVALID_SCOPE);
      assertTokenError(await clientCredentials({ scope: 'messages' }), 400, INVALID_SCOPE);
    });

    it('a scope outside the server scopes is invalid_scope for an application without scopes', async () => {
      assertTokenError(await clientCredentials({ scope: 'email' }, unscoped), 400, INVALID_SCOPE);
    });

    it('the client is checked before the scope', async () => {
      assertTokenError(await clientCredentials({ scope: 'nonsense', client_secret: 'wrong' }), 401, INVALID_CLIENT);
    });
  });

  describe('client authentication errors (compatibility.md §4.5, RFC 6749 §5.2)', () => {
    it('no credentials is 401 invalid_client with WWW-Authenticate', async () => {
      assertTokenError(await t.token({ grant_type: 'client_credentials' }), 401, INVALID_CLIENT);
    });

    it('a client_id without a secret is 401 invalid_client', async () => {
      assertTokenError(
        await t.token({ grant_type: 'client_credentials', client_id: app.clientId }),
        401,
        INVALID_CLIENT,
      );
    });

    it('a wrong secret is 401 invalid_client', async () => {
      assertTokenError(await clientCredentials({ client_secret: 'wrong' }), 401, INVALID_CLIENT);
    });

    it('an unknown client is 401 invalid_client', async () => {
      assertTokenError(await clientCredentials({ client_id: 'nobody' }), 401, INVALID_CLIENT);
    });

    it('echoes state in the error body when one was sent', async () => {
      const response = await t.token({ grant_type: 'client_credentials', state: 's1' });
      assertTokenError(response, 401, { ...INVALID_CLIENT, state: 's1' });
    });
  });
});

describe('POST /oauth/token, client_credentials with MONBAN_ACCESS_TOKEN_TTL', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start({ MONBAN_ACCESS_TOKEN_TTL: '7200' });
  });
  after(() => t.close());

  it('expires_in is MONBAN_ACCESS_TOKEN_TTL and created_at the clock in unix seconds', async () => {
    const app = await t.createApp((await t.createUser('alice')).id);
    t.clock.advance(42.5);
    const response = await t.token({
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    assertTokenSuccess(response, {
      scope: 'user_rates comments topics',
      expires_in: 7200,
      created_at: Math.floor(t.clock.now() / 1000),
      refresh: false,
    });
  });
});
