import type { OAuthContext } from './context.js';
import { asOAuthError, errorResponse, NO_STORE_HEADERS, type WireResponse } from './error-response.js';
import { InvalidRequest, OAuthError } from './errors.js';
import { notAString, Params, type RawParams } from './params.js';

/** A request to one of the endpoints that answer JSON to clients: token, revocation, introspection. */
export interface TokenRequest {
  params: RawParams;
  authorization: string | undefined;
}

/**
 * The frame every client-facing endpoint runs in. Before anything reads the parameters, a parameter that is not a
 * string (JSON and multipart bodies can carry numbers, objects, nested arrays) is refused, then a repeated one
 * (RFC 6749 §3.2), so that no step meets a value it did not expect. The answer carries `Cache-Control: no-store`
 * whatever it is (RFC 6749 §5.1), and any error reaches the wire through the one serializer — anything unexpected
 * reported, then answered as `server_error`. Doorkeeper echoes a `state` parameter in token error bodies, so
 * `echoState` keeps that shape, when `state` is one string.
 */
export async function respond(
  ctx: OAuthContext,
  request: TokenRequest,
  steps: (params: Params) => Promise<unknown>,
  options: { echoState?: boolean } = {},
): Promise<WireResponse> {
  const params = new Params(request.params);
  const state = options.echoState ? params.peek('state') : undefined;
  try {
    const notString = params.firstNotAString();
    if (notString !== undefined) throw notAString(notString);
    const duplicate = params.firstDuplicate();
    if (duplicate !== undefined) throw InvalidRequest.duplicated(duplicate);
    return { status: 200, headers: { ...NO_STORE_HEADERS }, body: await steps(params) };
  } catch (err) {
    if (!(err instanceof OAuthError)) ctx.reportError(err);
    return errorResponse(asOAuthError(err), state);
  }
}
