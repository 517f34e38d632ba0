/**
 * examples/website in Chromium next to `monban serve` (issue 14): "Sign in with Monban", Monban's sign-in and consent
 * pages, the callback, the page with the user and their list; then the access token's lifetime (3 s here) passes and
 * the page still works, because @monban/client refreshed; then sign-out revokes the tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWebsite, type Website } from '../../examples/website/site.js';
import { freePort, HttpBrowser } from '../helpers/process.js';
import { BrowserSite, PASSWORD, browserSuite, screenshot } from './support.js';

const TTL_SECONDS = 3;

describe('the example website with Monban, in Chromium', browserSuite(), () => {
  let site: BrowserSite;
  let website: Website;
  /** The token requests the website's clients sent, with the access tokens Monban answered. */
  const tokenRequests: Array<{ grantType: string | null; accessToken: string | undefined }> = [];

  before(async () => {
    site = await BrowserSite.start({ MONBAN_ACCESS_TOKEN_TTL: String(TTL_SECONDS) });
    await site.createUser('alice');
    const port = await freePort();
    const app = await site.cli<{ client_id: string; client_secret: string }>([
      'apps',
      'create',
      '--owner',
      'alice',
      '--name',
      'Example website',
      '--redirect-uri',
      `http://127.0.0.1:${port}/callback`,
    ]);
    await seedList(site);
    website = await startWebsite({
      monbanUrl: site.url,
      clientId: app.client_id,
      clientSecret: app.client_secret,
      port,
      fetch: async (request) => {
        const isToken = new URL(request.url).pathname === '/oauth/token';
        const grantType = isToken ? new URLSearchParams(await request.clone().text()).get('grant_type') : null;
        const response = await fetch(request);
        if (isToken) {
          const body = (await response.clone().json()) as { access_token?: string };
          tokenRequests.push({ grantType, accessToken: body.access_token });
        }
        return response;
      },
    });
  });
  after(async () => {
    await website?.close();
    await site?.stop();
  });

  it('signs in, shows the list, keeps working after the token expired, and signing out revokes', async () => {
    const page = await site.page();
    await page.goto(website.url);
    await page.locator('#sign_in').click();

    // Monban: sign in first, then the consent page for the website.
    await page.waitForURL((url) => url.href.startsWith(`${site.url}/users/sign_in`));
    await page.getByLabel('Nickname').fill('alice');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.locator('form#sign_in button').click();
    await page.locator('#authorize_button').click();

    // Back on the website: the user and their list.
    await page.waitForURL(`${website.url}/me`);
    assert.equal(await page.locator('#nickname').textContent(), 'alice');
    const rows = async () => (await page.locator('#list tbody tr').allTextContents()).map((r) => r.trim());
    assert.deepEqual(await rows(), ['Anime21watching85']);
    await screenshot(page, 'example-website-list');
    assert.deepEqual(
      tokenRequests.map((r) => r.grantType),
      ['authorization_code'],
    );

    // The access token expires; the next page load still works, after one refresh.
    await new Promise((resolve) => setTimeout(resolve, (TTL_SECONDS + 1) * 1000));
    await page.reload();
    assert.equal(await page.locator('#nickname').textContent(), 'alice');
    assert.deepEqual(await rows(), ['Anime21watching85']);
    assert.deepEqual(
      tokenRequests.map((r) => r.grantType),
      ['authorization_code', 'refresh_token'],
    );

    // Sign out: back to the start page, and the last access token is revoked at Monban.
    const lastToken = tokenRequests.at(-1)?.accessToken ?? '';
    await page.locator('#sign_out button').click();
    await page.waitForURL(`${website.url}/`);
    assert.equal(await page.locator('#sign_in').count(), 1);
    const whoami = await fetch(`${site.url}/api/users/whoami`, { headers: { authorization: `Bearer ${lastToken}` } });
    assert.equal(whoami.status, 401);
    assert.deepEqual(site.consoleErrors, []);
  });
});

/** Puts one entry in alice's list through the API, with a token of a helper application of her own. */
async function seedList(site: BrowserSite): Promise<void> {
  const redirectUri = 'http://127.0.0.1:9/cb';
  const helper = await site.cli<{ client_id: string; client_secret: string }>([
    'apps',
    'create',
    '--owner',
    'alice',
    '--name',
    'Seeder',
    '--redirect-uri',
    redirectUri,
  ]);
  const browser = new HttpBrowser(site.url);
  await browser.signIn('alice', PASSWORD);
  const code = await browser.authorize(helper.client_id, redirectUri);
  const tokenResponse = await fetch(`${site.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: helper.client_id,
      client_secret: helper.client_secret,
    }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const me = (await (await fetch(`${site.url}/api/users/whoami`, { headers })).json()) as { id: number };
  const created = await fetch(`${site.url}/api/v2/user_rates`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      user_rate: { user_id: me.id, target_id: 21, target_type: 'Anime', status: 'watching', score: 8, episodes: 5 },
    }),
  });
  assert.equal(created.status, 201, await created.text());
}
