import { isObject } from './wire.js';

/**
 * True when an API answer says the access token is no good (RFC 6750 §3.1: 401 with `error="invalid_token"` in
 * `WWW-Authenticate`; Shikimori also puts `{"error":"invalid_token",…}` in the body). Any other 401 (no token, a
 * token of another scheme) is not something a refresh can fix. Reads a clone, so the caller still has the body.
 *
 * @example
 * ```ts
 * const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
 * if (await isInvalidTokenResponse(response)) await refresh();
 * ```
 */
export async function isInvalidTokenResponse(response: Response): Promise<boolean> {
  if (response.status !== 401) return false;
  const challenge = response.headers.get('www-authenticate');
  if (challenge !== null && /^\s*bearer\b/i.test(challenge)) return /\berror\s*=\s*"?invalid_token"?/i.test(challenge);
  try {
    const body = (await response.clone().json()) as unknown;
    return isObject(body) && body.error === 'invalid_token';
  } catch {
    return false;
  }
}

/**
 * The headers of an API request with the bearer token (RFC 6750 §2.1) added to the caller's own.
 *
 * @example
 * ```ts
 * await fetch(url, { headers: withBearer({ accept: 'application/json' }, tokens.accessToken) });
 * ```
 */
export function withBearer(headers: HeadersInit | undefined, accessToken: string): Headers {
  const result = new Headers(headers);
  result.set('authorization', `Bearer ${accessToken}`);
  return result;
}
