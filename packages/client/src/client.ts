import { buildAuthorizationUrl, validateCallback } from './authorization.js';
import { isInvalidTokenResponse, withBearer } from './bearer.js';
import {
  deviceAuthorizationRequest,
  pollDeviceToken,
  processDeviceAuthorizationResponse,
  type DeviceAuthorization,
} from './device.js';
import { ClientUsageError, OAuthError } from './errors.js';
import { RateLimiter, SHIKIMORI_LIMITS, type RateWindow } from './limiter.js';
import { codeChallengeS256, randomToken } from './pkce.js';
import { sendWithRetry, type RetryOptions } from './retry.js';
import {
  discoveryRequest,
  normalizeBaseUrl,
  processDiscoveryResponse,
  shikimoriServer,
  type AuthorizationServer,
} from './server.js';
import { memoryStore, type TokenStorage } from './storage.js';
import {
  authorizationCodeRequest,
  processRevocationResponse,
  processTokenResponse,
  refreshTokenRequest,
  revocationRequest,
  type TokenSet,
} from './tokens.js';
import {
  baseHeaders,
  readJson,
  oauthErrorOf,
  statusError,
  type ClientCredentials,
  type RequestOptions,
} from './wire.js';

/**
 * The part of the Web Locks API (`navigator.locks`) the client uses: exclusive locks by name, and, where there is
 * `query` (browsers), the names held, through which a tab learns that another one refreshed. They keep refreshes
 * (RFC 6749 §6) of rotated refresh tokens one at a time across tabs.
 *
 * @example
 * ```ts
 * createClient({ ..., locks: navigator.locks }); // the default in a browser
 * ```
 */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
  query?(): Promise<{ held?: Array<{ name?: string }> }>;
}

/** How long a tab holds its "refreshed" mark: longer than any other tab needs to notice it. */
const REFRESHED_MARK_MS = 30_000;
/** How long a tab waits for another tab's refreshed tokens to reach its localStorage, polling every 20 ms. */
const STORAGE_CATCH_UP_MS = 3_000;

/**
 * Options of {@link createClient}. The endpoints come from RFC 8414 metadata, or Shikimori's fixed paths; the
 * secret travels as RFC 6749 §2.3.1 says.
 *
 * @example
 * ```ts
 * const options: ClientOptions = {
 *   baseUrl: 'https://shikimori.one', clientId, clientSecret, redirectUri: 'https://app.example/callback',
 *   userAgent: 'My app/1.0', rateLimit: true, retry: { retries: 2, maxDelayMs: 10_000 },
 * };
 * ```
 */
export interface ClientOptions {
  /** The server: Monban's public URL, or `https://shikimori.one`. Required. */
  baseUrl: string;
  clientId: string;
  /** A confidential client's secret; leave it out in a browser or an installed app (a public client, with PKCE). */
  clientSecret?: string;
  /** How the secret is sent (default `client_secret_post`, as Shikimori's guide does). */
  authMethod?: ClientCredentials['authMethod'];
  /** Where the server sends the user back; needed for {@link MonbanClient.authorizationUrl}. */
  redirectUri?: string;
  /** Scopes to ask for; default: the application's own. */
  scopes?: readonly string[];
  /** Where tokens live; default {@link memoryStore}. */
  storage?: TokenStorage;
  /**
   * Names the application, as Shikimori asks (`My app/1.2 (+https://app.example)`). Required; browsers send their
   * own instead, which is fine.
   */
  userAgent: string;
  /** The `fetch` to use; default the platform's. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * The server's endpoints: `'discover'` (default) reads RFC 8414 metadata and falls back to Shikimori's fixed paths
   * when there is none; `'shikimori'` uses the fixed paths without asking; or give them yourself.
   */
  server?: 'discover' | 'shikimori' | AuthorizationServer;
  /** 429 handling (default: 3 retries, waits of at most 60 s). */
  retry?: RetryOptions;
  /** A client-side limiter: `true` for Shikimori's 5/s and 90/min, or windows of your own. Off by default. */
  rateLimit?: boolean | readonly RateWindow[];
  /** Web Locks for refreshing across tabs; default `navigator.locks` where it exists; `null` turns them off. */
  locks?: LockManagerLike | null;
  /** Refresh this many ms before the access token's known expiry, instead of waiting for the 401. Default 0. */
  refreshMarginMs?: number;
  /** For tests: the clock and the wait. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What the device flow shows the user: the code and where to type it (RFC 8628 §3.3).
 *
 * @example
 * ```ts
 * await client.signInWithDevice(({ userCode, verificationUri }: DeviceCodePrompt) => {
 *   console.log(`Open ${verificationUri} and enter ${userCode}`);
 * });
 * ```
 */
export type DeviceCodePrompt = Omit<DeviceAuthorization, 'deviceCode'>;

/**
 * The client returned by {@link createClient}: sign-in (RFC 6749 §4.1, RFC 8628), API calls (RFC 6750), sign-out
 * (RFC 7009).
 *
 * @example
 * ```ts
 * const client: MonbanClient = createClient({ baseUrl, clientId, userAgent: 'My app/1.0' });
 * if ((await client.tokens()) === undefined) await client.signInWithDevice(show);
 * ```
 */
export interface MonbanClient {
  /** The server's endpoints (discovered once). */
  server(): Promise<AuthorizationServer>;
  /** A fresh authorization URL (RFC 6749 §4.1.1) with PKCE S256 and `state`, both kept in the storage. */
  authorizationUrl(options?: { scopes?: readonly string[]; redirectUri?: string }): Promise<string>;
  /** Checks the callback URL (`state`, `iss`, RFC 9207) and exchanges its code; the tokens are stored. */
  handleCallback(url: string | URL): Promise<TokenSet>;
  /** Exchanges a code obtained another way (the out-of-band code page, `urn:ietf:wg:oauth:2.0:oob`). */
  exchangeCode(code: string, options?: { redirectUri?: string; codeVerifier?: string }): Promise<TokenSet>;
  /** The device grant (RFC 8628): `onCode` shows the user code, then the client polls until the user answers. */
  signInWithDevice(
    onCode: (prompt: DeviceCodePrompt) => void | Promise<void>,
    options?: { scopes?: readonly string[]; signal?: AbortSignal },
  ): Promise<TokenSet>;
  /** `fetch` to the API with the bearer token; one refresh and one retry on 401 `invalid_token`. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** `GET /api/users/whoami`: the signed-in user, as the server describes them. */
  whoami<T = Record<string, unknown>>(): Promise<T>;
  /** Refreshes now (shared with any refresh in progress). */
  refresh(): Promise<TokenSet>;
  /** The stored tokens, if signed in. */
  tokens(): Promise<TokenSet | undefined>;
  /** Revokes the tokens (RFC 7009) and forgets them. */
  signOut(): Promise<void>;
}

interface PendingAuthorization {
  state: string;
  codeVerifier: string;
  redirectUri: string;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A real wait that does not keep a Node.js process alive (Node 22 and later have `navigator.locks` too). */
function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms) as unknown as { unref?: () => void };
    timer.unref?.();
  });
}

function defaultLocks(): LockManagerLike | undefined {
  const navigator = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return navigator?.locks;
}

/**
 * A client for Monban or Shikimori that does what every application otherwise writes again: the authorization URL
 * with PKCE (RFC 7636) and `state`, the callback checks (RFC 9207), the code exchange (RFC 6749 §4.1.3), the device
 * grant (RFC 8628), API calls with the bearer token (RFC 6750), one refresh for many failing calls (RFC 6749 §6;
 * within the process, and across browser tabs with Web Locks), 429 back-off (RFC 6585 §4), and revocation on sign-out
 * (RFC 7009).
 *
 * @example
 * ```ts
 * const client = createClient({
 *   baseUrl: 'https://shikimori.one',
 *   clientId: 'CLIENT_ID',
 *   clientSecret: 'CLIENT_SECRET',
 *   redirectUri: 'https://app.example/callback',
 *   userAgent: 'My app/1.0 (+https://app.example)',
 *   rateLimit: true,
 * });
 * response.redirect(await client.authorizationUrl());
 * // … on /callback:
 * await client.handleCallback(request.url);
 * const me = await client.whoami();
 * const rates = await (await client.fetch(`/api/v2/user_rates?user_id=${me.id}`)).json();
 * ```
 */
export function createClient(options: ClientOptions): MonbanClient {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw new ClientUsageError('client_id_required', 'clientId is required');
  }
  if (typeof options.userAgent !== 'string' || options.userAgent.trim() === '') {
    throw new ClientUsageError('user_agent_required', 'userAgent is required: name the application, as Shikimori asks');
  }
  const platformFetch = (globalThis as { fetch?: (r: Request) => Promise<Response> }).fetch;
  if (options.fetch === undefined && platformFetch === undefined) {
    throw new ClientUsageError('fetch_unavailable', 'no fetch here: pass options.fetch');
  }
  const send = options.fetch ?? ((request: Request) => platformFetch!(request));
  const storage = options.storage ?? memoryStore();
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const locks = options.locks === null ? undefined : (options.locks ?? defaultLocks());
  const windows = options.rateLimit === true ? SHIKIMORI_LIMITS : options.rateLimit || undefined;
  const limiter = windows === undefined ? undefined : new RateLimiter(windows, now, sleep);
  const credentials: ClientCredentials = {
    clientId: options.clientId,
    ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
    ...(options.authMethod === undefined ? {} : { authMethod: options.authMethod }),
  };
  const requestOptions: RequestOptions = { userAgent: options.userAgent };
  const tokensKey = `${options.clientId}:tokens`;
  const pendingKey = `${options.clientId}:pending`;
  const lockName = `monban-refresh:${baseUrl}:${options.clientId}`;
  let discovered: Promise<AuthorizationServer> | undefined;
  let refreshing: Promise<TokenSet> | undefined;

  function transmit(request: Request): Promise<Response> {
    return sendWithRetry(request, options.retry ?? {}, {
      fetch: send,
      sleep,
      now,
      ...(limiter === undefined ? {} : { beforeAttempt: () => limiter.take() }),
    });
  }

  function server(): Promise<AuthorizationServer> {
    const choice = options.server ?? 'discover';
    if (choice === 'shikimori') return Promise.resolve(shikimoriServer(baseUrl));
    if (typeof choice === 'object') return Promise.resolve(choice);
    discovered ??= transmit(discoveryRequest(baseUrl, requestOptions)).then((response) =>
      processDiscoveryResponse(baseUrl, response),
    );
    // A failed discovery (the network was down) is tried again next time.
    discovered.catch(() => (discovered = undefined));
    return discovered;
  }

  async function loadTokens(): Promise<TokenSet | undefined> {
    const text = await storage.get(tokensKey);
    if (text === undefined || text === null) return undefined;
    try {
      return JSON.parse(text) as TokenSet;
    } catch {
      return undefined;
    }
  }

  async function saveTokens(tokens: TokenSet): Promise<TokenSet> {
    await storage.set(tokensKey, JSON.stringify(tokens));
    return tokens;
  }

  async function requestTokens(request: Request): Promise<TokenSet> {
    return saveTokens(await processTokenResponse(await transmit(request), now()));
  }

  /**
   * The refresh itself, unless someone already did it: the stored access token is no longer the one that failed
   * (another caller, or another tab, refreshed while this one waited for the lock).
   */
  async function refreshUnlessDone(stale: string | undefined): Promise<TokenSet> {
    let tokens = await loadTokens();
    if (stale !== undefined && tokens?.accessToken === stale && (await refreshedElsewhere(stale))) {
      tokens = await storageCaughtUp(stale);
    }
    if (tokens === undefined) throw new ClientUsageError('not_signed_in', 'not signed in');
    if (stale !== undefined && tokens.accessToken !== stale) return tokens;
    if (tokens.refreshToken === undefined) {
      throw new OAuthError('invalid_token', 'The access token expired and there is no refresh token.', 401);
    }
    const request = refreshTokenRequest(await server(), credentials, tokens.refreshToken, requestOptions);
    try {
      const fresh = await processTokenResponse(await transmit(request), now());
      // RFC 6749 §6: the server may keep the refresh token; then the old one stays valid.
      const saved = await saveTokens({ ...fresh, refreshToken: fresh.refreshToken ?? tokens.refreshToken });
      await markRefreshed(tokens.accessToken);
      return saved;
    } catch (err) {
      // The grant is gone (revoked, reused, expired): the user must sign in again.
      if (err instanceof OAuthError && err.error === 'invalid_grant') await storage.delete(tokensKey);
      throw err;
    }
  }

  /**
   * Tabs share localStorage, but Chromium hands one tab's write to another tab's process later, with no ordering
   * against the Web Lock: the tab granted the lock next may still read the old tokens, refresh with a refresh token
   * already rotated, and sign the user out. So the tab that refreshed also holds, for a while, a lock named after the
   * replaced token (its SHA-256), taken before it releases the refresh lock; the lock manager orders both, so the next
   * tab sees that name in `query()` and waits for the new tokens to arrive instead of refreshing again.
   */
  function markName(stale: string): Promise<string> {
    return codeChallengeS256(stale).then((hash) => `${lockName}:refreshed:${hash}`);
  }

  async function markRefreshed(stale: string): Promise<void> {
    if (locks?.query === undefined) return;
    const name = await markName(stale);
    await new Promise<void>((granted) => {
      void locks.request(name, () => {
        granted();
        return unrefSleep(REFRESHED_MARK_MS);
      });
    });
  }

  async function refreshedElsewhere(stale: string): Promise<boolean> {
    if (locks?.query === undefined) return false;
    const name = await markName(stale);
    const state = await locks.query();
    return (state.held ?? []).some((lock) => lock.name === name);
  }

  async function storageCaughtUp(stale: string): Promise<TokenSet | undefined> {
    for (let waited = 0; waited < STORAGE_CATCH_UP_MS; waited += 20) {
      const tokens = await loadTokens();
      if (tokens?.accessToken !== stale) return tokens;
      await unrefSleep(20);
    }
    return loadTokens();
  }

  /** One refresh at a time in this process; across tabs, one at a time under a Web Lock. */
  function refreshAfter(stale: string | undefined): Promise<TokenSet> {
    refreshing ??= (
      locks === undefined ? refreshUnlessDone(stale) : locks.request(lockName, () => refreshUnlessDone(stale))
    ).finally(() => (refreshing = undefined));
    return refreshing;
  }

  async function currentTokens(): Promise<TokenSet> {
    const tokens = await loadTokens();
    if (tokens === undefined) throw new ClientUsageError('not_signed_in', 'not signed in: sign in first');
    const margin = options.refreshMarginMs ?? 0;
    if (tokens.expiresAt !== undefined && tokens.refreshToken !== undefined && now() >= tokens.expiresAt - margin) {
      return refreshAfter(tokens.accessToken);
    }
    return tokens;
  }

  function apiRequest(input: string | URL | Request, init: RequestInit | undefined): Request {
    const base = new URL(`${baseUrl}/`);
    const request =
      input instanceof Request && init === undefined
        ? input
        : new Request(input instanceof Request ? input : new URL(input, base), init);
    // The bearer token goes only to the server it was issued by.
    if (new URL(request.url).origin !== base.origin) {
      throw new ClientUsageError('invalid_argument', `refusing to send the token to another origin: ${request.url}`);
    }
    return request;
  }

  function authorized(request: Request, accessToken: string): Request {
    const headers = withBearer(request.headers, accessToken);
    baseHeaders(requestOptions).forEach((value, name) => {
      if (!headers.has(name)) headers.set(name, value);
    });
    return new Request(request, { headers });
  }

  async function exchange(code: string, redirectUri: string, codeVerifier: string | undefined): Promise<TokenSet> {
    const grant = { code, redirectUri, ...(codeVerifier === undefined ? {} : { codeVerifier }) };
    return requestTokens(authorizationCodeRequest(await server(), credentials, grant, requestOptions));
  }

  async function takePending(): Promise<PendingAuthorization | undefined> {
    const text = await storage.get(pendingKey);
    if (text === undefined || text === null) return undefined;
    await storage.delete(pendingKey);
    return JSON.parse(text) as PendingAuthorization;
  }

  async function apiFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = apiRequest(input, init);
    let tokens = await currentTokens();
    let response = await transmit(authorized(request.clone(), tokens.accessToken));
    if (await isInvalidTokenResponse(response)) {
      await response.body?.cancel();
      tokens = await refreshAfter(tokens.accessToken);
      response = await transmit(authorized(request, tokens.accessToken));
    }
    return response;
  }

  // The methods use no `this`, so that `const { fetch, whoami } = client` works too.
  return {
    server,

    async authorizationUrl(call = {}) {
      const redirectUri = call.redirectUri ?? options.redirectUri;
      if (redirectUri === undefined) {
        throw new ClientUsageError('redirect_uri_required', 'redirectUri is required for the authorization URL');
      }
      const pending: PendingAuthorization = { state: randomToken(), codeVerifier: randomToken(), redirectUri };
      const scopes = call.scopes ?? options.scopes;
      const url = buildAuthorizationUrl(await server(), {
        clientId: options.clientId,
        redirectUri,
        ...(scopes === undefined ? {} : { scopes }),
        state: pending.state,
        codeChallenge: await codeChallengeS256(pending.codeVerifier),
      });
      await storage.set(pendingKey, JSON.stringify(pending));
      return url.href;
    },

    async handleCallback(url) {
      const pending = await takePending();
      if (pending === undefined) {
        throw new ClientUsageError(
          'no_pending_authorization',
          'no authorization in progress: call authorizationUrl() first',
        );
      }
      const code = validateCallback(await server(), url, pending.state);
      return exchange(code, pending.redirectUri, pending.codeVerifier);
    },

    async exchangeCode(code, call = {}) {
      if (typeof code !== 'string' || code === '') throw new ClientUsageError('invalid_argument', 'code is required');
      const pending = call.codeVerifier === undefined ? await takePending() : undefined;
      const redirectUri = call.redirectUri ?? pending?.redirectUri ?? options.redirectUri;
      if (redirectUri === undefined) throw new ClientUsageError('redirect_uri_required', 'redirectUri is required');
      return exchange(code, redirectUri, call.codeVerifier ?? pending?.codeVerifier);
    },

    async signInWithDevice(onCode, call = {}) {
      const endpoints = await server();
      const scopes = call.scopes ?? options.scopes;
      const request = deviceAuthorizationRequest(endpoints, credentials, scopes, requestOptions);
      const authorization = await processDeviceAuthorizationResponse(await transmit(request));
      const { deviceCode: _secret, ...prompt } = authorization;
      await onCode(prompt);
      const tokens = await pollDeviceToken(endpoints, credentials, authorization, {
        send: transmit,
        sleep,
        now,
        requestOptions,
        ...(call.signal === undefined ? {} : { signal: call.signal }),
      });
      return saveTokens(tokens);
    },

    fetch: apiFetch,

    async whoami<T>() {
      const response = await apiFetch((await server()).whoamiEndpoint, { headers: { accept: 'application/json' } });
      if (response.status === 200) return (await readJson(response)) as T;
      const body = await readJson(response).catch(() => undefined);
      throw oauthErrorOf(body, response.status) ?? statusError(response, 'whoami');
    },

    async refresh() {
      return refreshAfter(undefined);
    },

    tokens: loadTokens,

    async signOut() {
      const tokens = await loadTokens();
      await storage.delete(tokensKey);
      if (tokens === undefined) return;
      const [token, hint] =
        tokens.refreshToken === undefined
          ? [tokens.accessToken, 'access_token' as const]
          : [tokens.refreshToken, 'refresh_token' as const];
      const request = revocationRequest(await server(), credentials, token, hint, requestOptions);
      await processRevocationResponse(await transmit(request));
    },
  };
}
