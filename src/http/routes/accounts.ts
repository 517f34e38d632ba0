import type { FastifyInstance } from 'fastify';
import { checkSignIn, registerUser, RegistrationError } from '../../accounts/accounts.js';
import { SignInThrottle, SignUpThrottle } from '../../accounts/throttle.js';
import { clientAddress } from '../client-address.js';
import type { HttpDeps } from '../deps.js';
import { setFlash } from '../flash.js';
import { formBody, formText } from '../form-fields.js';
import { t } from '../i18n.js';
import { pageContext, seeOther, sendPage } from '../page-context.js';
import { signInPage, signUpPage } from '../pages/accounts.js';
import { sameOriginGuard } from '../same-origin.js';
import { endSession, safeReturnTo, startSession } from '../session.js';
import { requestOrigin } from '../request-context.js';

type WithReturnTo = { Querystring: { return_to?: string } };

/**
 * The name of the application whose authorization request sent the user to sign in (return_to is that request),
 * so that the page says who asks before a password is typed; undefined for any other return_to.
 */
async function askingApplication(deps: HttpDeps, returnTo: string): Promise<string | undefined> {
  const url = new URL(returnTo, 'http://monban.invalid');
  if (url.pathname !== '/oauth/authorize') return undefined;
  const clientId = url.searchParams.get('client_id');
  if (!clientId || clientId.length > 256) return undefined;
  return (await deps.ctx.stores.applications.findByUid(clientId))?.name;
}

/**
 * Sign up, sign in and sign out. Every form is CSRF-protected and refused from other origins. Failed sign-ins are
 * throttled per nickname and per address (accounts/throttle.ts), with the same answer whether the nickname exists;
 * accounts created are limited per address. Each attempt takes its place under the limits before the password is
 * checked or the account made, so that simultaneous attempts cannot all slip under them.
 */
export async function accountRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const guarded = { onRequest: sameOriginGuard(deps.config.publicUrl), preHandler: app.csrfProtection };
  const throttle = new SignInThrottle(deps.signInAttempts);
  const signUps = new SignUpThrottle(deps.signInAttempts);

  app.get<WithReturnTo>('/users/sign_in', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    if (page.user) return reply.code(302).header('location', returnTo).send();
    const asking = await askingApplication(deps, returnTo);
    const view = { locale: page.locale, csrfToken: page.csrfToken(), returnTo, asking, flash: page.flash() };
    return sendPage(reply, 200, signInPage(view));
  });

  app.post<WithReturnTo>('/users/sign_in', guarded, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    const form = formBody(request.body);
    const nickname = formText(form, 'nickname');
    const asking = await askingApplication(deps, returnTo);
    const view = { locale: page.locale, csrfToken: page.csrfToken(), returnTo, nickname, asking };
    // Past a limit the password is not even checked, so a right guess inside the window gains nothing.
    const signIn = await throttle.attempt(
      nickname,
      clientAddress(request),
      () => checkSignIn(deps.ctx.stores, nickname, formText(form, 'password'), deps.ctx.now()),
      (check) => !('user' in check),
    );
    const user = !signIn.throttled && 'user' in signIn.result ? signIn.result.user : undefined;
    if (signIn.throttled || !user) {
      // A throttled attempt is refused before the nickname is looked up: it names no account.
      const userId = !signIn.throttled && 'problem' in signIn.result ? signIn.result.userId : null;
      deps.ctx.events
        .withOrigin(requestOrigin(request))
        .emit({ type: 'sign_in.failed', nickname, throttled: signIn.throttled, userId });
    }
    if (signIn.throttled) {
      reply.header('retry-after', String(Math.ceil(throttle.windowMs / 1000)));
      return sendPage(reply, 429, signInPage({ ...view, error: t(page.locale, 'tooManySignIns') }));
    }
    if (!user) {
      // An account imported without a password (docs/import.md) is told so, rather than that its password is wrong,
      // and where to set one: a reset (routes/password-reset.ts), by mail or through an administrator.
      const noPassword = 'problem' in signIn.result && signIn.result.problem === 'no_password';
      if (noPassword) {
        const error = t(page.locale, deps.config.mailUrl ? 'noPasswordYet' : 'noPasswordYetNoMail');
        return sendPage(reply, 401, signInPage({ ...view, error, setPasswordLink: true }));
      }
      return sendPage(reply, 401, signInPage({ ...view, error: t(page.locale, 'badCredentials') }));
    }
    await startSession(deps.ctx, request, reply, user, deps.cookies);
    deps.ctx.events.withOrigin(requestOrigin(request)).emit({ type: 'sign_in.succeeded', userId: user.id });
    return seeOther(reply, returnTo);
  });

  app.get<WithReturnTo>('/users/sign_up', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    if (page.user) return reply.code(302).header('location', returnTo).send();
    const asking = await askingApplication(deps, returnTo);
    return sendPage(reply, 200, signUpPage({ locale: page.locale, csrfToken: page.csrfToken(), returnTo, asking }));
  });

  app.post<WithReturnTo>('/users/sign_up', guarded, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const returnTo = safeReturnTo(request.query.return_to);
    const form = formBody(request.body);
    const nickname = formText(form, 'nickname');
    const email = formText(form, 'email');
    const asking = await askingApplication(deps, returnTo);
    const view = { locale: page.locale, csrfToken: page.csrfToken(), returnTo, nickname, email, asking };
    try {
      const registration = { nickname, email, password: formText(form, 'password'), locale: page.locale };
      const signUp = await signUps.attempt(clientAddress(request), () =>
        registerUser(deps.ctx.stores, registration, deps.ctx.now()),
      );
      if (signUp.throttled) {
        reply.header('retry-after', String(Math.ceil(signUps.windowMs / 1000)));
        return sendPage(reply, 429, signUpPage({ ...view, error: t(page.locale, 'tooManySignUps') }));
      }
      await startSession(deps.ctx, request, reply, signUp.result, deps.cookies);
      // The page it comes back to says "Account created" (http/flash.ts).
      setFlash(reply, 'account_created', deps.cookies);
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
