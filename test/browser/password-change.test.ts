import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  authorizeOob,
  BrowserSite,
  browserSuite,
  OOB,
  PASSWORD,
  PHONE,
  registerApplication,
  screenshot,
  sidewaysOverflow,
  signIn,
} from './support.js';

const HINT = 'Changing the password signs every application out of your account, unless you tick this box.';

describe('browser: a password change signs the applications out unless told not to (issue 9)', browserSuite(), () => {
  let site: BrowserSite;
  before(async () => {
    site = await BrowserSite.start();
    await site.createUser('tomo');
  });
  after(async () => {
    await site?.stop();
  });

  it('the box has a label and a hint, is unticked, and unticked the application is signed out', async () => {
    const page = await site.page();
    await signIn(page, 'tomo');
    const app = await registerApplication(page, { name: 'Reader', redirectUris: [OOB] });
    const authorization = { client_id: app.clientId, redirect_uri: OOB, response_type: 'code' };
    await page.goto(`/oauth/authorize?${new URLSearchParams(authorization)}`);
    const code = await authorizeOob(page);
    const issued = await fetch(`${site.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: OOB,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      }),
    });
    const { access_token: accessToken } = (await issued.json()) as { access_token: string };
    const whoami = async () => {
      const headers = { authorization: `Bearer ${accessToken}` };
      const response = await fetch(`${site.url}/api/users/whoami`, { headers });
      return response.status;
    };
    assert.equal(await whoami(), 200);

    await page.goto('/users/edit');
    const box = page.getByLabel('Keep applications signed in');
    assert.equal(await box.getAttribute('type'), 'checkbox');
    assert.equal(await box.isChecked(), false);
    const described = await box.getAttribute('aria-describedby');
    assert.equal(await page.locator(`#${described}`).textContent(), HINT);
    await screenshot(page, 'account-settings');

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('a brand new password');
    await page.getByLabel('New password again').fill('a brand new password');
    await Promise.all([
      page.waitForURL((url) => url.search === '?notice=password_changed&applications=1'),
      page.locator('form#change_password button[type="submit"]').click(),
    ]);
    assert.equal(
      await page.locator('main p[role="status"]').textContent(),
      'Your password has been changed, and every other session has been signed out. Applications signed out: 1.',
    );
    assert.equal(await whoami(), 401);

    const phone = await site.page({ viewport: PHONE });
    await signIn(phone, 'tomo', 'a brand new password');
    await phone.goto('/users/edit');
    assert.equal(await sidewaysOverflow(phone), 0);
    assert.deepEqual(site.consoleErrors, []);
  });
});
