import { OAuthError } from './errors.js';
import type { AuthorizationServer } from './server.js';
import {
  expectJsonObject,
  formRequest,
  optionalNumber,
  requireString,
  type ClientCredentials,
  type RequestOptions,
} from './wire.js';

/**
 * Tokens as the client keeps them, from a token answer (RFC 6749 §5.1). `expiresAt` is on this machine's clock (ms),
 * so a skewed server clock is harmless.
 *
 * @example
 * ```ts
 * const tokens: TokenSet | undefined = await client.tokens();
 * if (tokens?.expiresAt !== undefined) console.log(`valid until ${new Date(tokens.expiresAt)}`);
 * ```
 */
export interface TokenSet {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  /** The scopes granted, as the server sent them (space-separated). */
  scope?: string;
  /** When the access token expires, in ms since the epoch (now + `expires_in`); absent if the server did not say. */
  expiresAt?: number;
}

/**
 * The code exchange (RFC 6749 §4.1.3) with the PKCE verifier (RFC 7636 §4.5). Built, not sent.
 *
 * @example
 * ```ts
 * const request = authorizationCodeRequest(server, { clientId, clientSecret }, {
 *   code, redirectUri: 'https://app.example/callback', codeVerifier,
 * }, { userAgent: 'My app/1.0' });
 * const tokens = await processTokenResponse(await fetch(request));
 * ```
 */
export function authorizationCodeRequest(
  server: AuthorizationServer,
  client: ClientCredentials,
  grant: { code: string; redirectUri: string; codeVerifier?: string },
  options: RequestOptions = {},
): Request {
  return formRequest(
    server.tokenEndpoint,
    client,
    {
      grant_type: 'authorization_code',
      code: grant.code,
      redirect_uri: grant.redirectUri,
      code_verifier: grant.codeVerifier,
    },
    options,
  );
}

/**
 * The refresh (RFC 6749 §6). Shikimori and Monban rotate the refresh token: keep the new one from the answer.
 *
 * @example
 * ```ts
 * const tokens = await processTokenResponse(await fetch(refreshTokenRequest(server, client, old.refreshToken)));
 * ```
 */
export function refreshTokenRequest(
  server: AuthorizationServer,
  client: ClientCredentials,
  refreshToken: string,
  options: RequestOptions = {},
): Request {
  return formRequest(
    server.tokenEndpoint,
    client,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    options,
  );
}

/**
 * Reads a token answer (RFC 6749 §5.1), or throws the {@link OAuthError} it carries (§5.2). `now` is when the
 * answer arrived, for `expiresAt`.
 *
 * @example
 * ```ts
 * try {
 *   const tokens = await processTokenResponse(response);
 * } catch (err) {
 *   if (err instanceof OAuthError && err.error === 'invalid_grant') signInAgain();
 * }
 * ```
 */
export async function processTokenResponse(response: Response, now: number = Date.now()): Promise<TokenSet> {
  const body = await expectJsonObject(response);
  const status = response.status;
  const accessToken = requireString(body, 'access_token', status);
  const tokenType = requireString(body, 'token_type', status);
  // RFC 6749 §7.1: only bearer tokens are understood here (case-insensitive, RFC 6750 §4).
  if (tokenType.toLowerCase() !== 'bearer') {
    throw new OAuthError('unsupported_token_type', `token_type ${tokenType} is not Bearer`, status);
  }
  const expiresIn = optionalNumber(body, 'expires_in', status);
  const tokens: TokenSet = { accessToken, tokenType };
  if (typeof body.refresh_token === 'string' && body.refresh_token !== '') tokens.refreshToken = body.refresh_token;
  if (typeof body.scope === 'string') tokens.scope = body.scope;
  if (expiresIn !== undefined) tokens.expiresAt = now + expiresIn * 1000;
  return tokens;
}

/**
 * The revocation request (RFC 7009 §2.1). Revoking the refresh token also ends its access tokens on Monban
 * (RFC 7009 §2.1 allows it) and on Shikimori, where both are one record.
 *
 * @example
 * ```ts
 * const request = revocationRequest(server, client, tokens.refreshToken, 'refresh_token');
 * await processRevocationResponse(await fetch(request));
 * ```
 */
export function revocationRequest(
  server: AuthorizationServer,
  client: ClientCredentials,
  token: string,
  tokenTypeHint?: 'access_token' | 'refresh_token',
  options: RequestOptions = {},
): Request {
  return formRequest(server.revocationEndpoint, client, { token, token_type_hint: tokenTypeHint }, options);
}

/**
 * Reads a revocation answer: 200 is success, whether or not the token was known (RFC 7009 §2.2); an error body is
 * thrown as an {@link OAuthError} (§2.2.1).
 *
 * @example
 * ```ts
 * await processRevocationResponse(response);
 * ```
 */
export async function processRevocationResponse(response: Response): Promise<void> {
  if (response.status === 200) {
    await response.body?.cancel();
    return;
  }
  await expectJsonObject(response);
}
