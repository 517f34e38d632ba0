import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { opsServerOptions, registerOps } from '../ops/index.js';
import { StorageUnavailable } from '../core/ports/storage-unavailable.js';
import type { HttpDeps } from './deps.js';
import { localeOf, t } from './i18n.js';
import { messagePage, notFoundPage } from './pages/accounts.js';
import { errorPageFrame, sendPage } from './page-context.js';
import { refuseRepeatedAuthorization } from './single-authorization.js';
import { registerCors } from './cors.js';
import { frameworkErrors } from './framework-errors.js';
import { unreadableBody } from './wire.js';
import { accountSettingsRoutes } from './routes/account-settings.js';
import { accountRoutes } from './routes/accounts.js';
import { apiRoutes } from './routes/api.js';
import { applicationRoutes } from './routes/applications.js';
import { applicationIconRoutes } from './routes/application-icons.js';
import { authorizeRoutes } from './routes/authorize.js';
import { deviceRoutes } from './routes/device.js';
import { guideRoutes } from './routes/guide.js';
import { metadataRoutes } from './routes/metadata.js';
import { passwordResetRoutes } from './routes/password-reset.js';
import { profileRoutes } from './routes/profile.js';
import { staticRoutes } from './routes/static.js';
import { tokenRoutes } from './routes/token.js';

/** Content-Security-Policy without inline scripts or styles, and no framing (consent must not be clickjacked). */
export const CSP = {
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
  // Logs, request ids and client addresses (MONBAN_TRUST_PROXY) are src/ops's, and so is what it registers first.
  // frameworkErrors: paths the router cannot read get the 404 page, not Fastify's JSON (http/framework-errors.ts).
  const app = Fastify({ ...opsServerOptions(deps.config, deps.ops), bodyLimit: 64 * 1024, frameworkErrors });
  // CORS first: preflights are answered before the rate limits count them, as rack-cors before rack-attack.
  registerCors(app);
  await registerOps(app, deps.config, deps.ops);

  await app.register(cookie);
  // After the cookie parser, so that the refusal page's title is in the visitor's language.
  refuseRepeatedAuthorization(app);
  await app.register(formbody);
  // Multipart for the guide's `curl -F`: fields only, no files. One route raises these limits for itself (its
  // config.multipartOptions): the application's edit form, for its icon (routes/applications.ts, ICON_FORM).
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { files: 0, fields: 64, fieldSize: 16 * 1024, parts: 64 },
  });
  await app.register(csrfProtection, {
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: deps.cookies.secure },
  });

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const locale = localeOf(request);
    if (err instanceof StorageUnavailable) {
      // The database is unreachable: a page that says "try again", with 503 so that nothing caches or indexes it.
      deps.ctx.reportError(err);
      return sendPage(reply, 503, messagePage(locale, t(locale, 'errorOccurred'), t(locale, 'serverError')));
    }
    // A malformed multipart body carries no status code, yet it is the client's fault (unreadableBody).
    const status = err.statusCode ?? (unreadableBody(err, request) !== undefined ? 400 : 500);
    // The session is still valid after a refused form or a failure of ours: the header says who is signed in, as
    // on every page (errorPageFrame answers signed out when the session cannot be read).
    const frame = await errorPageFrame(deps, request, reply);
    if (status >= 500) {
      deps.ctx.reportError(err);
      return sendPage(reply, 500, messagePage(locale, t(locale, 'errorOccurred'), t(locale, 'serverError'), frame));
    }
    const forbidden = status === 403;
    const message = forbidden ? t(locale, 'forbidden') : err.message;
    return sendPage(reply, forbidden ? 403 : status, messagePage(locale, t(locale, 'errorOccurred'), message, frame));
  });
  app.setNotFoundHandler(async (request, reply) => {
    const locale = localeOf(request);
    return sendPage(reply, 404, notFoundPage(locale, await errorPageFrame(deps, request, reply)));
  });

  await app.register(async (scope) => tokenRoutes(scope, deps));
  await app.register(async (scope) => apiRoutes(scope, deps), { prefix: '/api' });
  await app.register(async (scope) => metadataRoutes(scope, deps));
  await app.register(async (pages) => {
    // Pages only: protocol and API answers need none of these headers, and the benchmarks count every byte.
    await pages.register(helmet, {
      contentSecurityPolicy: CSP,
      frameguard: { action: 'deny' },
      hsts: deps.cookies.secure,
    });
    await pages.register(async (scope) => authorizeRoutes(scope, deps));
    await pages.register(async (scope) => deviceRoutes(scope, deps));
    await pages.register(async (scope) => accountRoutes(scope, deps));
    await pages.register(async (scope) => accountSettingsRoutes(scope, deps));
    await pages.register(async (scope) => passwordResetRoutes(scope, deps));
    await pages.register(async (scope) => applicationRoutes(scope, deps));
    await pages.register(async (scope) => applicationIconRoutes(scope, deps));
    await pages.register(async (scope) => staticRoutes(scope, deps));
    await pages.register(async (scope) => guideRoutes(scope, deps));
    // Last: GET /:nickname (whoami's profile url) must never take a path another page has.
    await pages.register(async (scope) => profileRoutes(scope, deps));
  });
  return app;
}
