import { ClientAuthentication } from './client-authentication.js';
import type { OAuthContext } from './context.js';
import { respond, type TokenRequest } from './endpoint.js';
import type { WireResponse } from './error-response.js';
import { InvalidRequest, UnsupportedGrantType } from './errors.js';
import { GRANTS } from './grants/index.js';
import { tokenResponseBody } from './tokens.js';

export type { TokenRequest } from './endpoint.js';

/**
 * POST /oauth/token (RFC 6749 §3.2), as ordered steps: require and look up grant_type, read the client's
 * credentials, then hand over to the module owning that grant, which runs its checks in Doorkeeper's order.
 */
export function tokenEndpoint(ctx: OAuthContext, request: TokenRequest): Promise<WireResponse> {
  return respond(
    ctx,
    request,
    async (params) => {
      const grantType = params.get('grant_type');
      if (grantType === undefined) throw InvalidRequest.missing('grant_type');
      const grant = GRANTS.get(grantType);
      if (!grant) throw new UnsupportedGrantType();
      const client = ClientAuthentication.read(request.authorization, params, ctx.events);
      const issued = await grant.handle(ctx, params, client);
      const { record } = issued;
      ctx.events.emit({
        type: 'token.issued',
        grantType: grant.type,
        applicationId: record.applicationId,
        userId: record.userId,
        tokenId: record.id,
      });
      return tokenResponseBody(issued);
    },
    { echoState: true },
  );
}
