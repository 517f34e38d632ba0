import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser } from '../helpers/browser.js';
import { PASSWORD, TestMonban } from '../helpers/monban.js';
import { LogCapture } from './support.js';

const OOB = 'urn:ietf:wg:oauth:2.0:oob';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/**
 * The issue: "tokens, codes, secrets, passwords and Authorization headers are redacted, and a test proves it".
 * The whole flow runs at debug (every line the server can write), with each secret in every place a request can
 * carry it; then no log line may contain any of them.
 */
describe('logs: JSON lines with a request id, and no secret in any of them', () => {
  const log = new LogCapture();
  const secrets = new Map<string, string>();
  let t: TestMonban;

  before(async () => {
    t = await TestMonban.start({ MONBAN_LOG_LEVEL: 'debug' }, { logDestination: log });
    // As src/app.ts reports errors (the test harness makes them throw instead).
    t.monban.ctx.reportError = (err) => t.server.log.error({ err }, 'unexpected error');

    const alice = await t.createUser('alice');
    const app = await t.createApp(alice.id, { redirectUris: [OOB] });
    secrets.set('password', PASSWORD);
    secrets.set('client_secret', app.clientSecret);
    secrets.set('basic header', basic(app.clientId, app.clientSecret).slice('Basic '.length));

    // Sign-up and sign-in forms: passwords in bodies, the session cookie and CSRF token in headers.
    const visitor = new Browser(t.server);
    const signUp = await visitor.get('/users/sign_up');
    const signUpPassword = 'sign-up password 7rT9qZ';
    secrets.set('sign-up password', signUpPassword);
    await visitor.submit(signUp.body, 'form', {
      nickname: 'bob',
      password: signUpPassword,
      password_confirmation: signUpPassword,
    });
    const wrongPassword = 'wrong password Xq81mN';
    secrets.set('wrong password', wrongPassword);
    const stranger = new Browser(t.server);
    const page = await stranger.get('/users/sign_in');
    assert.equal((await stranger.submit(page.body, 'form', { nickname: 'alice', password: wrongPassword })).statusCode, 401);

    const browser = await t.browserFor('alice');
    for (const [name, value] of browser.cookies) secrets.set(`cookie ${name}`, value);

    // The code, in the out-of-band page's path and in the exchange's body.
    const code = await t.authorize(browser, app);
    secrets.set('code', code);
    // Signing in forgot the CSRF secret (issue 9); the consent page set a new one.
    for (const [name, value] of browser.cookies) secrets.set(`cookie ${name} at consent`, value);
    assert.equal((await browser.get(`/oauth/authorize/${code}`)).statusCode, 200);
    const exchanged = await t.token(
      { grant_type: 'authorization_code', code, redirect_uri: OOB },
      { authorization: basic(app.clientId, app.clientSecret) },
    );
    assert.equal(exchanged.statusCode, 200, exchanged.body);
    const { access_token: accessToken, refresh_token: refreshToken } = exchanged.json();
    secrets.set('access_token', accessToken);
    secrets.set('refresh_token', refreshToken);

    // The access token in a Bearer header and in the query string; the refresh token in a JSON body.
    assert.equal((await t.whoami(accessToken)).statusCode, 200);
    assert.equal((await t.server.inject(`/api/users/whoami?access_token=${accessToken}`)).statusCode, 200);
    const refreshed = await t.server.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      }),
    });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    secrets.set('refreshed access_token', refreshed.json().access_token);
    secrets.set('refreshed refresh_token', refreshed.json().refresh_token);

    // Revocation and introspection with the token in the body; a body that cannot be parsed, secret inside.
    for (const url of ['/oauth/introspect', '/oauth/revoke']) {
      const payload = form({ token: refreshed.json().access_token, client_id: app.clientId, client_secret: app.clientSecret });
      assert.equal((await t.server.inject({ method: 'POST', url, headers: FORM, payload })).statusCode, 200);
    }
    const broken = await t.server.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: `{"client_secret":"${app.clientSecret}",`,
    });
    assert.equal(broken.statusCode, 400);

    // A server error in the middle of a token request carrying the secret in the body and in Basic.
    const applications = t.stores.applications;
    const findByUid = applications.findByUid.bind(applications);
    applications.findByUid = async () => {
      throw new Error('the store failed');
    };
    try {
      const credentialsIn = {
        basic: { headers: { ...FORM, authorization: basic(app.clientId, app.clientSecret) }, fields: {} },
        body: { headers: FORM, fields: { client_id: app.clientId, client_secret: app.clientSecret } },
      };
      for (const [where, { headers, fields }] of Object.entries(credentialsIn)) {
        const failed = await t.server.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { ...headers, 'x-request-id': `failing-${where}` },
          payload: form({ grant_type: 'client_credentials', ...fields }),
        });
        assert.equal(failed.statusCode, 500, failed.body);
        assert.equal(failed.json().error, 'server_error');
      }
    } finally {
      applications.findByUid = findByUid;
    }
  });
  after(() => t.close());

  it('writes only JSON lines', () => {
    assert.ok(log.lines.length > 20, `${log.lines.length} lines`);
    assert.doesNotThrow(() => log.entries);
  });

  it('contains none of the secrets the requests carried, anywhere', () => {
    assert.ok(secrets.size >= 12);
    const leaks = [...secrets].flatMap(([name, value]) =>
      log.lines.filter((line) => line.includes(value)).map((line) => `${name} in ${line}`),
    );
    assert.deepEqual(leaks, []);
  });

  it('writes one line per request with method, redacted URL, status and duration, under its request id', () => {
    const completed = log.withMessage('request completed');
    for (const entry of completed) {
      const fields = ['durationMs', 'ip', 'method', 'reqId', 'status', 'url'];
      assert.deepEqual(Object.keys(entry).filter((k) => fields.includes(k)).sort(), fields);
      assert.equal(entry.level, 30);
    }
    const urls = completed.map((e) => `${e.method} ${e.url} ${e.status}`);
    assert.ok(urls.includes('GET /oauth/authorize/[REDACTED] 200'), urls.join('\n'));
    assert.ok(urls.includes('GET /api/users/whoami?access_token=[REDACTED] 200'), urls.join('\n'));
    assert.ok(urls.includes('POST /oauth/token 500'), urls.join('\n'));
    // Each request once: ids are not shared between completed requests.
    const ids = completed.map((e) => e.reqId);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('logs the server errors with their stack, at error, beside their request lines', () => {
    for (const id of ['failing-basic', 'failing-body']) {
      assert.deepEqual(
        log.entries.filter((e) => e.reqId === id).map((e) => [e.level, e.msg, e.status]),
        [
          [20, 'request received', undefined],
          [30, 'request completed', 500],
        ],
      );
    }
    const reported = log.withMessage('unexpected error');
    assert.equal(reported.length, 2);
    for (const entry of reported) {
      assert.equal(entry.level, 50);
      const err = entry.err as { message: string; stack: string };
      assert.equal(err.message, 'the store failed');
      assert.match(err.stack, /the store failed/);
    }
  });
});

describe('request ids (X-Request-Id)', () => {
  const log = new LogCapture();
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start({ MONBAN_LOG_LEVEL: 'info' }, { logDestination: log });
  });
  after(() => t.close());

  const lineOf = (id: string) => log.withMessage('request completed').find((e) => e.reqId === id);

  it("keeps the client's id and echoes it", async () => {
    const response = await t.server.inject({ url: '/healthz', headers: { 'x-request-id': 'lb-7f3a.91:2' } });
    assert.equal(response.headers['x-request-id'], 'lb-7f3a.91:2');
    assert.equal(lineOf('lb-7f3a.91:2')?.url, '/healthz');
  });

  it('replaces an id with spaces, quotes or control characters, or past 128 characters, by one of its own', async () => {
    for (const given of ['a b', 'x"y', 'a\u0007b', 'a'.repeat(129), '']) {
      const response = await t.server.inject({ url: '/healthz', headers: { 'x-request-id': given } });
      const id = String(response.headers['x-request-id']);
      assert.match(id, UUID, JSON.stringify(given));
      assert.equal(lineOf(id)?.status, 200);
    }
  });

  it('gives every request without one an id of its own, rate-limited and unknown paths included', async () => {
    const response = await t.server.inject('/no/such/page');
    assert.equal(response.statusCode, 404);
    assert.match(String(response.headers['x-request-id']), UUID);
  });
});
