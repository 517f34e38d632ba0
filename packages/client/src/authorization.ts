import { ClientUsageError, OAuthError, ResponseError } from './errors.js';
import type { AuthorizationServer } from './server.js';

/**
 * What an authorization URL is made of (RFC 6749 §4.1.1, RFC 7636 §4.3).
 *
 * @example
 * ```ts
 * const parameters: AuthorizationParameters = {
 *   clientId, redirectUri: 'https://app.example/callback', state: randomToken(),
 *   codeChallenge: await codeChallengeS256(codeVerifier),
 * };
 * ```
 */
export interface AuthorizationParameters {
  clientId: string;
  redirectUri: string;
  /** Scopes, joined with spaces; none: the application's default scopes. */
  scopes?: readonly string[];
  /** RFC 6749 §10.12: an unguessable value tied to this user's session, checked on the way back. */
  state: string;
  /** RFC 7636 §4.2: the S256 challenge of the code verifier kept for the exchange. */
  codeChallenge: string;
}

/**
 * The URL to send the user to (RFC 6749 §4.1.1), with PKCE S256 (RFC 7636 §4.3) and `state`. Keep `state` and the
 * code verifier until the callback.
 *
 * @example
 * ```ts
 * const state = randomToken();
 * const codeVerifier = randomToken();
 * const url = buildAuthorizationUrl(server, {
 *   clientId, redirectUri: 'https://app.example/callback', scopes: ['user_rates'], state,
 *   codeChallenge: await codeChallengeS256(codeVerifier),
 * });
 * ```
 */
export function buildAuthorizationUrl(server: AuthorizationServer, parameters: AuthorizationParameters): URL {
  if (!parameters.redirectUri) throw new ClientUsageError('redirect_uri_required', 'redirectUri is required');
  if (!parameters.clientId) throw new ClientUsageError('client_id_required', 'clientId is required');
  const url = new URL(server.authorizationEndpoint);
  url.searchParams.set('client_id', parameters.clientId);
  url.searchParams.set('redirect_uri', parameters.redirectUri);
  url.searchParams.set('response_type', 'code');
  if (parameters.scopes !== undefined && parameters.scopes.length > 0) {
    url.searchParams.set('scope', parameters.scopes.join(' '));
  }
  url.searchParams.set('state', parameters.state);
  url.searchParams.set('code_challenge', parameters.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url;
}

/**
 * Checks the redirect back from the server (RFC 6749 §4.1.2) and returns the code. In this order: `state` must be
 * the one sent (RFC 6749 §10.12), else nothing else in the URL is trusted; `iss` must be the server's issuer
 * when present, and must be present when the server promised it (RFC 9207 §2.4, against mix-up attacks); an
 * `error` becomes an {@link OAuthError} (RFC 6749 §4.1.2.1); then the `code`.
 *
 * @example
 * ```ts
 * const code = validateCallback(server, new URL(request.url, 'https://app.example'), session.state);
 * ```
 */
export function validateCallback(server: AuthorizationServer, callback: URL | string, expectedState: string): string {
  const url = typeof callback === 'string' ? new URL(callback) : callback;
  const params = url.searchParams;
  if (params.get('state') !== expectedState) {
    throw new ResponseError('state_mismatch', "the callback's state is not the one sent (RFC 6749 §10.12)");
  }
  const iss = params.get('iss');
  if (iss !== null && iss !== server.issuer) {
    throw new ResponseError('iss_mismatch', `the callback comes from issuer ${iss}, not ${server.issuer} (RFC 9207)`);
  }
  if (iss === null && server.issParameterSupported) {
    throw new ResponseError('iss_missing', 'the server sends iss, but this callback has none (RFC 9207 §2.4)');
  }
  const error = params.get('error');
  if (error !== null) throw new OAuthError(error, params.get('error_description') ?? undefined);
  const code = params.get('code');
  if (code === null || code === '') throw new ResponseError('code_missing', 'the callback has no code');
  return code;
}
