import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  applicationOverview,
  createApplication,
  deleteApplication,
  listAll,
  listAuthorizedFor,
  listOwned,
  mayManage,
  regenerateSecret,
  revokeAccess,
  updateApplication,
} from '../../accounts/application-management.js';
import { checkIcon, removeIcon, setIcon } from '../../accounts/application-icons.js';
import type { Application } from '../../core/model.js';
import type { HttpDeps } from '../deps.js';
import { formBody, formText } from '../form-fields.js';
import { ICON_FORM, iconChangeFrom, settingsFrom, settingsOf } from './application-form-fields.js';
import { t, type MessageKey } from '../i18n.js';
import { pageContext, seeOther, sendPage } from '../page-context.js';
import { messagePage, notFoundPage } from '../pages/accounts.js';
import {

  applicationPage,
  applicationPath,
  applicationsIndexPage,
  credentialsPage,
  deleteApplicationPage,
  type SignedInFrame,
} from '../pages/applications.js';
import { applicationFormPage } from '../pages/application-form.js';
import { applicationActivitySection } from '../pages/security-events.js';
import { applicationActivity } from '../../audit/activity.js';
import { sameOriginGuard } from '../same-origin.js';
import { keepSecret, takeSecret } from '../secret-reveal.js';
import { sessionIdOf } from '../session.js';
import { requestOrigin } from '../request-context.js';

type WithId = { Params: { id: string } };
type WithNotice = { Querystring: { notice?: string } };
type WithReveal = { Querystring: { reveal?: unknown } };

/** Notices a redirect may ask a page to show; anything else in `?notice=` is ignored. */
const NOTICES: Readonly<Record<string, MessageKey>> = {
  revoked: 'accessRevoked',
  deleted: 'applicationDeleted',
};

function noticeOf(page: SignedInFrame, value: string | undefined): string | undefined {
  const key = value === undefined ? undefined : NOTICES[value];
  return key && t(page.locale, key);
}

/**
 * Application management (compatibility.md §3): everyone signed in reads an application's page; only its owner or an
 * administrator changes it. Every state-changing form is CSRF-protected and refused from other origins.
 */
export async function applicationRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const guarded = { onRequest: sameOriginGuard(deps.config.publicUrl), preHandler: app.csrfProtection };
  const stores = deps.ctx.stores;
  /** The core's events, told with the request's origin (the audit log records it). */
  const eventsOf = (request: FastifyRequest) => deps.ctx.events.withOrigin(requestOrigin(request));

  /** The signed-in user's page context, or a redirect to the sign-in page (which comes back here after a GET). */
  async function signedIn(request: FastifyRequest, reply: FastifyReply): Promise<SignedInFrame | undefined> {
    const page = await pageContext(deps, request, reply);
    if (page.user) {
      // "Account created" when signing up led here (http/flash.ts): a GET is the page a redirect leads to.
      const flash = request.method === 'GET' ? page.flash() : undefined;
      return { locale: page.locale, user: page.user, csrfToken: page.csrfToken(), flash };
    }
    const returnTo = request.method === 'GET' ? request.url : '/oauth/applications';
    reply.code(request.method === 'GET' ? 302 : 303).header('cache-control', 'no-store');
    await reply.header('location', `/users/sign_in?return_to=${encodeURIComponent(returnTo)}`).send();
    return undefined;
  }

  async function findApplication(id: string): Promise<Application | undefined> {
    return /^[1-9][0-9]{0,14}$/.test(id) ? stores.applications.findById(Number(id)) : undefined;
  }

  function notFound(reply: FastifyReply, page: SignedInFrame): FastifyReply {
    const frame = { user: page.user, csrfToken: page.csrfToken };
    return sendPage(reply, 404, notFoundPage(page.locale, frame));
  }

  function notAllowed(reply: FastifyReply, page: SignedInFrame): FastifyReply {
    const frame = { user: page.user, csrfToken: page.csrfToken };
    const body = messagePage(page.locale, t(page.locale, 'errorOccurred'), t(page.locale, 'notAllowed'), frame);
    return sendPage(reply, 403, body);
  }

  /** The application named in the path, when this user may change it; otherwise the reply is already sent. */
  async function managed(
    request: FastifyRequest<WithId>,
    reply: FastifyReply,
  ): Promise<{ page: SignedInFrame; application: Application } | undefined> {
    const page = await signedIn(request, reply);
    if (!page) return undefined;
    const application = await findApplication(request.params.id);
    if (!application) return void notFound(reply, page);
    if (!mayManage(page.user, application)) return void notAllowed(reply, page);
    return { page, application };
  }

  app.get<WithNotice>('/oauth/applications', async (request, reply) => {
    const page = await signedIn(request, reply);
    if (!page) return reply;
    // This process's noted token uses, written first, so the list shows them (core/last-use.ts).
    await deps.ctx.lastUse.flush();
    const [owned, authorized, all] = await Promise.all([
      listOwned(stores, page.user.id),
      listAuthorizedFor(stores, page.user.id),
      page.user.admin ? listAll(stores) : undefined,
    ]);
    const view = { ...page, owned, authorized, all, notice: noticeOf(page, request.query.notice) };
    return sendPage(reply, 200, applicationsIndexPage(view));
  });

  app.get('/oauth/applications/new', async (request, reply) => {
    const page = await signedIn(request, reply);
    if (!page) return reply;
    const values = { name: '', redirectUri: '', descriptionEn: '', descriptionRu: '', scopes: [], confidential: true };
    return sendPage(reply, 200, applicationFormPage({ ...page, values, problems: [] }));
  });

  app.post('/oauth/applications', guarded, async (request, reply) => {
    const page = await signedIn(request, reply);
    if (!page) return reply;
    const values = settingsFrom(request.body, page.user);
    const saved = await createApplication(stores, page.user, values, deps.ctx.now());
    if (!saved.ok) return sendPage(reply, 422, applicationFormPage({ ...page, values, problems: saved.problems }));
    const { application, clientSecret } = saved.value;
    eventsOf(request).emit({ type: 'application.created', applicationId: application.id, ownerId: page.user.id });
    return revealAfterRedirect(request, reply, application, 'created', clientSecret);
  });

  /**
   * Post/redirect/get (http/secret-reveal.ts): the new secret waits, sealed, for the one view of the credentials
   * page, so that reloading that page creates nothing and shows the secret no more.
   */
  async function revealAfterRedirect(
    request: FastifyRequest,
    reply: FastifyReply,
    application: Application,
    kind: 'created' | 'regenerated',
    secret: string | undefined,
  ): Promise<FastifyReply> {
    const sessionId = sessionIdOf(request) ?? '';
    const kept = { applicationId: application.id, kind, secret };
    const reveal = await keepSecret(stores, sessionId, kept, deps.ctx.now());
    return seeOther(reply, `${applicationPath(application)}/credentials?reveal=${reveal}`);
  }

  app.get<WithId & WithReveal>('/oauth/applications/:id/credentials', async (request, reply) => {
    const found = await managed(request, reply);
    if (!found) return reply;
    const { page, application } = found;
    const revealId = typeof request.query.reveal === 'string' ? request.query.reveal : '';
    const sessionId = sessionIdOf(request) ?? '';
    const revealed = await takeSecret(stores, sessionId, revealId, application.id, deps.ctx.now());
    if (!revealed) return sendPage(reply, 200, credentialsPage({ ...page, application, shown: 'already' }));
    const view = { ...page, application, clientSecret: revealed.secret, shown: revealed.kind };
    return sendPage(reply, 200, credentialsPage(view));
  });

  app.get<WithId & WithNotice>('/oauth/applications/:id', async (request, reply) => {
    const page = await signedIn(request, reply);
    if (!page) return reply;
    const application = await findApplication(request.params.id);
    if (!application) return notFound(reply, page);
    await deps.ctx.lastUse.flush();
    const overview = await applicationOverview(stores, application, page.user);
    const canManage = mayManage(page.user, application);
    // Its activity, for whoever manages it, with this process's queued events written first (audit/audit-log.ts).
    if (canManage) await deps.audit?.flush();
    const activity = canManage
      ? applicationActivitySection(page.locale, await applicationActivity(stores, application.id, deps.ctx.now()))
      : undefined;
    const view = { ...page, overview, canManage, activity };
    return sendPage(reply, 200, applicationPage({ ...view, notice: noticeOf(page, request.query.notice) }));
  });

  app.get<WithId>('/oauth/applications/:id/edit', async (request, reply) => {
    const found = await managed(request, reply);
    if (!found) return reply;
    const { page, application } = found;
    const view = { ...page, application, values: settingsOf(application), problems: [] };
    return sendPage(reply, 200, applicationFormPage(view));
  });

  // The edit form is multipart, the one form that may carry a file (its icon): see ICON_FORM.
  app.post<WithId>('/oauth/applications/:id', { ...guarded, config: ICON_FORM }, async (request, reply) => {
    const found = await managed(request, reply);
    if (!found) return reply;
    const { page, application } = found;
    const values = settingsFrom(request.body, page.user);
    const change = iconChangeFrom(request.body);
    // The icon is checked first, so that a refused one leaves everything as it was.
    const checked = change.kind === 'upload' ? checkIcon(change.bytes) : undefined;
    if (checked && !checked.ok) {
      const view = { ...page, application, values, problems: [], iconProblem: checked.problem };
      return sendPage(reply, checked.problem === 'icon_too_large' ? 413 : 422, applicationFormPage(view));
    }
    const now = deps.ctx.now();
    const saved = await stores.transaction(async (tx) => {
      const updated = await updateApplication(tx, page.user, application, values, now);
      if (updated.ok && checked?.ok) await setIcon(tx, application, checked.icon, now);
      if (updated.ok && change.kind === 'remove') await removeIcon(tx, application, now);
      return updated;
    });
    if (!saved.ok) {
      return sendPage(reply, 422, applicationFormPage({ ...page, application, values, problems: saved.problems }));
    }
    return seeOther(reply, applicationPath(saved.value));
  });

  app.post<WithId>('/oauth/applications/:id/secret', guarded, async (request, reply) => {
    const found = await managed(request, reply);
    if (!found) return reply;
    const { page, application } = found;
    // A public application has no secret, and gets none: it stays public (its edit page offers no such form).
    if (!application.confidential) return notFound(reply, page);
    const clientSecret = await regenerateSecret(stores, application, deps.ctx.now());
    eventsOf(request).emit({ type: 'application.secret_regenerated', applicationId: application.id, byUserId: page.user.id });
    return revealAfterRedirect(request, reply, application, 'regenerated', clientSecret);
  });

  app.get<WithId>('/oauth/applications/:id/delete', async (request, reply) => {
    const found = await managed(request, reply);
    if (!found) return reply;
    return sendPage(reply, 200, deleteApplicationPage({ ...found.page, application: found.application }));
  });

  app.post<WithId>('/oauth/applications/:id/delete', guarded, async (request, reply) => {
    const found = await managed(request, reply);
    if (!found) return reply;
    await deleteApplication(stores, found.application);
    return seeOther(reply, '/oauth/applications?notice=deleted');
  });

  /** Shikimori's `POST /oauth/applications/:id/revoke` (compatibility.md §3): this user's tokens and codes, all at once. */
  app.post<WithId>('/oauth/applications/:id/revoke', guarded, async (request, reply) => {
    const page = await signedIn(request, reply);
    if (!page) return reply;
    const application = await findApplication(request.params.id);
    if (!application) return notFound(reply, page);
    const revoked = await revokeAccess(stores, page.user.id, application.id, deps.ctx.now());
    if (revoked.tokens > 0) {
      eventsOf(request).emit({ type: 'token.revoked', applicationId: application.id, userId: page.user.id, by: 'user' });
    }
    const { id: userId } = page.user;
    const tokensRevoked = revoked.tokens;
    eventsOf(request).emit({ type: 'authorization.revoked', applicationId: application.id, userId, tokensRevoked });
    const fromList = formText(formBody(request.body), 'return_to') === '/oauth/applications';
    return seeOther(reply, `${fromList ? '/oauth/applications' : applicationPath(application)}?notice=revoked`);
  });
}
