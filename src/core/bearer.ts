import type { TokenWithUser } from './ports/stores.js';
import type { OAuthContext } from './context.js';
import { InvalidRequest, InvalidToken } from './errors.js';
import { isExpired, type AccessToken } from './model.js';
import type { Params } from './params.js';
import { DEFAULT_SCOPES } from './scopes.js';
import { secretHash } from './secrets.js';

/**
 * The access token of a request (RFC 6750 §2): `Authorization: Bearer` (any case of the scheme), else the
 * `access_token` parameter, else Doorkeeper's `bearer_token` parameter. Using more than one way is refused
 * (RFC 6750 §3.1). Other Authorization schemes are not bearer tokens and are ignored, as Doorkeeper does.
 */
export function bearerTokenOf(authorization: string | undefined, params: Params): string | undefined {
  // A malformed credential after "Bearer" is still a (bad) token, never a guest: Doorkeeper strips only the scheme.
  const header = authorization === undefined ? undefined : /^bearer\s+(.+?)\s*$/i.exec(authorization)?.[1];
  const fromParams = [params.get('access_token'), params.get('bearer_token')].filter((t) => t !== undefined);
  if ((header === undefined ? 0 : 1) + fromParams.length > 1) {
    throw new InvalidRequest('The access token was given in more than one way.');
  }
  return header ?? fromParams[0];
}

/**
 * Shikimori's API accepts a token only with at least one of the server's default scopes (devise-doorkeeper's
 * `acceptable?(default_scopes)`, compatibility.md §5).
 */
export function acceptableForApi(token: AccessToken): boolean {
  return token.scopes.some((s) => DEFAULT_SCOPES.includes(s));
}

/**
 * Looks up a live access token and its user in one read, or throws `invalid_token` (always "The access token is
 * invalid", as Shikimori says); that read finds no token whose application or user is gone (AccessTokenStore).
 * Its first use ends the lazy rotation of the refresh token it replaced (compatibility.md §4.4); the use is noted for the user's
 * list of applications (core/last-use.ts), without a write on this request.
 */
export async function authenticateAccessToken(ctx: OAuthContext, token: string): Promise<TokenWithUser> {
  const found = await ctx.stores.tokens.findByTokenWithUser(secretHash(token));
  const now = ctx.now();
  if (!found || found.token.revokedAt !== null || isExpired(found.token, now)) throw new InvalidToken();
  if (found.token.previousRefreshTokenHash !== null) await ctx.stores.tokens.completeRotation(found.token, now);
  ctx.lastUse.note(found.token, now);
  return found;
}
