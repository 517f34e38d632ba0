import type { FastifyInstance } from 'fastify';
import { checkCredentials, registerUser, RegistrationError } from '../../accounts/accounts.js';
import { Params } from '../../core/params.js';
import type { HttpDeps } from '../deps.js';
import { t } from '../i18n.js';
import { pageContext, seeOther, sendPage } from '../page-context.js';
import { signInPage, signUpPage } from '../pages/accounts.js';
import { sameOriginGuard } from '../same-origin.js';
import { endSession, safeReturnTo, startSession } from '../session.js';
import { bodyParams } from '../wire.js';

type WithReturnTo = { Querystring: { return_to?: string } };

/** Sign up, sign in and sign out. Every form is CSRF-protected and refused from other origins. */
export async function accountRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const guarded = { onRequest: sameOriginGuard(deps.config.publicUrl), preHandler: app.csrfProtection };

  app.get<WithReturnTo>('/users/sign_in', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    if (page.user) return reply.code(302).header('location', returnTo).send();
    return sendPage(reply, 200, signInPage({ locale: page.locale, csrfToken: page.csrfToken(), returnTo }));
  });

  app.post<WithReturnTo>('/users/sign_in', guarded, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    const form = new Params(bodyParams(request.body));
    const nickname = form.get('nickname') ?? '';
    const user = await checkCredentials(deps.ctx.stores, nickname, form.get('password') ?? '');
    if (!user) {
      const view = { locale: page.locale, csrfToken: page.csrfToken(), returnTo, nickname };
      return sendPage(reply, 401, signInPage({ ...view, error: t(page.locale, 'badCredentials') }));
    }
    await startSession(deps.ctx, request, reply, user, deps.cookies);
    return seeOther(reply, returnTo);
  });

  app.get<WithReturnTo>('/users/sign_up', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    if (page.user) return reply.code(302).header('location', returnTo).send();
    return sendPage(reply, 200, signUpPage({ locale: page.locale, csrfToken: page.csrfToken(), returnTo }));
  });

  app.post<WithReturnTo>('/users/sign_up', guarded, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    const form = new Params(bodyParams(request.body));
    const nickname = form.get('nickname') ?? '';
    const email = form.get('email') ?? '';
    try {
      const registration = { nickname, email, password: form.get('password') ?? '', locale: page.locale };
      const user = await registerUser(deps.ctx.stores, registration, deps.ctx.now());
      await startSession(deps.ctx, request, reply, user, deps.cookies);
      return seeOther(reply, returnTo);
    } catch (err) {
      if (!(err instanceof RegistrationError)) throw err;
      const view = { locale: page.locale, csrfToken: page.csrfToken(), returnTo, nickname, email };
      return sendPage(reply, 422, signUpPage({ ...view, error: err.message }));
    }
  });

  app.post('/users/sign_out', guarded, async (request, reply) => {
    await endSession(deps.ctx, request, reply, deps.cookies);
    return seeOther(reply, '/');
  });
}
