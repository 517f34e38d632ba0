/**
 * Issue 11: the API's bearer errors (RFC 6750 §3). A bad token keeps Shikimori's 401 body byte for byte and its
 * challenge, which now names the API's metadata (RFC 9728 §5.1); a valid token without the scope a route needs gets
 * 403 `insufficient_scope` with Shikimori's empty body (compatibility.md §5). The token endpoint's challenges do not
 * change. security.md #82, #83.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { apiRoutes, requireScope } from '../../src/http/routes/api.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';

const PUBLIC_URL = 'https://auth.example.test';
const RESOURCE_METADATA = 'resource_metadata="https://auth.example.test/.well-known/oauth-protected-resource/api"';
const INVALID_TOKEN_BODY =
  '{"error":"invalid_token","error_description":"The access token is invalid","state":"unauthorized"}';
const INVALID_TOKEN_CHALLENGE =
  `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid", ${RESOURCE_METADATA}`;

function assertInvalidToken(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 401, response.body);
  assert.equal(response.body, INVALID_TOKEN_BODY);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(response.headers['cache-control'], 'no-store, no-cache');
  assert.equal(response.headers.pragma, 'no-cache');
  assert.equal(response.headers['www-authenticate'], INVALID_TOKEN_CHALLENGE);
}

describe('the API 401: resource_metadata added, body unchanged (RFC 9728 §5.1; issue 11)', () => {
  let t: TestMonban;
  let app: TestApp;
  before(async () => {
    t = await TestMonban.start({ MONBAN_PUBLIC_URL: PUBLIC_URL });
    const alice = await t.createUser('alice');
    app = await t.createApp(alice.id);
  });
  after(() => t.close());

  const get = (url: string, headers: Record<string, string> = {}) => t.server.inject({ method: 'GET', url, headers });

  it('an unknown token, in the header, the query or the body, on a known path or not', async () => {
    const unknown = 'u'.repeat(43);
    assertInvalidToken(await get('/api/users/whoami', { authorization: `Bearer ${unknown}` }));
    assertInvalidToken(await get(`/api/users/whoami?access_token=${unknown}`));
    assertInvalidToken(await get(`/api/animes?bearer_token=${unknown}`));
    assertInvalidToken(
      await t.server.inject({
        method: 'POST',
        url: '/api/users/whoami',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `access_token=${unknown}`,
      }),
    );
  });

  it('an expired token', async () => {
    const browser = await t.browserFor('alice');
    const tokens = await t.tokensFor(browser, app);
    t.clock.advance(86_400 + 1);
    assertInvalidToken(await t.whoami(tokens.access_token));
  });

  it('other API errors keep their challenge: a token given twice is 400 without resource_metadata', async () => {
    const response = await get(`/api/users/whoami?access_token=${'a'.repeat(43)}`, {
      authorization: `Bearer ${'a'.repeat(43)}`,
    });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(
      response.headers['www-authenticate'],
      'Bearer realm="Doorkeeper", error="invalid_request", error_description="The access token was given in more than one way."',
    );
  });

  it("the token and introspection endpoints' challenges are unchanged", async () => {
    const token = await t.token({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: 'wrong' });
    assert.equal(token.statusCode, 401, token.body);
    assert.equal(
      token.headers['www-authenticate'],
      'Bearer realm="Doorkeeper", error="invalid_client", error_description="Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."',
    );
    const introspection = await t.server.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${'i'.repeat(43)}` },
      payload: `token=${'j'.repeat(43)}`,
    });
    assert.equal(introspection.statusCode, 401, introspection.body);
    assert.equal(
      introspection.headers['www-authenticate'],
      'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"',
    );
  });
});

describe('requireScope: a valid token without the scope is 403 insufficient_scope (RFC 6750 §3.1; issue 11)', () => {
  let t: TestMonban;
  let api: FastifyInstance;
  let app: TestApp;
  before(async () => {
    t = await TestMonban.start({ MONBAN_PUBLIC_URL: PUBLIC_URL });
    app = await t.createApp((await t.createUser('alice')).id);
    // The API as Monban mounts it, with one scope-protected route of the test's own (issue 12 brings real ones).
    const deps = { ctx: t.monban.ctx, config: t.config };
    api = Fastify();
    await api.register(
      async (scope) => {
        await apiRoutes(scope, deps);
        scope.post('/v2/scoped', { preHandler: requireScope(deps, 'user_rates') }, async () => ({ done: true }));
      },
      { prefix: '/api' },
    );
  });
  after(async () => {
    await api.close();
    await t.close();
  });

  const tokenWith = async (scope: string): Promise<string> => {
    const response = await t.token({
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope,
    });
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as { access_token: string }).access_token;
  };
  const post = (headers: Record<string, string>) => api.inject({ method: 'POST', url: '/api/v2/scoped', headers });

  it('a token without the scope: 403, the challenge naming the scope and the metadata, an empty body', async () => {
    const response = await post({ authorization: `Bearer ${await tokenWith('comments topics')}` });
    assert.equal(response.statusCode, 403, response.body);
    assert.equal(response.body, '');
    assert.equal(response.headers['content-type'], undefined);
    assert.equal(response.headers['cache-control'], 'no-store, no-cache');
    assert.equal(response.headers.pragma, 'no-cache');
    assert.equal(
      response.headers['www-authenticate'],
      `Bearer realm="Doorkeeper", error="insufficient_scope", scope="user_rates", ${RESOURCE_METADATA}`,
    );
  });

  it('a token with the scope passes', async () => {
    const response = await post({ authorization: `Bearer ${await tokenWith('user_rates')}` });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.body, '{"done":true}');
  });

  it('a bad token is refused first, with the 401', async () => {
    assertInvalidToken(await post({ authorization: `Bearer ${'b'.repeat(43)}` }));
  });

  it('no token: the scope is not checked, as on Shikimori (the route decides about guests)', async () => {
    const response = await post({});
    assert.equal(response.statusCode, 200, response.body);
  });
});
