import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { cliJson, ServerProcess, tempDatabase } from '../helpers/process.js';

/**
 * The browser suites drive Debian's Chromium with playwright-core against `monban serve` in a child process.
 * Without Chromium they are skipped with a loud warning, except in CI (CI=true), where .ci/run installs it and a
 * missing Chromium fails the run.
 */

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Where each test leaves a screenshot of its key page (git ignores test-output/). */
export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots');

export const PASSWORD = 'correct horse battery';
export const OOB = 'urn:ietf:wg:oauth:2.0:oob';
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 740 };

/** Options for `describe`: skipped, with a banner, when Chromium is missing outside CI. */
export function browserSuite(): { skip?: string } {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') return {};
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!! BROWSER TESTS SKIPPED: ${CHROMIUM} is missing. Install it (apt-get install -y chromium) to run them;\n` +
      `!! with CI=true they fail instead.\n${line}\n`,
  );
  return { skip: `${CHROMIUM} is missing (outside CI)` };
}

/** A stand-in for a client application on another origin: it records its callbacks and serves what it is told. */
export class OtherOrigin {
  readonly callbacks: string[] = [];
  private pages = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<OtherOrigin> {
    let site: OtherOrigin | undefined;
    const server = createServer((request: IncomingMessage, response) => {
      const path = request.url ?? '/';
      if (path.startsWith('/cb')) site?.callbacks.push(path);
      const page = site?.pages.get(path.split('?')[0] ?? '') ?? '<!doctype html><title>Client</title><p>callback</p>';
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    site = new OtherOrigin(server, `http://127.0.0.1:${port}`);
    return site;
  }

  serve(path: string, html: string): void {
    this.pages.set(path, html);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface RegisteredApp {
  id: number;
  clientId: string;
  clientSecret: string;
}

/** One Monban server with its own database, one Chromium, and the contexts (browser profiles) a suite opens. */
export class BrowserSite {
  private contexts: BrowserContext[] = [];
  readonly consoleErrors: string[] = [];

  private constructor(
    readonly server: ServerProcess,
    readonly env: Record<string, string>,
    private readonly browser: Browser,
    private readonly removeDatabase: () => Promise<void>,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<BrowserSite> {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing; with CI=true the browser tests must run (.ci/run installs it)`);
    }
    const database = await tempDatabase();
    const settings = { MONBAN_DATABASE_URL: database.path, ...env };
    const server = await ServerProcess.start(settings);
    try {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      await mkdir(SCREENSHOTS, { recursive: true });
      return new BrowserSite(server, settings, browser, database.remove);
    } catch (err) {
      await server.stop();
      await database.remove();
      throw err;
    }
  }

  get url(): string {
    return this.server.url;
  }

  /**
   * A fresh browser profile (its own cookies) in English, or Russian; desktop-sized unless told. Console errors
   * of Monban's pages are collected: a CSP violation or a script error shows up there.
   */
  async context(
    options: { locale?: 'en-GB' | 'ru-RU'; viewport?: { width: number; height: number }; javaScript?: boolean } = {},
  ) {
    const context = await this.browser.newContext({
      locale: options.locale ?? 'en-GB',
      viewport: options.viewport ?? DESKTOP,
      javaScriptEnabled: options.javaScript ?? true,
      baseURL: this.url,
    });
    context.on('page', (page) => this.watch(page));
    this.contexts.push(context);
    return context;
  }

  /** A new page in a new context. */
  async page(options: Parameters<BrowserSite['context']>[0] = {}): Promise<Page> {
    return (await this.context(options)).newPage();
  }

  private watch(page: Page): void {
    // Requests the page's script makes (the guide's calls to the token endpoint and the API): their error statuses
    // are answers the page shows, not failures.
    const fetched = new Set<string>();
    page.on('request', (request) => {
      if (['fetch', 'xhr'].includes(request.resourceType())) fetched.add(request.url());
    });
    page.on('console', (message) => {
      // A failed load is an error unless it is the document itself answered with an error status (a 404 or 403
      // page a test asks for), or one of those fetches; a missing favicon, asset or image counts.
      const failed = message.text().startsWith('Failed to load resource') ? message.location().url : undefined;
      const meant = failed !== undefined && (failed === page.url() || fetched.has(failed));
      if (message.type() === 'error' && !meant && page.url().startsWith(this.url)) {
        this.consoleErrors.push(`${page.url()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => this.consoleErrors.push(`${page.url()}: ${error.message}`));
  }

  /** `monban ARGS --json` against this server's database. */
  cli<T>(args: string[]): Promise<T> {
    return cliJson<T>(args, this.env);
  }

  async createUser(nickname: string, options: { admin?: boolean } = {}): Promise<void> {
    const admin = options.admin ? ['--admin'] : [];
    await this.cli(['users', 'create', '--nickname', nickname, '--password', PASSWORD, ...admin]);
  }

  async stop(): Promise<void> {
    for (const context of this.contexts) await context.close().catch(() => undefined);
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
    await this.removeDatabase();
  }
}

/** Saves the page as test-output/screenshots/NAME.png (the whole page, as a reader scrolls it). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** How far the page is wider than the screen, in CSS pixels (0: nothing to scroll sideways). */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Saves one part of a page as test-output/screenshots/NAME.png (the README's pictures are cut this way). */
export async function screenshotOf(part: Locator, name: string): Promise<void> {
  await part.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

export async function signIn(page: Page, nickname: string, password = PASSWORD): Promise<void> {
  await page.goto('/users/sign_in');
  await page.getByLabel('Nickname').fill(nickname);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.locator('form#sign_in button').click()]);
  assert.equal(await page.locator('#sign_out').count(), 1, 'signed in');
}

/** Registers an application with the form, reads its client_id and secret from the page that shows them once. */
export async function registerApplication(
  page: Page,
  fields: { name: string; redirectUris: string[]; scopes?: string[] },
): Promise<RegisteredApp> {
  await page.goto('/oauth/applications/new');
  await page.getByLabel('Name', { exact: true }).fill(fields.name);
  await page.getByLabel('Redirect URIs').fill(fields.redirectUris.join('\n'));
  for (const scope of fields.scopes ?? []) await page.locator(`#application_scopes_${scope}`).check();
  await page.locator('form#application button[type="submit"]').click();
  await page.locator('#client_secret').waitFor();
  const href = await page.locator('#go_to_application').getAttribute('href');
  const id = Number(/\/oauth\/applications\/(\d+)$/.exec(href ?? '')?.[1]);
  assert.ok(id > 0, `application link ${href}`);
  const clientId = (await page.locator('#client_id').textContent())?.trim() ?? '';
  const clientSecret = (await page.locator('#client_secret').textContent())?.trim() ?? '';
  assert.match(clientId, /^[A-Za-z0-9_-]{43}$/);
  assert.match(clientSecret, /^[A-Za-z0-9_-]{43}$/);
  return { id, clientId, clientSecret };
}

/** A response box of the guide page: "HTTP status" on the first line, then the body as the page shows it. */
export async function guideResponse(page: Page, id: string): Promise<{ status: number; body: string }> {
  const box = page.locator(`#${id}`);
  await box.waitFor({ state: 'visible' });
  const text = (await box.textContent()) ?? '';
  const [first = '', ...rest] = text.split('\n');
  const status = Number(/^HTTP (\d{3})$/.exec(first)?.[1]);
  assert.ok(status > 0, `a status line in #${id}: ${text}`);
  return { status, body: rest.join('\n') };
}

/**
 * Opens the guide's authorization link (a new tab, so that the guide keeps its fields) and returns that tab,
 * showing the consent page.
 */
export async function openAuthorization(guide: Page): Promise<Page> {
  const [tab] = await Promise.all([guide.context().waitForEvent('page'), guide.locator('#authorize_link').click()]);
  await tab.waitForLoadState();
  return tab;
}

/** Clicks one of the guide's buttons and returns the response its box then shows. */
export async function sendOnGuide(guide: Page, buttonId: string, responseId: string) {
  await guide.locator(`#${responseId}`).evaluate((box) => box.setAttribute('hidden', ''));
  await guide.locator(`#${buttonId}`).click();
  return guideResponse(guide, responseId);
}

/** Fills the guide's step 3 and sends it; returns the token response as the page shows it. */
export async function exchangeOnGuide(guide: Page, clientSecret: string, code: string) {
  await guide.getByLabel('Client secret', { exact: true }).fill(clientSecret);
  await guide.getByLabel('Authorization code', { exact: true }).fill(code);
  return sendOnGuide(guide, 'request_token', 'token_response');
}

/** Answers the consent page in this tab with Authorize and reads the code from the out-of-band code page. */
export async function authorizeOob(tab: Page): Promise<string> {
  await Promise.all([
    tab.waitForURL(/\/oauth\/authorize\/[A-Za-z0-9_-]{43}$/),
    tab.locator('#authorize_button').click(),
  ]);
  const code = (await tab.locator('#authorization_code').textContent())?.trim() ?? '';
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  return code;
}

/** A token response body as Shikimori sends it (compatibility.md §4.3), key order included. */
export function tokenBody(response: { status: number; body: string }): Record<string, unknown> {
  assert.equal(response.status, 200, response.body);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  const keys = ['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope', 'created_at'];
  assert.deepEqual(Object.keys(body), keys);
  return body;
}
