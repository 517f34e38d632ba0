import { authenticateAccessToken, bearerTokenOf } from './bearer.js';
import { ClientAuthentication } from './client-authentication.js';
import type { OAuthContext } from './context.js';
import { respond, type TokenRequest } from './endpoint.js';
import type { WireResponse } from './error-response.js';
import { DESCRIPTIONS, InvalidRequest } from './errors.js';
import { expiresAt, isExpired } from './model.js';
import { Params } from './params.js';
import { findToken } from './token-lookup.js';

/** Which application asks: by its credentials, or by a live bearer token of its own (Doorkeeper's default). */
async function requestingApplication(ctx: OAuthContext, request: TokenRequest, params: Params): Promise<number> {
  const authentication = ClientAuthentication.read(request.authorization, params, ctx.events);
  // From the database, not the process's cache: a secret changed on another process is refused at once (issue 16).
  if (authentication.presented) return (await authentication.authenticate(ctx.stores, { fresh: true })).id;
  const bearer = bearerTokenOf(request.authorization, new Params());
  if (bearer !== undefined) return (await authenticateAccessToken(ctx, bearer)).token.applicationId;
  throw new InvalidRequest(DESCRIPTIONS.requestNotAuthorized);
}

/**
 * POST /oauth/introspect (RFC 7662, compatibility.md §4.7). An application learns about its own tokens only; anything else,
 * unknown, expired or revoked is `{"active":false}` and nothing more (RFC 7662 §2.2).
 */
export function introspectionEndpoint(ctx: OAuthContext, request: TokenRequest): Promise<WireResponse> {
  return respond(ctx, request, async (params) => {
    const token = params.get('token');
    if (token === undefined) throw InvalidRequest.missing('token');
    const applicationId = await requestingApplication(ctx, request, params);

    const found = await findToken(ctx, token, params.get('token_type_hint'));
    const record = found?.record;
    const active =
      record !== undefined &&
      record.applicationId === applicationId &&
      record.revokedAt === null &&
      (found?.kind === 'refresh_token' || !isExpired(record, ctx.now()));
    const application = active ? await ctx.stores.applications.findById(applicationId) : undefined;
    if (!active || !record || !application) return { active: false };
    const body: Record<string, unknown> = {
      active: true,
      scope: record.scopes.join(' '),
      client_id: application.uid,
      token_type: 'Bearer',
    };
    // A refresh token does not expire (compatibility.md §4.4), so it has no exp.
    if (found?.kind === 'access_token') body.exp = Math.floor(expiresAt(record) / 1000);
    body.iat = Math.floor(record.createdAt / 1000);
    return body;
  });
}
