import type {
  Access,
  ApplicationListing,
  ApplicationOverview,
  ApplicationSettings,
  AuthorizedApplication,
} from '../../accounts/application-management.js';
import { orderScopes } from '../../accounts/application-management.js';
import type { ApplicationField, ApplicationProblem } from '../../accounts/applications.js';
import type { Application, Locale, User } from '../../core/model.js';
import { DEFAULT_SCOPES, KNOWN_SCOPES } from '../../core/scopes.js';
import { formatTime, redirectUriDetail, scopeDescription, t } from '../i18n.js';
import { copyButton, csrfField, describedBy, fieldErrors, hint, notice } from './form.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

/** The application pages (ref §3). Field ids are `application_<field>`, so tests and people find them by label. */

export interface SignedInFrame {
  locale: Locale;
  user: User;
  csrfToken: string;
}

function frame(view: SignedInFrame, title: string, path: string) {
  return { locale: view.locale, title, user: view.user, csrfToken: view.csrfToken, path };
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

/** From the list, the answer comes back to the list; from the application's page, to that page. */
function revokeForm(view: SignedInFrame, application: Application, id: string, fromList = false): SafeHtml {
  return html`<form method="post" action="${applicationPath(application)}/revoke" id="${id}" class="inline">
    ${csrfField(view.csrfToken)}
    ${fromList ? html`<input type="hidden" name="return_to" value="/oauth/applications">` : ''}
    <button type="submit" class="danger">${t(view.locale, 'revokeAccess')}</button>
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
      <h3><a href="${applicationPath(application)}">${application.name}</a></h3>
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
          <h3><a href="${applicationPath(item.application)}">${item.application.name}</a></h3>
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

export interface FormView extends SignedInFrame {
  /** Absent for a new application. */
  application?: Application | undefined;
  values: ApplicationSettings;
  problems: ApplicationProblem[];
}

function problemText(locale: Locale, problem: ApplicationProblem): string {
  if (problem.code === 'redirect_uri_invalid') {
    return t(locale, 'redirect_uri_invalid', { uri: problem.uri, detail: redirectUriDetail(locale, problem.detail) });
  }
  return t(locale, problem.code);
}

function scopeCheckboxes(
  view: FormView,
  name: 'scopes' | 'allowed_scopes',
  checked: readonly string[],
  enabled: (scope: string) => boolean,
): SafeHtml {
  const offered = orderScopes([...KNOWN_SCOPES, ...(view.application?.allowedScopes ?? []), ...checked]);
  return html`${offered.map((scope) => {
    const id = `application_${name}_${scope}`;
    const on = enabled(scope);
    return html`<label class="scope${on ? '' : ' disabled'}" for="${id}"><input type="checkbox" name="${name}"
      value="${scope}" id="${id}"${checked.includes(scope) ? html` checked` : ''}${on ? '' : html` disabled`}>
      <code>${scope}</code> <span class="hint">${scopeDescription(view.locale, scope)}</span></label>`;
  })}`;
}

/** New and edit forms: name, redirect URIs, both descriptions, scopes; allowed scopes for administrators only. */
export function applicationFormPage(view: FormView): string {
  const { locale, application, values } = view;
  const errors = (field: ApplicationField) =>
    view.problems.filter((p) => p.field === field).map((p) => problemText(locale, p));
  const allowed = application?.allowedScopes ?? DEFAULT_SCOPES;
  const title = application ? t(locale, 'editApplication') : t(locale, 'newApplication');
  // The form posts to the page it came from, and Cancel goes back there.
  const action = application ? applicationPath(application) : '/oauth/applications';
  const textField = (field: 'description_en' | 'description_ru', label: string, value: string) => html`
    <label for="application_${field}">${label}</label>
    <textarea id="application_${field}" name="${field}" rows="4" maxlength="16384"${
      describedBy(`application_${field}`, { errors: errors(field) })}>${value}</textarea>
    ${fieldErrors(`application_${field}`, errors(field))}`;
  const body = html`
<section class="card">
  <h1>${title}</h1>
  ${application ? html`<p><a href="${applicationPath(application)}">${application.name}</a></p>` : ''}
  ${notice(view.problems.length > 0 ? t(locale, 'formHasErrors') : undefined)}
  <form method="post" action="${action}" id="application">
    ${csrfField(view.csrfToken)}
    <label for="application_name">${t(locale, 'name')}</label>
    <input id="application_name" name="name" required maxlength="255" value="${values.name}"${
      describedBy('application_name', { errors: errors('name') })}>
    ${fieldErrors('application_name', errors('name'))}
    <label for="application_redirect_uri">${t(locale, 'redirectUris')}</label>
    <textarea id="application_redirect_uri" name="redirect_uri" rows="3" required autocapitalize="none" spellcheck="false"${
      describedBy('application_redirect_uri', { hint: true, errors: errors('redirect_uri') })}>${values.redirectUri}</textarea>
    ${hint('application_redirect_uri', t(locale, 'redirectUriHint'))}
    ${fieldErrors('application_redirect_uri', errors('redirect_uri'))}
    ${textField('description_en', t(locale, 'descriptionEn'), values.descriptionEn)}
    ${textField('description_ru', t(locale, 'descriptionRu'), values.descriptionRu)}
    <fieldset id="application_scopes" aria-describedby="application_scopes_hint">
      <legend>${t(locale, 'scopes')}</legend>
      ${hint('application_scopes', t(locale, 'scopesHint'))}
      ${scopeCheckboxes(view, 'scopes', values.scopes, (scope) => view.user.admin || allowed.includes(scope))}
    </fieldset>
    ${view.user.admin
      ? html`<fieldset id="application_allowed_scopes">
          <legend>${t(locale, 'allowedScopes')}</legend>
          <input type="hidden" name="allowed_scopes_sent" value="1">
          ${scopeCheckboxes(view, 'allowed_scopes', values.allowedScopes ?? allowed, () => true)}
        </fieldset>`
      : ''}
    <div class="actions">
      <button type="submit" class="primary">${application ? t(locale, 'save') : t(locale, 'create')}</button>
      <a class="button" href="${action}">${t(locale, 'cancel')}</a>
    </div>
  </form>
</section>
${application ? credentialsSection(view, application) : ''}`;
  const path = application ? `${applicationPath(application)}/edit` : '/oauth/applications/new';
  return layout(frame(view, title, path), body);
}

/** On the edit page: the client_id, never the secret (it is stored hashed), and the secret's regeneration. */
function credentialsSection(view: SignedInFrame, application: Application): SafeHtml {
  const { locale } = view;
  return html`<section class="card" id="credentials" aria-labelledby="credentials_title">
  <h2 id="credentials_title">${t(locale, 'credentialsTitle')}</h2>
  <dl class="details">
    <dt>${t(locale, 'clientId')}</dt><dd><code id="client_id">${application.uid}</code></dd>
  </dl>
  <form method="post" action="${applicationPath(application)}/secret" id="regenerate_secret">
    ${csrfField(view.csrfToken)}
    <p class="hint" id="regenerate_secret_hint">${t(locale, 'regenerateSecretHint')}</p>
    <button type="submit" aria-describedby="regenerate_secret_hint">${t(locale, 'regenerateSecret')}</button>
  </form>
  <p><a class="button danger" id="delete_application_link" href="${applicationPath(application)}/delete">${
    t(locale, 'deleteApplication')}</a></p>
</section>`;
}

export interface ShowView extends SignedInFrame {
  overview: ApplicationOverview;
  canManage: boolean;
  notice?: string | undefined;
}

/** An application's public page: owner, users, description, scopes; the viewer's own grant and its revocation. */
export function applicationPage(view: ShowView): string {
  const { locale, overview, canManage } = view;
  const { application, owner, access } = overview;
  const text = description(locale, application);
  const scopes = application.scopes.length > 0 ? application.scopes : DEFAULT_SCOPES;
  const body = html`
<section class="card">
  <h1>${application.name}</h1>
  ${notice(view.notice, 'success')}
  ${canManage
    ? html`<p><a class="button" id="edit_application" href="${applicationPath(application)}/edit">${t(locale, 'edit')}</a></p>`
    : ''}
  <dl class="details">
    <dt>${t(locale, 'owner')}</dt><dd id="application_owner">${owner ? `@${owner.nickname}` : '—'}</dd>
    <dt>${t(locale, 'users')}</dt><dd id="application_users">${overview.usersCount}</dd>
    <dt>${t(locale, 'clientId')}</dt><dd><code>${application.uid}</code></dd>
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
  : ''}`;
  return layout(frame(view, application.name, applicationPath(application)), body);
}

export interface CredentialsView extends SignedInFrame {
  application: Application;
  clientSecret: string;
  created: boolean;
}

/** The one page that ever shows a client secret: right after creation or regeneration (checklist §M 92). */
export function credentialsPage(view: CredentialsView): string {
  const { locale, application } = view;
  const body = html`
<section class="card">
  <h1>${application.name}</h1>
  ${notice(t(locale, view.created ? 'applicationCreated' : 'secretRegenerated'), 'success')}
  <h2>${t(locale, 'credentialsTitle')}</h2>
  <dl class="details">
    <dt>${t(locale, 'clientId')}</dt>
    <dd><code id="client_id" class="secret">${application.uid}</code>${copyButton(locale, 'client_id')}</dd>
    <dt>${t(locale, 'clientSecret')}</dt>
    <dd><code id="client_secret" class="secret">${view.clientSecret}</code>${copyButton(locale, 'client_secret')}</dd>
  </dl>
  <p class="notice error" role="alert">${t(locale, 'secretShownOnce')}</p>
  <p><a class="button primary" id="go_to_application" href="${applicationPath(application)}">${
    t(locale, 'goToApplication')}</a></p>
</section>`;
  return layout(frame(view, application.name, applicationPath(application)), body);
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
