import type { FastifyInstance } from 'fastify';
import { checkCredentials, registerUser, RegistrationError } from '../../accounts/accounts.js';
import { SignInThrottle, SignUpThrottle } from '../../accounts/throttle.js';
import { clientAddress } from '../client-address.js';
import type { HttpDeps } from '../deps.js';
import { formBody, formText } from '../form-fields.js';
import { t } from '../i18n.js';
import { pageContext, seeOther, sendPage } from '../page-context.js';
import { signInPage, signUpPage } from '../pages/accounts.js';
import { sameOriginGuard } from '../same-origin.js';
import { endSession, safeReturnTo, startSession } from '../session.js';

type WithReturnTo = { Querystring: { return_to?: string } };

/**
 * Sign up, sign in and sign out. Every form is CSRF-protected and refused from other origins. Failed sign-ins are
 * throttled per nickname and per address (accounts/throttle.ts), with the same answer whether the nickname exists;
 * accounts created are limited per address.
 */
export async function accountRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const guarded = { onRequest: sameOriginGuard(deps.config.publicUrl), preHandler: app.csrfProtection };
  const throttle = new SignInThrottle(deps.signInAttempts);
  const signUps = new SignUpThrottle(deps.signInAttempts);

  app.get<WithReturnTo>('/users/sign_in', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    if (page.user) return reply.code(302).header('location', returnTo).send();
    return sendPage(reply, 200, signInPage({ locale: page.locale, csrfToken: page.csrfToken(), returnTo }));
  });

  app.post<WithReturnTo>('/users/sign_in', guarded, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    const form = formBody(request.body);
    const nickname = formText(form, 'nickname');
    const view = { locale: page.locale, csrfToken: page.csrfToken(), returnTo, nickname };
    // Limited: the password is not even checked, so a right guess inside the window gains nothing (checklist §E 32).
    if (await throttle.blocked(nickname, clientAddress(request))) {
      reply.header('retry-after', String(Math.ceil(throttle.windowMs / 1000)));
      return sendPage(reply, 429, signInPage({ ...view, error: t(page.locale, 'tooManySignIns') }));
    }
    const user = await checkCredentials(deps.ctx.stores, nickname, formText(form, 'password'));
    if (!user) {
      await throttle.failed(nickname, clientAddress(request));
      return sendPage(reply, 401, signInPage({ ...view, error: t(page.locale, 'badCredentials') }));
    }
    await throttle.succeeded(nickname);
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
    const form = formBody(request.body);
    const nickname = formText(form, 'nickname');
    const email = formText(form, 'email');
    const view = { locale: page.locale, csrfToken: page.csrfToken(), returnTo, nickname, email };
    if (await signUps.blocked(clientAddress(request))) {
      reply.header('retry-after', String(Math.ceil(signUps.windowMs / 1000)));
      return sendPage(reply, 429, signUpPage({ ...view, error: t(page.locale, 'tooManySignUps') }));
    }
    try {
      const registration = { nickname, email, password: formText(form, 'password'), locale: page.locale };
      const user = await registerUser(deps.ctx.stores, registration, deps.ctx.now());
      await signUps.created(clientAddress(request));
      await startSession(deps.ctx, request, reply, user, deps.cookies);
      return seeOther(reply, returnTo);
    } catch (err) {
      if (!(err instanceof RegistrationError)) throw err;
      const message = err.problem ? t(page.locale, err.problem) : err.message;
      return sendPage(reply, 422, signUpPage({ ...view, fieldErrors: { [err.field]: [message] } }));
    }
  });

  app.post('/users/sign_out', guarded, async (request, reply) => {
    await endSession(deps.ctx, request, reply, deps.cookies);
    return seeOther(reply, '/');
  });
}
