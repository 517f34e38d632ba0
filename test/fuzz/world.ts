import type { LightMyRequestResponse } from 'fastify';
import { randomSecret, secretHash } from '../../src/core/secrets.js';
import { findForm, type Browser } from '../helpers/browser.js';
import { PASSWORD, PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';
import { LogCapture } from '../ops/support.js';
import { serverRoutes, type Route } from './routes.js';

export const OOB = 'urn:ietf:wg:oauth:2.0:oob';
export const REDIRECT_URI = 'https://client.example/cb';
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Where an authorization sends a new code: the client's redirect URI, or the out-of-band page. */
const ISSUED_CODE = new RegExp(
  `^(?:${escaped(REDIRECT_URI)}\\?(?:.*&)?code=|${escaped(PUBLIC_URL)}/oauth/authorize/)([A-Za-z0-9_-]+)`,
);
/** A password the fuzz may set, or guess, and that must never be logged either. */
export const OTHER_PASSWORD = 'another fuzzing password 5Gq';

/** The secrets a request may carry, by name; the fuzz picks a name and the world gives the value at run time. */
export const SECRET_NAMES = [
  'code',
  'oobCode',
  'accessToken',
  'refreshToken',
  'clientCredentialsToken',
  'clientSecret',
  'password',
  'otherPassword',
  'csrfToken',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/**
 * A Monban seeded with what the requests can use: a user signed in (session and CSRF cookies), an application with
 * a web and an out-of-band redirect URI, an unused code of each kind, access and refresh tokens. Every secret the
 * requests carry or the answers reveal is kept, and none may reach the log.
 */
export class FuzzWorld {
  /** Secrets answers revealed (new codes, tokens, client secrets, cookies); requests may use them too. */
  readonly harvested: string[] = [];
  /** Errors the server reported (a 500's cause): any one fails the run. */
  readonly reported: unknown[] = [];
  private readonly seen = new Set<string>();
  private checkedLines = 0;

  private constructor(
    readonly t: TestMonban,
    readonly log: LogCapture,
    readonly app: TestApp,
    readonly applicationId: number,
    readonly routes: Route[],
    readonly secrets: Record<SecretName, string>,
    readonly cookies: { session: string; csrf: string },
    private readonly userId: number,
  ) {}

  static async start(): Promise<FuzzWorld> {
    const log = new LogCapture();
    const t = await TestMonban.start({ MONBAN_LOG_LEVEL: 'debug' }, { logDestination: log });
    const alice = await t.createUser('alice');
    await t.createUser('bob');
    const app = await t.createApp(alice.id, { redirectUris: [REDIRECT_URI, OOB] });
    const browser = await t.browserFor('alice');
    const tokens = await t.tokensFor(browser, app, { redirect_uri: REDIRECT_URI, scope: 'user_rates' });
    const code = await t.authorize(browser, app, { redirect_uri: REDIRECT_URI });
    const oobCode = await t.authorize(browser, app, { redirect_uri: OOB });
    const credentials = await t.token({
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    const csrfToken = await csrfTokenOf(browser);
    const session = browser.cookies.get('_monban_session');
    const csrf = browser.cookies.get('_csrf');
    if (session === undefined || csrf === undefined) throw new Error('the seeded browser has no session cookies');
    const secrets: Record<SecretName, string> = {
      code,
      oobCode,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      clientCredentialsToken: (credentials.json() as { access_token: string }).access_token,
      clientSecret: app.clientSecret,
      password: PASSWORD,
      otherPassword: OTHER_PASSWORD,
      csrfToken,
    };
    const routes = serverRoutes(t.server);
    const world = new FuzzWorld(t, log, app, app.application.id, routes, secrets, { session, csrf }, alice.id);
    // As src/app.ts reports errors (logged), and noted so that the run fails on it.
    t.monban.ctx.reportError = (err) => {
      world.reported.push(err);
      t.server.log.error({ err }, 'unexpected error');
    };
    for (const value of [...Object.values(secrets), session, csrf]) world.remember(value);
    world.remember(Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64'));
    return world;
  }

  close(): Promise<void> {
    return this.t.close();
  }

  /** A secret by name, or one an answer revealed (by index, wrapping round), or the seeded code if none yet. */
  secret(name: SecretName | number): string {
    if (typeof name !== 'number') return this.secrets[name];
    return this.harvested.length === 0 ? this.secrets.code : (this.harvested[name % this.harvested.length] ?? '');
  }

  private remember(value: string): void {
    // Shorter values could occur in a log line by chance; every secret Monban makes is 43 characters.
    if (value.length < 20 || this.seen.has(value)) return;
    this.seen.add(value);
    if (!(Object.values(this.secrets) as string[]).includes(value)) this.harvested.push(value);
  }

  /** Keeps what an answer revealed: tokens, codes in a Location, a client secret on a page, cookies. */
  harvest(response: LightMyRequestResponse): void {
    // Only an authorization's own redirects carry a new code: absolute, to the client or to the out-of-band page.
    // A relative Location (the language switch's return_to) holds whatever the request put there.
    const location = response.headers.location;
    if (typeof location === 'string' && /^https?:\/\//.test(location)) {
      this.remember(ISSUED_CODE.exec(location)?.[1] ?? '');
    }
    for (const cookie of response.cookies) this.remember(cookie.value);
    const type = String(response.headers['content-type'] ?? '');
    if (type.startsWith('application/json') && response.statusCode === 200) {
      const body = safeJson(response.body);
      for (const field of ['access_token', 'refresh_token']) {
        const value = body?.[field];
        if (typeof value === 'string') this.remember(value);
      }
    }
    if (type.startsWith('text/html')) {
      for (const match of response.body.matchAll(/<code id="client_secret"[^>]*>([^<]+)<\/code>/g)) {
        this.remember(match[1] ?? '');
      }
    }
  }

  /** Log lines written since the last call that hold a known secret, as written or once percent-decoded. */
  leaksSinceLastCheck(): string[] {
    const lines = this.log.lines.slice(this.checkedLines);
    this.checkedLines = this.log.lines.length;
    const known = [...this.seen];
    return lines.filter((line) => {
      // A secret has no "+" of its own: in a query, "+" is a space (the password has spaces).
      const decoded = decodeFully(line.replace(/\+/g, ' '));
      return known.some((secret) => line.includes(secret) || decoded.includes(secret));
    });
  }

  /**
   * A new session for the seeded user when a request ended it (signing out, changing the password), written to the
   * store directly, so that page routes keep being fuzzed signed in, with no password hashing and no throttle.
   */
  async keepSignedIn(): Promise<void> {
    const now = this.t.clock.now();
    if (await this.t.stores.sessions.findUser(secretHash(this.cookies.session), now)) return;
    const id = randomSecret();
    await this.t.stores.sessions.create(secretHash(id), this.userId, now, now + 24 * 3600 * 1000);
    this.cookies.session = id;
    this.remember(id);
  }

  /** How many rows each table that a request could add to holds (a HEAD must add none). */
  async rowCounts(): Promise<Record<string, number>> {
    const db = this.t.monban.database.db;
    const counts: Record<string, number> = {};
    for (const table of ['access_grants', 'access_tokens', 'sessions', 'users', 'applications'] as const) {
      const row = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      counts[table] = Number(row.n);
    }
    return counts;
  }
}

/** The CSRF token of a signed-in page's form (the settings page), for form posts that pass the CSRF check. */
async function csrfTokenOf(browser: Browser): Promise<string> {
  const page = await browser.get('/users/edit');
  const token = findForm(page.body, 'form').fields.find(([name]) => name === '_csrf')?.[1];
  if (token === undefined) throw new Error(`no CSRF token on ${PUBLIC_URL}/users/edit`);
  return token;
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Percent-decodes every valid `%XX` sequence, again and again until nothing changes (nested `return_to`). */
export function decodeFully(text: string): string {
  let current = text;
  for (let i = 0; i < 8; i++) {
    const next = current.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
          const byte = parseInt(hex, 16);
          return byte < 0x80 ? String.fromCharCode(byte) : `%${hex}`;
        });
      }
    });
    if (next === current) return current;
    current = next;
  }
  return current;
}
