/**
 * @monban/client against Monban in this process (listening on 127.0.0.1, with the test clock): discovery, the
 * authorization-code flow (confidential, public with PKCE, out-of-band), the callback's checks, the API with the
 * bearer token, the refresh when the token expired (50 concurrent calls, one refresh), a refused refresh, sign-out
 * revoking, and the device grant approved on the verification page.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ClientUsageError,
  OAuthError,
  ResponseError,
  createClient,
  memoryStore,
  type ClientOptions,
  type TokenStorage,
} from '../../packages/client/src/index.js';
import { PASSWORD, type TestApp, type TestMonban } from '../helpers/monban.js';
import { HttpBrowser } from '../helpers/process.js';
import { approveDevice, consent, countingFetch, listeningMonban, refreshes, type Sent } from './support.js';

const REDIRECT_URI = 'https://client.example/cb';
const OOB = 'urn:ietf:wg:oauth:2.0:oob';
const TTL = 3600;

describe('@monban/client against Monban', () => {
  let t: TestMonban;
  let url: string;
  let alice: { id: number };
  let webApp: TestApp;
  let publicApp: TestApp;
  let browser: HttpBrowser;
  let sent: Sent[];
  let storage: TokenStorage;
  let counting: ReturnType<typeof countingFetch>;

  before(async () => {
    ({ t, url } = await listeningMonban({ MONBAN_ACCESS_TOKEN_TTL: String(TTL) }));
    alice = await t.createUser('alice');
    webApp = await t.createApp(alice.id, { name: 'Web app', redirectUris: [REDIRECT_URI, OOB] });
    publicApp = await t.createApp(alice.id, { name: 'CLI', redirectUris: [OOB], confidential: false });
    browser = new HttpBrowser(url);
    await browser.signIn('alice', PASSWORD);
  });
  after(() => t.close());

  beforeEach(() => {
    counting = countingFetch();
    sent = counting.sent;
    storage = memoryStore();
  });

  function client(app: TestApp = webApp, options: Partial<ClientOptions> = {}) {
    return createClient({
      baseUrl: url,
      clientId: app.clientId,
      ...(app.clientSecret === '' ? {} : { clientSecret: app.clientSecret }),
      redirectUri: REDIRECT_URI,
      scopes: ['user_rates'],
      userAgent: 'Monban client tests/1.0',
      storage,
      fetch: counting.fetch,
      ...options,
    });
  }

  async function signedIn(app: TestApp = webApp) {
    const c = client(app);
    await c.handleCallback(await consent(browser, await c.authorizationUrl()));
    return c;
  }

  it('discovers the endpoints from the metadata (RFC 8414), once', async () => {
    const c = client();
    assert.deepEqual(await c.server(), {
      issuer: url,
      authorizationEndpoint: `${url}/oauth/authorize`,
      tokenEndpoint: `${url}/oauth/token`,
      revocationEndpoint: `${url}/oauth/revoke`,
      deviceAuthorizationEndpoint: `${url}/oauth/device_authorization`,
      whoamiEndpoint: `${url}/api/users/whoami`,
      issParameterSupported: true,
    });
    await c.server();
    assert.deepEqual(
      sent.map((s) => s.path),
      ['/.well-known/oauth-authorization-server'],
    );
    assert.equal(sent[0]?.headers.get('user-agent'), 'Monban client tests/1.0');
  });

  it('authorizationUrl, consent, handleCallback: tokens stored, whoami answers', async () => {
    const c = client();
    const authorizationUrl = new URL(await c.authorizationUrl());
    assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${url}/oauth/authorize`);
    assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorizationUrl.searchParams.get('scope'), 'user_rates');
    const callback = new URL(await consent(browser, authorizationUrl.href));
    assert.equal(callback.searchParams.get('iss'), url, 'Monban sends iss (RFC 9207)');
    const tokens = await c.handleCallback(callback);
    assert.equal(tokens.scope, 'user_rates');
    assert.equal(tokens.expiresAt !== undefined && tokens.expiresAt > Date.now(), true);
    assert.deepEqual(await c.tokens(), tokens);
    const exchange = sent.find((s) => s.path === '/oauth/token');
    assert.equal(exchange?.form.get('code_verifier')?.length, 43);
    const me = await c.whoami<{ id: number; nickname: string }>();
    assert.equal(me.nickname, 'alice');
    assert.equal(me.id, alice.id);
  });

  it('a public client signs in with PKCE alone', async () => {
    const c = client(publicApp, { redirectUri: OOB });
    const location = await consent(browser, await c.authorizationUrl());
    // Out-of-band: Monban shows the code on its page (compatibility.md §3); the user pastes it into the app.
    const code = new URL(location).pathname.split('/').pop() ?? '';
    const tokens = await c.exchangeCode(code);
    assert.equal(typeof tokens.refreshToken, 'string');
    const exchange = sent.find((s) => s.path === '/oauth/token');
    assert.equal(exchange?.form.get('client_secret'), null);
    assert.equal((await c.whoami<{ nickname: string }>()).nickname, 'alice');
  });

  it('refuses a callback whose state is not its own, and the code is never sent', async () => {
    const c = client();
    const callback = new URL(await consent(browser, await c.authorizationUrl()));
    callback.searchParams.set('state', 'forged');
    await assert.rejects(
      c.handleCallback(callback),
      (err: unknown) => err instanceof ResponseError && err.code === 'state_mismatch',
    );
    assert.equal(sent.filter((s) => s.path === '/oauth/token').length, 0);
    // The pending authorization was used up: a replay is a usage error.
    await assert.rejects(
      c.handleCallback(callback),
      (err: unknown) => err instanceof ClientUsageError && err.code === 'no_pending_authorization',
    );
  });

  it('an error in the callback (the user denied) is an OAuthError', async () => {
    // An application alice has not yet consented to, so that Monban asks.
    const c = client(await t.createApp(alice.id, { name: 'Asks', redirectUris: [REDIRECT_URI] }));
    const authorizationUrl = new URL(await c.authorizationUrl());
    const page = await browser.get(`${authorizationUrl.pathname}${authorizationUrl.search}`);
    const denied = await browser.submit(await page.text(), 'form#deny');
    await assert.rejects(
      c.handleCallback(denied.headers.get('location') ?? ''),
      (err: unknown) => err instanceof OAuthError && err.error === 'access_denied',
    );
  });

  it('a code used twice: exchangeCode throws invalid_grant with its description', async () => {
    const c = client();
    const callback = new URL(await consent(browser, await c.authorizationUrl()));
    await c.handleCallback(callback);
    await assert.rejects(
      c.exchangeCode(callback.searchParams.get('code') ?? ''),
      (err: unknown) =>
        err instanceof OAuthError &&
        err.error === 'invalid_grant' &&
        err.status === 400 &&
        /grant is invalid/.test(err.error_description ?? ''),
    );
  });

  it('after the access token expired, fetch refreshes once and retries', async () => {
    const c = await signedIn();
    const before = await c.tokens();
    t.clock.advance(TTL + 1);
    sent.length = 0;
    const response = await c.fetch('/api/users/whoami');
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { nickname: string }).nickname, 'alice');
    assert.deepEqual(
      sent.map((s) => [s.method, s.path, s.form.get('grant_type')]),
      [
        ['GET', '/api/users/whoami', null],
        ['POST', '/oauth/token', 'refresh_token'],
        ['GET', '/api/users/whoami', null],
      ],
    );
    const after = await c.tokens();
    assert.notEqual(after?.accessToken, before?.accessToken);
    assert.notEqual(after?.refreshToken, before?.refreshToken, 'the rotated refresh token is kept');
  });

  it('50 concurrent fetch calls with an expired access token: exactly one refresh reaches the server', async () => {
    const c = await signedIn();
    t.clock.advance(TTL + 1);
    sent.length = 0;
    const responses = await Promise.all(Array.from({ length: 50 }, () => c.fetch('/api/users/whoami')));
    assert.deepEqual(
      responses.map((r) => r.status),
      Array.from({ length: 50 }, () => 200),
    );
    assert.equal(refreshes(sent).length, 1);
    assert.equal(sent.filter((s) => s.path === '/api/users/whoami').length, 100, '50 failures, 50 retries');
  });

  it('refresh() refreshes now: new tokens, the old refresh token rotated away', async () => {
    const c = await signedIn();
    const before = await c.tokens();
    const after = await c.refresh();
    assert.notEqual(after.accessToken, before?.accessToken);
    assert.deepEqual(await c.tokens(), after);
    assert.equal(refreshes(sent)[0]?.form.get('refresh_token'), before?.refreshToken);
    assert.equal((await t.whoami(after.accessToken)).statusCode, 200);
  });

  it('a refused refresh (the grant revoked) forgets the tokens and throws invalid_grant', async () => {
    const c = await signedIn();
    const tokens = await c.tokens();
    const revoke = await fetch(`${url}/oauth/revoke`, {
      method: 'POST',
      body: new URLSearchParams({
        token: tokens?.refreshToken ?? '',
        client_id: webApp.clientId,
        client_secret: webApp.clientSecret,
      }),
    });
    assert.equal(revoke.status, 200);
    await assert.rejects(
      c.fetch('/api/users/whoami'),
      (err: unknown) => err instanceof OAuthError && err.error === 'invalid_grant',
    );
    assert.equal(await c.tokens(), undefined);
  });

  it('signOut revokes (RFC 7009): the access token no longer works', async () => {
    const c = await signedIn();
    const tokens = await c.tokens();
    await c.signOut();
    assert.equal(await c.tokens(), undefined);
    const revocation = sent.find((s) => s.path === '/oauth/revoke');
    assert.equal(revocation?.form.get('token_type_hint'), 'refresh_token');
    const whoami = await t.whoami(tokens?.accessToken ?? '');
    assert.equal(whoami.statusCode, 401);
    await assert.rejects(
      c.fetch('/api/users/whoami'),
      (err: unknown) => err instanceof ClientUsageError && err.code === 'not_signed_in',
    );
  });

  it('signInWithDevice: the code shown, a pending poll, the user approves on /oauth/device, the tokens', async () => {
    let shown: { userCode: string; verificationUri: string; verificationUriComplete?: string } | undefined;
    const waits: number[] = [];
    const c = client(publicApp, {
      now: t.clock.now,
      // The device's wait between polls moves the server's clock; the user answers after the first poll.
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 2) await approveDevice(browser, shown?.verificationUriComplete ?? '');
        t.clock.advance(ms / 1000);
      },
    });
    const tokens = await c.signInWithDevice((prompt) => {
      shown = prompt;
      assert.equal('deviceCode' in prompt, false, 'the device code stays with the client');
    });
    assert.ok(shown);
    assert.equal(shown.verificationUri, `${url}/oauth/device`);
    assert.equal(shown.verificationUriComplete, `${url}/oauth/device?user_code=${shown.userCode}`);
    assert.match(shown.userCode, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    assert.deepEqual(waits, [5000, 5000]);
    const polls = sent.filter((s) => s.form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code');
    assert.equal(polls.length, 2, 'one pending poll, then the tokens');
    assert.equal(tokens.scope, 'user_rates');
    assert.equal((await c.whoami<{ nickname: string }>()).nickname, 'alice');
  });
});
