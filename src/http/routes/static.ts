import type { FastifyInstance } from 'fastify';
import { AVATAR_SIZES, FAVICON_SVG, faviconIco, placeholderAvatar, SCRIPT, STYLESHEET } from '../assets.js';
import type { HttpDeps } from '../deps.js';
import { pageContext, sendPage } from '../page-context.js';
import { homePage } from '../pages/accounts.js';

/** The home page and Monban's own assets. */
export async function staticRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const avatars = new Map(AVATAR_SIZES.map((size) => [`x${size}.png`, placeholderAvatar(size)]));

  app.get('/', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    return sendPage(reply, 200, homePage(page.locale, page.user, page.user && page.csrfToken(), page.flash()));
  });

  // Every page links the SVG; browsers (and tools) that ask for /favicon.ico anyway get the same gate as an ICO.
  const ico = faviconIco();
  app.get('/favicon.ico', async (_request, reply) =>
    reply.type('image/x-icon').header('cache-control', 'public, max-age=86400').send(ico),
  );
  app.get('/assets/favicon.svg', async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG),
  );

  app.get('/assets/monban.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );

  app.get('/assets/monban.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(SCRIPT),
  );

  app.get<{ Params: { file: string } }>('/assets/globals/missing_avatar/:file', async (request, reply) => {
    const png = avatars.get(request.params.file);
    if (!png) return reply.callNotFound();
    return reply.type('image/png').header('cache-control', 'public, max-age=86400').send(png);
  });
}
