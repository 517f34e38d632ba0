/**
 * POST /oauth/device_authorization (RFC 8628 §3.1, §3.2; security.md #94): the answer's exact shape, client
 * authentication by the one policy, the scope resolved as at the authorization endpoint, the token endpoint's frame
 * (no-store, one error serializer, non-string and repeated parameters refused), and codes stored hashed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { secretHash } from '../../src/core/secrets.js';
import { PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';
import { assertDeviceAuthorization, deviceAuthorizationRequest, USER_CODE_SHAPE } from './device-support.js';
import { assertTokenError, basic, INVALID_CLIENT, INVALID_SCOPE, repeated } from './token-support.js';

describe('POST /oauth/device_authorization (RFC 8628 §3.1, §3.2)', () => {
  let t: TestMonban;
  let app: TestApp;
  let scoped: TestApp;

  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    app = await t.createApp(owner.id, { name: 'Anime TV' });
    scoped = await t.createApp(owner.id, { scopes: ['user_rates', 'email'], allowedScopes: ['user_rates', 'email'] });
  });
  after(() => t.close());

  it('answers device_code, user_code, verification_uri(_complete), expires_in, interval, in order', async () => {
    const body = assertDeviceAuthorization(await deviceAuthorizationRequest(t, app));
    assert.equal(body.verification_uri_complete, `${PUBLIC_URL}/oauth/device?user_code=${body.user_code}`);
  });

  it('stores the device code and the user code only as hashes, with the default scopes', async () => {
    const body = assertDeviceAuthorization(await deviceAuthorizationRequest(t, app));
    const row = await t.monban.database.db
      .selectFrom('device_codes')
      .selectAll()
      .where('device_code_hash', '=', secretHash(body.device_code))
      .executeTakeFirstOrThrow();
    assert.equal(row.user_code_hash, secretHash(body.user_code.replace('-', '')));
    assert.equal(row.scopes, 'user_rates comments topics');
    assert.equal(row.status, 'pending');
    assert.equal(row.expires_at, t.clock.now() + 600_000);
    const stored = JSON.stringify(row);
    assert.ok(!stored.includes(body.device_code) && !stored.includes(body.user_code.replace('-', '')));
  });

  it('draws a new device code and user code each time', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const body = assertDeviceAuthorization(await deviceAuthorizationRequest(t, app));
      assert.match(body.user_code, USER_CODE_SHAPE);
      seen.add(body.device_code).add(body.user_code);
    }
    assert.equal(seen.size, 40);
  });

  it('takes HTTP Basic client authentication (RFC 6749 §2.3.1)', async () => {
    const response = await deviceAuthorizationRequest(t, app, { client_id: '', client_secret: '' }, {
      authorization: basic(app.clientId, app.clientSecret),
    });
    assertDeviceAuthorization(response);
  });

  it('resolves scope as the authorization endpoint does: the request, within the application’s', async () => {
    const requested = assertDeviceAuthorization(await deviceAuthorizationRequest(t, scoped, { scope: 'email' }));
    const row = await t.stores.deviceCodes.findByHash(secretHash(requested.device_code));
    assert.deepEqual(row?.scopes, ['email']);
    const blank = assertDeviceAuthorization(await deviceAuthorizationRequest(t, scoped));
    assert.deepEqual((await t.stores.deviceCodes.findByHash(secretHash(blank.device_code)))?.scopes, ['user_rates']);
    assertTokenError(await deviceAuthorizationRequest(t, scoped, { scope: 'comments' }), 400, INVALID_SCOPE);
    assertTokenError(await deviceAuthorizationRequest(t, app, { scope: 'email' }), 400, INVALID_SCOPE);
  });

  it('refuses unknown clients, wrong secrets and no credentials with 401 invalid_client, storing nothing', async () => {
    const before = await countDeviceCodes(t);
    assertTokenError(await deviceAuthorizationRequest(t, { ...app, clientSecret: 'wrong' }), 401, INVALID_CLIENT);
    assertTokenError(await deviceAuthorizationRequest(t, { ...app, clientSecret: '' }), 401, INVALID_CLIENT);
    assertTokenError(await deviceAuthorizationRequest(t, { ...app, clientId: 'nobody' }), 401, INVALID_CLIENT);
    assertTokenError(
      await deviceAuthorizationRequest(t, app, { client_id: '', client_secret: '' }),
      401,
      INVALID_CLIENT,
    );
    assertTokenError(
      await deviceAuthorizationRequest(
        t,
        app,
        { client_id: '', client_secret: '' },
        { authorization: basic(app.clientId, 'wrong') },
      ),
      401,
      INVALID_CLIENT,
      'Basic realm="Doorkeeper"',
    );
    assert.equal(await countDeviceCodes(t), before);
  });

  it('refuses a repeated parameter and a parameter that is not a string (the token endpoint’s frame)', async () => {
    const twice = await t.server.inject({
      method: 'POST',
      url: '/oauth/device_authorization',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `client_id=${app.clientId}&client_secret=${app.clientSecret}&scope=user_rates&scope=topics`,
    });
    assertTokenError(twice, 400, repeated('scope'));
    const json = await t.server.inject({
      method: 'POST',
      url: '/oauth/device_authorization',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ client_id: app.clientId, client_secret: app.clientSecret, scope: ['a', ['b']] }),
    });
    assertTokenError(json, 400, {
      error: 'invalid_request',
      error_description: 'Parameter must be a string: scope.',
    });
    const unreadable = await t.server.inject({
      method: 'POST',
      url: '/oauth/device_authorization',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    });
    assert.equal(unreadable.statusCode, 400);
    assert.equal(unreadable.json().error, 'invalid_request');
  });

  it('refuses two Authorization headers with the JSON error, as the token endpoint does', async () => {
    const response = await t.server.inject({
      method: 'POST',
      url: '/oauth/device_authorization',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        // Sent once per value (as test/http/repeated-authorization.test.ts does).
        Authorization: [basic(app.clientId, app.clientSecret), basic(app.clientId, app.clientSecret)],
      },
      payload: '',
    });
    assertTokenError(response, 400, {
      error: 'invalid_request',
      error_description: 'The request carried more than one Authorization header.',
    });
  });

  it('lives MONBAN_DEVICE_CODE_TTL seconds', async () => {
    const short = await TestMonban.start({ MONBAN_DEVICE_CODE_TTL: '120' });
    try {
      const owner = await short.createUser('bob');
      const shortApp = await short.createApp(owner.id);
      assertDeviceAuthorization(await deviceAuthorizationRequest(short, shortApp), 120);
    } finally {
      await short.close();
    }
  });
});

async function countDeviceCodes(t: TestMonban): Promise<number> {
  const row = await t.monban.database.db
    .selectFrom('device_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
