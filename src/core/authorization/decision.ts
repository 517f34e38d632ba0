import type { OAuthContext } from '../context.js';
import { AccessDenied, type OAuthError } from '../errors.js';
import type { User } from '../model.js';
import type { Stores } from '../ports/stores.js';
import { isOob, withQuery } from '../redirect-uri.js';
import { sameScopes } from '../scopes.js';
import { randomSecret, secretHash } from '../secrets.js';
import type { AuthorizationRequest } from './request.js';

/** Where the browser goes next: back to the client, or to Monban's own out-of-band code page. */
export type Redirect = { location: string };

/**
 * Every answer sent back to the client, success or error: Doorkeeper's parameters, then `iss` (RFC 9207 §2), the
 * issuer of the metadata, so that a client of several servers can tell which one answered (RFC 9700 §4.4).
 */
function toClient(ctx: OAuthContext, redirectUri: string, params: Record<string, string | undefined>): Redirect {
  return { location: withQuery(redirectUri, { ...params, iss: ctx.publicUrl }) };
}

export function errorRedirect(
  ctx: OAuthContext,
  redirectUri: string,
  error: OAuthError,
  state: string | undefined,
): Redirect {
  return toClient(ctx, redirectUri, { error: error.error, error_description: error.description, state });
}

/**
 * Issues an authorization code (RFC 6749 §4.1.2), in `stores` (the database, or the caller's transaction): 43 characters from the CSPRNG, single use, bound to the client,
 * the user, the redirect URI and the scopes, living MONBAN_CODE_TTL seconds. Only its hash is stored.
 */
export async function approve(
  ctx: OAuthContext,
  stores: Stores,
  request: AuthorizationRequest,
  user: User,
  scopes: string[],
): Promise<Redirect> {
  const code = randomSecret();
  await stores.codes.create({
    codeHash: secretHash(code),
    applicationId: request.application.id,
    userId: user.id,
    redirectUri: request.redirectUri,
    scopes,
    expiresIn: ctx.codeTtl,
    // RFC 7636 §4.4: the challenge is bound to the code, whichever path issues it (consent or prior consent).
    codeChallenge: request.codeChallenge ?? null,
    at: ctx.now(),
  });
  if (isOob(request.redirectUri)) return { location: `${ctx.publicUrl}/oauth/authorize/${code}` };
  return toClient(ctx, request.redirectUri, { code, state: request.state });
}

/** The user said no (RFC 6749 §4.1.2.1 access_denied); an out-of-band client has nowhere to hear it. */
export function deny(ctx: OAuthContext, request: AuthorizationRequest): Redirect | AccessDenied {
  const error = new AccessDenied();
  return isOob(request.redirectUri) ? error : errorRedirect(ctx, request.redirectUri, error, request.state);
}

/**
 * Shikimori skips the consent page when the user already holds a non-revoked token (expired ones count) for this
 * application with exactly these scopes (compatibility.md §4.1, Doorkeeper's `matching_token_for`).
 */
export async function hasPriorConsent(ctx: OAuthContext, request: AuthorizationRequest, user: User): Promise<boolean> {
  // Doorkeeper skips only for confidential applications: anyone can send a public client's id, so its repeated
  // requests get the user's answer each time (RFC 6749 §10.2).
  if (!request.application.confidential) return false;
  const granted = await ctx.stores.tokens.grantedScopes(request.application.id, user.id);
  return granted.some((scopes) => sameScopes(scopes, request.scopes));
}
