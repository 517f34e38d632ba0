import type { FastifyInstance } from 'fastify';
import { changePassword } from '../../accounts/accounts.js';
import { SignInThrottle } from '../../accounts/throttle.js';
import type { Locale } from '../../core/model.js';
import { clientAddress } from '../client-address.js';
import type { HttpDeps } from '../deps.js';
import { formBody, formText } from '../form-fields.js';
import { isLocale, LOCALE_COOKIE, t } from '../i18n.js';
import { pageContext, seeOther, sendPage } from '../page-context.js';
import { settingsPage } from '../pages/accounts.js';
import { ACCOUNT_EVENTS_SHOWN, securityEventsSection } from '../pages/security-events.js';
import { sameOriginGuard } from '../same-origin.js';
import { safeReturnTo, startSession } from '../session.js';

const ONE_YEAR_S = 365 * 24 * 3600;

/** The notice after a password change; `applications` is `kept` or how many were signed out (see the POST). */
function passwordChangedNotice(locale: Locale, applications: unknown): string {
  const changed = t(locale, 'passwordChanged');
  if (applications === 'kept') return `${changed} ${t(locale, 'applicationsKept')}`;
  if (typeof applications === 'string' && /^[1-9][0-9]{0,8}$/.test(applications)) {
    return `${changed} ${t(locale, 'applicationsSignedOut', { count: applications })}`;
  }
  return changed;
}

/** Account settings (changing the password) and the language switch. */
export async function accountSettingsRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const guarded = { onRequest: sameOriginGuard(deps.config.publicUrl), preHandler: app.csrfProtection };
  // Guessing the current password from a stolen session counts against the same limits as signing in.
  const throttle = new SignInThrottle(deps.signInAttempts);

  app.get<{ Querystring: { notice?: string; applications?: string } }>('/users/edit', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    if (!page.user) return reply.code(302).header('location', '/users/sign_in?return_to=%2Fusers%2Fedit').send();
    const done =
      request.query.notice === 'password_changed'
        ? passwordChangedNotice(page.locale, request.query.applications)
        : undefined;
    // The events this process queued, written first, so the list shows them (audit/audit-log.ts).
    await deps.audit?.flush();
    const events = await deps.ctx.stores.audit.list({ userId: page.user.id, limit: ACCOUNT_EVENTS_SHOWN });
    const securityEvents = securityEventsSection(page.locale, events);
    const view = { locale: page.locale, user: page.user, csrfToken: page.csrfToken(), done, securityEvents };
    return sendPage(reply, 200, settingsPage({ ...view, flash: page.flash() }));
  });

  app.post('/users/password', guarded, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const user = page.user;
    if (!user) return seeOther(reply, '/users/sign_in?return_to=%2Fusers%2Fedit');
    const view = { locale: page.locale, user, csrfToken: page.csrfToken() };
    const form = formBody(request.body);
    const change = {
      current: formText(form, 'current_password'),
      password: formText(form, 'password'),
      confirmation: formText(form, 'password_confirmation'),
      keepApplications: formText(form, 'keep_applications') !== '',
    };
    // Every session ends, this one included; this browser then gets a new session id (ASVS 7.2.4, 7.4.3).
    const attempt = await throttle.attempt(
      user.nickname,
      clientAddress(request),
      () => changePassword(deps.ctx.stores, user, change, undefined, deps.ctx.now()),
      (outcome) => !outcome.changed && outcome.problem === 'current_password_wrong',
    );
    if (attempt.throttled) {
      reply.header('retry-after', String(Math.ceil(throttle.windowMs / 1000)));
      return sendPage(reply, 429, settingsPage({ ...view, error: t(page.locale, 'tooManySignIns') }));
    }
    const result = attempt.result;
    if (!result.changed) {
      const errors = { [result.field]: [t(page.locale, result.problem)] };
      return sendPage(reply, 422, settingsPage({ ...view, errors, keepApplications: change.keepApplications }));
    }
    await startSession(deps.ctx, request, reply, user, deps.cookies);
    // The notice says what happened to the applications: kept, or how many were signed out (nothing when none were).
    const applications = change.keepApplications ? 'kept' : result.applicationsSignedOut || undefined;
    const query = applications === undefined ? '' : `&applications=${applications}`;
    return seeOther(reply, `/users/edit?notice=password_changed${query}`);
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
