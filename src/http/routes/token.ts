import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deviceAuthorizationEndpoint } from '../../core/device/authorization-endpoint.js';
import { errorResponse } from '../../core/error-response.js';
import { InvalidRequest, ServerError } from '../../core/errors.js';
import { introspectionEndpoint } from '../../core/introspection.js';
import { revocationEndpoint } from '../../core/revocation.js';
import { tokenEndpoint, type TokenRequest } from '../../core/token-endpoint.js';
import type { HttpDeps } from '../deps.js';
import { bodyParams, sendWire, unreadableBody } from '../wire.js';
import { requestContext } from '../request-context.js';

function tokenRequest(request: FastifyRequest): TokenRequest {
  return { params: bodyParams(request.body), authorization: request.headers.authorization };
}

/**
 * The token, revocation, introspection and device authorization (RFC 8628 §3.1) endpoints: RFC bodies only. Bodies are read as urlencoded, multipart
 * (the guide's `curl -F`) or JSON (Shikimori's own guide page); a body that cannot be parsed is `invalid_request`.
 */
export async function tokenRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  // The endpoints answer their own errors, so what lands here is the body parsers'.
  app.setErrorHandler((err, request, reply) => {
    const reason = unreadableBody(err, request);
    if (reason !== undefined) {
      return sendWire(reply, errorResponse(new InvalidRequest(`The request body could not be read: ${reason}.`)));
    }
    deps.ctx.reportError(err);
    return sendWire(reply, errorResponse(new ServerError()));
  });

  app.post('/oauth/token', async (request, reply) =>
    sendWire(reply, await tokenEndpoint(requestContext(deps.ctx, request), tokenRequest(request))),
  );
  app.post('/oauth/revoke', async (request, reply) =>
    sendWire(reply, await revocationEndpoint(requestContext(deps.ctx, request), tokenRequest(request))),
  );
  app.post('/oauth/introspect', async (request, reply) =>
    sendWire(reply, await introspectionEndpoint(requestContext(deps.ctx, request), tokenRequest(request))),
  );
  app.post('/oauth/device_authorization', async (request, reply) =>
    sendWire(reply, await deviceAuthorizationEndpoint(requestContext(deps.ctx, request), tokenRequest(request))),
  );
}
