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

/**
 * What a resource server's challenge adds after Doorkeeper's parameters: where the resource's metadata is
 * (RFC 9728 §5.1). The token endpoint's challenges have none.
 */
export interface ResourceChallenge {
  resourceMetadata: string;
}

function withResourceMetadata(challenge: string, resource: ResourceChallenge | undefined): string {
  return resource ? `${challenge}, resource_metadata=${quoted(resource.resourceMetadata)}` : challenge;
}

export function wwwAuthenticate(err: OAuthError, resource?: ResourceChallenge): string {
  if (err instanceof InvalidClient && err.scheme === 'Basic') return `Basic realm=${quoted(REALM)}`;
  const challenge = `Bearer realm=${quoted(REALM)}, error=${quoted(err.error)}, error_description=${quoted(err.description)}`;
  return withResourceMetadata(challenge, resource);
}

/**
 * RFC 6750 §3.1: a valid token without the scope a resource needs. Shikimori sends this 403 with no challenge and
 * no body (compatibility.md §5); Monban adds the challenge, naming the scope, and keeps the empty body.
 */
export function insufficientScopeChallenge(scope: string, resource: ResourceChallenge): string {
  const challenge = `Bearer realm=${quoted(REALM)}, error="insufficient_scope", scope=${quoted(scope)}`;
  return withResourceMetadata(challenge, resource);
}

/**
 * The device grant's polling answers (RFC 8628 §3.5): `access_denied` reaches the JSON endpoints only there. RFC 6749
 * §5.2 asks for a challenge only with a 401; Doorkeeper sends one with every error, and so does Monban with every
 * error Shikimori sends. The device grant is not Shikimori's, and a strict client reads a challenge before the body:
 * oauth4webapi then throws its challenge error instead of the body's, and openid-client's polling, which goes on
 * only after `authorization_pending` or `slow_down` read from the body, stops at the first poll.
 */
const NO_CHALLENGE = new Set(['authorization_pending', 'slow_down', 'expired_token', 'access_denied']);

/**
 * The one serializer of OAuth errors into the JSON wire shape Doorkeeper sends: `error`, `error_description`, and
 * `state` only when the request carried one. `resource` is for the API's answers (RFC 9728 §5.1).
 */
export function errorResponse(err: OAuthError, state?: string, resource?: ResourceChallenge): WireResponse {
  const body: Record<string, string> = { error: err.error, error_description: err.description };
  if (state) body.state = state;
  const headers: Record<string, string> = { ...NO_STORE_HEADERS };
  if (!NO_CHALLENGE.has(err.error)) headers['www-authenticate'] = wwwAuthenticate(err, resource);
  return { status: err.status, headers, body };
}
