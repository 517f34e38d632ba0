import { ClientUsageError, OAuthError, ResponseError } from './errors.js';

/**
 * Who the client is at the token, revocation and device authorization endpoints (RFC 6749 §2.3.1). A public client
 * (a mobile app, a single-page app, a command-line tool) has no secret and sends only its `client_id`.
 *
 * @example
 * ```ts
 * const confidential: ClientCredentials = { clientId, clientSecret, authMethod: 'client_secret_basic' };
 * const publicClient: ClientCredentials = { clientId };
 * ```
 */
export interface ClientCredentials {
  clientId: string;
  /** The client secret of a confidential client. */
  clientSecret?: string;
  /**
   * How the secret travels: in the body (`client_secret_post`, the default: what Shikimori's guide shows), or in
   * HTTP Basic (`client_secret_basic`, RFC 6749 §2.3.1, each half form-encoded first).
   */
  authMethod?: 'client_secret_post' | 'client_secret_basic';
}

/**
 * Options every request builder takes. `User-Agent` is RFC 9110 §10.1.5's; Shikimori asks every client for one.
 *
 * @example
 * ```ts
 * const request = refreshTokenRequest(server, client, refreshToken, { userAgent: 'My app/1.0' });
 * ```
 */
export interface RequestOptions {
  /**
   * The `User-Agent` naming the application, as Shikimori asks of every API client. Browsers do not let a page set
   * this header (they send their own), so there it is simply not sent: no error.
   */
  userAgent?: string;
  /** More headers to send. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * True in a browser or a worker, where `User-Agent` (RFC 9110 §10.1.5) is the browser's own and cannot be replaced
 * by a page.
 *
 * @internal
 */
export function inBrowser(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return g.document !== undefined || g.WorkerGlobalScope !== undefined;
}

/**
 * The common headers: JSON accepted, the User-Agent (RFC 9110 §10.1.5) where the platform lets us set it, the
 * caller's extra ones.
 *
 * @internal
 */
export function baseHeaders(options: RequestOptions = {}): Headers {
  const headers = new Headers({ accept: 'application/json' });
  if (options.userAgent !== undefined && !inBrowser()) headers.set('user-agent', options.userAgent);
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  return headers;
}

/** RFC 6749 Appendix B: the form encoding both halves of HTTP Basic credentials get before base64. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * A POST of form parameters to a token-like endpoint, with client authentication (RFC 6749 §2.3.1, §3.2). It is only
 * built here, never sent: the caller sends it with any `fetch`.
 *
 * @internal
 */
export function formRequest(
  url: string,
  client: ClientCredentials,
  params: Record<string, string | undefined>,
  options: RequestOptions = {},
): Request {
  if (typeof client.clientId !== 'string' || client.clientId === '') {
    throw new ClientUsageError('client_id_required', 'clientId is required');
  }
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) body.set(name, value);
  const headers = baseHeaders(options);
  headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
  const secret = client.clientSecret;
  if (secret !== undefined && secret !== '' && client.authMethod === 'client_secret_basic') {
    headers.set('authorization', `Basic ${base64(`${formEncode(client.clientId)}:${formEncode(secret)}`)}`);
  } else {
    body.set('client_id', client.clientId);
    if (secret !== undefined && secret !== '') body.set('client_secret', secret);
  }
  return new Request(url, { method: 'POST', headers, body, signal: options.signal ?? null });
}

/**
 * The error for an answer whose status means nothing at this endpoint: `rate_limited` for a 429 (RFC 6585 §4) that
 * the retries allowed did not get past (Shikimori's is plain text, `Retry later`), else `unexpected_status`.
 *
 * @internal
 */
export function statusError(response: Response, what = ''): ResponseError {
  const prefix = what === '' ? '' : `${what}: `;
  if (response.status === 429) {
    return new ResponseError('rate_limited', `${prefix}still 429 Too Many Requests after the retries allowed`, 429);
  }
  return new ResponseError('unexpected_status', `${prefix}unexpected HTTP ${response.status}`, response.status);
}

/**
 * The JSON body of an answer, or a ResponseError naming what was wrong with it (RFC 6749 §5.1, §5.2 bodies are JSON).
 *
 * @internal
 */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (response.status === 429) throw statusError(response);
    throw new ResponseError(
      'invalid_json',
      `expected JSON from ${response.url || 'the server'} (HTTP ${response.status})`,
      response.status,
    );
  }
}

/** A JSON object (not an array, not null). @internal */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6749 §5.2: an error body is a JSON object with a string `error`. @internal */
export function oauthErrorOf(body: unknown, status: number): OAuthError | undefined {
  if (!isObject(body) || typeof body.error !== 'string') return undefined;
  const description = typeof body.error_description === 'string' ? body.error_description : undefined;
  return new OAuthError(body.error, description, status);
}

/**
 * A JSON object from a successful answer (RFC 6749 §5.1), or the OAuthError (§5.2) or ResponseError the answer
 * carries instead.
 *
 * @internal
 */
export async function expectJsonObject(
  response: Response,
  okStatuses: number[] = [200],
): Promise<Record<string, unknown>> {
  const body = await readJson(response);
  if (!okStatuses.includes(response.status)) {
    throw oauthErrorOf(body, response.status) ?? statusError(response);
  }
  if (!isObject(body)) throw new ResponseError('invalid_body', 'expected a JSON object', response.status);
  return body;
}

/** A required non-empty string member of an answer (RFC 6749 §5.1), else a ResponseError. @internal */
export function requireString(body: Record<string, unknown>, name: string, status: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new ResponseError('invalid_body', `"${name}" is missing or not a string`, status);
  }
  return value;
}

/** An optional numeric member of an answer (RFC 6749 §5.1 `expires_in`), else a ResponseError. @internal */
export function optionalNumber(body: Record<string, unknown>, name: string, status: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ResponseError('invalid_body', `"${name}" is not a number`, status);
  }
  return value;
}
