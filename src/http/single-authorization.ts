import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { errorResponse } from '../core/error-response.js';
import { InvalidRequest } from '../core/errors.js';
import { localeOf, t } from './i18n.js';
import { sendPage } from './page-context.js';
import { messagePage } from './pages/accounts.js';
import { sendWire } from './wire.js';

const AUTHORIZATION = 'authorization';
const REFUSAL = 'The request carried more than one Authorization header.';

/** The endpoints whose errors are OAuth JSON bodies; every other route is a page. */
const OAUTH_JSON_ROUTES = new Set([
  '/oauth/token',
  '/oauth/revoke',
  '/oauth/introspect',
  '/oauth/device_authorization',
]);

/** `name` is "Authorization" in any case, compared without making a lowercase copy (this runs on every request). */
function isAuthorization(name: string): boolean {
  if (name.length !== AUTHORIZATION.length) return false;
  // Every character of "authorization" is a letter, so setting bit 0x20 folds exactly the ASCII upper case.
  for (let i = 0; i < AUTHORIZATION.length; i++) {
    if ((name.charCodeAt(i) | 0x20) !== AUTHORIZATION.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether the raw header list (name, value, name, value...) names Authorization more than once. */
function repeatsAuthorization(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!isAuthorization(rawHeaders[i] ?? '')) continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}

/** The request's path as the router reads it: percent-decoded (`/%61pi/...` is the API), or as sent if it cannot be. */
function decodedPath(url: string): string {
  const path = url.split('?', 1)[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function speaksOAuthJson(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route !== undefined && OAUTH_JSON_ROUTES.has(route)) return true;
  return (route ?? decodedPath(request.url)).startsWith('/api/');
}

/**
 * A request with two Authorization headers is refused with 400 on every route. Node keeps only the first of them
 * (IncomingMessage.headers), so which credentials a request carries would depend on the order a proxy wrote them
 * in; RFC 9110 §5.3 allows a repeated field only where its value is a list, which credentials are not.
 */
export function refuseRepeatedAuthorization(app: FastifyInstance): void {
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (!repeatsAuthorization(request.raw.rawHeaders)) return done();
    if (speaksOAuthJson(request)) {
      void sendWire(reply, errorResponse(new InvalidRequest(REFUSAL)));
      return;
    }
    const locale = localeOf(request);
    void sendPage(reply, 400, messagePage(locale, t(locale, 'errorOccurred'), REFUSAL));
  });
}
