import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  decideAuthorization,
  startAuthorization,
  type AuthorizationOutcome,
  type Decider,
  type Decision,
} from '../../core/authorization/flow.js';
import { DESCRIPTIONS, InvalidRequest, OAuthError } from '../../core/errors.js';
import type { User } from '../../core/model.js';
import { Params } from '../../core/params.js';
import type { HttpDeps } from '../deps.js';
import { pageContext, sendPage, type PageContext } from '../page-context.js';
import { authorizationErrorPage, codePage, consentPage } from '../pages/authorization.js';
import { sameOriginGuard } from '../same-origin.js';
import { sessionIdOf } from '../session.js';
import { bodyParams } from '../wire.js';
import { requestContext } from '../request-context.js';

/**
 * The consent form's answer: the id of the request the server keeps, and the decision. The form is form-encoded, so
 * any other body (JSON, multipart), or a repeated field, is a forged form and gets no decision.
 */
function consentAnswer(
  request: FastifyRequest,
  deny: boolean,
): { requestId: string | undefined; decision: Decision } | OAuthError {
  const formEncoded = /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '');
  if (!formEncoded) return new InvalidRequest(DESCRIPTIONS.invalidRequest);
  const form = new Params(bodyParams(request.body));
  try {
    const duplicate = form.firstDuplicate(['scopes']);
    if (duplicate !== undefined) return InvalidRequest.duplicated(duplicate);
    const requestId = form.get('request_id');
    if (deny || form.get('_method')?.toLowerCase() === 'delete') return { requestId, decision: { approve: false } };
    const chosenScopes = form.get('scope_choice') ? form.getAll('scopes') : undefined;
    return { requestId, decision: { approve: true, chosenScopes } };
  } catch (err) {
    if (err instanceof OAuthError) return err;
    throw err;
  }
}

/** The signed-in user and their session, which pending authorization requests are bound to. */
function deciderOf(request: FastifyRequest, page: PageContext): Decider | undefined {
  const sessionKey = sessionIdOf(request);
  return page.user && sessionKey ? { user: page.user, sessionKey } : undefined;
}

function signInFirst(reply: FastifyReply, returnTo: string): FastifyReply {
  const location = `/users/sign_in?return_to=${encodeURIComponent(returnTo)}`;
  return reply.code(302).header('cache-control', 'no-store').header('location', location).send();
}

/**
 * Redirects are 302, as Shikimori answers both GET and the consent form (never 307: RFC 9700 §4.12), and carry
 * `Cache-Control: no-store`, since their Location may hold a code.
 */
async function render(
  deps: HttpDeps,
  reply: FastifyReply,
  page: PageContext,
  user: User,
  outcome: AuthorizationOutcome,
): Promise<FastifyReply> {
  switch (outcome.kind) {
    case 'redirect':
      return reply.code(302).header('cache-control', 'no-store').header('location', outcome.location).send();
    case 'error':
      return sendPage(reply, 400, authorizationErrorPage(page.locale, outcome.error, user, page.csrfToken()));
    case 'consent':
      return sendPage(
        reply,
        outcome.problem ? 422 : 200,
        consentPage({
          locale: page.locale,
          user,
          request: outcome.request,
          requestId: outcome.requestId,
          csrfToken: page.csrfToken(),
          problem: outcome.problem,
          path: page.path,
          owner: await deps.ctx.stores.users.findById(outcome.request.application.ownerId),
          flash: page.flash(),
        }),
      );
  }
}

/** GET /oauth/authorize (RFC 6749 §4.1.1), the consent form's answer, and the out-of-band code page (compatibility.md §4). */
export async function authorizeRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const sameOrigin = sameOriginGuard(deps.config.publicUrl);

  // HEAD must not issue a code (RFC 9110 §9.2.1: a safe method), yet Fastify answers it by running the GET
  // handler, which issues one on prior consent. Nor can HEAD answer "as GET would" without deciding: with prior
  // consent that answer is a redirect carrying a new code. So HEAD is not a method of this resource (405, with
  // the methods that are: RFC 9110 §15.5.6); nothing is read or written.
  app.head('/oauth/authorize', async (_request, reply) => reply.code(405).header('allow', 'GET, POST, DELETE').send());
  app.get('/oauth/authorize', { exposeHeadRoute: false }, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const decider = deciderOf(request, page);
    if (!decider) return signInFirst(reply, request.url);
    const params = new Params(request.query as Record<string, unknown>);
    const outcome = await startAuthorization(requestContext(deps.ctx, request), params, decider);
    return render(deps, reply, page, decider.user, outcome);
  });

  async function decide(request: FastifyRequest, reply: FastifyReply, deny: boolean): Promise<FastifyReply> {
    const page = await pageContext(deps, request, reply);
    const decider = deciderOf(request, page);
    if (!decider) return reply.code(303).header('location', '/users/sign_in').send();
    const answer = consentAnswer(request, deny);
    if (answer instanceof OAuthError) return render(deps, reply, page, decider.user, { kind: 'error', error: answer });
    const ctx = requestContext(deps.ctx, request);
    const outcome = await decideAuthorization(ctx, answer.requestId, decider, answer.decision);
    return render(deps, reply, page, decider.user, outcome);
  }

  const guarded = { onRequest: sameOrigin, preHandler: app.csrfProtection };
  app.post('/oauth/authorize', guarded, (request, reply) => decide(request, reply, false));
  app.delete('/oauth/authorize', guarded, (request, reply) => decide(request, reply, true));

  app.get<{ Params: { code: string } }>('/oauth/authorize/:code', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    if (!page.user) return signInFirst(reply, request.url);
    return sendPage(reply, 200, codePage(page.locale, page.user, request.params.code, page.csrfToken()));
  });
}
