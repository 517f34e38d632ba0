import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { regenerateSecret } from '../../src/accounts/application-management.js';
import { AUTHORIZATION_REQUEST_TTL_MS } from '../../src/core/authorization/flow.js';
import { startDeviceAuthorization } from '../../src/core/device/verification.js';
import type { Application } from '../../src/core/model.js';
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
/** Every secret Monban makes: 32 bytes from the CSPRNG, base64url (core/secrets.ts). */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A password the fuzz may set, or guess, and that must never be logged either. */
export const OTHER_PASSWORD = 'another fuzzing password 5Gq';

/** The secrets a request may carry, by name; the fuzz picks a name and the world gives the value at run time. */
export const SECRET_NAMES = [
  'code',
  'oobCode',
  'publicCode',
  'codeVerifier',
  'deviceCode',
  'requestId',
  'deviceRequestId',
  'accessToken',
  'refreshToken',
  'clientCredentialsToken',
  'clientSecret',
  'password',
  'otherPassword',
  'csrfToken',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** The tables a request may add rows to, counted before and after it (core/ports/stores.ts). */
const TABLES = [
  'access_grants',
  'access_tokens',
  'sessions',
  'users',
  'applications',
  'authorization_requests',
  'device_codes',
  'secret_reveals',
] as const;

const CONFIDENTIAL_APP = { redirectUris: [REDIRECT_URI, OOB] };
const PUBLIC_APP = { name: 'Public app', redirectUris: [REDIRECT_URI], confidential: false };

/**
 * A Monban seeded with what the requests can use: a user signed in (session and CSRF cookies), a confidential
 * application with a web and an out-of-band redirect URI and a public one, an unused code of each kind (the public
 * one's bound to a PKCE challenge), access and refresh tokens, a device code waiting for its user, and a consent
 * request of each kind (a browser's, a device's) waiting for the signed-in session's answer. The codes, the device
 * code and the consent requests are made anew once used up, so that near misses keep reaching them. Every secret
 * the requests carry or the answers reveal is kept, and none may reach the log.
 */
export class FuzzWorld {
  /** Secrets answers revealed (new codes, tokens, client secrets, cookies); requests may use them too. */
  readonly harvested: string[] = [];
  /** Errors the server reported (a 500's cause): any one fails the run. */
  readonly reported: unknown[] = [];
  private readonly seen = new Set<string>();
  /** Known secrets not of Monban's shape (the passwords, a Basic credential), looked for one by one. */
  private readonly otherSecrets: string[] = [];

  /** The user code of the device code in `secrets.deviceCode`, as shown (`XXXX-XXXX`). */
  userCode = '';

  private constructor(
    readonly t: TestMonban,
    readonly log: LogCapture,
    public app: TestApp,
    public publicApp: TestApp,
    readonly routes: Route[],
    readonly secrets: Record<SecretName, string>,
    readonly cookies: { session: string; csrf: string },
    private readonly userId: number,
  ) {}

  /** The confidential application's id (in its pages' paths). */
  get applicationId(): number {
    return this.app.application.id;
  }

  /** The S256 challenge of `secrets.codeVerifier` (RFC 7636 §4.2), which the public code is bound to. */
  get codeChallenge(): string {
    return createHash('sha256').update(this.secrets.codeVerifier).digest('base64url');
  }

  static async start(): Promise<FuzzWorld> {
    const log = new LogCapture();
    const t = await TestMonban.start({ MONBAN_LOG_LEVEL: 'debug' }, { logDestination: log });
    const alice = await t.createUser('alice');
    await t.createUser('bob');
    const app = await t.createApp(alice.id, CONFIDENTIAL_APP);
    const publicApp = await t.createApp(alice.id, PUBLIC_APP);
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
      // Made by replenish() below.
      publicCode: '',
      codeVerifier: randomSecret(),
      deviceCode: '',
      requestId: '',
      deviceRequestId: '',
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      clientCredentialsToken: (credentials.json() as { access_token: string }).access_token,
      clientSecret: app.clientSecret,
      password: PASSWORD,
      otherPassword: OTHER_PASSWORD,
      csrfToken,
    };
    const routes = serverRoutes(t.server);
    const cookies = { session, csrf };
    const world = new FuzzWorld(t, log, app, publicApp, routes, secrets, cookies, alice.id);
    // As src/app.ts reports errors (logged), and noted so that the run fails on it.
    t.monban.ctx.reportError = (err) => {
      world.reported.push(err);
      t.server.log.error({ err }, 'unexpected error');
    };
    for (const value of [...Object.values(secrets), session, csrf]) world.remember(value);
    world.remember(Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64'));
    await world.replenish();
    return world;
  }

  close(): Promise<void> {
    return this.t.close();
  }

  /**
   * A secret by name, or one an answer revealed (by index from the most recent, wrapping round), or the seeded code
   * if none yet.
   */
  secret(name: SecretName | number): string {
    if (typeof name !== 'number') return this.secrets[name];
    const count = this.harvested.length;
    return count === 0 ? this.secrets.code : (this.harvested[count - 1 - (name % count)] ?? '');
  }

  private remember(value: string): void {
    // Shorter values could occur in a log line by chance; every secret Monban makes is 43 characters.
    if (value.length < 20 || this.seen.has(value)) return;
    this.seen.add(value);
    if (!SECRET_SHAPE.test(value)) this.otherSecrets.push(value);
    if (!(Object.values(this.secrets) as string[]).includes(value)) this.harvested.push(value);
  }

  /** Whether the text holds a known secret: Monban's, looked up by every 43-character window; the others, each. */
  private holdsSecret(text: string): boolean {
    for (const [run] of text.matchAll(/[A-Za-z0-9_-]{43,}/g)) {
      for (let at = 0; at + 43 <= run.length; at++) if (this.seen.has(run.slice(at, at + 43))) return true;
    }
    return this.otherSecrets.some((secret) => text.includes(secret));
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
    if (type.startsWith('application/json') && response.statusCode === 200) {
      const value = safeJson(response.body)?.device_code;
      if (typeof value === 'string') this.remember(value);
    }
    if (type.startsWith('text/html')) {
      for (const match of response.body.matchAll(/<code id="client_secret"[^>]*>([^<]+)<\/code>/g)) {
        this.remember(match[1] ?? '');
      }
      // A consent page's request id: a later answer may decide it.
      for (const match of response.body.matchAll(/name="request_id" value="([^"]+)"/g)) this.remember(match[1] ?? '');
    }
  }

  /** Log lines written since the last call that hold a known secret, as written or once percent-decoded. */
  leaksSinceLastCheck(): string[] {
    // Taken out of the capture, so that a long run does not keep every line it wrote.
    const lines = this.log.lines.splice(0);
    // A secret has no "+" of its own: in a query, "+" is a space (the password has spaces).
    return lines.filter((line) => this.holdsSecret(line) || this.holdsSecret(decodeFully(line.replace(/\+/g, ' '))));
  }

  /**
   * Makes anew what requests used up, written to the store directly (no password hashing, no throttle, no prior
   * consent in the way): a session for the seeded user when a request ended it (signing out, changing the
   * password), so that page routes keep being fuzzed signed in; an application of each kind when a request deleted
   * it (its tokens and codes went with it) or changed its redirect URIs, scopes or type, and the confidential
   * one's secret when a request regenerated it; the confidential and the public code once redeemed;
   * a device code once answered; a consent request of each kind once decided or left in another session.
   */
  async replenish(): Promise<void> {
    const now = this.t.clock.now();
    const stores = this.t.stores;
    if (!(await stores.sessions.findUser(secretHash(this.cookies.session), now))) {
      const id = randomSecret();
      await stores.sessions.create(secretHash(id), this.userId, now, now + 24 * 3600 * 1000);
      this.cookies.session = id;
      this.remember(id);
    }
    const app = await stores.applications.findById(this.app.application.id);
    if (!app || changed(app, this.app.application)) {
      this.app = await this.t.createApp(this.userId, CONFIDENTIAL_APP);
      this.renew('clientSecret', this.app.clientSecret);
    } else if (app.secretHash !== secretHash(this.secrets.clientSecret)) {
      this.renew('clientSecret', await regenerateSecret(stores, app, now));
    }
    const publicApp = await stores.applications.findById(this.publicApp.application.id);
    if (!publicApp || changed(publicApp, this.publicApp.application)) {
      this.publicApp = await this.t.createApp(this.userId, PUBLIC_APP);
    }
    if (await this.used(this.secrets.code)) this.renew('code', await this.newCode(this.app, false));
    if (await this.used(this.secrets.publicCode)) this.renew('publicCode', await this.newCode(this.publicApp, true));
    const device = await stores.deviceCodes.findByHash(secretHash(this.secrets.deviceCode));
    if (device?.status !== 'pending' || device.redeemedAt !== null || device.expiresAt <= now) {
      await this.newDeviceCode();
    }
    const sessionHash = secretHash(this.cookies.session);
    if (!(await stores.authorizationRequests.findOpen(secretHash(this.secrets.requestId), sessionHash, now))) {
      const requestId = randomSecret();
      await stores.authorizationRequests.create({
        idHash: secretHash(requestId),
        sessionHash,
        userId: this.userId,
        applicationId: this.applicationId,
        redirectUri: REDIRECT_URI,
        scopes: ['user_rates', 'comments'],
        state: 'fuzz',
        at: now,
        expiresAt: now + AUTHORIZATION_REQUEST_TTL_MS,
      });
      this.renew('requestId', requestId);
    }
    if (!(await stores.authorizationRequests.findOpen(secretHash(this.secrets.deviceRequestId), sessionHash, now))) {
      const user = await stores.sessions.findUser(sessionHash, now);
      if (!user) throw new Error('the seeded session is gone');
      const outcome = await startDeviceAuthorization(this.t.monban.ctx, this.userCode, {
        user,
        sessionKey: this.cookies.session,
      });
      if (outcome.kind !== 'consent') throw new Error(`no consent request for the seeded user code ${this.userCode}`);
      this.renew('deviceRequestId', outcome.requestId);
    }
  }

  private renew(name: SecretName, value: string): void {
    this.secrets[name] = value;
    this.remember(value);
  }

  /** Whether the code with this value is unknown or consumed. */
  private async used(code: string): Promise<boolean> {
    const row = await this.t.monban.database.db
      .selectFrom('access_grants')
      .select('revoked_at')
      .where('token_hash', '=', secretHash(code))
      .executeTakeFirst();
    return row === undefined || row.revoked_at !== null;
  }

  private async newCode(app: TestApp, pkce: boolean): Promise<string> {
    const code = randomSecret();
    await this.t.stores.codes.create({
      codeHash: secretHash(code),
      applicationId: app.application.id,
      userId: this.userId,
      redirectUri: REDIRECT_URI,
      scopes: ['user_rates'],
      expiresIn: 600,
      codeChallenge: pkce ? { challenge: this.codeChallenge, method: 'S256' } : null,
      at: this.t.clock.now(),
    });
    return code;
  }

  /** A device code for the confidential application, through its endpoint (RFC 8628 §3.1). */
  private async newDeviceCode(): Promise<void> {
    const response = await this.t.server.inject({
      method: 'POST',
      url: '/oauth/device_authorization',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        client_id: this.app.clientId,
        client_secret: this.secrets.clientSecret,
      }).toString(),
    });
    const body = safeJson(response.body);
    if (response.statusCode !== 200 || typeof body?.device_code !== 'string' || typeof body.user_code !== 'string') {
      throw new Error(`no device code: ${response.statusCode} ${response.body}`);
    }
    this.renew('deviceCode', body.device_code);
    this.userCode = body.user_code;
  }

  /**
   * What a request could have created or decided: the rows of every table, the consent requests decided, the device
   * codes answered or exchanged. An error answer (4xx) must change none of them, and a HEAD none either.
   */
  async stateCounts(): Promise<Record<string, number>> {
    // One query (the fuzz asks twice a request): a count of each table, then of the decisions.
    const counts = TABLES.map((table) => sql`(select count(*) from ${sql.table(table)}) as ${sql.ref(table)}`);
    const { rows } = await sql<Record<string, number | bigint>>`select ${sql.join([
      ...counts,
      sql`(select count(*) from authorization_requests where decided_at is not null)
        as "authorization_requests decided"`,
      sql`(select count(*) from device_codes where status <> 'pending') as "device_codes answered"`,
      sql`(select count(*) from device_codes where redeemed_at is not null) as "device_codes redeemed"`,
    ])}`.execute(this.t.monban.database.db);
    return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([name, n]) => [name, Number(n)]));
  }
}

/** Whether a request changed what the seeded requests rely on: the redirect URIs, the scopes, the client type. */
function changed(now: Application, seeded: Application): boolean {
  return (
    now.redirectUris.join('\n') !== seeded.redirectUris.join('\n') ||
    now.scopes.join(' ') !== seeded.scopes.join(' ') ||
    now.confidential !== seeded.confidential
  );
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
