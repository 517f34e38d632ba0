import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  completePasswordReset,
  findUsableReset,
  PasswordResetThrottle,
  requestPasswordResets,
  RESET_PARAM,
  resetLink,
  resetMail,
} from '../../accounts/password-resets.js';
import { mailFailure, smtpMailer, type Mailer } from '../../ops/mailer.js';
import { clientAddress } from '../client-address.js';
import type { HttpDeps } from '../deps.js';
import { setFlash } from '../flash.js';
import { formBody, formText } from '../form-fields.js';
import { t } from '../i18n.js';
import { pageContext, seeOther, sendPage } from '../page-context.js';
import { forgotPasswordPage, resetInvalidPage, resetPasswordPage } from '../pages/password-reset.js';
import { sameOriginGuard } from '../same-origin.js';

/** How long a stopping server waits for the reset mails it is sending. */
const CLOSE_WAIT_MS = 5_000;

/**
 * A reset page's address carries its token: no Referer may take it to another site (helmet sends the same for
 * every page; said here so that no change there can leak it), and no cache may keep the page (sendPage).
 */
function resetPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return sendPage(reply.header('referrer-policy', 'no-referrer'), status, page);
}

/**
 * The password reset (accounts/password-resets.ts, security.md "Password reset"): asking for a link, and setting
 * the password with it. Both forms are CSRF-protected and refused from other origins, as every account form.
 */
export async function passwordResetRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const guarded = { onRequest: sameOriginGuard(deps.config.publicUrl), preHandler: app.csrfProtection };
  const throttle = new PasswordResetThrottle(deps.signInAttempts);
  const mailer: Mailer | undefined = deps.config.mailUrl
    ? smtpMailer(deps.config.mailUrl, deps.config.mailFrom)
    : undefined;
  // Mails on their way when the server stops are given a few seconds to go (the database is still open), well
  // within MONBAN_SHUTDOWN_TIMEOUT's default; one still going then is given up.
  const sending = new Set<Promise<void>>();
  app.addHook('onClose', async () => {
    if (sending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_WAIT_MS);
    });
    await Promise.race([Promise.allSettled([...sending]), givenUp]);
    clearTimeout(timer);
  });

  app.get<{ Querystring: { sent?: string } }>('/users/password/new', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const done = mailer && request.query.sent === '1' ? t(page.locale, 'resetRequested') : undefined;
    const view = { locale: page.locale, csrfToken: page.csrfToken(), mail: mailer !== undefined, done };
    return resetPage(reply, 200, forgotPasswordPage(view));
  });

  app.post('/users/password/new', guarded, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const login = formText(formBody(request.body), 'login');
    if (!(await throttle.attempt(clientAddress(request)))) {
      reply.header('retry-after', String(Math.ceil(throttle.windowMs / 1000)));
      const view = { locale: page.locale, csrfToken: page.csrfToken(), mail: mailer !== undefined };
      return resetPage(reply, 429, forgotPasswordPage({ ...view, error: t(page.locale, 'tooManyResets') }));
    }
    if (mailer) {
      // After the answer is on its way (setImmediate), so that neither the lookup, nor the reset's row, nor the
      // SMTP exchange tells in its timing whether an account was found. Failures are logged without the mail.
      const now = deps.ctx.now();
      const log = request.log;
      const task = new Promise<void>((resolve) =>
        setImmediate(() => {
          void (async () => {
            for (const delivery of await requestPasswordResets(deps.ctx.stores, login, now)) {
              const link = resetLink(deps.config.publicUrl, delivery.token);
              const mail = resetMail(delivery.user.locale, delivery.user.nickname, link);
              await mailer
                .send({ to: delivery.email, ...mail })
                .catch((err) => log.error({ userId: delivery.user.id, mail: mailFailure(err) }, 'reset mail not sent'));
            }
          })()
            .catch((err) => log.error({ failure: mailFailure(err) }, 'password reset not made'))
            .finally(() => {
              sending.delete(task);
              resolve();
            });
        }),
      );
      sending.add(task);
    }
    // The same answer whatever was entered: the page says a link was sent if the account has an email address.
    return seeOther(reply, '/users/password/new?sent=1');
  });

  app.get<{ Querystring: Record<string, unknown> }>('/users/password/edit', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const token = request.query[RESET_PARAM];
    // No token (or a repeated one) is a malformed link, 400; a token that is not usable now, 404.
    if (typeof token !== 'string') return resetPage(reply, 400, resetInvalidPage(page.locale));
    const usable = await findUsableReset(deps.ctx.stores, token, deps.ctx.now());
    if (!usable) return resetPage(reply, 404, resetInvalidPage(page.locale));
    const view = { locale: page.locale, csrfToken: page.csrfToken(), token, ...usable };
    return resetPage(reply, 200, resetPasswordPage(view));
  });

  app.post('/users/password/edit', guarded, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const form = formBody(request.body);
    const token = formText(form, RESET_PARAM);
    const now = deps.ctx.now();
    const usable = await findUsableReset(deps.ctx.stores, token, now);
    if (!usable) return resetPage(reply, 404, resetInvalidPage(page.locale));
    const reset = {
      token,
      password: formText(form, 'password'),
      confirmation: formText(form, 'password_confirmation'),
      keepApplications: formText(form, 'keep_applications') !== '',
    };
    const outcome = await completePasswordReset(deps.ctx.stores, reset, now);
    if (!outcome.reset) {
      // Used by a request that came first (one wins: the store's consume), or a password the rules refuse, which
      // leaves the link usable.
      if (outcome.field === 'token') return resetPage(reply, 404, resetInvalidPage(page.locale));
      const errors = { [outcome.field]: [t(page.locale, outcome.problem)] };
      const view = { locale: page.locale, csrfToken: page.csrfToken(), token, ...usable, errors };
      return resetPage(reply, 422, resetPasswordPage({ ...view, keepApplications: reset.keepApplications }));
    }
    // Every session of the user ended, this browser's too if it had one: it signs in with the new password.
    setFlash(reply, 'password_set', deps.cookies);
    return seeOther(reply, '/users/sign_in');
  });
}
