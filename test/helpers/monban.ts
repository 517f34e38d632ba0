import { createMonban, type Monban, type MonbanOptions } from '../../src/app.js';
import { registerApplication, type ApplicationRegistration } from '../../src/accounts/applications.js';
import { registerUser } from '../../src/accounts/accounts.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Application, User } from '../../src/core/model.js';
import { openSqlite } from '../../src/storage/database.js';
import { Browser } from './browser.js';
import { TestClock } from './clock.js';

export const PUBLIC_URL = 'http://localhost:3000';
export const PASSWORD = 'correct horse battery';

export interface TestApp {
  application: Application;
  clientId: string;
  clientSecret: string;
}

/** Monban on an in-memory SQLite database with a movable clock, driven in-process through `inject`. */
export class TestMonban {
  private constructor(
    readonly monban: Monban,
    readonly clock: TestClock,
    readonly config: Config,
  ) {}

  /** `options`: where logs go, say (the database and the clock are the test's own). */
  static async start(
    env: Record<string, string> = {},
    options: Omit<MonbanOptions, 'database' | 'now'> = {},
  ): Promise<TestMonban> {
    // Rate limits are on by default (5/s, as Shikimori); only the tests about them turn them back on. So is the
    // server's cleanup, on a real-time timer while the clock here travels: the cleanup tests run it themselves.
    const quiet = { MONBAN_RATE_LIMIT: 'off', MONBAN_CLEANUP_INTERVAL: '0' };
    const config = loadConfig({ MONBAN_PUBLIC_URL: PUBLIC_URL, ...quiet, ...env }, { logLevel: 'silent' });
    const clock = new TestClock();
    const monban = await createMonban(config, { ...options, database: openSqlite(':memory:'), now: clock.now });
    monban.ctx.reportError = (err) => {
      throw err;
    };
    return new TestMonban(monban, clock, config);
  }

  get server() {
    return this.monban.server;
  }

  get stores() {
    return this.monban.ctx.stores;
  }

  close(): Promise<void> {
    return this.monban.close();
  }

  createUser(nickname: string, options: { email?: string; admin?: boolean } = {}): Promise<User> {
    return registerUser(this.stores, { nickname, password: PASSWORD, ...options }, this.clock.now());
  }

  async createApp(ownerId: number, options: Partial<ApplicationRegistration> = {}): Promise<TestApp> {
    const { application, clientSecret } = await registerApplication(
      this.stores,
      { ownerId, name: 'Test app', redirectUris: ['https://client.example/cb'], ...options },
      this.clock.now(),
    );
    // A public application has no secret: '' reads as an absent client_secret (core/params.ts).
    return { application, clientId: application.uid, clientSecret: clientSecret ?? '' };
  }

  /** A browser signed in as this user. */
  async browserFor(nickname: string): Promise<Browser> {
    const browser = new Browser(this.server);
    await browser.signIn(nickname, PASSWORD);
    return browser;
  }

  /** Runs the authorization request in a signed-in browser, consenting when asked, and returns the code. */
  async authorize(browser: Browser, app: TestApp, params: Record<string, string> = {}): Promise<string> {
    const query = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: app.application.redirectUris[0] ?? '',
      response_type: 'code',
      ...params,
    });
    let response = await browser.get(`/oauth/authorize?${query}`);
    if (response.statusCode === 200) response = await browser.submit(response.body, 'form#authorize');
    const location = response.headers.location;
    if (response.statusCode !== 302 || typeof location !== 'string') {
      throw new Error(`authorization did not redirect: ${response.statusCode} ${response.body.slice(0, 300)}`);
    }
    const code = location.startsWith(`${PUBLIC_URL}/oauth/authorize/`)
      ? location.slice(`${PUBLIC_URL}/oauth/authorize/`.length)
      : new URL(location).searchParams.get('code');
    if (!code) throw new Error(`no code in ${location}`);
    return code;
  }

  token(form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.server.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(form).toString(),
    });
  }

  /** Code, then tokens: the whole authorization-code flow for one user and app. */
  async tokensFor(browser: Browser, app: TestApp, params: Record<string, string> = {}) {
    const code = await this.authorize(browser, app, params);
    const response = await this.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: params.redirect_uri ?? app.application.redirectUris[0] ?? '',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    if (response.statusCode !== 200) throw new Error(`token exchange failed: ${response.body}`);
    return response.json() as { access_token: string; refresh_token: string; scope: string; expires_in: number };
  }

  whoami(token: string) {
    return this.server.inject({ method: 'GET', url: '/api/users/whoami', headers: { authorization: `Bearer ${token}` } });
  }
}
