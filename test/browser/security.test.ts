import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConsoleMessage, Page, Response } from 'playwright-core';
import {
  authorizeOob,
  BrowserSite,
  browserSuite,
  OOB,
  OtherOrigin,
  PASSWORD,
  registerApplication,
  screenshot,
  signIn,
  type RegisteredApp,
} from './support.js';

const FORBIDDEN = 'This form has expired or was not sent from this site. Go back, reload the page and try again.';

/** Removes the form's CSRF field, as a forged form would lack it, and submits the form with this button. */
async function submitWithoutCsrf(page: Page, form: string, button = `${form} button[type="submit"]`): Promise<void> {
  assert.equal(await page.locator(`${form} input[name="_csrf"]`).count(), 1, `${form} has a CSRF field`);
  await page.locator(`${form} input[name="_csrf"]`).evaluate((input) => input.remove());
  const [response] = await Promise.all([
    page.waitForResponse((r: Response) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    page.locator(button).click(),
  ]);
  assert.equal(response.status(), 403, `${form} without its CSRF token`);
  await page.waitForLoadState();
  assert.equal(await page.locator('main p[role="alert"]').textContent(), FORBIDDEN);
}

async function token(site: BrowserSite, fields: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${site.url}/oauth/token`, { method: 'POST', body: new URLSearchParams(fields) });
  return { status: response.status, body: await response.json() };
}

async function whoamiStatus(site: BrowserSite, accessToken: string): Promise<number> {
  const response = await fetch(`${site.url}/api/users/whoami`, { headers: { authorization: `Bearer ${accessToken}` } });
  return response.status;
}

describe('browser: framing and forged forms are refused (security.md #28, #40, #41)', browserSuite(), () => {
  let site: BrowserSite;
  let attacker: OtherOrigin;
  let page: Page;
  let app: RegisteredApp;

  const consentPath = (clientId: string, redirectUri = OOB) =>
    `/oauth/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code' })}`;

  before(async () => {
    site = await BrowserSite.start();
    attacker = await OtherOrigin.start();
    await site.createUser('mio');
    page = await site.page();
    await signIn(page, 'mio');
    app = await registerApplication(page, { name: 'Framed app', redirectUris: [OOB, `${attacker.url}/cb`] });
  });
  after(async () => {
    await site?.stop();
    await attacker?.stop();
  });

  it("another origin frames the consent page: Monban serves it, and Chromium refuses to show it (frame-ancestors 'none')", async () => {
    // 127.0.0.1 on another port: another origin, but the same site, so the Lax session cookie goes along and
    // Monban really answers with the consent page; only the browser's refusal stands between it and the attacker.
    attacker.serve(
      '/frame',
      `<!doctype html><title>Win a prize</title>
       <iframe id="consent" src="${site.url}${consentPath(app.clientId)}" width="600" height="400"></iframe>
       <iframe id="control" src="/control" width="200" height="100"></iframe>`,
    );
    attacker.serve('/control', '<!doctype html><p id="framed">an ordinary framed page</p>');
    const refusals: string[] = [];
    const onConsole = (message: ConsoleMessage) => {
      if (message.type() === 'error') refusals.push(message.text());
    };
    page.on('console', onConsole);
    const served = page.waitForResponse((r) => r.url().startsWith(`${site.url}/oauth/authorize?`));
    await page.goto(`${attacker.url}/frame`);
    const response = await served;
    await page.waitForLoadState('load');
    page.off('console', onConsole);

    // The session cookie went along and Monban answered with the consent page (a guest would get a 302 to the
    // sign-in page), telling the browser never to frame it.
    assert.match((await response.request().allHeaders()).cookie ?? '', /(^|; )_monban_session=/);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['content-type'], 'text/html; charset=utf-8');
    const headers = await response.allHeaders();
    assert.match(headers['content-security-policy'] ?? '', /(^|;)\s*frame-ancestors 'none'\s*(;|$)/);
    assert.equal(headers['x-frame-options'], 'DENY');

    // Chromium refused it: the frame holds its error page, not the form; the control frame rendered.
    const frameOf = (id: string) => page.locator(`iframe#${id}`).contentFrame();
    assert.equal(await frameOf('control').locator('#framed').textContent(), 'an ordinary framed page');
    const consentFrame = page
      .frames()
      .find((frame) => frame !== page.mainFrame() && !frame.url().startsWith(attacker.url));
    assert.ok(consentFrame, page.frames().map((f) => f.url()).join(', '));
    assert.equal(consentFrame.url(), 'chrome-error://chromewebdata/');
    assert.equal(await frameOf('consent').locator('form#authorize').count(), 0);
    assert.ok(
      refusals.some((text) => text.includes('frame-ancestors') && text.includes(`${site.url}/`)),
      refusals.join('\n'),
    );
    await screenshot(page, 'framed-consent-refused');
  });

  it('sign-in without its CSRF token: 403, and not signed in', async () => {
    const guest = await site.page();
    await guest.goto('/users/sign_in');
    await guest.getByLabel('Nickname').fill('mio');
    await guest.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await submitWithoutCsrf(guest, 'form#sign_in');
    await screenshot(guest, 'csrf-refused');
    await guest.goto('/');
    assert.equal(await guest.locator('#sign_out').count(), 0);
  });

  it('sign-up without its CSRF token: 403, and no account', async () => {
    const guest = await site.page();
    await guest.goto('/users/sign_up');
    await guest.getByLabel('Nickname').fill('ghost');
    await guest.getByLabel('Password').fill(PASSWORD);
    await submitWithoutCsrf(guest, 'form#sign_up');
    await guest.goto('/users/sign_in');
    await guest.getByLabel('Nickname').fill('ghost');
    await guest.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await guest.locator('form#sign_in button').click();
    assert.equal(await guest.locator('.notice.error').textContent(), 'Invalid nickname or password.');
  });

  it('sign-out without its CSRF token: 403, and still signed in', async () => {
    await page.goto('/');
    await submitWithoutCsrf(page, 'form.sign-out', '#sign_out');
    await page.goto('/');
    assert.equal(await page.locator('#sign_out').count(), 1);
  });

  it('the consent form without its CSRF token: 403, no code, no access', async () => {
    await page.goto(consentPath(app.clientId));
    await submitWithoutCsrf(page, 'form#authorize', '#authorize_button');
    assert.ok(!page.url().includes('/oauth/authorize/'), page.url());
    await page.goto('/oauth/applications');
    assert.equal(await page.locator(`#authorized_application_${app.id}`).count(), 0);
  });

  it('the deny form without its CSRF token: 403, and nothing goes back to the client', async () => {
    await page.goto(consentPath(app.clientId, `${attacker.url}/cb`));
    await submitWithoutCsrf(page, 'form#deny', '#deny_button');
    assert.deepEqual(attacker.callbacks, []);
  });

  it('the new application form without its CSRF token: 403, no application', async () => {
    await page.goto('/oauth/applications/new');
    await page.getByLabel('Name', { exact: true }).fill('Forged app');
    await page.getByLabel('Redirect URIs').fill(OOB);
    await submitWithoutCsrf(page, 'form#application');
    await page.goto('/oauth/applications');
    assert.deepEqual(await page.locator('#my_applications h3').allTextContents(), ['Framed app']);
  });

  it('the edit form without its CSRF token: 403, the application unchanged', async () => {
    await page.goto(`/oauth/applications/${app.id}/edit`);
    await page.getByLabel('Name', { exact: true }).fill('Renamed app');
    await submitWithoutCsrf(page, 'form#application');
    await page.goto(`/oauth/applications/${app.id}`);
    assert.equal(await page.locator('h1').textContent(), 'Framed app');
  });

  it('regenerating the secret without its CSRF token: 403, the old secret still works', async () => {
    await page.goto(`/oauth/applications/${app.id}/edit`);
    await submitWithoutCsrf(page, 'form#regenerate_secret');
    const credentials = { client_id: app.clientId, client_secret: app.clientSecret };
    assert.equal((await token(site, { grant_type: 'client_credentials', ...credentials })).status, 200);
  });

  it('deleting the application without its CSRF token: 403, the application still there', async () => {
    await page.goto(`/oauth/applications/${app.id}/delete`);
    await submitWithoutCsrf(page, 'form#delete_application');
    await page.goto(`/oauth/applications/${app.id}`);
    assert.equal(await page.locator('h1').textContent(), 'Framed app');
  });

  it('revoking access without its CSRF token: 403, the token still works', async () => {
    await page.goto(consentPath(app.clientId));
    const code = await authorizeOob(page);
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: OOB };
    const issued = await token(site, { ...exchange, client_id: app.clientId, client_secret: app.clientSecret });
    assert.equal(issued.status, 200);
    const accessToken = (issued.body as { access_token: string }).access_token;
    await page.goto('/oauth/applications');
    await submitWithoutCsrf(page, `form#revoke_access_${app.id}`);
    assert.equal(await whoamiStatus(site, accessToken), 200);
  });

  it('changing the password without its CSRF token: 403, the old password still signs in', async () => {
    await page.goto('/users/edit');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('a brand new password');
    await page.getByLabel('New password again').fill('a brand new password');
    await submitWithoutCsrf(page, 'form#change_password');
    await signIn(await site.page(), 'mio', PASSWORD);
    assert.deepEqual(site.consoleErrors, []);
  });
});
