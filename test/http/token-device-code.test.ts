/**
 * Polling at the token endpoint with the device code (RFC 8628 §3.4, §3.5; security.md #95): every answer in order,
 * each with its exact body and the headers of every token endpoint error, and the tokens once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEVICE_DESCRIPTIONS } from '../../src/core/errors.js';
import type { EventOf } from '../../src/core/events.js';
import { secretHash } from '../../src/core/secrets.js';
import { findForm, type Browser } from '../helpers/browser.js';
import { PASSWORD, PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';
import {
  answer,
  DEVICE_GRANT_TYPE,
  deviceAuthorizationRequest,
  newDeviceCode,
  poll,
  assertDeviceAuthorization,
} from './device-support.js';
import {
  assertTokenError,
  assertTokenSuccess,
  INVALID_CLIENT,
  INVALID_GRANT,
  missing,
  unixSeconds,
} from './token-support.js';

const PENDING = { error: 'authorization_pending', error_description: DEVICE_DESCRIPTIONS.authorizationPending };
const SLOW_DOWN = { error: 'slow_down', error_description: DEVICE_DESCRIPTIONS.slowDown };
const EXPIRED = { error: 'expired_token', error_description: DEVICE_DESCRIPTIONS.expiredToken };
const DENIED = {
  error: 'access_denied',
  error_description: 'The resource owner or authorization server denied the request.',
};

describe('POST /oauth/token, grant_type=urn:ietf:params:oauth:grant-type:device_code (RFC 8628 §3.4, §3.5)', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  let otherApp: TestApp;

  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    app = await t.createApp(owner.id, { name: 'Anime TV' });
    otherApp = await t.createApp(owner.id, { name: 'Other app' });
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  it('authorization_pending until the user answers', async () => {
    const { device_code } = await newDeviceCode(t, app);
    assertTokenError(await poll(t, app, device_code), 400, PENDING);
    t.clock.advance(5);
    assertTokenError(await poll(t, app, device_code), 400, PENDING);
  });

  it('slow_down for a poll sooner than the interval, which then grows by 5 seconds each time (§3.5)', async () => {
    const { device_code } = await newDeviceCode(t, app);
    const interval = async () => (await t.stores.deviceCodes.findByHash(secretHash(device_code)))?.interval;
    assertTokenError(await poll(t, app, device_code), 400, PENDING);
    t.clock.advance(4);
    assertTokenError(await poll(t, app, device_code), 400, SLOW_DOWN);
    assert.equal(await interval(), 10);
    // 9 seconds after the slowed poll is still too soon for 10.
    t.clock.advance(9);
    assertTokenError(await poll(t, app, device_code), 400, SLOW_DOWN);
    assert.equal(await interval(), 15);
    t.clock.advance(15);
    assertTokenError(await poll(t, app, device_code), 400, PENDING);
    t.clock.advance(14);
    assertTokenError(await poll(t, app, device_code), 400, SLOW_DOWN);
    t.clock.advance(20);
    assertTokenError(await poll(t, app, device_code), 400, PENDING);
    assert.equal(await interval(), 20);
  });

  it('access_denied once the user denied, until the code expires', async () => {
    const { device_code, user_code } = await newDeviceCode(t, app);
    assertTokenError(await poll(t, app, device_code), 400, PENDING);
    const denied = await answer(alice, user_code, false);
    assert.equal(denied.statusCode, 302);
    assert.equal(denied.headers.location, `${PUBLIC_URL}/oauth/device/denied`);
    t.clock.advance(5);
    assertTokenError(await poll(t, app, device_code), 400, DENIED);
    t.clock.advance(5);
    assertTokenError(await poll(t, app, device_code), 400, DENIED);
    t.clock.advance(600);
    assertTokenError(await poll(t, app, device_code), 400, EXPIRED);
  });

  it('an approval the user withdraws before the device polls (Revoke access, a password change): access_denied', async () => {
    const bob = await t.createUser('bob-device');
    const browser = await t.browserFor('bob-device');
    for (const withdraw of ['revoke', 'password'] as const) {
      const { device_code, user_code } = await newDeviceCode(t, app);
      assert.equal((await answer(browser, user_code, true)).statusCode, 302);
      if (withdraw === 'revoke') {
        // The page offers the button only to a user holding a token or a code; the route takes the device code too.
        const page = await browser.get(`/oauth/applications/${app.application.id}`);
        const csrf = new Map(findForm(page.body, 'form').fields).get('_csrf') ?? '';
        const revoked = await browser.post(`/oauth/applications/${app.application.id}/revoke`, [['_csrf', csrf]]);
        assert.equal(revoked.statusCode, 303);
      } else {
        const page = await browser.get('/users/edit');
        const form = findForm(page.body, 'form#change_password');
        const fields = form.fields.filter(([name]) => !name.includes('password'));
        const typed: Array<[string, string]> = [
          ['current_password', PASSWORD],
          ['password', 'a brand new password'],
          ['password_confirmation', 'a brand new password'],
        ];
        assert.equal((await browser.post(form.action, [...fields, ...typed])).statusCode, 303);
      }
      t.clock.advance(5);
      assertTokenError(await poll(t, app, device_code), 400, DENIED);
    }
    assert.ok(bob.id > 0);
  });

  it('expired_token once MONBAN_DEVICE_CODE_TTL seconds have passed, approved or not', async () => {
    const pending = await newDeviceCode(t, app);
    const approved = await newDeviceCode(t, app);
    assert.equal((await answer(alice, approved.user_code, true)).statusCode, 302);
    t.clock.advance(599);
    assertTokenError(await poll(t, app, pending.device_code), 400, PENDING);
    t.clock.advance(1);
    assertTokenError(await poll(t, app, pending.device_code), 400, EXPIRED);
    assertTokenError(await poll(t, app, approved.device_code), 400, EXPIRED);
  });

  it('the tokens once approved (access and refresh token, as for a code), then invalid_grant', async () => {
    const { device_code, user_code } = await newDeviceCode(t, app, { scope: 'user_rates comments' });
    assertTokenError(await poll(t, app, device_code), 400, PENDING);
    const issued: Array<EventOf<'token.issued'>> = [];
    const stop = t.monban.ctx.events.on('token.issued', (event) => issued.push(event));
    try {
      const approved = await answer(alice, user_code, true);
      assert.equal(approved.statusCode, 302);
      assert.equal(approved.headers.location, `${PUBLIC_URL}/oauth/device/approved`);
      t.clock.advance(5);
      const body = assertTokenSuccess(await poll(t, app, device_code), {
        scope: 'user_rates comments',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: true,
      });
      // The tokens descend from an access grant, as a code's do (their family), which can never be redeemed.
      const token = await t.stores.tokens.findByToken(secretHash(body.access_token));
      const root = await t.monban.database.db
        .selectFrom('access_grants')
        .selectAll()
        .where('id', '=', token?.grantId ?? -1)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [root.application_id, root.scopes, root.revoked_at],
        [app.application.id, 'user_rates comments', t.clock.now()],
      );
      const me = await t.whoami(body.access_token);
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().nickname, 'alice');
      assert.deepEqual(
        issued.map((e) => [e.grantType, e.applicationId, e.userId]),
        [[DEVICE_GRANT_TYPE, app.application.id, me.json().id]],
      );
      t.clock.advance(5);
      assertTokenError(await poll(t, app, device_code), 400, INVALID_GRANT);

      // The refresh token works like any other (compatibility.md §4.4).
      const refreshed = await t.token({
        grant_type: 'refresh_token',
        refresh_token: body.refresh_token ?? '',
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
    } finally {
      stop();
    }
  });

  it('the scopes the user left ticked', async () => {
    const { device_code, user_code } = await newDeviceCode(t, app);
    assert.equal((await answer(alice, user_code, true, { scopes: 'topics' })).statusCode, 302);
    assertTokenSuccess(await poll(t, app, device_code), {
      scope: 'topics',
      expires_in: 86400,
      created_at: unixSeconds(t),
      refresh: true,
    });
  });

  it("another client's poll is invalid_grant, and leaves the device code to its own client", async () => {
    const { device_code, user_code } = await newDeviceCode(t, app);
    assertTokenError(await poll(t, otherApp, device_code), 400, INVALID_GRANT);
    assert.equal((await answer(alice, user_code, true)).statusCode, 302);
    assertTokenError(await poll(t, otherApp, device_code), 400, INVALID_GRANT);
    assert.equal((await poll(t, app, device_code)).statusCode, 200);
  });

  it('unknown device code: invalid_grant; missing: invalid_request; wrong credentials: invalid_client', async () => {
    assertTokenError(await poll(t, app, 'x'.repeat(43)), 400, INVALID_GRANT);
    assertTokenError(
      await t.token({ grant_type: DEVICE_GRANT_TYPE, client_id: app.clientId, client_secret: app.clientSecret }),
      400,
      missing('device_code'),
    );
    const { device_code } = await newDeviceCode(t, app);
    const wrongSecret = { ...app, clientSecret: 'wrong' };
    assertTokenError(await poll(t, wrongSecret, device_code), 401, INVALID_CLIENT);
    const noSecret = { ...app, clientSecret: '' };
    assertTokenError(await poll(t, noSecret, device_code), 401, INVALID_CLIENT);
    // None of these counted as the device's poll.
    assertTokenError(await poll(t, app, device_code), 400, PENDING);
  });

  it('gives the tokens to exactly one of many concurrent polls (RFC 8628 §3.5: once)', async () => {
    const { device_code, user_code } = await newDeviceCode(t, app);
    assert.equal((await answer(alice, user_code, true)).statusCode, 302);
    const answers = await Promise.all(Array.from({ length: 20 }, () => poll(t, app, device_code)));
    assert.deepEqual(
      answers.map((r) => r.statusCode).sort(),
      [200, ...Array.from({ length: 19 }, () => 400)],
    );
    for (const refused of answers.filter((r) => r.statusCode !== 200)) assertTokenError(refused, 400, INVALID_GRANT);
  });
});

describe('a public client’s whole device flow (RFC 8628 §3.1: client_id alone)', () => {
  let t: TestMonban;
  let alice: Browser;
  let pub1: TestApp;

  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    pub1 = await t.createApp(owner.id, { name: 'CLI tool', confidential: false });
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  it('device authorization, pending, approval, tokens, refresh, whoami', async () => {
    assert.equal(pub1.clientSecret, '');
    const { device_code, user_code } = assertDeviceAuthorization(
      await deviceAuthorizationRequest(t, pub1, { client_id: pub1.clientId }),
    );
    assertTokenError(await poll(t, pub1, device_code), 400, PENDING);
    assert.equal((await answer(alice, user_code, true)).statusCode, 302);
    t.clock.advance(5);
    const body = assertTokenSuccess(await poll(t, pub1, device_code), {
      scope: 'user_rates comments topics',
      expires_in: 86400,
      created_at: unixSeconds(t),
      refresh: true,
    });
    const refreshed = await t.token({
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token ?? '',
      client_id: pub1.clientId,
    });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    const me = await t.whoami((refreshed.json() as { access_token: string }).access_token);
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().nickname, 'alice');
  });

  it('a public client sending a secret is invalid_client, at both endpoints', async () => {
    const withSecret = { ...pub1, clientSecret: 'made-up' };
    assertTokenError(await deviceAuthorizationRequest(t, withSecret), 401, INVALID_CLIENT);
    const { device_code } = await newDeviceCode(t, pub1);
    assertTokenError(await poll(t, withSecret, device_code), 401, INVALID_CLIENT);
  });
});
