import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { TestMonban, type TestApp } from '../helpers/monban.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const TTL = 600;

const INACTIVE = '{"active":false}';
const NOT_AUTHORIZED =
  '{"error":"invalid_request","error_description":"Request need to be authorized. Required parameter for authorizing request is missing or invalid."}';
const INVALID_CLIENT =
  '{"error":"invalid_client","error_description":"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."}';

/** Introspection answers, like every answer about a token, are not cached (RFC 7662 §4, RFC 6749 §5.1). */
function assertAnswer(response: LightMyRequestResponse, status: number, body: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.body, body);
  assert.equal(response.headers['content-type'], JSON_TYPE);
  assert.equal(response.headers['cache-control'], 'no-store, no-cache');
  assert.equal(response.headers.pragma, 'no-cache');
}

function basic(app: TestApp, secret = app.clientSecret): string {
  return `Basic ${Buffer.from(`${app.clientId}:${secret}`).toString('base64')}`;
}

/** RFC 7662 §2.2 with Doorkeeper's keys, in its order; JSON.stringify keeps this literal's key order. */
function activeBody(app: TestApp, scope: string, createdAt: number, options: { exp: boolean }): string {
  return JSON.stringify({
    active: true,
    scope,
    client_id: app.clientId,
    token_type: 'Bearer',
    ...(options.exp ? { exp: createdAt + TTL } : {}),
    iat: createdAt,
  });
}

describe('POST /oauth/introspect (RFC 7662, compatibility.md §4.7)', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start({ MONBAN_ACCESS_TOKEN_TTL: String(TTL) });
  });
  after(() => t.close());

  const introspect = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    t.server.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(form).toString(),
    });

  const credentials = (app: TestApp) => ({ client_id: app.clientId, client_secret: app.clientSecret });

  /** A user, an app of theirs and one pair of tokens (with the token response's created_at). */
  async function setUp(nickname: string) {
    const user = await t.createUser(nickname);
    const app = await t.createApp(user.id);
    const browser = await t.browserFor(nickname);
    const code = await t.authorize(browser, app);
    const response = await t.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.application.redirectUris[0] ?? '',
      ...credentials(app),
    });
    assert.equal(response.statusCode, 200, response.body);
    const tokens = response.json() as { access_token: string; refresh_token: string; created_at: number };
    return { user, app, browser, tokens };
  }

  it('describes an active access token to its application, keys in order, exp = created + TTL', async () => {
    const { app, tokens } = await setUp('alice');
    const expected = activeBody(app, 'user_rates comments topics', tokens.created_at, { exp: true });
    assert.equal(tokens.created_at, Math.floor(t.clock.now() / 1000));
    // client_secret_basic and client_secret_post both authorize (compatibility.md §1 client_credentials methods).
    assertAnswer(await introspect({ token: tokens.access_token }, { authorization: basic(app) }), 200, expected);
    assertAnswer(await introspect({ token: tokens.access_token, ...credentials(app) }), 200, expected);
    assertAnswer(
      await introspect({ token: tokens.access_token, token_type_hint: 'access_token', ...credentials(app) }),
      200,
      expected,
    );
  });

  it('accepts a live bearer token of the same application as authorization (RFC 7662 §2.1, Doorkeeper)', async () => {
    const { app, browser, tokens } = await setUp('bob');
    const other = await t.tokensFor(browser, app);
    const response = await introspect(
      { token: tokens.access_token },
      { authorization: `Bearer ${other.access_token}` },
    );
    assertAnswer(response, 200, activeBody(app, 'user_rates comments topics', tokens.created_at, { exp: true }));
  });

  it('describes a refresh token as active without exp, even after its access token expired (compatibility.md §4.4)', async () => {
    const { app, tokens } = await setUp('carol');
    const expected = activeBody(app, 'user_rates comments topics', tokens.created_at, { exp: false });
    assertAnswer(await introspect({ token: tokens.refresh_token, ...credentials(app) }), 200, expected);
    assertAnswer(
      await introspect({ token: tokens.refresh_token, token_type_hint: 'refresh_token', ...credentials(app) }),
      200,
      expected,
    );

    t.clock.advance(TTL);
    assertAnswer(await introspect({ token: tokens.access_token, ...credentials(app) }), 200, INACTIVE);
    assertAnswer(await introspect({ token: tokens.refresh_token, ...credentials(app) }), 200, expected);
  });

  it('answers an access token {"active":false} once MONBAN_ACCESS_TOKEN_TTL has passed (RFC 7662 §2.2)', async () => {
    const { app, tokens } = await setUp('dave');
    t.clock.advance(TTL - 1);
    const live = await introspect({ token: tokens.access_token, ...credentials(app) });
    assertAnswer(live, 200, activeBody(app, 'user_rates comments topics', tokens.created_at, { exp: true }));
    t.clock.advance(1);
    assertAnswer(await introspect({ token: tokens.access_token, ...credentials(app) }), 200, INACTIVE);
  });

  it('answers a revoked access or refresh token {"active":false} (RFC 7662 §2.2)', async () => {
    const { app, tokens } = await setUp('erin');
    const revoked = await t.server.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: tokens.access_token, ...credentials(app) }).toString(),
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assertAnswer(await introspect({ token: tokens.access_token, ...credentials(app) }), 200, INACTIVE);
    assertAnswer(await introspect({ token: tokens.refresh_token, ...credentials(app) }), 200, INACTIVE);
  });

  it('answers a refresh token retired by rotation {"active":false} (compatibility.md §4.4)', async () => {
    const { app, tokens } = await setUp('frank');
    const refreshed = await t.token({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      ...credentials(app),
    });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    // The old pair stays valid until the new access token is first used.
    const before = await introspect({ token: tokens.refresh_token, ...credentials(app) });
    assert.equal(before.json().active, true);
    const used = await t.whoami(refreshed.json().access_token as string);
    assert.equal(used.statusCode, 200, used.body);
    assertAnswer(await introspect({ token: tokens.refresh_token, ...credentials(app) }), 200, INACTIVE);
  });

  it('answers an unknown token {"active":false} (RFC 7662 §2.2)', async () => {
    const { app } = await setUp('grace');
    assertAnswer(await introspect({ token: 'x'.repeat(43), ...credentials(app) }), 200, INACTIVE);
    assertAnswer(await introspect({ token: 'x'.repeat(43) }, { authorization: basic(app) }), 200, INACTIVE);
  });

  it("answers another application's token {\"active\":false}, whether asked by credentials or bearer (RFC 7662 §2.2)", async () => {
    const { tokens } = await setUp('henry');
    const { app: otherApp, tokens: otherTokens } = await setUp('ivan');
    assertAnswer(await introspect({ token: tokens.access_token, ...credentials(otherApp) }), 200, INACTIVE);
    assertAnswer(await introspect({ token: tokens.refresh_token }, { authorization: basic(otherApp) }), 200, INACTIVE);
    assertAnswer(
      await introspect({ token: tokens.access_token }, { authorization: `Bearer ${otherTokens.access_token}` }),
      200,
      INACTIVE,
    );
  });

  it('refuses a request with neither client credentials nor a bearer token: 400 invalid_request (Doorkeeper)', async () => {
    const { tokens } = await setUp('judy');
    assertAnswer(await introspect({ token: tokens.access_token }), 400, NOT_AUTHORIZED);
  });

  it('refuses wrong client credentials: 401 invalid_client (RFC 6749 §5.2)', async () => {
    const { app, tokens } = await setUp('kim');
    const inBody = await introspect({ token: tokens.access_token, client_id: app.clientId, client_secret: 'wrong' });
    assertAnswer(inBody, 401, INVALID_CLIENT);
    const inHeader = await introspect({ token: tokens.access_token }, { authorization: basic(app, 'wrong') });
    assertAnswer(inHeader, 401, INVALID_CLIENT);
    assert.equal(inHeader.headers['www-authenticate'], 'Basic realm="Doorkeeper"');
    const unknownClient = await introspect({
      token: tokens.access_token,
      client_id: 'x'.repeat(43),
      client_secret: 's',
    });
    assertAnswer(unknownClient, 401, INVALID_CLIENT);
    // A client_id without its secret is a client that failed to authenticate, not an unauthorized request.
    assertAnswer(await introspect({ token: tokens.access_token, client_id: app.clientId }), 401, INVALID_CLIENT);
  });

  it('refuses an invalid bearer token as authorization: 401 invalid_token (RFC 7662 §2.1, RFC 6750 §3.1)', async () => {
    const { tokens } = await setUp('leo');
    const response = await introspect({ token: tokens.access_token }, { authorization: `Bearer ${'y'.repeat(43)}` });
    assertAnswer(response, 401, '{"error":"invalid_token","error_description":"The access token is invalid"}');
    assert.equal(
      response.headers['www-authenticate'],
      'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"',
    );
  });

  it('describes a client_credentials token, which has no user, like any access token (compatibility.md §4.5)', async () => {
    const mia = await t.createUser('mia');
    const app = await t.createApp(mia.id);
    const issued = await t.token({ grant_type: 'client_credentials', ...credentials(app) });
    assert.equal(issued.statusCode, 200, issued.body);
    const { access_token, created_at } = issued.json() as { access_token: string; created_at: number };
    const response = await introspect({ token: access_token, ...credentials(app) });
    assertAnswer(response, 200, activeBody(app, 'user_rates comments topics', created_at, { exp: true }));
  });

  it('refuses a request without token: 400 invalid_request (RFC 7662 §2.1)', async () => {
    const { app } = await setUp('nina');
    assertAnswer(
      await introspect(credentials(app)),
      400,
      '{"error":"invalid_request","error_description":"Missing required parameter: token."}',
    );
  });
});
