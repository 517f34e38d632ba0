import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UserCodeThrottle } from '../../accounts/user-code-throttle.js';
import type { Decider } from '../../core/authorization/flow.js';
import { formatUserCode, normalizeUserCode } from '../../core/device/user-code.js';
import { answeredPath } from '../../core/device/request.js';
import { deviceConsent, startDeviceAuthorization } from '../../core/device/verification.js';
import { clientAddress } from '../client-address.js';
import type { HttpDeps } from '../deps.js';
import { formBody, formText } from '../form-fields.js';
import { t } from '../i18n.js';
import { pageContext, seeOther, sendPage, type PageContext } from '../page-context.js';
import { consentPage } from '../pages/authorization.js';
import { deviceAnsweredPage, verificationPage } from '../pages/device.js';
import { sameOriginGuard } from '../same-origin.js';
import { sessionIdOf } from '../session.js';
import { requestContext } from '../request-context.js';

type WithUserCode = { Querystring: { user_code?: unknown } };
type WithRequestId = { Querystring: { request_id?: unknown } };

/** Where the verification form sends the browser once the code is right: the consent page of the request it kept. */
const DEVICE_CONSENT_PATH = '/oauth/device/consent';

function signInPath(returnTo: string): string {
  return `/users/sign_in?return_to=${encodeURIComponent(returnTo)}`;
}

/** The code as the form shows it: `XXXX-XXXX` when it is one, else as it was typed. */
function shown(typed: string): string {
  const code = normalizeUserCode(typed);
  return code === undefined ? typed : formatUserCode(code);
}

/**
 * The device verification page (RFC 8628 §3.3): a signed-in user types the user code their device shows, or arrives
 * with it from verification_uri_complete (sign-in first keeps it in return_to), and gets the same consent page as a
 * browser's request, whose form answers at /oauth/authorize; then a page sends them back to the device. The form is
 * CSRF-protected and refused from other origins, and wrong codes are throttled per address and per code. A right
 * code answers 303 to the consent page of the request it kept (post/redirect/get): reloading that page shows the
 * same request and keeps no other.
 */
export async function deviceRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const guarded = { onRequest: sameOriginGuard(deps.config.publicUrl), preHandler: app.csrfProtection };
  const throttle = new UserCodeThrottle(deps.signInAttempts);

  app.get<WithUserCode>('/oauth/device', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    if (!page.user) {
      return reply.code(302).header('cache-control', 'no-store').header('location', signInPath(request.url)).send();
    }
    const typed = typeof request.query.user_code === 'string' ? request.query.user_code : '';
    const view = { locale: page.locale, user: page.user, csrfToken: page.csrfToken(), path: page.path };
    const flash = page.flash();
    return sendPage(reply, 200, verificationPage({ ...view, userCode: shown(typed), prefilled: typed !== '', flash }));
  });

  app.post('/oauth/device', guarded, async (request: FastifyRequest, reply: FastifyReply) => {
    const page = await pageContext(deps, request, reply);
    const decider = deciderOf(request, page);
    if (!decider) return seeOther(reply, signInPath('/oauth/device'));
    const typed = formText(formBody(request.body), 'user_code');
    const view = { locale: page.locale, user: decider.user, csrfToken: page.csrfToken(), userCode: shown(typed) };
    const verification = await throttle.attempt(
      typed,
      clientAddress(request),
      () => startDeviceAuthorization(requestContext(deps.ctx, request), typed, decider),
      (outcome) => outcome.kind === 'unknown_code',
    );
    if (verification.throttled) {
      reply.header('retry-after', String(Math.ceil(throttle.windowMs / 1000)));
      return sendPage(reply, 429, verificationPage({ ...view, error: t(page.locale, 'tooManyDeviceCodes') }));
    }
    const outcome = verification.result;
    if (outcome.kind === 'unknown_code') {
      return sendPage(reply, 422, verificationPage({ ...view, error: t(page.locale, 'deviceCodeWrong') }));
    }
    return seeOther(reply, `${DEVICE_CONSENT_PATH}?request_id=${encodeURIComponent(outcome.requestId)}`);
  });

  // Only the session that kept the request can see it: signed out (or signed in anew, a new session), the user
  // starts again from the code. An unknown, expired, answered or another session's request is a 404 with the form.
  app.get<WithRequestId>(DEVICE_CONSENT_PATH, async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const decider = deciderOf(request, page);
    if (!decider) {
      return reply.code(302).header('cache-control', 'no-store').header('location', signInPath('/oauth/device')).send();
    }
    const requestId = typeof request.query.request_id === 'string' ? request.query.request_id : undefined;
    const consent = await deviceConsent(requestContext(deps.ctx, request), requestId, decider);
    const csrfToken = page.csrfToken();
    if (!consent) {
      const error = t(page.locale, 'deviceRequestGone');
      const view = { locale: page.locale, user: decider.user, csrfToken, path: '/oauth/device', error };
      return sendPage(reply, 404, verificationPage(view));
    }
    const owner = await deps.ctx.stores.users.findById(consent.request.application.ownerId);
    const view = { locale: page.locale, user: decider.user, request: consent.request, requestId: consent.requestId };
    return sendPage(reply, 200, consentPage({ ...view, owner, csrfToken, path: page.path }));
  });

  for (const approved of [true, false]) {
    app.get(answeredPath(approved), async (request, reply) => {
      const page = await pageContext(deps, request, reply);
      const frame = { user: page.user, csrfToken: page.user && page.csrfToken(), path: page.path };
      return sendPage(reply, 200, deviceAnsweredPage(page.locale, approved, frame));
    });
  }
}

/** The signed-in user and their session, which the kept request is bound to (as routes/authorize.ts does). */
function deciderOf(request: FastifyRequest, page: PageContext): Decider | undefined {
  const sessionKey = sessionIdOf(request);
  return page.user && sessionKey ? { user: page.user, sessionKey } : undefined;
}
