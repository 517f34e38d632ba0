import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import {
  authorizeOob,
  BrowserSite,
  browserSuite,
  DESKTOP,
  OOB,
  openAuthorization,
  OtherOrigin,
  PASSWORD,
  PHONE,
  registerApplication,
  screenshot,
  sendOnGuide,
  sidewaysOverflow,
  signIn,
  type RegisteredApp,
} from './support.js';

/**
 * Issue 13's pages in a real browser: every page passes axe-core (no serious or critical violation) in English and
 * Russian, at desktop and phone width, with no console error; the favicon; the header on one line at 375 px; the
 * secret page after a reload; the consent page's owner, return host and buttons; the profile page at whoami's url.
 */

type Screen = { locale: 'en-GB' | 'ru-RU'; viewport: { width: number; height: number }; name: string };

const SCREENS: Screen[] = [
  { locale: 'en-GB', viewport: DESKTOP, name: 'en' },
  { locale: 'ru-RU', viewport: DESKTOP, name: 'ru' },
  { locale: 'en-GB', viewport: PHONE, name: 'en-phone' },
  { locale: 'ru-RU', viewport: PHONE, name: 'ru-phone' },
];

/** axe-core's serious and critical violations on this page, one line each, with where they are. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  assert.ok(results.passes.some((rule) => rule.id === 'color-contrast'), 'axe-core checked the colours');
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Controls on this page that share an accessible name: buttons and fields named alike, or links named alike that
 * lead to different places (two links to one place under one name are fine). Only what is rendered counts (a
 * closed menu's links are not); names are computed the way this markup gives them: aria-label, aria-labelledby,
 * the label, a button's value, else the text.
 */
async function sameNamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const text = (value: string | null | undefined) => (value ?? '').replace(/\s+/g, ' ').trim();
    const nameOf = (element: HTMLElement): string => {
      const label = element.getAttribute('aria-label');
      if (label) return text(label);
      const ids = element.getAttribute('aria-labelledby');
      if (ids) return text(ids.split(/\s+/).map((id) => document.getElementById(id)?.textContent).join(' '));
      const labels = (element as HTMLInputElement).labels;
      if (labels && labels.length > 0) return text([...labels].map((l) => l.textContent).join(' '));
      const isButton = element instanceof HTMLInputElement && ['submit', 'button'].includes(element.type);
      if (isButton) return text((element as HTMLInputElement).value);
      return text(element.innerText);
    };
    const seen = new Map<string, string>();
    const repeated = new Set<string>();
    const controls = document.querySelectorAll<HTMLElement>(
      'a[href], button, input:not([type="hidden"]), select, textarea, summary',
    );
    for (const control of controls) {
      if (!control.checkVisibility()) continue;
      const kind = control instanceof HTMLAnchorElement ? 'link' : control.tagName.toLowerCase();
      const key = `${kind} "${nameOf(control)}"`;
      const where = control instanceof HTMLAnchorElement ? control.href : control.id || 'x';
      const before = seen.get(key);
      if (before !== undefined && (kind !== 'link' || before !== where)) repeated.add(key);
      seen.set(key, where);
    }
    return [...repeated];
  });
}

/** Signs in with the form's field ids, whatever the page's language. */
async function signInAnyLanguage(page: Page, nickname: string): Promise<void> {
  await page.goto('/users/sign_in');
  await page.locator('#nickname').fill(nickname);
  await page.locator('#password').fill(PASSWORD);
  await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.locator('form#sign_in button').click()]);
}

/** The code on the out-of-band code page. */
async function shownCode(page: Page): Promise<string> {
  assert.match(new URL(page.url()).pathname, /^\/oauth\/authorize\/[\w-]{43}$/);
  return (await page.locator('#authorization_code').textContent())?.trim() ?? '';
}

/** Exchanges a code at the token endpoint, as the application would; returns the access token. */
async function exchangeCode(site: BrowserSite, app: RegisteredApp, code: string, redirectUri: string) {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: app.clientId,
    client_secret: app.clientSecret,
    code,
    redirect_uri: redirectUri,
  });
  const response = await fetch(`${site.url}/oauth/token`, { method: 'POST', body: form });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Exchanges a code at the token endpoint and calls whoami, as the application would. */
async function whoamiUrl(site: BrowserSite, app: RegisteredApp, code: string): Promise<string> {
  const token = { access_token: await exchangeCode(site, app, code, OOB) };
  const headers = { authorization: `Bearer ${token.access_token}` };
  const me = await fetch(`${site.url}/api/users/whoami`, { headers });
  return ((await me.json()) as { url: string }).url;
}

const SUITE = 'browser: the first hour (issue 13): accessibility, favicon, header, secret page, consent, profile';

describe(SUITE, browserSuite(), () => {
  let site: BrowserSite;
  let client: OtherOrigin;
  let app: RegisteredApp;
  let oobApp: RegisteredApp;

  before(async () => {
    site = await BrowserSite.start();
    client = await OtherOrigin.start();
    await site.createUser('mei');
    await site.createUser('yui');
    const owner = await site.page();
    await signIn(owner, 'mei');
    app = await registerApplication(owner, { name: 'Anime tracker', redirectUris: [`${client.url}/cb`] });
    oobApp = await registerApplication(owner, { name: 'Desktop app', redirectUris: [OOB] });
    await owner.goto(`/oauth/applications/${app.id}/edit`);
    await owner.getByLabel('Description in English').fill('Tracks what you watch.');
    await Promise.all([
      owner.waitForURL(/\/oauth\/applications\/\d+$/),
      owner.locator('form#application button[type="submit"]').click(),
    ]);
    await owner.close();
  });
  after(async () => {
    await site?.stop();
    await client?.stop();
  });

  function authorizePath(registered: RegisteredApp, redirectUri: string, scope = 'user_rates comments'): string {
    const query = new URLSearchParams({
      client_id: registered.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope,
    });
    return `/oauth/authorize?${query}`;
  }

  it('serves /favicon.ico, and every page links an icon that loads', async () => {
    const response = await fetch(`${site.url}/favicon.ico`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/x-icon');
    const page = await site.page();
    await page.goto('/');
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    assert.equal(href, '/assets/favicon.svg');
    assert.equal((await page.request.get(href ?? '')).status(), 200);
    assert.deepEqual(site.consoleErrors, []);
  });

  it('keeps the header on one line at 375 px, signed out and signed in, in both languages', async () => {
    for (const locale of ['en-GB', 'ru-RU'] as const) {
      const page = await site.page({ locale, viewport: PHONE });
      for (const signedIn of [false, true]) {
        if (signedIn) await signInAnyLanguage(page, 'yui');
        await page.goto('/oauth/applications/new');
        if (!signedIn) await page.goto('/');
        const box = await page.locator('header.top').boundingBox();
        assert.ok(box);
        assert.ok(box.height < 56, `${locale} header is ${box.height}px high: one line`);
        assert.equal(await sidewaysOverflow(page), 0);
        await screenshot(page, `header-phone-${locale}-${signedIn ? 'signed-in' : 'guest'}`);
        if (signedIn) {
          // The links fold under the nickname, and open without a script.
          assert.equal(await page.locator('#nav_applications').isVisible(), false);
          await page.locator('details.menu > summary').click();
          assert.ok(await page.locator('#nav_applications').isVisible());
          assert.ok(await page.locator('#sign_out').isVisible());
          await screenshot(page, `header-phone-${locale}-menu`);
        }
      }
    }
    assert.deepEqual(site.consoleErrors, []);
  });

  it('shows the signed-in links in line at desktop width, with no menu to open', async () => {
    const page = await site.page();
    await signIn(page, 'yui');
    assert.equal(await page.locator('details.menu > summary').isVisible(), false);
    for (const id of ['nav_applications', 'nav_guide', 'nav_settings', 'sign_out', 'locale_ru']) {
      assert.ok(await page.locator(`#${id}`).isVisible(), id);
    }
    const box = await page.locator('header.top').boundingBox();
    assert.ok(box && box.height < 56, 'one line');
  });

  it('shows the secret once after the redirect: a reload creates no application and shows no secret', async () => {
    const page = await site.page();
    await signIn(page, 'yui');
    const created = await registerApplication(page, { name: 'Reloaded app', redirectUris: [OOB] });
    assert.match(new URL(page.url()).pathname, /^\/oauth\/applications\/\d+\/credentials$/);
    await page.reload();
    assert.equal(await page.locator('#client_secret').count(), 0);
    assert.ok(!(await page.content()).includes(created.clientSecret));
    assert.match((await page.locator('#secret_already_shown').textContent()) ?? '', /shown once/);
    await screenshot(page, 'application-secret-reloaded');
    await page.goto('/oauth/applications');
    assert.equal(await page.locator('#my_applications li').count(), 1, 'one application, however many reloads');
    assert.deepEqual(site.consoleErrors, []);
  });

  it('shows on the consent page the owner and the return host; Authorize and Deny side by side, one size', async () => {
    const page = await site.page({ viewport: PHONE });
    await signIn(page, 'yui');
    await page.goto(authorizePath(app, `${client.url}/cb`));
    assert.equal(await page.locator('#application_name').textContent(), 'Anime tracker');
    assert.equal(await page.locator('#application_owner').textContent(), 'by @mei');
    assert.equal(await page.locator('#return_host').textContent(), new URL(client.url).host);
    const authorize = await page.locator('#authorize_button').boundingBox();
    const deny = await page.locator('#deny_button').boundingBox();
    assert.ok(authorize && deny);
    assert.equal(Math.round(authorize.width), Math.round(deny.width));
    assert.equal(Math.round(authorize.height), Math.round(deny.height));
    assert.equal(Math.round(authorize.y), Math.round(deny.y));
    assert.ok(authorize.x < deny.x, 'Authorize first');
    await screenshot(page, 'consent-phone-issue13');
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(`${client.url}/cb?`)),
      page.locator('#deny_button').click(),
    ]);
    assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
    await page.goto(authorizePath(oobApp, OOB));
    assert.equal(await page.locator('#return_host').textContent(), 'a code to paste into the application');
    assert.deepEqual(site.consoleErrors, []);
  });

  it("resolves whoami's url to the user's profile page", async () => {
    const page = await site.page();
    await signIn(page, 'yui');
    await page.goto(authorizePath(oobApp, OOB, 'user_rates'));
    await Promise.all([page.waitForURL(/\/oauth\/authorize\/[\w-]{43}$/), page.locator('#authorize_button').click()]);
    const code = (await page.locator('#authorization_code').textContent())?.trim() ?? '';
    const url = await whoamiUrl(site, oobApp, code);
    assert.equal(url, `${site.url}/yui`);
    const response = await page.goto(url);
    assert.equal(response?.status(), 200);
    assert.equal(await page.locator('h1').textContent(), '@yui');
    assert.equal(await page.locator('img.avatar').getAttribute('alt'), '');
    assert.ok(await page.locator('#member_since time').isVisible());
    await screenshot(page, 'profile');
    assert.deepEqual(site.consoleErrors, []);
  });

  /**
   * Every page a person meets, in order: signed out, then signed in (as yui, who owns one application). Each is
   * reached as a person reaches it; the credentials page needs a fresh application each time.
   */
  async function visitEveryPage(page: Page, screen: string, check: (name: string) => Promise<void>): Promise<void> {
    for (const [name, path] of [
      ['home', '/'],
      ['sign-in', '/users/sign_in'],
      ['sign-up', '/users/sign_up'],
      ['guide-guest', '/oauth'],
      ['not-found', '/no/such/page'],
      ['profile', '/mei'],
      ['forgot-password', '/users/password/new'],
      ['reset-link-invalid', '/users/password/edit?reset_password_token=used-or-expired'],
    ] as const) {
      await page.goto(path);
      await check(name);
    }
    // The new password's form, through a link an administrator printed (`monban users reset-link`).
    const reset = new URL((await site.cli<{ link: string }>(['users', 'reset-link', '--nickname', 'mei'])).link);
    await page.goto(`${reset.pathname}${reset.search}`);
    await check('reset-password');
    // The sign-in page an authorization request leads to, naming the application.
    await page.goto(authorizePath(app, `${client.url}/cb`));
    await check('sign-in-asking');
    await page.locator('#nickname').fill('yui');
    await page.locator('#password').fill(PASSWORD);
    await Promise.all([page.waitForURL(/\/oauth\/authorize\?/), page.locator('form#sign_in button').click()]);
    await check('consent');
    await page.goto(authorizePath(app, 'https://evil.example/cb'));
    await check('error-invalid-redirect-uri');
    await page.goto(`/oauth/authorize/${'A'.repeat(43)}`);
    await check('code');
    for (const [name, path] of [
      ['home-signed-in', '/'],
      ['guide', '/oauth'],
      ['applications', '/oauth/applications'],
      ['new-application', '/oauth/applications/new'],
      ['application', `/oauth/applications/${app.id}`],
      ['settings', '/users/edit'],
      ['device', '/oauth/device'],
      ['device-approved', '/oauth/device/approved'],
      ['profile-signed-in', '/yui'],
      ['not-found-signed-in', '/oauth/applications/999999'],
      ['forbidden-application', `/oauth/applications/${app.id}/edit`],
    ] as const) {
      await page.goto(path);
      await check(name);
    }
    // A form with errors, the credentials page (and its reload), the edit and delete pages of one's own application.
    await page.goto('/oauth/applications/new');
    await page.locator('#application_redirect_uri').fill('http://not-https.example/cb');
    // Named after the screen: one name for two of yui's applications would be two links of one name.
    await page.locator('#application_name').fill(`Form ${screen}`);
    await page.locator('form#application button[type="submit"]').click();
    await page.locator('#application_redirect_uri_errors').waitFor();
    await check('application-form-errors');
    await page.locator('#application_redirect_uri').fill(OOB);
    await page.locator('form#application button[type="submit"]').click();
    await page.locator('#client_secret').waitFor();
    await check('credentials');
    await page.reload();
    await check('credentials-reloaded');
    const id = /\/oauth\/applications\/(\d+)\//.exec(page.url())?.[1];
    await page.goto(`/oauth/applications/${id}/edit`);
    await check('edit-application');
    await page.goto(`/oauth/applications/${id}/delete`);
    await check('delete-application');
    // The 403 page after a refused form (a CSRF token that is not this session's), signed in.
    await page.goto(`/oauth/applications/${id}/edit`);
    const csrf = page.locator('form#application input[name="_csrf"]');
    await csrf.evaluate((input) => input.setAttribute('value', 'forged'));
    await page.locator('form#application button[type="submit"]').click();
    await page.waitForLoadState();
    assert.equal(await page.locator('#sign_out').count(), 1, 'the 403 page has the signed-in header');
    await check('forbidden-form');
  }

  for (const screen of SCREENS) {
    it(`every page passes axe-core (no serious or critical violation) and logs no error: ${screen.name}`, async () => {
      const context = await site.context({ locale: screen.locale, viewport: screen.viewport });
      const page = await context.newPage();
      const found: string[] = [];
      const checked: string[] = [];
      await visitEveryPage(page, screen.name, async (name) => {
        checked.push(name);
        for (const violation of await seriousViolations(page)) found.push(`${name} (${page.url()}): ${violation}`);
        for (const control of await sameNamedControls(page)) found.push(`${name}: two controls named ${control}`);
        if (screen.viewport === PHONE) assert.equal(await sidewaysOverflow(page), 0, `${name} fits 375 px`);
      });
      assert.equal(checked.length, 30);
      assert.deepEqual(found, []);
      assert.deepEqual(site.consoleErrors, []);
      await context.close();
    });
  }

  it('names each Revoke access button of the list after its application', async () => {
    await site.createUser('sora');
    const page = await site.page();
    await signIn(page, 'sora');
    // Access is a token: each code is exchanged.
    await page.goto(authorizePath(app, `${client.url}/cb`));
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(`${client.url}/cb?`)),
      page.locator('#authorize_button').click(),
    ]);
    await exchangeCode(site, app, new URL(page.url()).searchParams.get('code') ?? '', `${client.url}/cb`);
    await page.goto(authorizePath(oobApp, OOB));
    await exchangeCode(site, oobApp, await authorizeOob(page), OOB);
    await page.goto('/oauth/applications');
    assert.equal(await page.getByRole('button', { name: 'Revoke access: Anime tracker' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Revoke access: Desktop app' }).count(), 1);
    assert.deepEqual(await sameNamedControls(page), []);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(site.consoleErrors, []);
  });

  it('says "Account created" on whichever page signing up leads back to, and only there', async () => {
    const returns = [
      '/',
      '/oauth/applications',
      '/oauth/applications/new',
      '/oauth',
      '/oauth/device',
      '/users/edit',
      authorizePath(app, `${client.url}/cb`),
    ];
    // One sign-up each, the languages in turn: an address may make 10 accounts in 15 minutes.
    for (const [i, returnTo] of returns.entries()) {
      const locale = i % 2 === 0 ? 'en-GB' : 'ru-RU';
      const nickname = `new${i}`;
      const page = await site.page({ locale });
      await page.goto(`/users/sign_up?return_to=${encodeURIComponent(returnTo)}`);
      await page.locator('#nickname').fill(nickname);
      await page.locator('#password').fill(PASSWORD);
      await Promise.all([
        page.waitForURL((url) => !url.pathname.startsWith('/users/sign_up')),
        page.locator('form#sign_up button').click(),
      ]);
      assert.equal(new URL(page.url()).pathname, returnTo.split('?')[0], returnTo);
      const expected =
        locale === 'en-GB'
          ? `Account created. Welcome, @${nickname}!`
          : `Аккаунт создан. Добро пожаловать, @${nickname}!`;
      assert.equal(await page.locator('#flash').textContent(), expected, returnTo);
      assert.equal(await page.locator('#flash').getAttribute('role'), 'status');
      // Once: the next page has no such message.
      await page.goto('/');
      assert.equal(await page.locator('#flash').count(), 0, `${returnTo}, then the home page`);
      await page.context().close();
    }
    assert.deepEqual(site.consoleErrors, []);
  });

  for (const screen of SCREENS) {
    it(`the guide, filled in up to the refresh (the README's picture), passes axe-core: ${screen.name}`, async () => {
      const context = await site.context({ locale: screen.locale, viewport: screen.viewport });
      const page = await context.newPage();
      await signInAnyLanguage(page, 'mei');
      await page.goto(`/oauth?application_id=${oobApp.id}`);
      await page.locator('#guide_scope_user_rates').check();
      // The first time, the consent page; after that mei has authorized these scopes, and the code comes at once.
      const tab = await openAuthorization(page);
      const asked = (await tab.locator('#authorize_button').count()) > 0;
      const code = asked ? await authorizeOob(tab) : await shownCode(tab);
      await tab.close();
      await page.locator('#guide_client_secret').fill(oobApp.clientSecret);
      await page.locator('#guide_code').fill(code);
      assert.equal((await sendOnGuide(page, 'request_token', 'token_response')).status, 200);
      assert.equal((await sendOnGuide(page, 'call_whoami', 'whoami_response')).status, 200);
      assert.equal((await sendOnGuide(page, 'refresh_token', 'refresh_response')).status, 200);
      assert.deepEqual(await seriousViolations(page), []);
      assert.deepEqual(await sameNamedControls(page), []);
      if (screen.viewport === PHONE) assert.equal(await sidewaysOverflow(page), 0);
      assert.deepEqual(site.consoleErrors, []);
      await context.close();
    });
  }

  it('names every control of the credentials page and the guide distinctly', async () => {
    const page = await site.page();
    await signIn(page, 'yui');
    await registerApplication(page, { name: 'Named', redirectUris: [OOB] });
    const names = await page.locator('button.copy').evaluateAll((all) => all.map((b) => b.getAttribute('aria-label')));
    assert.deepEqual(names, ['Copy the client ID', 'Copy the client secret']);
    await page.goto('/oauth');
    const guide = await page.locator('button.copy').evaluateAll((all) => all.map((b) => b.getAttribute('aria-label')));
    assert.deepEqual(guide, [
      'Copy the authorization link',
      'Copy the token command',
      'Copy the whoami command',
      'Copy the refresh command',
    ]);
    assert.equal(await page.getByRole('button', { name: 'Copy the token command' }).count(), 1);
  });
});
