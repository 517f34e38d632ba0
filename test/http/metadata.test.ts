/**
 * Issue 11: the discovery documents, the authorization server's (RFC 8414) and the API's (RFC 9728), and that
 * what they advertise is what Monban serves (security.md #1, #2, #3).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { TestMonban } from '../helpers/monban.js';

const SERVER_METADATA_PATH = '/.well-known/oauth-authorization-server';
const RESOURCE_METADATA_PATHS = ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/api'];
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8414 §2 for MONBAN_PUBLIC_URL=https://auth.example.test, key for key and in this order. */
const SERVER_METADATA =
  '{"issuer":"https://auth.example.test",' +
  '"authorization_endpoint":"https://auth.example.test/oauth/authorize",' +
  '"token_endpoint":"https://auth.example.test/oauth/token",' +
  '"revocation_endpoint":"https://auth.example.test/oauth/revoke",' +
  '"introspection_endpoint":"https://auth.example.test/oauth/introspect",' +
  '"device_authorization_endpoint":"https://auth.example.test/oauth/device_authorization",' +
  '"scopes_supported":["user_rates","comments","topics"],' +
  '"response_types_supported":["code"],' +
  '"response_modes_supported":["query"],' +
  `"grant_types_supported":["authorization_code","refresh_token","client_credentials","${DEVICE_CODE}"],` +
  '"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","none"],' +
  '"revocation_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","none"],' +
  '"introspection_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","none"],' +
  '"code_challenge_methods_supported":["S256"],' +
  '"authorization_response_iss_parameter_supported":true,' +
  '"service_documentation":"https://auth.example.test/oauth"}';

/** RFC 9728 §2 for the API, under the same public URL. */
const RESOURCE_METADATA =
  '{"resource":"https://auth.example.test/api",' +
  '"authorization_servers":["https://auth.example.test"],' +
  '"scopes_supported":["user_rates","comments","topics"],' +
  '"bearer_methods_supported":["header","body","query"],' +
  '"resource_documentation":"https://auth.example.test/oauth"}';

/** Public JSON that any origin may read and caches may keep a while, without the pages' headers. */
function assertPublicJson(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(response.headers['cache-control'], 'public, max-age=300');
  assert.equal(response.headers['access-control-allow-origin'], '*');
  assert.equal(response.headers['x-frame-options'], undefined);
  assert.equal(response.headers['content-security-policy'], undefined);
  assert.equal(response.headers['set-cookie'], undefined);
}

describe('discovery metadata (RFC 8414, RFC 9728; issue 11)', () => {
  let t: TestMonban;
  before(async () => {
    // A trailing slash in the setting is not part of the issuer (RFC 8414 §2: no trailing slash needed).
    t = await TestMonban.start({ MONBAN_PUBLIC_URL: 'https://auth.example.test/' });
  });
  after(() => t.close());

  const get = (url: string, headers: Record<string, string> = {}) => t.server.inject({ method: 'GET', url, headers });

  it('serves the authorization server metadata with every field, exactly (security.md #1)', async () => {
    const response = await get(SERVER_METADATA_PATH);
    assertPublicJson(response);
    assert.equal(response.body, SERVER_METADATA);
  });

  it('serves the API metadata at the bare well-known path and at the one for /api (RFC 9728 §3.1)', async () => {
    for (const path of RESOURCE_METADATA_PATHS) {
      const response = await get(path);
      assertPublicJson(response);
      assert.equal(response.body, RESOURCE_METADATA, path);
    }
  });

  it('answers HEAD with the headers and a CORS preflight from any origin', async () => {
    for (const path of [SERVER_METADATA_PATH, ...RESOURCE_METADATA_PATHS]) {
      const head = await t.server.inject({ method: 'HEAD', url: path });
      assertPublicJson(head);
      assert.equal(head.body, '');
      const preflight = await t.server.inject({
        method: 'OPTIONS',
        url: path,
        headers: {
          origin: 'https://spa.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'mcp-protocol-version',
        },
      });
      assert.equal(preflight.statusCode, 204, path);
      assert.equal(preflight.body, '');
      assert.equal(preflight.headers['access-control-allow-origin'], '*');
      assert.equal(preflight.headers['access-control-allow-methods'], 'GET');
      assert.equal(preflight.headers['access-control-allow-headers'], '*');
      assert.equal(preflight.headers['access-control-max-age'], '86400');
    }
  });

  it('advertises only endpoints that exist, on this server (security.md #2)', async () => {
    const metadata = JSON.parse((await get(SERVER_METADATA_PATH)).body) as Record<string, unknown>;
    const endpoints: Array<[string, 'GET' | 'POST']> = [
      ['authorization_endpoint', 'GET'],
      ['token_endpoint', 'POST'],
      ['revocation_endpoint', 'POST'],
      ['introspection_endpoint', 'POST'],
      ['device_authorization_endpoint', 'POST'],
      ['service_documentation', 'GET'],
    ];
    for (const [field, method] of endpoints) {
      assert.equal(typeof metadata[field], 'string', `${field} is missing`);
      const url = new URL(String(metadata[field]));
      assert.equal(url.origin, 'https://auth.example.test', field);
      const response = await t.server.inject({ method, url: url.pathname });
      assert.notEqual(response.statusCode, 404, `${field}: ${response.statusCode} ${response.body.slice(0, 200)}`);
      assert.ok(response.statusCode < 500, `${field}: ${response.statusCode}`);
    }
  });

  it('advertises only grant types the token endpoint accepts (security.md #2)', async () => {
    const metadata = JSON.parse((await get(SERVER_METADATA_PATH)).body) as { grant_types_supported: string[] };
    for (const grantType of [...metadata.grant_types_supported, 'password', 'implicit']) {
      const response = await t.token({ grant_type: grantType });
      const error = (response.json() as { error?: string }).error;
      const advertised = metadata.grant_types_supported.includes(grantType);
      assert.equal(error === 'unsupported_grant_type', !advertised, `${grantType}: ${response.body}`);
    }
  });
});
