import type { FastifyInstance } from 'fastify';
import { changePassword } from '../../accounts/accounts.js';
import { SignInThrottle } from '../../accounts/throttle.js';
import { clientAddress } from '../client-address.js';
import type { HttpDeps } from '../deps.js';
import { formBody, formText } from '../form-fields.js';
import { isLocale, LOCALE_COOKIE, t } from '../i18n.js';
import { pageContext, seeOther, sendPage } from '../page-context.js';
import { settingsPage } from '../pages/accounts.js';
import { sameOriginGuard } from '../same-origin.js';
import { safeReturnTo, startSession } from '../session.js';

const ONE_YEAR_S = 365 * 24 * 3600;

/** Account settings (changing the password) and the language switch. */
export async function accountSettingsRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const guarded = { onRequest: sameOriginGuard(deps.config.publicUrl), preHandler: app.csrfProtection };
  // Guessing the current password from a stolen session counts against the same limits as signing in.
  const throttle = new SignInThrottle(deps.signInAttempts);

  app.get<{ Querystring: { notice?: string } }>('/users/edit', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    if (!page.user) return reply.code(302).header('location', '/users/sign_in?return_to=%2Fusers%2Fedit').send();
    const done = request.query.notice === 'password_changed' ? t(page.locale, 'passwordChanged') : undefined;
    const view = { locale: page.locale, user: page.user, csrfToken: page.csrfToken(), done };
    return sendPage(reply, 200, settingsPage(view));
  });

  app.post('/users/password', guarded, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const user = page.user;
    if (!user) return seeOther(reply, '/users/sign_in?return_to=%2Fusers%2Fedit');
    const view = { locale: page.locale, user, csrfToken: page.csrfToken() };
    if (await throttle.blocked(user.nickname, clientAddress(request))) {
      reply.header('retry-after', String(Math.ceil(throttle.windowMs / 1000)));
      return sendPage(reply, 429, settingsPage({ ...view, error: t(page.locale, 'tooManySignIns') }));
    }
    const form = formBody(request.body);
    const change = {
      current: formText(form, 'current_password'),
      password: formText(form, 'password'),
      confirmation: formText(form, 'password_confirmation'),
    };
    // Every session ends, this one included; this browser then gets a new session id (ASVS 7.2.4, 7.4.3).
    const result = await changePassword(deps.ctx.stores, user, change, undefined, deps.ctx.now());
    if (!result.changed) {
      if (result.problem === 'current_password_wrong') await throttle.failed(user.nickname, clientAddress(request));
      const errors = { [result.field]: [t(page.locale, result.problem)] };
      return sendPage(reply, 422, settingsPage({ ...view, errors }));
    }
    await throttle.succeeded(user.nickname);
    await startSession(deps.ctx, request, reply, user, deps.cookies);
    return seeOther(reply, '/users/edit?notice=password_changed');
  });

  /** The language switch: a link, so it works without JavaScript; the cookie wins over Accept-Language. */
  app.get<{ Querystring: { to?: string; return_to?: string } }>('/locale', async (request, reply) => {
    const { to } = request.query;
    if (isLocale(to)) {
      reply.setCookie(LOCALE_COOKIE, to, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.cookies.secure,
        maxAge: ONE_YEAR_S,
      });
    }
    const location = safeReturnTo(request.query.return_to);
    return reply.code(302).header('cache-control', 'no-store').header('location', location).send();
  });
}
