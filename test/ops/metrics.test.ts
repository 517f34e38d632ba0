import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestMonban } from '../helpers/monban.js';
import { sample } from './support.js';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

describe('GET /metrics (Prometheus)', () => {
  let t: TestMonban;
  let exposition: string;
  let code: string;
  before(async () => {
    t = await TestMonban.start();
    const alice = await t.createUser('alice');
    const app = await t.createApp(alice.id, { redirectUris: ['urn:ietf:wg:oauth:2.0:oob'] });
    const browser = await t.browserFor('alice');
    code = await t.authorize(browser, app);
    assert.equal((await browser.get(`/oauth/authorize/${code}`)).statusCode, 200);
    const credentials = { client_id: app.clientId, client_secret: app.clientSecret };
    const redirect = { redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' };
    const exchanged = await t.token({ grant_type: 'authorization_code', code, ...redirect, ...credentials });
    assert.equal(exchanged.statusCode, 200);
    const refreshToken = exchanged.json().refresh_token;
    const refreshed = await t.token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...credentials });
    assert.equal(refreshed.statusCode, 200);
    assert.equal((await t.token({ grant_type: 'client_credentials', ...credentials })).statusCode, 200);
    const wrongSecret = { client_id: app.clientId, client_secret: 'wrong' };
    assert.equal((await t.token({ grant_type: 'client_credentials', ...wrongSecret })).statusCode, 401);
    assert.equal((await t.token({ grant_type: 'password', ...credentials })).statusCode, 400);
    const revoked = await t.server.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: refreshed.json().access_token, ...credentials }).toString(),
    });
    assert.equal(revoked.statusCode, 200);
    assert.equal((await t.server.inject('/no/such/page')).statusCode, 404);

    const response = await t.server.inject('/metrics');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], CONTENT_TYPE);
    exposition = response.body;
  });
  after(() => t.close());

  it('counts tokens issued by grant type, refreshes and revocations', () => {
    assert.equal(sample(exposition, 'monban_tokens_issued_total{grant_type="authorization_code"}'), 1);
    assert.equal(sample(exposition, 'monban_tokens_issued_total{grant_type="refresh_token"}'), 1);
    assert.equal(sample(exposition, 'monban_tokens_issued_total{grant_type="client_credentials"}'), 1);
    assert.equal(sample(exposition, 'monban_token_refreshes_total'), 1);
    assert.equal(sample(exposition, 'monban_token_revocations_total'), 1);
  });

  it('counts requests by method, route pattern and status', () => {
    const requests = (method: string, route: string, status: number) =>
      sample(exposition, `monban_http_requests_total{method="${method}",route="${route}",status="${status}"}`);
    assert.equal(requests('POST', '/oauth/token', 200), 3);
    assert.equal(requests('POST', '/oauth/token', 401), 1);
    assert.equal(requests('POST', '/oauth/token', 400), 1);
    assert.equal(requests('POST', '/oauth/revoke', 200), 1);
    assert.equal(requests('GET', '/oauth/authorize/:code', 200), 1);
    assert.equal(requests('GET', 'unmatched', 404), 1);
  });

  it('has latency histograms by method and route', () => {
    const series = 'monban_http_request_duration_seconds';
    assert.equal(sample(exposition, `${series}_count{method="POST",route="/oauth/token"}`), 5);
    assert.equal(sample(exposition, `${series}_bucket{le="+Inf",method="POST",route="/oauth/token"}`), 5);
    assert.ok((sample(exposition, `${series}_sum{method="POST",route="/oauth/token"}`) ?? -1) >= 0);
  });

  it("has the process's own metrics", () => {
    assert.ok((sample(exposition, 'monban_process_resident_memory_bytes') ?? 0) > 0);
  });

  it('never names a code or a URL in a label, only route patterns', () => {
    assert.ok(!exposition.includes(code));
    assert.ok(!exposition.includes('/no/such/page'));
  });
});

describe('MONBAN_METRICS_PORT: /metrics on a listener of its own', () => {
  it('serves /metrics there, and not on the main port', async () => {
    const t = await TestMonban.start({ MONBAN_METRICS_PORT: '9464' });
    try {
      assert.equal((await t.server.inject('/healthz')).statusCode, 200);
      assert.equal((await t.server.inject('/metrics')).statusCode, 404);
      const metricsServer = t.monban.metricsServer;
      assert.ok(metricsServer);
      const response = await metricsServer.inject('/metrics');
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], CONTENT_TYPE);
      // What it reports is the main server's traffic.
      assert.equal(sample(response.body, 'monban_http_requests_total{method="GET",route="/healthz",status="200"}'), 1);
      // /metrics is not served here: the path falls to the profile page's route (GET /:nickname), which knows no such
      // user.
      assert.equal(sample(response.body, 'monban_http_requests_total{method="GET",route="/:nickname",status="404"}'), 1);
      assert.equal((await metricsServer.inject('/healthz')).statusCode, 404);
    } finally {
      await t.close();
    }
  });
});
