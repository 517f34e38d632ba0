/**
 * @monban/client in Chromium, loaded as the browser loads it (plain ES modules, no bundler): Web Crypto for PKCE,
 * localStorage for the tokens, and two tabs whose API calls fail together with an expired token sharing one
 * refresh through the Web Locks API. The server is a stand-in on the same origin, counting refreshes. Without the
 * client's "refreshed" mark (client.ts markRefreshed), about one run in three refreshed twice here: the second tab
 * got the lock before the first tab's localStorage write reached it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, browserSuite } from './support.js';

/** The client as compiled beside this test (dist/packages/client/src). */
const CLIENT_DIR = fileURLToPath(new URL('../../packages/client/src/', import.meta.url));

const PAGE = `<!doctype html>
<title>Client test</title>
<script type="module">
import { createClient, localStorageStore } from '/client/index.js';
const client = () =>
  createClient({
    baseUrl: location.origin,
    clientId: 'app',
    redirectUri: location.origin + '/cb',
    userAgent: 'Browser test/1.0',
    storage: localStorageStore(),
  });
window.callApi = async () => {
  const response = await client().fetch('/api/me');
  return { status: response.status, body: await response.text(), locks: typeof navigator.locks?.request };
};
window.startSignIn = () => client().authorizationUrl();
window.ready = true;
</script>`;

describe('@monban/client in a browser', browserSuite(), () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  const refreshes: string[] = [];
  const userAgents: string[] = [];

  before(async () => {
    server = createServer(async (request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      userAgents.push(request.headers['user-agent'] ?? '');
      if (path === '/') return response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      if (path.startsWith('/client/') && /^[a-z-]+\.js$/.test(path.slice(8))) {
        const source = await readFile(`${CLIENT_DIR}${path.slice(8)}`, 'utf8');
        return response.writeHead(200, { 'content-type': 'text/javascript' }).end(source);
      }
      if (path === '/oauth/token') {
        let body = '';
        for await (const chunk of request) body += String(chunk);
        refreshes.push(new URLSearchParams(body).get('refresh_token') ?? '');
        // Slow, so that the second tab asks while the first one refreshes.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const n = refreshes.length;
        return response
          .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
          .end(
            JSON.stringify({ access_token: `new${n}`, token_type: 'Bearer', expires_in: 60, refresh_token: `r${n}` }),
          );
      }
      if (path === '/api/me') {
        if (request.headers.authorization === 'Bearer old') {
          return response
            .writeHead(401, { 'www-authenticate': 'Bearer realm="Doorkeeper", error="invalid_token"' })
            .end('{"error":"invalid_token"}');
        }
        return response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(`"${request.headers.authorization}"`);
      }
      response.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  });
  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('two tabs failing with an expired token share one refresh (Web Locks), PKCE works', async () => {
    const context = await browser.newContext();
    const errors: string[] = [];
    const [first, second] = [await context.newPage(), await context.newPage()];
    for (const page of [first, second]) {
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(origin);
      await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    }
    await first.evaluate(() =>
      localStorage.setItem(
        'monban:app:tokens',
        JSON.stringify({ accessToken: 'old', tokenType: 'Bearer', refreshToken: 'r0' }),
      ),
    );

    type Result = { status: number; body: string; locks: string };
    const call = () => (window as unknown as { callApi(): Promise<Result> }).callApi();
    const [a, b] = await Promise.all([first.evaluate(call), second.evaluate(call)]);
    assert.deepEqual(a, { status: 200, body: '"Bearer new1"', locks: 'function' });
    assert.deepEqual(b, { status: 200, body: '"Bearer new1"', locks: 'function' });
    assert.deepEqual(refreshes, ['r0'], 'one refresh for both tabs');
    const stored = await second.evaluate(() => JSON.parse(localStorage.getItem('monban:app:tokens') ?? '{}'));
    assert.equal(stored.refreshToken, 'r1');
    // A page cannot set User-Agent: the browser sent its own, and nothing failed.
    assert.ok(
      userAgents.every((ua) => ua.includes('Chrome') && !ua.includes('Browser test')),
      userAgents.join('\n'),
    );

    const url = new URL(
      await first.evaluate(() => (window as unknown as { startSignIn(): Promise<string> }).startSignIn()),
    );
    assert.equal(url.pathname, '/oauth/authorize', "no metadata (404): Shikimori's paths");
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    const pending = await first.evaluate(() => JSON.parse(localStorage.getItem('monban:app:pending') ?? '{}'));
    assert.equal(pending.state, url.searchParams.get('state'));
    assert.deepEqual(errors, []);
    await context.close();
  });
});
