import type { OAuthContext } from './context.js';
import { asOAuthError, errorResponse, NO_STORE_HEADERS, type WireResponse } from './error-response.js';
import { InvalidRequest, OAuthError } from './errors.js';
import { Params, type RawParams } from './params.js';

/** A request to one of the endpoints that answer JSON to clients: token, revocation, introspection. */
export interface TokenRequest {
  params: RawParams;
  authorization: string | undefined;
}

/**
 * The frame every client-facing endpoint runs in: repeated parameters are refused first (RFC 6749 §3.2), the
 * answer carries `Cache-Control: no-store` whatever it is (RFC 6749 §5.1), and any error reaches the wire through the
 * one serializer — anything unexpected reported, then answered as `server_error`. Doorkeeper echoes a `state`
 * parameter in token error bodies, so `echoState` keeps that shape.
 */
export async function respond(
  ctx: OAuthContext,
  request: TokenRequest,
  steps: (params: Params) => Promise<unknown>,
  options: { echoState?: boolean } = {},
): Promise<WireResponse> {
  const params = new Params(request.params);
  const state = options.echoState && !params.isDuplicated('state') ? params.get('state') : undefined;
  try {
    const duplicate = params.firstDuplicate();
    if (duplicate !== undefined) throw InvalidRequest.duplicated(duplicate);
    return { status: 200, headers: { ...NO_STORE_HEADERS }, body: await steps(params) };
  } catch (err) {
    if (!(err instanceof OAuthError)) ctx.reportError(err);
    return errorResponse(asOAuthError(err), state);
  }
}
