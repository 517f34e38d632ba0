import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { listOwned } from '../../accounts/application-management.js';
import type { Application } from '../../core/model.js';
import type { HttpDeps } from '../deps.js';
import { GUIDE_STYLESHEET } from '../guide/style.js';
import { pageContext, sendPage } from '../page-context.js';
import { guidePage, scopesOf } from '../pages/guide.js';

type GuideQuery = { Querystring: { application_id?: string; scope?: string | string[] } };

/**
 * The guide's browser modules, compiled beside this file by the same build (src/http/guide/*.ts), so the page
 * always runs the script it was built with. Their source-map comments are dropped: the maps are not served.
 */
const MODULES = ['script.js', 'commands.js'] as const;

async function browserModule(name: (typeof MODULES)[number]): Promise<string> {
  const text = await readFile(new URL(`../guide/${name}`, import.meta.url), 'utf8');
  return text.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
}

/** The application the query names when it is the developer's own, else their first; ticked scopes within its own. */
function selection(applications: Application[], query: GuideQuery['Querystring']) {
  const selected = applications.find((a) => String(a.id) === query.application_id) ?? applications[0];
  const asked = query.scope === undefined ? [] : [query.scope].flat();
  const scopes = selected ? scopesOf(selected).filter((s) => asked.includes(s)) : [];
  return { selected, scopes };
}

/** GET /oauth: the interactive guide (compatibility.md §7), and its assets. */
export async function guideRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const modules = new Map(await Promise.all(MODULES.map(async (name) => [name, await browserModule(name)] as const)));

  app.get<GuideQuery>('/oauth', async (request, reply) => {
    const page = await pageContext(deps, request, reply);
    const applications = page.user
      ? (await listOwned(deps.ctx.stores, page.user.id)).map((listing) => listing.application)
      : [];
    const view = {
      locale: page.locale,
      user: page.user,
      csrfToken: page.user && page.csrfToken(),
      path: page.path,
      flash: page.flash(),
      baseUrl: deps.config.publicUrl.replace(/\/+$/, ''),
      accessTokenTtl: deps.config.accessTokenTtl,
      applications,
      ...selection(applications, request.query),
    };
    return sendPage(reply, 200, guidePage(view));
  });

  for (const [name, text] of modules) {
    app.get(`/assets/guide/${name}`, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(text),
    );
  }

  app.get('/assets/guide/guide.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(GUIDE_STYLESHEET),
  );
}
