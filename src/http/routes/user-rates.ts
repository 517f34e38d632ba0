import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponse, REALM } from '../../core/error-response.js';
import { TemporarilyUnavailable } from '../../core/errors.js';
import { resourceMetadataUrl } from '../../core/metadata.js';
import type { Locale } from '../../core/model.js';
import { StorageUnavailable } from '../../core/ports/storage-unavailable.js';
import {
  authorizeOwner,
  checkTarget,
  createRate,
  destroyRate,
  incrementRate,
  loadRate,
  updateRate,
  type RateActor,
} from '../../core/user-rates/actions.js';
import { UserRateInvalid, UserRateRefusal, UserRateUnauthenticated } from '../../core/user-rates/errors.js';
import { listRates, readIndexQuery } from '../../core/user-rates/listing.js';
import { STATUS_NAMES, type TargetType } from '../../core/user-rates/model.js';
import {
  readCreateParams,
  readUpdateChanges,
  validateCreate,
  validateUpdate,
  type RateRequest,
} from '../../core/user-rates/params.js';
import { castInteger } from '../../core/user-rates/ruby.js';
import { railsJson, userRateJson } from '../../core/user-rates/serializer.js';
import { nestParams } from '../api/nested-params.js';
import type { HttpDeps } from '../deps.js';
import { requestContext } from '../request-context.js';
import { sendWire, unreadableBody } from '../wire.js';
import { requireScope } from './api.js';

/**
 * Shikimori's `/api/v2/user_rates` (docs/user-rates.md), registered inside the /api scope, whose hooks have already
 * authenticated any bearer token (a bad one is a 401 before this). Each action runs Shikimori's checks in its
 * order: load the entry (404), its owner (403; 401 without a token), the token's scope (403, empty body), the
 * parameters (422), then the change. Reads are public.
 */

type UserRateDeps = Pick<HttpDeps, 'ctx' | 'config'>;

/** Rails' headers for a fresh JSON answer, and for errors and empty answers. */
const FRESH = 'max-age=0, private, must-revalidate';
const NO_CACHE = 'no-cache';
const JSON_TYPE = 'application/json; charset=utf-8';
/** Rails answers vary on these; whatever else an answer varies on (CORS) is kept after them. */
const VARY = ['Accept', 'Origin'];

function sendJson(reply: FastifyReply, status: number, body: unknown, cacheControl = FRESH): FastifyReply {
  return reply.code(status).header('cache-control', cacheControl).type(JSON_TYPE).send(railsJson(body));
}

/**
 * The language of the 404 page body: Russian for guests; a token's user gets their own, which `?locale=` switches
 * (docs/user-rates.md §4).
 */
function localeOf(request: FastifyRequest): Locale {
  const user = request.accessTokenUser;
  if (!user || !request.accessToken) return 'ru';
  const asked = (request.query as Record<string, unknown> | undefined)?.locale;
  return asked === 'en' || asked === 'ru' ? asked : user.locale;
}

function actorOf(request: FastifyRequest): RateActor {
  const token = request.accessToken;
  return {
    token: token && { userId: token.userId, applicationId: token.applicationId },
    locale: localeOf(request),
  };
}

const isJson = (request: FastifyRequest) => /^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * Query and body parameters as Rails sees them: form and query names nested, JSON taken as it is, and for a JSON
 * body also what ParamsWrapper wraps (an empty or non-object JSON body wraps nothing).
 */
function rateRequest(request: FastifyRequest): RateRequest {
  const query = nestParams(request.query);
  const json = isJson(request);
  const body = json ? (isObject(request.body) ? request.body : {}) : nestParams(request.body);
  // Rails merges the query over the body.
  return { params: { ...body, ...query }, jsonBody: json ? body : undefined };
}

/**
 * A write without a token: Shikimori's 403 and CanCan's body, unchanged (docs/user-rates.md §8), with the challenge
 * RFC 6750 §3 adds: the scope the write needs and no error code, as §3.1 asks of a request that carried no
 * authentication at all.
 */
function challengeWithoutToken(deps: UserRateDeps): string {
  const metadata = resourceMetadataUrl(deps.config.publicUrl).replace(/["\\]/g, '\\$&');
  return `Bearer realm="${REALM}", scope="user_rates", resource_metadata="${metadata}"`;
}

function sendRefusal(deps: UserRateDeps, request: FastifyRequest, reply: FastifyReply, err: UserRateRefusal) {
  if (err instanceof UserRateInvalid) {
    const body = request.method === 'GET' || request.method === 'HEAD' ? err.messages : { errors: err.messages };
    return sendJson(reply, 422, body, NO_CACHE);
  }
  switch (err.status) {
    case 403:
      if (err instanceof UserRateUnauthenticated) reply.header('www-authenticate', challengeWithoutToken(deps));
      return sendJson(reply, 403, { message: 'You are not authorized to access this page.', code: 403 }, NO_CACHE);
    default: {
      const message = localeOf(request) === 'en' ? 'Page not found' : 'Страница не найдена';
      return sendJson(reply, 404, { message, code: 404 }, NO_CACHE);
    }
  }
}

function mergeVary(current: unknown): string {
  const given = String(current ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '' && !VARY.some((x) => x.toLowerCase() === v.toLowerCase()));
  return [...VARY, ...given].join(', ');
}

/** Both with and without a trailing slash, as clients send both (node-shikimori adds one). */
function paths(path: string): string[] {
  return [path, `${path}/`];
}

export async function userRateRoutes(app: FastifyInstance, deps: UserRateDeps): Promise<void> {
  const checkScope = requireScope(deps, 'user_rates');
  const ctx = deps.ctx;

  // Rails reads an empty JSON body as no parameters, and ignores a body of a type it does not parse.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    return defaultJson(request, text, done);
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));

  // A callback hook, not an async one: no promise per answer (docs/benchmarks.md, per-request plumbing).
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('vary', mergeVary(reply.getHeader('vary')));
    done(null, payload);
  });

  // Every failure of this API keeps its shape: a refusal its own answer, an unreachable database the API's 503,
  // anything else a 422 as Shikimori's `api_error` answers it (docs/user-rates.md §7), never a 500.
  app.setErrorHandler((err, request, reply) => {
    if (err instanceof UserRateRefusal) return sendRefusal(deps, request, reply, err);
    if (err instanceof StorageUnavailable) {
      ctx.reportError(err);
      return sendWire(reply, errorResponse(new TemporarilyUnavailable()));
    }
    // A body the parsers refused (a 4xx, or any multipart failure) is the client's, said as the parser says it.
    const unreadable = unreadableBody(err, request);
    if (unreadable === undefined) ctx.reportError(err);
    const message = unreadable === undefined ? 'The request could not be processed.' : `${unreadable}.`;
    return sendRefusal(deps, request, reply, new UserRateInvalid([message]));
  });

  /** Shikimori's step 4: a token without `user_rates` gets the empty 403 (requireScope); true when it did. */
  async function scopeRefused(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    await checkScope(request, reply);
    return reply.sent;
  }

  app.get('/constants/user_rate', async (_request, reply) => sendJson(reply, 200, { status: STATUS_NAMES }));

  for (const path of paths('/v2/user_rates')) {
    app.get(path, async (request, reply) => {
      const query = readIndexQuery(nestParams(request.query));
      // Shikimori never pages its own Neko client.
      const paged = request.headers['user-agent'] !== 'Neko';
      const rates = await listRates(ctx.stores, query, paged);
      return sendJson(reply, 200, rates.map(userRateJson));
    });

    app.post(path, async (request, reply) => {
      const params = readCreateParams(rateRequest(request));
      const actor = actorOf(request);
      authorizeOwner(actor, castInteger(params.permitted.user_id));
      if (await scopeRefused(request, reply)) return reply;
      validateCreate(params.raw);
      const targetId = checkTarget(params.permitted.target_id, actor.locale);
      const rate = await createRate(requestContext(ctx, request), actor, {
        userId: actor.token?.userId ?? 0,
        targetId,
        targetType: params.permitted.target_type as TargetType,
        changes: params.changes,
      });
      return sendJson(reply, 201, userRateJson(rate));
    });
  }

  for (const path of paths('/v2/user_rates/:id')) {
    app.get<{ Params: { id: string } }>(path, async (request, reply) => {
      const rate = await loadRate(ctx.stores, request.params.id);
      return sendJson(reply, 200, userRateJson(rate));
    });

    const update = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const rate = await loadRate(ctx.stores, request.params.id);
      const actor = actorOf(request);
      authorizeOwner(actor, rate.userId);
      if (await scopeRefused(request, reply)) return reply;
      const rateParams = rateRequest(request);
      validateUpdate(rateParams);
      const updated = await updateRate(requestContext(ctx, request), actor, rate.id, readUpdateChanges(rateParams));
      return sendJson(reply, 200, userRateJson(updated));
    };
    app.patch(path, update);
    app.put(path, update);

    app.delete<{ Params: { id: string } }>(path, async (request, reply) => {
      const rate = await loadRate(ctx.stores, request.params.id);
      const actor = actorOf(request);
      authorizeOwner(actor, rate.userId);
      if (await scopeRefused(request, reply)) return reply;
      await destroyRate(requestContext(ctx, request), actor, rate);
      return reply.code(204).header('cache-control', NO_CACHE).send();
    });
  }

  for (const path of paths('/v2/user_rates/:id/increment')) {
    app.post<{ Params: { id: string } }>(path, async (request, reply) => {
      const rate = await loadRate(ctx.stores, request.params.id);
      const actor = actorOf(request);
      authorizeOwner(actor, rate.userId);
      if (await scopeRefused(request, reply)) return reply;
      const params = rateRequest(request).params;
      const incremented = await incrementRate(requestContext(ctx, request), actor, rate.id, params);
      return sendJson(reply, 201, userRateJson(incremented));
    });
  }
}
