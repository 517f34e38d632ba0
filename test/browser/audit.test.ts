import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeOob, BrowserSite, browserSuite, OOB, screenshot, screenshotOf, signIn } from './support.js';

/**
 * Issue 12's browser test: a user signs in and authorizes a list-sync application; the application changes the
 * user's list through the user_rates API; the user sees that change on their account page (the audit log), revokes
 * the application, and the application's next write is refused with 401.
 */
describe('browser: the audit log on the account page, and a revoked application', browserSuite(), () => {
  let site: BrowserSite;
  let app: { id: number; client_id: string; client_secret: string };

  before(async () => {
    site = await BrowserSite.start();
    await site.createUser('dev');
    await site.createUser('yuki');
    app = await site.cli(['apps', 'create', '--owner', 'dev', '--name', 'List sync', '--redirect-uri', OOB]);
  });
  after(async () => {
    await site?.stop();
  });

  /** A request the application makes with its token, as a list-sync app would. */
  function api(method: string, path: string, token: string, body?: unknown) {
    return fetch(`${site.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'user-agent': 'ListSync/1.0',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  it("shows the application's change on the account page; after Revoke access its next write gets 401", async () => {
    const page = await site.page();
    await signIn(page, 'yuki');
    const query = new URLSearchParams({
      client_id: app.client_id,
      redirect_uri: OOB,
      response_type: 'code',
      scope: 'user_rates',
    });
    await page.goto(`/oauth/authorize?${query}`);
    const code = await authorizeOob(page);

    const exchanged = await fetch(`${site.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'ListSync/1.0' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: OOB,
        client_id: app.client_id,
        client_secret: app.client_secret,
      }),
    });
    assert.equal(exchanged.status, 200);
    const { access_token: token } = (await exchanged.json()) as { access_token: string };
    const me = (await (await api('GET', '/api/users/whoami', token)).json()) as { id: number };

    const created = await api('POST', '/api/v2/user_rates', token, {
      user_rate: { user_id: me.id, target_id: 20, target_type: 'Anime', status: 'watching', episodes: 3 },
    });
    assert.equal(created.status, 201, await created.clone().text());
    const rate = (await created.json()) as { id: number };

    await page.goto('/users/edit');
    const events = page.locator('#security_events');
    const change = events.locator('tr[data-type="user_rate.changed"]');
    assert.equal(await change.count(), 1);
    const cells = await change.locator('td').allTextContents();
    assert.deepEqual(
      cells.slice(1).map((c) => c.trim()),
      ['List entry changed', 'List sync', '127.0.0.1', 'ListSync/1.0'],
    );
    // Newest first: the change, the token, the consent, the sign-in.
    assert.deepEqual(await events.locator('tr.audit-event').evaluateAll((rows) => rows.map((r) => r.dataset.type)), [
      'user_rate.changed',
      'token.issued',
      'consent.granted',
      'sign_in.succeeded',
    ]);
    await screenshotOf(events, 'security-events');

    await page.goto('/oauth/applications');
    const listed = page.locator(`#authorized_application_${app.id}`);
    await Promise.all([
      page.waitForURL((url) => url.search === '?notice=revoked'),
      listed.getByRole('button', { name: 'Revoke access' }).click(),
    ]);

    const refused = await api('PATCH', `/api/v2/user_rates/${rate.id}`, token, { user_rate: { episodes: 4 } });
    assert.equal(refused.status, 401);
    const again = await api('POST', '/api/v2/user_rates', token, {
      user_rate: { user_id: me.id, target_id: 21, target_type: 'Anime', status: 'planned' },
    });
    assert.equal(again.status, 401);

    await page.goto('/users/edit');
    assert.equal(await events.locator('tr.audit-event').first().getAttribute('data-type'), 'consent.revoked');
    const changes = events.locator('tr[data-type="user_rate.changed"]');
    assert.equal(await changes.count(), 1, 'the refused writes changed nothing');
    await screenshot(page, 'account-security-events');
    assert.deepEqual(site.consoleErrors, []);
  });
});
