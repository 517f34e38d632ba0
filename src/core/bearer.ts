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
 * `acceptable?(default_scopes)`, ref §5).
 */
export function acceptableForApi(token: AccessToken): boolean {
  return token.scopes.some((s) => DEFAULT_SCOPES.includes(s));
}

/** How precisely a token's last use is recorded. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Looks up a live access token, or throws `invalid_token` (always "The access token is invalid", as Shikimori
 * says). Its first use ends the lazy rotation of the refresh token it replaced (ref §4.4).
 */
export async function authenticateAccessToken(ctx: OAuthContext, token: string): Promise<AccessToken> {
  const record = await ctx.stores.tokens.findByToken(secretHash(token));
  const now = ctx.now();
  if (!record || record.revokedAt !== null || isExpired(record, now)) throw new InvalidToken();
  if (record.previousRefreshTokenHash !== null) await ctx.stores.tokens.completeRotation(record, now);
  // "Last used" for the user's list of applications: at most one write a minute per token keeps this path a read.
  if (record.lastUsedAt === null || now - record.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
    await ctx.stores.tokens.touchLastUsed(record.id, now, LAST_USED_RESOLUTION_MS);
  }
  return record;
}
