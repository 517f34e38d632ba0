import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { HttpDeps } from './deps.js';
import { localeFrom, t } from './i18n.js';
import { redactUrl } from './log-redaction.js';
import { messagePage } from './pages/accounts.js';
import { sendPage } from './page-context.js';
import { accountRoutes } from './routes/accounts.js';
import { apiRoutes } from './routes/api.js';
import { authorizeRoutes } from './routes/authorize.js';
import { staticRoutes } from './routes/static.js';
import { tokenRoutes } from './routes/token.js';

function loggerOptions(level: HttpDeps['config']['logLevel']): FastifyServerOptions['logger'] {
  if (level === 'silent') return false;
  return {
    level,
    serializers: {
      req: (req: { method: string; url: string; id?: string }) => ({ method: req.method, url: redactUrl(req.url) }),
    },
  };
}

/** Content-Security-Policy without inline scripts or styles, and no framing (consent must not be clickjacked). */
const CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    frameAncestors: ["'none'"],
    // No form-action: the consent form's answer redirects to the client, which form-action would block.
  },
};

export async function buildServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(deps.config.logLevel),
    bodyLimit: 64 * 1024,
    logController: new LogController({ disableRequestLogging: deps.config.logLevel !== 'debug' }),
  });

  await app.register(cookie);
  await app.register(formbody);
  // Multipart for the guide's `curl -F`: fields only, no files.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { files: 0, fields: 64, fieldSize: 16 * 1024, parts: 64 },
  });
  await app.register(csrfProtection, {
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: deps.cookies.secure },
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = err.statusCode ?? 500;
    const locale = localeFrom(request.headers['accept-language']);
    if (status >= 500) {
      deps.ctx.reportError(err);
      return sendPage(reply, 500, messagePage(locale, t(locale, 'errorOccurred'), t(locale, 'serverError')));
    }
    const forbidden = status === 403;
    const message = forbidden ? t(locale, 'forbidden') : err.message;
    return sendPage(reply, forbidden ? 403 : status, messagePage(locale, t(locale, 'errorOccurred'), message));
  });
  app.setNotFoundHandler((request, reply) => {
    const locale = localeFrom(request.headers['accept-language']);
    return sendPage(reply, 404, messagePage(locale, t(locale, 'notFound'), t(locale, 'notFound')));
  });

  await app.register(async (scope) => tokenRoutes(scope, deps));
  await app.register(async (scope) => apiRoutes(scope, deps), { prefix: '/api' });
  await app.register(async (pages) => {
    // Pages only: protocol and API answers need none of these headers, and the benchmarks count every byte.
    await pages.register(helmet, {
      contentSecurityPolicy: CSP,
      frameguard: { action: 'deny' },
      hsts: deps.cookies.secure,
    });
    await pages.register(async (scope) => authorizeRoutes(scope, deps));
    await pages.register(async (scope) => accountRoutes(scope, deps));
    await pages.register(async (scope) => staticRoutes(scope, deps));
  });
  return app;
}
