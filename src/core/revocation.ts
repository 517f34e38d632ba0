import { ClientAuthentication } from './client-authentication.js';
import type { OAuthContext } from './context.js';
import { respond, type TokenRequest } from './endpoint.js';
import type { WireResponse } from './error-response.js';
import { DESCRIPTIONS, InvalidRequest, UnauthorizedClient } from './errors.js';
import { findToken } from './token-lookup.js';

/**
 * POST /oauth/revoke (RFC 7009, compatibility.md §4.6): an unknown token answers 200 `{}`; a confidential application's token
 * is revoked only by that application (else 403 unauthorized_client). Revoking a refresh token revokes every token
 * of its family too (RFC 7009 §2.1).
 */
export function revocationEndpoint(ctx: OAuthContext, request: TokenRequest): Promise<WireResponse> {
  return respond(ctx, request, async (params) => {
    const token = params.get('token');
    if (token === undefined) throw InvalidRequest.missing('token');
    const authentication = ClientAuthentication.read(request.authorization, params, ctx.events);
    // From the database, not the process's cache: a secret changed on another process is refused at once (issue 16).
    const client = authentication.presented ? await authentication.authenticate(ctx.stores, { fresh: true }) : undefined;

    const found = await findToken(ctx, token, params.get('token_type_hint'));
    if (found) {
      const owner = await ctx.stores.applications.findById(found.record.applicationId);
      const mayRevoke = owner !== undefined && (!owner.confidential || client?.id === owner.id);
      if (!mayRevoke) throw new UnauthorizedClient(DESCRIPTIONS.revokeUnauthorized, 403);
      const now = ctx.now();
      let revoked = await ctx.stores.tokens.revoke(found.record.id, now);
      if (found.kind === 'refresh_token' && found.record.grantId !== null) {
        revoked = (await ctx.stores.tokens.revokeFamily(found.record.grantId, now)) > 0 || revoked;
      }
      const { applicationId, userId } = found.record;
      if (revoked) ctx.events.emit({ type: 'token.revoked', applicationId, userId, by: 'client' });
    }
    return {};
  });
}
