import type { FastifyReply, FastifyRequest } from 'fastify';
import { localeFrom, localeOf, t } from './i18n.js';
import { notFoundPage } from './pages/accounts.js';
import { sendPage } from './page-context.js';

/**
 * Fastify's own refusals, made before any route or hook runs: a path that is not UTF-8 once percent-decoded
 * (`/oauth/authorize/%FF`), and a path parameter longer than the router takes. Such a path names nothing Monban
 * serves, so it gets what a path that matches no route gets: the API's 404 JSON under `/api/` (compatibility.md §5),
 * the "Page not found" page anywhere else. Fastify's default answer is its own JSON, which echoes the path (it may
 * hold a code: `/oauth/authorize/CODE`) and is no page for a browser.
 */
export function frameworkErrors(_error: Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (/^\/api(?:\/|$)/.test(request.url)) {
    const message = t(localeFrom(request.headers['accept-language']), 'notFound');
    return reply.code(404).header('cache-control', 'no-store').send({ message, code: 404 });
  }
  const locale = localeOf(request);
  return sendPage(reply, 404, notFoundPage(locale));
}
