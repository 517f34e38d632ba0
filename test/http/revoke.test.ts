import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { TestMonban, type TestApp } from '../helpers/monban.js';

const JSON_TYPE = 'application/json; charset=utf-8';

const UNAUTHORIZED_CLIENT =
  '{"error":"unauthorized_client","error_description":"You are not authorized to revoke this token"}';
const INVALID_CLIENT =
  '{"error":"invalid_client","error_description":"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."}';
const INVALID_GRANT =
  '{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}';

/** Every revocation answer, success or error, must not be cached (RFC 6749 §5.1, compatibility.md §4.3 headers). */
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

describe('POST /oauth/revoke (RFC 7009, compatibility.md §4.6)', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  const revoke = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    t.server.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(form).toString(),
    });

  const credentials = (app: TestApp) => ({ client_id: app.clientId, client_secret: app.clientSecret });

  const refresh = (app: TestApp, refreshToken: string) =>
    t.token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...credentials(app) });

  /** A user, an app of theirs, a signed-in browser and one pair of tokens. */
  async function setUp(nickname: string) {
    const user = await t.createUser(nickname);
    const app = await t.createApp(user.id);
    const browser = await t.browserFor(nickname);
    const tokens = await t.tokensFor(browser, app);
    return { user, app, browser, tokens };
  }

  async function assertAccessAlive(accessToken: string): Promise<void> {
    const response = await t.whoami(accessToken);
    assert.equal(response.statusCode, 200, response.body);
  }

  async function assertAccessDead(accessToken: string): Promise<void> {
    const response = await t.whoami(accessToken);
    assert.equal(response.statusCode, 401, response.body);
  }

  async function assertRefreshDead(app: TestApp, refreshToken: string): Promise<void> {
    const response = await refresh(app, refreshToken);
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.body, INVALID_GRANT);
  }

  it('answers an unknown token with 200 {} (RFC 7009 §2.2), with or without client credentials', async () => {
    const { app } = await setUp('alice');
    assertAnswer(await revoke({ token: 'x'.repeat(43), ...credentials(app) }), 200, '{}');
    assertAnswer(await revoke({ token: 'x'.repeat(43) }), 200, '{}');
  });

  it('refuses a request without token: 400 invalid_request', async () => {
    const { app } = await setUp('bob');
    const response = await revoke(credentials(app));
    assertAnswer(
      response,
      400,
      '{"error":"invalid_request","error_description":"Missing required parameter: token."}',
    );
  });

  it("refuses another application's credentials, or none, with 403 unauthorized_client; the token lives on", async () => {
    const { tokens } = await setUp('carol');
    const dave = await t.createUser('dave');
    const otherApp = await t.createApp(dave.id);

    assertAnswer(await revoke({ token: tokens.access_token, ...credentials(otherApp) }), 403, UNAUTHORIZED_CLIENT);
    const inHeader = await revoke({ token: tokens.refresh_token }, { authorization: basic(otherApp) });
    assertAnswer(inHeader, 403, UNAUTHORIZED_CLIENT);
    assertAnswer(await revoke({ token: tokens.access_token }), 403, UNAUTHORIZED_CLIENT);
    const hinted = await revoke({ token: tokens.refresh_token, token_type_hint: 'refresh_token' });
    assertAnswer(hinted, 403, UNAUTHORIZED_CLIENT);
    await assertAccessAlive(tokens.access_token);
  });

  it('refuses a wrong client secret with 401 invalid_client (RFC 6749 §5.2); the token lives on', async () => {
    const { app, tokens } = await setUp('erin');
    const inBody = await revoke({ token: tokens.access_token, client_id: app.clientId, client_secret: 'wrong' });
    assertAnswer(inBody, 401, INVALID_CLIENT);
    assert.equal(
      inBody.headers['www-authenticate'],
      'Bearer realm="Doorkeeper", error="invalid_client", error_description="Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."',
    );

    const inHeader = await revoke({ token: tokens.access_token }, { authorization: basic(app, 'wrong') });
    assertAnswer(inHeader, 401, INVALID_CLIENT);
    // RFC 6749 §5.2: a client that tried Basic is challenged with its scheme.
    assert.equal(inHeader.headers['www-authenticate'], 'Basic realm="Doorkeeper"');
    await assertAccessAlive(tokens.access_token);
  });

  it('revokes an access token of the same application: 200 {}, then whoami answers 401', async () => {
    const { app, tokens } = await setUp('frank');
    await assertAccessAlive(tokens.access_token);
    assertAnswer(await revoke({ token: tokens.access_token, ...credentials(app) }), 200, '{}');
    await assertAccessDead(tokens.access_token);
    // Doorkeeper keeps both secrets on one row, so the refresh token goes with it.
    await assertRefreshDead(app, tokens.refresh_token);
    // Revoking it again is still a success (RFC 7009 §2.2).
    assertAnswer(await revoke({ token: tokens.access_token, ...credentials(app) }), 200, '{}');
  });

  it('accepts HTTP Basic client credentials (RFC 6749 §2.3.1)', async () => {
    const { app, tokens } = await setUp('grace');
    assertAnswer(await revoke({ token: tokens.access_token }, { authorization: basic(app) }), 200, '{}');
    await assertAccessDead(tokens.access_token);
  });

  for (const hint of [undefined, 'refresh_token', 'access_token']) {
    it(`revoking the refresh token (token_type_hint ${hint ?? 'absent'}) kills it and its access token (RFC 7009 §2.1)`, async () => {
      const { app, tokens } = await setUp(`henry-${hint ?? 'none'}`);
      const form: Record<string, string> = { token: tokens.refresh_token, ...credentials(app) };
      // A wrong hint only changes where the server looks first (RFC 7009 §2.1).
      if (hint !== undefined) form.token_type_hint = hint;
      assertAnswer(await revoke(form), 200, '{}');
      await assertAccessDead(tokens.access_token);
      await assertRefreshDead(app, tokens.refresh_token);
    });
  }

  it('revoking any refresh token of a family revokes every token refreshed from the same code (RFC 7009 §2.1)', async () => {
    const { app, browser, tokens: first } = await setUp('ivan');
    const secondResponse = await refresh(app, first.refresh_token);
    assert.equal(secondResponse.statusCode, 200, secondResponse.body);
    const second = secondResponse.json() as { access_token: string; refresh_token: string };
    // No access token is used, so the lazy rotation (compatibility.md §4.4) leaves every earlier pair alive until the revocation.
    const thirdResponse = await refresh(app, second.refresh_token);
    assert.equal(thirdResponse.statusCode, 200, thirdResponse.body);
    const third = thirdResponse.json() as { access_token: string; refresh_token: string };
    // Another authorization of the same user and application is another family.
    const unrelated = await t.tokensFor(browser, app);

    // Every pair is alive before the revocation (introspection by the client does not count as a use).
    for (const pair of [first, second, third]) {
      const before = await t.server.inject({
        method: 'POST',
        url: '/oauth/introspect',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ token: pair.access_token, ...credentials(app) }).toString(),
      });
      assert.equal(before.json().active, true, before.body);
    }
    assertAnswer(await revoke({ token: second.refresh_token, ...credentials(app) }), 200, '{}');
    for (const pair of [first, second, third]) {
      await assertAccessDead(pair.access_token);
      await assertRefreshDead(app, pair.refresh_token);
    }
    await assertAccessAlive(unrelated.access_token);
  });

  it('revokes a client_credentials token of the same application (compatibility.md §4.5)', async () => {
    const kim = await t.createUser('kim');
    const app = await t.createApp(kim.id);
    const issued = await t.token({ grant_type: 'client_credentials', ...credentials(app) });
    assert.equal(issued.statusCode, 200, issued.body);
    const token = issued.json().access_token as string;
    assertAnswer(await revoke({ token, ...credentials(app) }), 200, '{}');
    await assertAccessDead(token);
  });

  it('refuses a repeated parameter: 400 invalid_request (RFC 6749 §3.2)', async () => {
    const { app, tokens } = await setUp('leo');
    const response = await t.server.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([
        ['token', tokens.access_token],
        ['token', tokens.refresh_token],
        ['client_id', app.clientId],
        ['client_secret', app.clientSecret],
      ]).toString(),
    });
    assertAnswer(
      response,
      400,
      '{"error":"invalid_request","error_description":"Parameter included more than once: token."}',
    );
    await assertAccessAlive(tokens.access_token);
  });
});
