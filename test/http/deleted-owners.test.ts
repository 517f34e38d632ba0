/**
 * Issue 9: a token or code whose application or user was deleted behind Monban's back (SQLite with foreign keys
 * off, so without the cascade Monban's own deletes have) is dead everywhere: 401 invalid_token at the API, 400
 * invalid_grant at the token endpoint, {"active":false} at introspection, 200 at revocation (RFC 7009 §2.2), and
 * never a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { assertTokenError, INVALID_CLIENT, INVALID_GRANT } from './token-support.js';

/** The 401 Shikimori's API sends for any token it does not accept, byte for byte (compatibility.md §5). */
const INVALID_TOKEN_BODY =
  '{"error":"invalid_token","error_description":"The access token is invalid","state":"unauthorized"}';

function assertInvalidToken(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 401, response.body);
  assert.equal(response.body, INVALID_TOKEN_BODY);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(
    response.headers['www-authenticate'],
    'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid", ' +
      'resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/api"',
  );
}

function assertJson(response: LightMyRequestResponse, status: number, body: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.body, body);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(response.headers['cache-control'], 'no-store, no-cache');
}

describe('tokens and codes of an application or user deleted behind Monban (issue 9)', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  /** A delete made by hand on the database, with SQLite's foreign keys off: nothing cascades. */
  async function deleteBehindMonban(table: 'users' | 'applications', id: number): Promise<void> {
    const db = t.monban.database.db;
    await sql`pragma foreign_keys = off`.execute(db);
    try {
      await db.deleteFrom(table).where('id', '=', id).execute();
    } finally {
      await sql`pragma foreign_keys = on`.execute(db);
    }
  }

  const credentials = (app: TestApp) => ({ client_id: app.clientId, client_secret: app.clientSecret });

  const post = (url: string, form: Record<string, string>) =>
    t.server.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });

  const refresh = (app: TestApp, refreshToken: string) =>
    t.token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...credentials(app) });

  /** A developer's application, and for a user of it: tokens, and a code not yet redeemed. */
  async function setUp(developer: string, nickname: string) {
    const owner = await t.createUser(developer);
    const user = await t.createUser(nickname);
    const app = await t.createApp(owner.id);
    const browser = await t.browserFor(nickname);
    const tokens = await t.tokensFor(browser, app);
    const code = await t.authorize(browser, app);
    assert.equal((await t.whoami(tokens.access_token)).statusCode, 200);
    return { user, app, tokens, code };
  }

  describe('the application deleted', () => {
    it('whoami: 401 invalid_token for its token, and for its client_credentials token', async () => {
      const { app, tokens } = await setUp('dev1', 'aiko');
      const machine = await t.token({ grant_type: 'client_credentials', ...credentials(app) });
      const machineToken = (machine.json() as { access_token: string }).access_token;
      assert.equal((await t.whoami(machineToken)).statusCode, 404, 'a live client_credentials token: 404 as today');
      await deleteBehindMonban('applications', app.application.id);
      assertInvalidToken(await t.whoami(tokens.access_token));
      assertInvalidToken(await t.whoami(machineToken));
    });

    it('token endpoint: refresh 400 invalid_grant, code exchange 401 invalid_client (the client is gone)', async () => {
      const { app, tokens, code } = await setUp('dev2', 'botan');
      await deleteBehindMonban('applications', app.application.id);
      // The refresh finds no live token before it authenticates the client; a code exchange authenticates first.
      assertTokenError(await refresh(app, tokens.refresh_token), 400, INVALID_GRANT);
      const exchange = { grant_type: 'authorization_code', code, redirect_uri: app.application.redirectUris[0] ?? '' };
      assertTokenError(await t.token({ ...exchange, ...credentials(app) }), 401, INVALID_CLIENT);
    });

    it('revocation without credentials: 200 {} as for an unknown token (RFC 7009 §2.2), not 403', async () => {
      const { app, tokens } = await setUp('dev4', 'daiki');
      await deleteBehindMonban('applications', app.application.id);
      assertJson(await post('/oauth/revoke', { token: tokens.access_token }), 200, '{}');
      assertJson(await post('/oauth/revoke', { token: tokens.refresh_token }), 200, '{}');
    });
  });

  describe('the user deleted', () => {
    it("whoami: 401 invalid_token; introspection: inactive; the application's own token unaffected", async () => {
      const { user, app, tokens } = await setUp('dev5', 'emi');
      const machine = await t.token({ grant_type: 'client_credentials', ...credentials(app) });
      const machineToken = (machine.json() as { access_token: string }).access_token;
      await deleteBehindMonban('users', user.id);
      assertInvalidToken(await t.whoami(tokens.access_token));
      for (const token of [tokens.access_token, tokens.refresh_token]) {
        assertJson(await post('/oauth/introspect', { token, ...credentials(app) }), 200, '{"active":false}');
      }
      // A client_credentials token has no user to miss.
      assert.equal((await t.whoami(machineToken)).statusCode, 404, 'as for any client_credentials token');
      const introspected = await post('/oauth/introspect', { token: machineToken, ...credentials(app) });
      assert.equal((introspected.json() as { active: boolean }).active, true);
    });

    it('refresh: 400 invalid_grant, not a 500; revoking the token then: 200 {} (RFC 7009 §2.2)', async () => {
      const { user, app, tokens } = await setUp('dev7', 'gin');
      await deleteBehindMonban('users', user.id);
      assertTokenError(await refresh(app, tokens.refresh_token), 400, INVALID_GRANT);
      assertJson(await post('/oauth/revoke', { token: tokens.refresh_token, ...credentials(app) }), 200, '{}');
    });

    it('code exchange: 400 invalid_grant, not a 500', async () => {
      const { user, app, code } = await setUp('dev8', 'hina');
      await deleteBehindMonban('users', user.id);
      const exchange = { grant_type: 'authorization_code', code, redirect_uri: app.application.redirectUris[0] ?? '' };
      assertTokenError(await t.token({ ...exchange, ...credentials(app) }), 400, INVALID_GRANT);
    });
  });
});
