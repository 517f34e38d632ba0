/**
 * CORS as Shikimori's rack-cors answers it (compatibility.md §6, "CORS"): `/api/*` and `POST /oauth/token` from any
 * origin, without credentials; nothing on the pages. Preflights are answered before the rate limits and without the
 * database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestMonban } from '../helpers/monban.js';

const ORIGIN = 'https://spa.example';
const ADDRESS = '198.51.100.7';
const API_METHODS = 'GET, OPTIONS, POST, PUT, PATCH, DELETE';
const EXPOSED = 'RateLimit-Policy, RateLimit, Retry-After';

function preflight(t: TestMonban, url: string, method: string, headers: Record<string, string> = {}) {
  return t.server.inject({
    method: 'OPTIONS',
    url,
    remoteAddress: ADDRESS,
    headers: { origin: ORIGIN, 'access-control-request-method': method, ...headers },
  });
}

/** The CORS headers of an answer, and nothing else. */
function corsOf(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-')));
}

describe('CORS (compatibility.md §6)', () => {
  let t: TestMonban;
  let token: string;

  before(async () => {
    t = await TestMonban.start();
    const alice = await t.createUser('alice');
    const app = await t.createApp(alice.id);
    token = (await t.tokensFor(await t.browserFor('alice'), app)).access_token;
  });
  after(() => t.close());

  it('answers an API preflight 200, empty, with any origin, the methods and the requested headers', async () => {
    const response = await preflight(t, '/api/users/whoami', 'GET', {
      'access-control-request-headers': 'authorization, x-custom',
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
    assert.equal(response.headers['content-type'], undefined);
    assert.deepEqual(corsOf(response.headers), {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': API_METHODS,
      'access-control-expose-headers': EXPOSED,
      'access-control-max-age': '7200',
      'access-control-allow-headers': 'authorization, x-custom',
    });
    assert.equal(response.headers['access-control-allow-credentials'], undefined);
    assert.equal(typeof response.headers['x-request-id'], 'string');
  });

  it('answers a preflight for any API path and method, without Allow-Headers when none are asked for', async () => {
    for (const [url, method] of [
      ['/api/v2/user_rates/1', 'PATCH'],
      ['/api/nothing/here', 'DELETE'],
      ['/api', 'post'],
    ] as const) {
      const response = await preflight(t, url, method);
      assert.equal(response.statusCode, 200, url);
      assert.deepEqual(
        corsOf(response.headers),
        {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': API_METHODS,
          'access-control-expose-headers': EXPOSED,
          'access-control-max-age': '7200',
        },
        url,
      );
    }
  });

  it('allows POST on /oauth/token, and nothing else there', async () => {
    const post = await preflight(t, '/oauth/token', 'POST', { 'access-control-request-headers': 'content-type' });
    assert.equal(post.statusCode, 200);
    assert.deepEqual(corsOf(post.headers), {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-expose-headers': EXPOSED,
      'access-control-max-age': '7200',
      'access-control-allow-headers': 'content-type',
    });
    // A method not allowed: rack-cors still answers 200, with no CORS headers, which the browser takes as a refusal.
    const get = await preflight(t, '/oauth/token', 'GET');
    assert.equal(get.statusCode, 200);
    assert.deepEqual(corsOf(get.headers), {});
  });

  it('gives the pages and the other OAuth endpoints no CORS headers, not even on a preflight', async () => {
    for (const url of ['/oauth/authorize', '/oauth/revoke', '/oauth/applications', '/users/sign_in', '/oauth']) {
      const response = await preflight(t, url, 'POST');
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.body, '', url);
      assert.deepEqual(corsOf(response.headers), {}, url);
      const page = await t.server.inject({ method: 'GET', url, headers: { origin: ORIGIN } });
      assert.deepEqual(corsOf(page.headers), {}, url);
      assert.equal(page.headers.vary, undefined, url);
    }
  });

  it('adds the CORS headers and Vary: Origin to actual API answers, successes and errors alike', async () => {
    const ok = await t.server.inject({
      method: 'GET',
      url: '/api/users/whoami',
      headers: { origin: ORIGIN, authorization: `Bearer ${token}` },
    });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(corsOf(ok.headers), {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': API_METHODS,
      'access-control-expose-headers': EXPOSED,
      'access-control-max-age': '7200',
    });
    assert.equal(ok.headers.vary, 'Origin');
    const bad = await t.server.inject({
      method: 'GET',
      url: '/api/users/whoami',
      headers: { origin: ORIGIN, authorization: 'Bearer nope' },
    });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.headers['access-control-allow-origin'], '*');
    const missing = await t.server.inject({ method: 'GET', url: '/api/nope', headers: { origin: ORIGIN } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['access-control-allow-origin'], '*');
  });

  it('adds them to the token endpoint answers, and leaves Access-Control-Allow-Credentials out', async () => {
    const response = await t.token({ grant_type: 'client_credentials' }, { origin: ORIGIN });
    assert.equal(response.statusCode, 401);
    assert.deepEqual(corsOf(response.headers), {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-expose-headers': EXPOSED,
      'access-control-max-age': '7200',
    });
    assert.equal(response.headers.vary, 'Origin');
  });

  it('sends Vary: Origin on API answers without an Origin, but no CORS headers', async () => {
    const response = await t.server.inject({ method: 'GET', url: '/api/users/whoami' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(corsOf(response.headers), {});
    assert.equal(response.headers.vary, 'Origin');
  });

  it('reads the path as the router does: a percent-encoded API path is the API', async () => {
    const response = await preflight(t, '/%61pi/users/whoami', 'GET');
    assert.equal(response.headers['access-control-allow-origin'], '*');
  });
});

describe('CORS preflights and the rate limits', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start({ MONBAN_RATE_LIMIT: '3/h' });
  });
  after(() => t.close());

  it('does not count preflights against the per-address limits (rack-cors runs before rack-attack)', async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal((await preflight(t, '/api/users/whoami', 'GET')).statusCode, 200);
    }
    for (let i = 0; i < 3; i++) {
      const response = await t.server.inject({ method: 'GET', url: '/api/users/whoami', remoteAddress: ADDRESS });
      assert.equal(response.statusCode, 200);
    }
    const limited = await t.server.inject({
      method: 'GET',
      url: '/api/users/whoami',
      remoteAddress: ADDRESS,
      headers: { origin: ORIGIN },
    });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.body, 'Retry later\n');
    // The throttled answer passes through CORS too, as rack-attack's does through rack-cors.
    assert.equal(limited.headers['access-control-allow-origin'], '*');
    // And a preflight still answers while the address is throttled.
    assert.equal((await preflight(t, '/api/users/whoami', 'GET')).headers['access-control-allow-origin'], '*');
  });
});

describe('CORS preflights without the database', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  it('answers preflights while the database is closed, even with a bearer token on them', async () => {
    await t.monban.database.close();
    t.monban.ctx.reportError = () => {};
    const response = await preflight(t, '/api/users/whoami', 'GET', { authorization: 'Bearer whatever' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['access-control-allow-origin'], '*');
    // Whereas the request itself needs the database for its token: it fails, with CORS headers all the same.
    const actual = await t.server.inject({
      method: 'GET',
      url: '/api/users/whoami',
      headers: { origin: ORIGIN, authorization: 'Bearer whatever' },
    });
    assert.ok(actual.statusCode >= 500, String(actual.statusCode));
    assert.equal(actual.headers['access-control-allow-origin'], '*');
  });
});
