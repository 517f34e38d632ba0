import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptableForApi, authenticateAccessToken, bearerTokenOf } from '../../core/bearer.js';
import { asOAuthError, errorResponse } from '../../core/error-response.js';
import { InvalidRequest, InvalidToken, OAuthError } from '../../core/errors.js';
import type { AccessToken, User } from '../../core/model.js';
import { Params } from '../../core/params.js';
import { userJson } from '../api/user-json.js';
import type { HttpDeps } from '../deps.js';
import { localeFrom } from '../i18n.js';
import { bodyParams, sendWire, unreadableBody } from '../wire.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's live access token, when it carried one (set for every /api route). */
    accessToken?: AccessToken;
    /** The access token's user, read with it; none for a client_credentials token. */
    accessTokenUser?: User;
  }
}

/**
 * Shikimori authenticates a bearer token on every API request, public ones included (compatibility.md §5): a token that is
 * unknown, expired, revoked or has none of the default scopes answers 401 with Doorkeeper's body, whose odd
 * `"state":"unauthorized"` comes from passing `state: :unauthorized` into its error body.
 */
function bearerAuthentication(deps: HttpDeps) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const params = new Params({ ...bodyParams(request.query), ...bodyParams(request.body) });
      const token = bearerTokenOf(request.headers.authorization, params);
      if (token === undefined) return;
      const { token: record, user } = await authenticateAccessToken(deps.ctx, token);
      if (!acceptableForApi(record)) throw new InvalidToken();
      request.accessToken = record;
      request.accessTokenUser = user;
    } catch (err) {
      if (!(err instanceof OAuthError)) deps.ctx.reportError(err);
      const error = asOAuthError(err);
      await sendWire(reply, errorResponse(error, error instanceof InvalidToken ? 'unauthorized' : undefined));
    }
  };
}

function notFound(request: FastifyRequest) {
  const locale = localeFrom(request.headers['accept-language']);
  return { message: locale === 'en' ? 'Page not found' : 'Страница не найдена', code: 404 };
}

export async function apiRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.addHook('preHandler', bearerAuthentication(deps));
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(notFound(request)));
  // An API client gets JSON when the database is unavailable; anything else goes on to the server's handler.
  // API errors keep the JSON shape: a body that cannot be read is invalid_request, never an HTML page or a 500.
  app.setErrorHandler((err, request, reply) => {
    const reason = unreadableBody(err, request);
    if (reason !== undefined) {
      return sendWire(reply, errorResponse(new InvalidRequest(`The request body could not be read: ${reason}.`)));
    }
    deps.ctx.reportError(err);
    // StorageUnavailable becomes 503 temporarily_unavailable, anything else server_error (asOAuthError).
    return sendWire(reply, errorResponse(asOAuthError(err)));
  });

  /** GET /api/users/whoami: the token's user; `null` without a token (compatibility.md §5). */
  app.get('/users/whoami', async (request, reply) => {
    const token = request.accessToken;
    if (!token) return reply.type('application/json; charset=utf-8').send('null');
    // A client_credentials token has no user; Shikimori's User.find(nil) ends in its 404 (compatibility.md §4.5).
    if (token.userId === null) return reply.code(404).send(notFound(request));
    const user = request.accessTokenUser;
    if (!user) return sendWire(reply, errorResponse(new InvalidToken(), 'unauthorized'));
    return reply.send(userJson(user, deps.config.publicUrl, token.scopes.includes('email')));
  });
}
