import { StorageUnavailable } from './ports/storage-unavailable.js';
import { InvalidClient, OAuthError, ServerError, TemporarilyUnavailable } from './errors.js';

/** Doorkeeper's realm, kept so that `WWW-Authenticate` is byte for byte what Shikimori's clients see. */
export const REALM = 'Doorkeeper';

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Headers every response that carries a token, or answers a token request, has (RFC 6749 §5.1, §5.2). */
export const NO_STORE_HEADERS = {
  'cache-control': 'no-store, no-cache',
  pragma: 'no-cache',
} as const;

/**
 * Anything not meant for the client becomes `server_error` here, and only here; an unreachable database becomes
 * `temporarily_unavailable` (RFC 6749 §4.1.2.1, §5.2), so the client retries and, for revocation, assumes the token
 * still exists (RFC 7009 §2.2.1).
 */
export function asOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  return err instanceof StorageUnavailable ? new TemporarilyUnavailable() : new ServerError();
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

export function wwwAuthenticate(err: OAuthError): string {
  if (err instanceof InvalidClient && err.scheme === 'Basic') return `Basic realm=${quoted(REALM)}`;
  return `Bearer realm=${quoted(REALM)}, error=${quoted(err.error)}, error_description=${quoted(err.description)}`;
}

/**
 * The one serializer of OAuth errors into the JSON wire shape Doorkeeper sends: `error`, `error_description`, and
 * `state` only when the request carried one.
 */
export function errorResponse(err: OAuthError, state?: string): WireResponse {
  const body: Record<string, string> = { error: err.error, error_description: err.description };
  if (state) body.state = state;
  return {
    status: err.status,
    headers: { ...NO_STORE_HEADERS, 'www-authenticate': wwwAuthenticate(err) },
    body,
  };
}
