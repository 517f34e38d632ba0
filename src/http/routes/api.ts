import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptableForApi, authenticateAccessToken, bearerTokenOf } from '../../core/bearer.js';
import {
  asOAuthError,
  errorResponse,
  insufficientScopeChallenge,
  NO_STORE_HEADERS,
  type ResourceChallenge,
} from '../../core/error-response.js';
import { InvalidRequest, InvalidToken, OAuthError } from '../../core/errors.js';
import { resourceMetadataUrl } from '../../core/metadata.js';
import type { AccessToken, User } from '../../core/model.js';
import { Params } from '../../core/params.js';
import { applicationQuotaGuard } from '../../ops/app-quota.js';
import { userJson } from '../api/user-json.js';
import { userRateRoutes } from './user-rates.js';
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

/** The API needs only the core and the settings (so a test can mount it beside a route of its own). */
type ApiDeps = Pick<HttpDeps, 'ctx' | 'config'> & Partial<Pick<HttpDeps, 'ops'>>;

/** The API's challenges name its metadata (RFC 9728 §5.1), after Doorkeeper's parameters. */
function apiChallenge(deps: Pick<HttpDeps, 'config'>): ResourceChallenge {
  return { resourceMetadata: resourceMetadataUrl(deps.config.publicUrl) };
}

/** Doorkeeper's 401 for a bad token, whose `"state":"unauthorized"` is Shikimori's body byte for byte. */
function invalidTokenResponse(deps: Pick<HttpDeps, 'config'>) {
  return errorResponse(new InvalidToken(), 'unauthorized', apiChallenge(deps));
}

/**
 * Shikimori authenticates a bearer token on every API request, public ones included (compatibility.md §5): a token that is
 * unknown, expired, revoked or has none of the default scopes answers 401 with Doorkeeper's body, whose odd
 * `"state":"unauthorized"` comes from passing `state: :unauthorized` into its error body.
 */
function bearerAuthentication(deps: ApiDeps) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const params = new Params({ ...bodyParams(request.query), ...bodyParams(request.body) });
      const token = bearerTokenOf(request.headers.authorization, params);
      if (token === undefined) return;
      const { token: record, user, quota } = await authenticateAccessToken(deps.ctx, token);
      if (!acceptableForApi(record)) throw new InvalidToken();
      request.accessToken = record;
      request.accessTokenUser = user;
      if (quota) request.applicationQuota = { applicationId: record.applicationId, quota };
    } catch (err) {
      if (!(err instanceof OAuthError)) deps.ctx.reportError(err);
      const error = asOAuthError(err);
      await sendWire(reply, error instanceof InvalidToken ? invalidTokenResponse(deps) : errorResponse(error));
    }
  };
}

/**
 * A route guard for the API (a `preHandler` of a route registered by apiRoutes, after the bearer check): a valid
 * token without `scope` gets 403 `insufficient_scope` (RFC 6750 §3.1) with Shikimori's empty body. As on Shikimori,
 * the scope is checked only when the request carries a token (compatibility.md §5); whether a guest may use the
 * route is the route's own rule.
 */
export function requireScope(deps: Pick<HttpDeps, 'config'>, scope: string) {
  return async function checkScope(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = request.accessToken;
    if (token === undefined || token.scopes.includes(scope)) return;
    await reply
      .code(403)
      .headers({ ...NO_STORE_HEADERS, 'www-authenticate': insufficientScopeChallenge(scope, apiChallenge(deps)) })
      .send();
  };
}

/** The type Fastify gives a JSON answer; whoami sends its JSON as text (api/user-json.ts) and states it. */
const JSON_TYPE = 'application/json; charset=utf-8';

function notFound(request: FastifyRequest) {
  const locale = localeFrom(request.headers['accept-language']);
  return { message: locale === 'en' ? 'Page not found' : 'Страница не найдена', code: 404 };
}

export async function apiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addHook('preHandler', bearerAuthentication(deps));
  // Then the token's application's quota, if it has one (ops/app-quota.ts).
  app.addHook('preHandler', applicationQuotaGuard({ now: () => deps.ctx.now(), redis: deps.ops?.redis }));
  // A callback hook: an async onSend hook would make every answer wait a promise before it is written.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
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

  /**
   * GET /api/users/whoami: the token's user; `null` without a token (compatibility.md §5). A synchronous handler that
   * sends its answer, rather than an async one returning the reply, which Fastify would wait on as a promise.
   */
  app.get('/users/whoami', (request, reply): void => {
    const token = request.accessToken;
    const user = request.accessTokenUser;
    if (!token) {
      void reply.type(JSON_TYPE).send('null');
    } else if (token.userId === null) {
      // A client_credentials token has no user; Shikimori's User.find(nil) ends in its 404 (compatibility.md §4.5).
      void reply.code(404).send(notFound(request));
    } else if (!user) {
      void sendWire(reply, invalidTokenResponse(deps));
    } else {
      void reply.type(JSON_TYPE).send(userJson(user, deps.config.publicUrl, token.scopes.includes('email')));
    }
  });

  // Users' lists (docs/user-rates.md): after the bearer check, in a scope with its own body and error handling.
  await app.register(async (scope) => userRateRoutes(scope, deps));
}
