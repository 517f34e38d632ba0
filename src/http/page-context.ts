import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/csrf-protection';
import type { Locale, User } from '../core/model.js';
import type { HttpDeps } from './deps.js';
import { takeFlash } from './flash.js';
import { localeOf } from './i18n.js';
import { currentUser } from './session.js';

export interface PageContext {
  locale: Locale;
  user: User | undefined;
  /** Where the language switch comes back to: this page for a GET, else the page the form was on. */
  path: string;
  /** A CSRF token for the forms of this page (sets the CSRF cookie on first use). */
  csrfToken(): string;
  /** The one-time message a redirect left for this page (http/flash.ts), taken: only the page that shows it asks. */
  flash(): string | undefined;
}

export async function pageContext(deps: HttpDeps, request: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
  const user = await currentUser(deps.ctx, request);
  const locale = localeOf(request);
  let token: string | undefined;
  return {
    locale,
    user,
    path: request.method === 'GET' ? request.url : '/',
    csrfToken: () => (token ??= reply.generateCsrf()),
    flash: () => takeFlash(request, reply, locale, user),
  };
}

/** An HTML page that must not be cached: it may show a code, a secret or a form bound to this user. */
export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
}

/** After a POST, 303 makes the browser follow with a GET (RFC 9700 §4.12: never 307 or 308). */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('cache-control', 'no-store').header('location', location).send();
}

/**
 * The header of an error page: the session's user, as on every other page (a refused form leaves the session
 * valid). Reading it must not fail the error page: when it cannot be read, the page is shown signed out.
 */
export async function errorPageFrame(
  deps: HttpDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ user?: User; csrfToken?: string }> {
  try {
    const user = await currentUser(deps.ctx, request);
    return user ? { user, csrfToken: reply.generateCsrf() } : {};
  } catch {
    return {};
  }
}
