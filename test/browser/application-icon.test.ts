/**
 * Uploaded application icons in Chromium (security.md #93a): the edit form sends the file as a browser does
 * (multipart, with its CSRF field), the icon loads on the application page under the pages' CSP, and an SVG called
 * icon.png comes back as the form with the reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { BrowserSite, browserSuite, OOB, registerApplication, signIn, type RegisteredApp } from './support.js';

/** A 1x1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

describe('browser: uploading an application icon', browserSuite(), () => {
  let site: BrowserSite;
  let page: Page;
  let app: RegisteredApp;

  before(async () => {
    site = await BrowserSite.start();
    await site.createUser('nao');
    page = await site.page();
    await signIn(page, 'nao');
    app = await registerApplication(page, { name: 'Icon app', redirectUris: [OOB] });
  });
  after(async () => {
    await site?.stop();
  });

  async function uploadIcon(file: { name: string; mimeType: string; buffer: Buffer }): Promise<number> {
    await page.goto(`/oauth/applications/${app.id}/edit`);
    await page.getByLabel('Icon', { exact: true }).setInputFiles(file);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
      page.locator('form#application button[type="submit"]').click(),
    ]);
    await page.waitForLoadState();
    return response.status();
  }

  it('uploads a PNG with the form, and the application page shows it', async () => {
    assert.equal(await uploadIcon({ name: 'icon.png', mimeType: 'image/png', buffer: PNG }), 303);
    await page.waitForURL(new RegExp(`/oauth/applications/${app.id}$`));
    const icon = page.locator('.titled img.uploaded');
    assert.match((await icon.getAttribute('src')) ?? '', new RegExp(`^/oauth/applications/${app.id}/icon\\?v=`));
    await page.waitForFunction(() => (document.querySelector('.titled img.uploaded') as HTMLImageElement).complete);
    assert.equal(await icon.evaluate((img: HTMLImageElement) => img.naturalWidth), 1, 'the picture loaded');
  });

  it('shows the form again with the reason for an SVG called icon.png', async () => {
    assert.equal(await uploadIcon({ name: 'icon.png', mimeType: 'image/png', buffer: SVG }), 422);
    assert.equal(
      (await page.locator('#application_icon_errors').textContent())?.trim(),
      'The icon must be a PNG, JPEG, GIF or WebP picture (SVG is not accepted).',
    );
    // The PNG uploaded before is still the icon.
    assert.equal(await page.locator('#application_icon_current img.uploaded').count(), 1);
  });
});
