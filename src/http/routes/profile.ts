import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { pageContext, sendPage } from '../page-context.js';
import { notFoundPage } from '../pages/accounts.js';
import { profilePage } from '../pages/profile.js';

/**
 * GET /NICKNAME: the public profile whoami's `url` names (compatibility.md §5; userJson writes the nickname
 * percent-encoded, which the router decodes). Registered after every other page: a fixed path (`/oauth`, `/locale`)
 * always wins over this parametric one in Fastify's router, and a path that names no user gets the 404 page. A
 * nickname's look-alike (other case, other width) finds the account, and is sent to its own spelling.
 */
export async function profileRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.get<{ Params: { nickname: string } }>('/:nickname', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const frame = { user: page.user, csrfToken: page.user && page.csrfToken() };
    const { nickname } = request.params;
    const found = nickname.length <= 64 ? await deps.ctx.stores.users.findByNickname(nickname) : undefined;
    if (!found) return sendPage(reply, 404, notFoundPage(page.locale, frame));
    const profile = found.user;
    const path = `/${encodeURIComponent(profile.nickname)}`;
    if (profile.nickname !== nickname) {
      return reply.code(301).header('cache-control', 'no-store').header('location', path).send();
    }
    const view = { locale: page.locale, profile, viewer: page.user, csrfToken: frame.csrfToken, path };
    return sendPage(reply, 200, profilePage(view));
  });
}
