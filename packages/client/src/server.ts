import { ClientUsageError, ResponseError } from './errors.js';
import { baseHeaders, isObject, readJson, statusError, type RequestOptions } from './wire.js';

/**
 * Where a server's endpoints are (RFC 8414 §2), and what it promises about its authorization responses (RFC 9207).
 *
 * @example
 * ```ts
 * const server: AuthorizationServer = await createClient(options).server();
 * console.log(server.tokenEndpoint);
 * ```
 */
export interface AuthorizationServer {
  /** The issuer identifier (RFC 8414 §2); for Shikimori, which publishes none, its base URL. */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** RFC 7009 §2. */
  revocationEndpoint: string;
  /** RFC 8628 §3.1; absent when the server has no device grant (Shikimori has none). */
  deviceAuthorizationEndpoint?: string;
  /** The API's "who am I" (Shikimori's `GET /api/users/whoami`). */
  whoamiEndpoint: string;
  /** RFC 9207 §3: the server always sends `iss` with an authorization response, so a missing one is an attack. */
  issParameterSupported: boolean;
}

/**
 * A base URL checked and without a trailing slash. Only `https:`, or `http:` for a server on this machine (as
 * RFC 8252 §8.3 allows for loopback), so that tokens never travel in clear over a network.
 *
 * @example
 * ```ts
 * normalizeBaseUrl('https://shikimori.one/'); // 'https://shikimori.one'
 * ```
 */
export function normalizeBaseUrl(baseUrl: unknown): string {
  if (typeof baseUrl !== 'string' || baseUrl === '') {
    throw new ClientUsageError(
      'base_url_required',
      "baseUrl is required: Monban's public URL, or https://shikimori.one",
    );
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ClientUsageError('base_url_invalid', `baseUrl is not a URL: ${baseUrl}`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ClientUsageError('base_url_invalid', `baseUrl must be https (or http on localhost): ${baseUrl}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ClientUsageError('base_url_invalid', `baseUrl must not have a query or fragment: ${baseUrl}`);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * Shikimori's fixed paths, for a server that publishes no metadata (RFC 8414 §3.2 answered 404):
 * `/oauth/authorize` (RFC 6749 §3.1), `/oauth/token` (RFC 6749 §3.2), `/oauth/revoke` (Doorkeeper's RFC 7009 §2
 * endpoint) and `/api/users/whoami`. Shikimori has no device grant (RFC 8628) and sends no `iss` (RFC 9207).
 *
 * @example
 * ```ts
 * const shikimori = shikimoriServer('https://shikimori.one');
 * shikimori.tokenEndpoint; // 'https://shikimori.one/oauth/token'
 * ```
 */
export function shikimoriServer(baseUrl: string): AuthorizationServer {
  const base = normalizeBaseUrl(baseUrl);
  return {
    issuer: base,
    authorizationEndpoint: `${base}/oauth/authorize`,
    tokenEndpoint: `${base}/oauth/token`,
    revocationEndpoint: `${base}/oauth/revoke`,
    whoamiEndpoint: `${base}/api/users/whoami`,
    issParameterSupported: false,
  };
}

/**
 * The metadata request (RFC 8414 §3.1): `GET {baseUrl}/.well-known/oauth-authorization-server`. Built, not sent.
 *
 * @example
 * ```ts
 * const response = await fetch(discoveryRequest('https://monban.example', { userAgent: 'My app/1.0' }));
 * const server = await processDiscoveryResponse('https://monban.example', response);
 * ```
 */
export function discoveryRequest(baseUrl: string, options: RequestOptions = {}): Request {
  const base = normalizeBaseUrl(baseUrl);
  const url = new URL(base);
  // RFC 8414 §3.1: the well-known segment goes between the host and any path of the issuer.
  const path = url.pathname === '/' ? '' : url.pathname;
  url.pathname = `/.well-known/oauth-authorization-server${path}`;
  return new Request(url.href, { headers: baseHeaders(options), signal: options.signal ?? null });
}

function endpoint(metadata: Record<string, unknown>, name: string, status: number): string | undefined {
  const value = metadata[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^https?:\/\//.test(value)) {
    throw new ResponseError('invalid_body', `metadata "${name}" is not a URL`, status);
  }
  return value;
}

/**
 * Reads the metadata answer (RFC 8414 §3.2). A 404 (Shikimori publishes none) gives Shikimori's fixed paths
 * ({@link shikimoriServer}); metadata naming another issuer is refused (RFC 8414 §3.3), since it would send the
 * client's secrets elsewhere. The whoami endpoint is the API's, under the base URL, in both cases.
 *
 * @example
 * ```ts
 * const server = await processDiscoveryResponse(base, await fetch(discoveryRequest(base)));
 * ```
 */
export async function processDiscoveryResponse(baseUrl: string, response: Response): Promise<AuthorizationServer> {
  const fallback = shikimoriServer(baseUrl);
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    return fallback;
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw statusError(response, 'metadata');
  }
  const metadata = await readJson(response);
  if (!isObject(metadata)) throw new ResponseError('invalid_body', 'metadata is not a JSON object', response.status);
  if (metadata.issuer !== fallback.issuer) {
    throw new ResponseError(
      'issuer_mismatch',
      `metadata names issuer ${String(metadata.issuer)}, not ${fallback.issuer} (RFC 8414 §3.3)`,
      response.status,
    );
  }
  const status = response.status;
  const device = endpoint(metadata, 'device_authorization_endpoint', status);
  return {
    issuer: fallback.issuer,
    authorizationEndpoint: endpoint(metadata, 'authorization_endpoint', status) ?? fallback.authorizationEndpoint,
    tokenEndpoint: endpoint(metadata, 'token_endpoint', status) ?? fallback.tokenEndpoint,
    revocationEndpoint: endpoint(metadata, 'revocation_endpoint', status) ?? fallback.revocationEndpoint,
    ...(device === undefined ? {} : { deviceAuthorizationEndpoint: device }),
    whoamiEndpoint: fallback.whoamiEndpoint,
    issParameterSupported: metadata.authorization_response_iss_parameter_supported === true,
  };
}
