import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  authorizeOob,
  BrowserSite,
  browserSuite,
  exchangeOnGuide,
  OOB,
  openAuthorization,
  registerApplication,
  screenshot,
  screenshotOf,
  sendOnGuide,
  signIn,
  tokenBody,
} from './support.js';

// Doorkeeper's answers (compatibility.md §5, §4.4), key order included.
const INVALID_TOKEN = { error: 'invalid_token', error_description: 'The access token is invalid', state: 'unauthorized' };
const INVALID_GRANT = {
  error: 'invalid_grant',
  error_description:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the ' +
    'authorization request, or was issued to another client.',
};

function parsed(response: { body: string }): unknown {
  return JSON.parse(response.body);
}

describe('browser: revoking access, an administrator widening scopes, and the Russian pages', browserSuite(), () => {
  let site: BrowserSite;

  before(async () => {
    site = await BrowserSite.start();
    await site.createUser('hana');
    await site.createUser('boss', { admin: true });
  });
  after(async () => {
    await site?.stop();
  });

  it("revokes access from the account page, and the application's token then answers 401 (compatibility.md §3)", async () => {
    const guide = await site.page();
    await signIn(guide, 'hana');
    const app = await registerApplication(guide, { name: 'Anime tracker', redirectUris: [OOB] });
    await guide.goto('/oauth');
    const consent = await openAuthorization(guide);
    const tokens = tokenBody(await exchangeOnGuide(guide, app.clientSecret, await authorizeOob(consent)));
    assert.equal((await sendOnGuide(guide, 'call_whoami', 'whoami_response')).status, 200);

    // The account page, in the tab the consent page was in; the guide keeps its token in the other.
    await consent.goto('/oauth/applications');
    const listed = consent.locator(`#authorized_application_${app.id}`);
    assert.equal(await listed.locator('h3').textContent(), 'Anime tracker');
    await screenshot(consent, 'authorized-applications');
    await screenshotOf(consent.locator('main'), 'authorized-applications-main');
    await Promise.all([
      consent.waitForURL((url) => url.search === '?notice=revoked'),
      listed.getByRole('button', { name: 'Revoke access' }).click(),
    ]);
    assert.equal(await consent.locator(`#authorized_application_${app.id}`).count(), 0);
    assert.equal(
      await consent.locator('.notice.success').textContent(),
      'Access revoked: the application can no longer use your account.',
    );

    const me = await sendOnGuide(guide, 'call_whoami', 'whoami_response');
    assert.equal(me.status, 401);
    assert.deepEqual(parsed(me), INVALID_TOKEN);
    assert.deepEqual(Object.keys(parsed(me) as object), ['error', 'error_description', 'state']);
    // The refresh token went with it.
    assert.equal(await guide.getByLabel('Refresh token', { exact: true }).inputValue(), tokens.refresh_token);
    const refreshed = await sendOnGuide(guide, 'refresh_token', 'refresh_response');
    assert.equal(refreshed.status, 400);
    assert.deepEqual(parsed(refreshed), INVALID_GRANT);
    await screenshot(guide, 'guide-revoked');
    assert.deepEqual(site.consoleErrors, []);
  });

  it("an administrator widens an application's allowed scopes, and the owner can then ask for them (compatibility.md §3)", async () => {
    const owner = await site.page();
    await signIn(owner, 'hana');
    const app = await registerApplication(owner, { name: 'Mail app', redirectUris: [OOB] });
    await owner.goto(`/oauth/applications/${app.id}/edit`);
    assert.ok(await owner.locator('#application_scopes_messages').isDisabled(), 'not allowed yet');
    assert.equal(await owner.locator('#application_allowed_scopes').count(), 0, 'owners do not see allowed scopes');

    const admin = await site.page();
    await signIn(admin, 'boss');
    await admin.goto(`/oauth/applications/${app.id}/edit`);
    await admin.locator('#application_allowed_scopes_messages').check();
    await screenshot(admin, 'admin-allowed-scopes');
    await Promise.all([
      admin.waitForURL((url) => url.pathname === `/oauth/applications/${app.id}`),
      admin.locator('form#application button[type="submit"]').click(),
    ]);

    await owner.reload();
    const messages = owner.locator('#application_scopes_messages');
    assert.ok(await messages.isEnabled(), 'allowed now');
    await messages.check();
    await owner.locator('#application_scopes_user_rates').check();
    await Promise.all([
      owner.waitForURL((url) => url.pathname === `/oauth/applications/${app.id}`),
      owner.locator('form#application button[type="submit"]').click(),
    ]);
    assert.match((await owner.locator('main').textContent()) ?? '', /Read your private messages/);

    await owner.goto(`/oauth?application_id=${app.id}`);
    await owner.getByLabel('messages').check();
    await owner.getByLabel('user_rates').check();
    const consent = await openAuthorization(owner);
    assert.ok(await consent.locator('#scope_messages').isChecked());
    const tokens = tokenBody(await exchangeOnGuide(owner, app.clientSecret, await authorizeOob(consent)));
    assert.equal(tokens.scope, 'user_rates messages');
    assert.deepEqual(site.consoleErrors, []);
  });

  it('renders the Russian pages, chosen by the browser or with the switch', async () => {
    const page = await site.page({ locale: 'ru-RU' });
    const heading = () => page.locator('h1').first().textContent();
    await page.goto('/users/sign_in');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
    assert.equal(await heading(), 'Вход');
    await page.locator('#locale_en').click();
    assert.equal(await heading(), 'Sign in');
    await page.locator('#locale_ru').click();
    assert.equal(await heading(), 'Вход');
    await page.getByLabel('Никнейм').fill('hana');
    await page.getByLabel('Пароль', { exact: true }).fill('correct horse battery');
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.locator('form#sign_in button').click()]);

    await page.goto('/oauth/applications');
    assert.equal(await heading(), 'OAuth приложения');
    const authorizedTitle = page.locator('#authorized_applications_title');
    assert.equal(await authorizedTitle.textContent(), 'Приложения с доступом к моему аккаунту');
    await screenshot(page, 'applications-ru');

    await page.goto('/oauth/applications/new');
    assert.equal(await heading(), 'Новое приложение');
    await page.getByLabel('Название').fill('Приложение Ханы');
    await page.getByLabel('Redirect URI').fill(OOB);
    await page.locator('form#application button[type="submit"]').click();
    assert.equal(await page.locator('.notice.success').textContent(), 'Приложение создано.');
    assert.equal(await page.locator('#copy_client_secret').textContent(), 'Копировать');

    await page.goto('/oauth');
    assert.equal(await heading(), 'Руководство по OAuth2');
    await page.getByLabel('Приложение', { exact: true }).selectOption({ label: 'Приложение Ханы' });
    assert.equal(await page.locator('#request_token').textContent(), 'Запросить access token');
    assert.match((await page.locator('#step3').textContent()) ?? '', /Срок действия Access Token — 1 день\./);
    await screenshot(page, 'guide-ru');

    const consent = await openAuthorization(page);
    assert.equal(await consent.locator('html').getAttribute('lang'), 'ru');
    assert.equal(await consent.locator('h1').textContent(), 'Разреши доступ');
    assert.equal((await consent.locator('#authorize_button').textContent())?.trim(), 'Разрешить');
    assert.equal((await consent.locator('#deny_button').textContent())?.trim(), 'Запретить');
    assert.match((await consent.locator('form#authorize').textContent()) ?? '', /Изменять твой список аниме и манги/);
    await screenshot(consent, 'consent-ru');

    await consent.goto('/users/edit');
    assert.equal(await consent.locator('h1').textContent(), 'Настройки аккаунта');
    assert.equal(await consent.getByLabel('Текущий пароль').count(), 1);
    assert.deepEqual(site.consoleErrors, []);
  });
});
