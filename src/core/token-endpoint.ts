import { readClientCredentials } from './client-authentication.js';
import type { OAuthContext } from './context.js';
import { errorResponse, NO_STORE_HEADERS, asOAuthError, type WireResponse } from './error-response.js';
import { InvalidRequest, OAuthError, UnsupportedGrantType } from './errors.js';
import { GRANTS } from './grants/index.js';
import { Params, type RawParams } from './params.js';
import { tokenResponseBody } from './tokens.js';

export interface TokenRequest {
  params: RawParams;
  authorization: string | undefined;
}

/**
 * POST /oauth/token (RFC 6749 §3.2), as ordered steps: refuse repeated parameters, require and look up grant_type,
 * read the client's credentials, then hand over to the module owning that grant. Every answer, success or
 * error, has `Cache-Control: no-store`.
 */
export async function tokenEndpoint(ctx: OAuthContext, request: TokenRequest): Promise<WireResponse> {
  const params = new Params(request.params);
  let state: string | undefined;
  try {
    state = params.isDuplicated('state') ? undefined : params.get('state');
    const duplicate = params.firstDuplicate();
    if (duplicate !== undefined) throw InvalidRequest.duplicated(duplicate);
    const grantType = params.get('grant_type');
    if (grantType === undefined) throw InvalidRequest.missing('grant_type');
    const grant = GRANTS.get(grantType);
    if (!grant) throw new UnsupportedGrantType();
    const credentials = readClientCredentials(request.authorization, params);
    const issued = await grant.handle(ctx, params, credentials);
    return { status: 200, headers: { ...NO_STORE_HEADERS }, body: tokenResponseBody(issued) };
  } catch (err) {
    if (!(err instanceof OAuthError)) ctx.reportError(err);
    return errorResponse(asOAuthError(err), state);
  }
}
