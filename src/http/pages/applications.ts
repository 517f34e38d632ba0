import type {
  Access,
  ApplicationListing,
  ApplicationOverview,
  AuthorizedApplication,
} from '../../accounts/application-management.js';
import type { Application, Locale, User } from '../../core/model.js';
import { DEFAULT_SCOPES } from '../../core/scopes.js';
import { formatTime, scopeDescription, t } from '../i18n.js';
import { copyButton, csrfField, notice } from './form.js';
import { applicationIcon } from '../application-icon.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

/** The application pages (compatibility.md §3). Field ids are `application_<field>`, so tests and people find them by label. */

export interface SignedInFrame {
  locale: Locale;
  user: User;
  csrfToken: string;
  /** "Account created", when signing up led here (http/flash.ts). */
  flash?: string | undefined;
}

export function frame(view: SignedInFrame, title: string, path: string) {
  return { locale: view.locale, title, user: view.user, csrfToken: view.csrfToken, path, flash: view.flash };
}

/**
 * An application's name with its icon (uploaded, else drawn from the name: http/application-icon.ts), as a heading
 * of the given level.
 */
function titled(application: Application, level: 'h1' | 'h3', link: boolean): SafeHtml {
  const name = link ? html`<a href="${applicationPath(application)}">${application.name}</a>` : application.name;
  const heading = level === 'h1' ? html`<h1>${name}</h1>` : html`<h3>${name}</h3>`;
  return html`<div class="titled">${applicationIcon(application, level === 'h1' ? 48 : 32)}${heading}</div>`;
}

export function applicationPath(application: Application): string {
  return `/oauth/applications/${application.id}`;
}

/** The description in the reader's language, else the other one. */
function description(locale: Locale, application: Application): string {
  return locale === 'ru'
    ? application.descriptionRu || application.descriptionEn
    : application.descriptionEn || application.descriptionRu;
}

function scopeList(locale: Locale, scopes: readonly string[]): SafeHtml {
  return html`<ul class="scopes">${scopes.map(
    (scope) => html`<li>${scopeDescription(locale, scope)} <code>${scope}</code></li>`,
  )}</ul>`;
}

function time(locale: Locale, at: number | null): SafeHtml {
  if (at === null) return html`${t(locale, 'neverUsed')}`;
  return html`<time datetime="${new Date(at).toISOString()}">${formatTime(locale, at)}</time>`;
}

/**
 * From the list, the answer comes back to the list; from the application's page, to that page. The button's name
 * says which application, since the list has one such button for each.
 */
function revokeForm(view: SignedInFrame, application: Application, id: string, fromList = false): SafeHtml {
  const label = t(view.locale, 'revokeAccess');
  return html`<form method="post" action="${applicationPath(application)}/revoke" id="${id}" class="inline">
    ${csrfField(view.csrfToken)}
    ${fromList ? html`<input type="hidden" name="return_to" value="/oauth/applications">` : ''}
    <button type="submit" class="danger" aria-label="${label}: ${application.name}">${label}</button>
  </form>`;
}

function accessDetails(locale: Locale, access: Access): SafeHtml {
  return html`<dl class="details">
    <dt>${t(locale, 'scopesGranted')}</dt><dd>${scopeList(locale, access.scopes)}</dd>
    <dt>${t(locale, 'lastUsed')}</dt><dd class="last-used">${time(locale, access.lastUsedAt)}</dd>
  </dl>`;
}

function listing(locale: Locale, items: readonly ApplicationListing[], empty: string): SafeHtml {
  if (items.length === 0) return html`<p class="hint">${empty}</p>`;
  return html`<ul class="applications">${items.map(
    ({ application, usersCount }) => html`<li id="application_${application.id}">
      ${titled(application, 'h3', true)}
      <p class="hint">${t(locale, 'usersCount', { count: usersCount })}</p>
    </li>`,
  )}</ul>`;
}

export interface IndexView extends SignedInFrame {
  owned: ApplicationListing[];
  authorized: AuthorizedApplication[];
  /** Every application, for administrators. */
  all?: ApplicationListing[] | undefined;
  notice?: string | undefined;
}

/** `/oauth/applications`: my applications, and apart from them, the applications with access to my account. */
export function applicationsIndexPage(view: IndexView): string {
  const { locale } = view;
  const body = html`
<h1>${t(locale, 'applicationsTitle')}</h1>
${notice(view.notice, 'success')}
<section class="card" id="my_applications" aria-labelledby="my_applications_title">
  <h2 id="my_applications_title">${t(locale, 'myApplications')}</h2>
  ${listing(locale, view.owned, t(locale, 'noApplications'))}
  <a class="button primary" id="new_application" href="/oauth/applications/new">${t(locale, 'newApplication')}</a>
</section>
<section class="card" id="authorized_applications" aria-labelledby="authorized_applications_title">
  <h2 id="authorized_applications_title">${t(locale, 'authorizedApplications')}</h2>
  ${view.authorized.length === 0
    ? html`<p class="hint">${t(locale, 'noAuthorizedApplications')}</p>`
    : html`<ul class="applications">${view.authorized.map(
        (item) => html`<li id="authorized_application_${item.application.id}">
          ${titled(item.application, 'h3', true)}
          ${accessDetails(locale, item)}
          ${revokeForm(view, item.application, `revoke_access_${item.application.id}`, true)}
        </li>`,
      )}</ul>`}
</section>
${view.all
  ? html`<section class="card" id="all_applications" aria-labelledby="all_applications_title">
      <h2 id="all_applications_title">${t(locale, 'allApplications')}</h2>
      ${listing(locale, view.all, t(locale, 'noApplications'))}
    </section>`
  : ''}`;
  return layout(frame(view, t(locale, 'applicationsTitle'), '/oauth/applications'), body);
}

export interface ShowView extends SignedInFrame {
  overview: ApplicationOverview;
  canManage: boolean;
  notice?: string | undefined;
  /** For its owner (or an administrator): the application's activity (pages/security-events.ts). */
  activity?: SafeHtml | undefined;
}

/** An application's public page: owner, users, description, scopes; the viewer's own grant and its revocation. */
export function applicationPage(view: ShowView): string {
  const { locale, overview, canManage } = view;
  const { application, owner, access } = overview;
  const text = description(locale, application);
  const scopes = application.scopes.length > 0 ? application.scopes : DEFAULT_SCOPES;
  const body = html`
<section class="card">
  ${titled(application, 'h1', false)}
  ${notice(view.notice, 'success')}
  ${canManage
    ? html`<p><a class="button" id="edit_application" href="${applicationPath(application)}/edit">${t(locale, 'edit')}</a></p>`
    : ''}
  <dl class="details">
    <dt>${t(locale, 'owner')}</dt><dd id="application_owner">${
      owner ? html`<a href="/${encodeURIComponent(owner.nickname)}">@${owner.nickname}</a>` : '—'}</dd>
    <dt>${t(locale, 'users')}</dt><dd id="application_users">${overview.usersCount}</dd>
    <dt>${t(locale, 'clientId')}</dt><dd><code>${application.uid}</code></dd>
    <dt>${t(locale, 'clientType')}</dt><dd id="application_client_type">${
      t(locale, application.confidential ? 'clientTypeConfidential' : 'clientTypePublic')}</dd>
    ${canManage
      ? html`<dt>${t(locale, 'redirectUris')}</dt>
        <dd><ul class="scopes">${application.redirectUris.map((u) => html`<li><code>${u}</code></li>`)}</ul></dd>`
      : ''}
  </dl>
  ${text ? html`<h2>${t(locale, 'description')}</h2><p class="application-description">${text}</p>` : ''}
  <h2>${t(locale, 'willBeAbleTo')}</h2>
  ${scopeList(locale, scopes)}
</section>
${access
  ? html`<section class="card" id="my_access" aria-labelledby="my_access_title">
      <h2 id="my_access_title">${t(locale, 'haveAccess')}</h2>
      ${accessDetails(locale, access)}
      ${revokeForm(view, application, 'revoke_access')}
    </section>`
  : ''}
${view.activity ?? ''}`;
  return layout(frame(view, application.name, applicationPath(application)), body);
}

export interface CredentialsView extends SignedInFrame {
  application: Application;
  /** The new secret; undefined for a public application, which has none, and once it has been shown. */
  clientSecret?: string | undefined;
  /** Why the page shows: the application was created, its secret regenerated, or the secret was shown already. */
  shown: 'created' | 'regenerated' | 'already';
}

/**
 * The one page that ever shows a client secret, once: the redirect after creation or regeneration leads here, and
 * the secret is kept for that one view (post/redirect/get, http/secret-reveal.ts; security.md #92). Reloading it
 * says that the secret was shown, and offers to regenerate it. A public application's shows its client_id and says
 * it has no secret.
 */
export function credentialsPage(view: CredentialsView): string {
  const { locale, application, shown } = view;
  const secret = shown === 'already' ? undefined : view.clientSecret;
  const body = html`
<section class="card">
  ${titled(application, 'h1', false)}
  ${shown === 'already'
    ? ''
    : notice(t(locale, shown === 'created' ? 'applicationCreated' : 'secretRegenerated'), 'success')}
  <h2>${t(locale, 'credentialsTitle')}</h2>
  <dl class="details">
    <dt>${t(locale, 'clientId')}</dt>
    <dd><code id="client_id" class="secret">${application.uid}</code>${
      copyButton(locale, 'client_id', t(locale, 'copyClientId'))}</dd>
    ${secret === undefined
      ? ''
      : html`<dt>${t(locale, 'clientSecret')}</dt>
    <dd><code id="client_secret" class="secret">${secret}</code>${
      copyButton(locale, 'client_secret', t(locale, 'copyClientSecret'))}</dd>`}
  </dl>
  ${!application.confidential
    ? html`<p class="hint" id="public_client">${t(locale, 'publicClientNoSecret')}</p>`
    : secret === undefined
      ? html`<p class="notice" id="secret_already_shown">${t(locale, 'secretAlreadyShown')}</p>
        ${regenerateSecretForm(view, application)}`
      : html`<p class="notice error" role="alert">${t(locale, 'secretShownOnce')}</p>`}
  <p><a class="button primary" id="go_to_application" href="${applicationPath(application)}">${
    t(locale, 'goToApplication')}</a></p>
</section>`;
  return layout(frame(view, application.name, applicationPath(application)), body);
}

/** The form that replaces the client secret (on the edit page, and on the credentials page once it was shown). */
export function regenerateSecretForm(view: SignedInFrame, application: Application): SafeHtml {
  const { locale } = view;
  return html`<form method="post" action="${applicationPath(application)}/secret" id="regenerate_secret">
    ${csrfField(view.csrfToken)}
    <p class="hint" id="regenerate_secret_hint">${t(locale, 'regenerateSecretHint')}</p>
    <button type="submit" aria-describedby="regenerate_secret_hint">${t(locale, 'regenerateSecret')}</button>
  </form>`;
}

export interface DeleteView extends SignedInFrame {
  application: Application;
}

/** Deleting is a POST from this page, never a link. */
export function deleteApplicationPage(view: DeleteView): string {
  const { locale, application } = view;
  const body = html`
<section class="card">
  <h1>${t(locale, 'deleteApplication')}</h1>
  <p>${t(locale, 'deleteConfirm', { name: application.name })}</p>
  <form method="post" action="${applicationPath(application)}/delete" id="delete_application">
    ${csrfField(view.csrfToken)}
    <div class="actions">
      <button type="submit" class="danger">${t(locale, 'delete')}</button>
      <a class="button" href="${applicationPath(application)}/edit">${t(locale, 'cancel')}</a>
    </div>
  </form>
</section>`;
  return layout(frame(view, t(locale, 'deleteApplication'), `${applicationPath(application)}/delete`), body);
}
