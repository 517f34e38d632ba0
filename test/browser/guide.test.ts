import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  authorizeOob,
  BrowserSite,
  browserSuite,
  exchangeOnGuide,
  guideResponse,
  OOB,
  openAuthorization,
  OtherOrigin,
  PASSWORD,
  PHONE,
  registerApplication,
  screenshot,
  screenshotOf,
  sendOnGuide,
  sidewaysOverflow,
  signIn,
  tokenBody,
  type RegisteredApp,
} from './support.js';

const DENIED = 'The resource owner or authorization server denied the request.';

/** The developer path in a real browser: sign up, register, then the guide at /oauth (compatibility.md §7). */
describe('browser: sign up, register an application, and the guide page made live (compatibility.md §7)', browserSuite(), () => {
  let site: BrowserSite;
  let client: OtherOrigin;
  let page: Page;
  let app: RegisteredApp;

  before(async () => {
    site = await BrowserSite.start();
    client = await OtherOrigin.start();
  });
  after(async () => {
    await site?.stop();
    await client?.stop();
  });

  it('signs up, registers an application and reads its client secret, shown once', async () => {
    page = await site.page();
    await page.goto('/users/sign_up');
    await page.getByLabel('Nickname').fill('kaori');
    await page.getByLabel('Email (optional)').fill('kaori@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.locator('form#sign_up button').click()]);
    assert.match((await page.locator('header .who').textContent()) ?? '', /@kaori/);

    app = await registerApplication(page, { name: 'Guide app', redirectUris: [OOB, `${client.url}/cb`] });
    assert.equal(await page.locator('#client_secret').getAttribute('class'), 'secret');
    await screenshot(page, 'application-secret');

    // Shown once: neither the application's page nor its edit page has it (security.md #92).
    for (const path of [`/oauth/applications/${app.id}`, `/oauth/applications/${app.id}/edit`]) {
      await page.goto(path);
      assert.ok(!(await page.content()).includes(app.clientSecret), path);
      assert.equal(await page.locator('#client_secret').count(), 0, path);
    }
    await page.goto('/oauth/applications');
    assert.equal(await page.locator(`#application_${app.id} h3`).textContent(), 'Guide app');
    await screenshot(page, 'applications');
  });

  it('builds the link and the commands, authorizes, exchanges the code, calls whoami and refreshes', async () => {
    await page.goto('/oauth');
    assert.equal(await page.getByLabel('Application', { exact: true }).inputValue(), String(app.id));
    // Nothing ticked: Shikimori's empty `scope=`, and the first redirect URI (compatibility.md §7).
    const base =
      `${site.url}/oauth/authorize?client_id=${app.clientId}` +
      '&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&response_type=code';
    assert.equal(await page.locator('#authorization_url').textContent(), `${base}&scope=`);
    await page.getByLabel('user_rates').check();
    await page.getByLabel('comments').check();
    assert.equal(await page.locator('#authorization_url').textContent(), `${base}&scope=user_rates+comments`);
    assert.equal(await page.locator('#authorize_link').getAttribute('href'), `${base}&scope=user_rates+comments`);
    assert.equal(
      await page.locator('#token_command').textContent(),
      [
        `curl -X POST "${site.url}/oauth/token"`,
        '-F grant_type="authorization_code"',
        `-F client_id="${app.clientId}"`,
        '-F client_secret="CLIENT_SECRET"',
        '-F code="AUTHORIZATION_CODE"',
        `-F redirect_uri="${OOB}"`,
      ].join(' \\\n  '),
    );

    const tab = await openAuthorization(page);
    assert.equal(await tab.locator('h1').textContent(), 'Authorization required');
    assert.ok(await tab.locator('#scope_user_rates').isChecked());
    assert.ok(await tab.locator('#scope_comments').isChecked());
    assert.equal(await tab.locator('#scope_topics').count(), 0);
    await screenshot(tab, 'consent');
    const code = await authorizeOob(tab);
    await screenshot(tab, 'code');
    await tab.close();

    const tokens = tokenBody(await exchangeOnGuide(page, app.clientSecret, code));
    assert.equal(tokens.scope, 'user_rates comments');
    assert.equal(tokens.expires_in, 86400);
    assert.match((await page.locator('#token_command').textContent()) ?? '', new RegExp(`-F code="${code}"`));

    // Step 4 with the token the page received.
    assert.equal(await page.getByLabel('Access token', { exact: true }).inputValue(), tokens.access_token);
    const me = await sendOnGuide(page, 'call_whoami', 'whoami_response');
    assert.equal(me.status, 200, me.body);
    const user = JSON.parse(me.body) as Record<string, unknown>;
    assert.equal(user.nickname, 'kaori');
    assert.equal(user.locale, 'en');
    assert.ok(!('email' in user), 'no email scope, no email (compatibility.md §5)');

    // Step 5: new tokens, which the page keeps for the next call.
    const refreshed = tokenBody(await sendOnGuide(page, 'refresh_token', 'refresh_response'));
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.scope, 'user_rates comments');
    assert.equal(await page.getByLabel('Refresh token', { exact: true }).inputValue(), refreshed.refresh_token);
    assert.equal((await sendOnGuide(page, 'call_whoami', 'whoami_response')).status, 200);
    assert.match(
      (await page.locator('#whoami_command').textContent()) ?? '',
      new RegExp(`Authorization: Bearer ${refreshed.access_token}"$`),
    );

    // The pasted secret is in no command; the commands say CLIENT_SECRET.
    const commands = await page.locator('.command').allTextContents();
    assert.ok(commands.every((text) => !text.includes(app.clientSecret)));
    assert.equal(commands.filter((text) => text.includes('-F client_secret="CLIENT_SECRET"')).length, 2);
    await screenshot(page, 'guide');
    await screenshotOf(page.locator('#step3'), 'guide-step3');
    assert.deepEqual(site.consoleErrors, []);
  });

  it('narrows the scopes on the consent page, and the token response has the narrower scope', async () => {
    await page.goto('/oauth');
    for (const scope of ['user_rates', 'comments', 'topics']) await page.getByLabel(scope).check();
    const tab = await openAuthorization(page);
    await tab.locator('#scope_topics').uncheck();
    await tab.locator('#scope_user_rates').uncheck();
    await screenshot(tab, 'consent-narrowed');
    const code = await authorizeOob(tab);
    await tab.close();
    const tokens = tokenBody(await exchangeOnGuide(page, app.clientSecret, code));
    assert.equal(tokens.scope, 'comments');
    const me = await sendOnGuide(page, 'call_whoami', 'whoami_response');
    // A token without any default scope cannot authenticate to the API (compatibility.md §9.3): `comments` is one.
    assert.equal(me.status, 200, me.body);
  });

  it('denies at a phone-width screen, and the client gets access_denied with its state (RFC 6749 §4.1.2.1)', async () => {
    const phone = await site.page({ viewport: PHONE });
    await signIn(phone, 'kaori');
    const callbackApp = await registerApplication(phone, { name: 'Callback app', redirectUris: [`${client.url}/cb`] });
    await phone.goto('/oauth');
    await phone.getByLabel('Application', { exact: true }).selectOption({ label: 'Callback app' });
    await screenshot(phone, 'guide-phone');
    assert.equal(await sidewaysOverflow(phone), 0, 'the guide fits a 375 px screen');
    const tab = await openAuthorization(phone);
    await screenshot(tab, 'consent-phone');
    assert.equal(await sidewaysOverflow(tab), 0, 'the consent page fits a 375 px screen');
    await Promise.all([tab.waitForURL((url) => url.href.startsWith(`${client.url}/cb?`)), tab.locator('#deny_button').click()]);
    const denied = new URL(tab.url());
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('error_description'), DENIED);
    assert.equal(denied.searchParams.get('code'), null);
    // RFC 9207 §2: the issuer, last, on an error as on a code.
    assert.equal([...denied.searchParams.keys()].at(-1), 'iss');
    assert.equal(denied.searchParams.get('iss'), site.url);
    await tab.close();

    // Authorized this time: the redirect arrives at the client, and the whole address pasted counts as its code.
    const again = await openAuthorization(phone);
    await Promise.all([
      again.waitForURL((url) => url.href.startsWith(`${client.url}/cb?code=`)),
      again.locator('#authorize_button').click(),
    ]);
    assert.equal(new URL(again.url()).searchParams.get('iss'), site.url);
    const tokens = tokenBody(await exchangeOnGuide(phone, callbackApp.clientSecret, again.url()));
    assert.equal(tokens.scope, 'user_rates comments topics');
    assert.deepEqual(
      client.callbacks.map((path) => new URL(path, client.url).searchParams.has('code')),
      [false, true],
    );
    assert.equal((await guideResponse(phone, 'token_response')).status, 200);
    assert.deepEqual(site.consoleErrors, []);
  });

  it('every control of the guide is reached with the Tab key, in reading order', async () => {
    await page.goto('/oauth');
    const reached: string[] = [];
    for (let presses = 0; presses < 60 && !reached.includes('refresh_token'); presses++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    const controls = [
      'guide_application',
      'guide_scope_user_rates',
      'guide_scope_comments',
      'guide_scope_topics',
      'copy_authorization_url',
      'authorize_link',
      'copy_token_command',
      'guide_client_secret',
      'guide_code',
      'request_token',
      'copy_whoami_command',
      'guide_access_token',
      'call_whoami',
      'copy_refresh_command',
      'guide_refresh_token',
      'refresh_token',
    ];
    assert.deepEqual(
      reached.filter((id) => controls.includes(id)),
      controls,
    );
  });

  it('without JavaScript, the guide still builds the link and the commands with its GET form', async () => {
    const plain = await site.page({ javaScript: false });
    await signIn(plain, 'kaori');
    await plain.goto('/oauth');
    // The parts that need the script stay hidden; the form's own button is there instead.
    assert.ok(await plain.locator('#guide_show').isVisible());
    assert.ok(await plain.locator('#guide_needs_js').isVisible());
    assert.ok(!(await plain.locator('#token_live').isVisible()));
    await plain.getByLabel('Application', { exact: true }).selectOption({ label: 'Callback app' });
    await plain.getByLabel('topics').check();
    await Promise.all([
      plain.waitForURL(/\/oauth\?application_id=\d+&scope=topics$/),
      plain.locator('#guide_show').click(),
    ]);
    const link = (await plain.locator('#authorize_link').getAttribute('href')) ?? '';
    assert.equal(new URL(link).searchParams.get('scope'), 'topics');
    assert.equal(new URL(link).searchParams.get('redirect_uri'), `${client.url}/cb`);
    assert.ok(await plain.getByLabel('topics').isChecked());
    const command = (await plain.locator('#token_command').textContent()) ?? '';
    assert.match(command, new RegExp(`-F redirect_uri="${client.url}/cb"`));
    await screenshot(plain, 'guide-no-javascript');
  });
});
