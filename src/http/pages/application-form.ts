import type { ApplicationSettings } from '../../accounts/application-management.js';
import { orderScopes } from '../../accounts/application-management.js';
import type { ApplicationField, ApplicationProblem } from '../../accounts/applications.js';
import type { Application, Locale } from '../../core/model.js';
import { DEFAULT_SCOPES, KNOWN_SCOPES } from '../../core/scopes.js';
import { formatQuota } from '../../core/quota.js';
import { redirectUriDetail, scopeDescription, t } from '../i18n.js';
import { csrfField, describedBy, fieldErrors, hint, notice } from './form.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import { applicationPath, frame, regenerateSecretForm, type SignedInFrame } from './applications.js';
import { ICON_TYPES, type IconProblem } from '../../accounts/application-icons.js';
import { applicationIcon } from '../application-icon.js';

/** What the icon's file input offers to choose (the server still reads the type from the bytes). */
const ICON_ACCEPT = ICON_TYPES.join(',');

/** The form that registers or edits an application, and the edit page's credentials section (compatibility.md §3). */

export interface FormView extends SignedInFrame {
  /** Absent for a new application. */
  application?: Application | undefined;
  values: ApplicationSettings;
  problems: ApplicationProblem[];
  /** Why the uploaded icon was refused (accounts/application-icons.ts); the edit form only. */
  iconProblem?: IconProblem | undefined;
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
  ${notice(view.problems.length > 0 || view.iconProblem ? t(locale, 'formHasErrors') : undefined)}
  <form method="post" action="${action}" id="application"${
    application ? html` enctype="multipart/form-data"` : ''}>
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
    ${application ? '' : confidentialCheckbox(locale, values.confidential !== false)}
    ${textField('description_en', t(locale, 'descriptionEn'), values.descriptionEn)}
    ${textField('description_ru', t(locale, 'descriptionRu'), values.descriptionRu)}
    ${application ? iconField(view, application) : ''}
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
    ${application ? quotaField(view, application, errors('quota')) : ''}
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

/**
 * The icon (accounts/application-icons.ts): the current one beside a file input, and a checkbox that removes an
 * uploaded one. On the edit form only, which is therefore multipart (the one form that may carry a file:
 * routes/applications.ts). A file input cannot be refilled, so after a refusal the input is empty again.
 */
function iconField(view: FormView, application: Application): SafeHtml {
  const { locale } = view;
  const errors = view.iconProblem ? [t(locale, view.iconProblem)] : [];
  return html`<label for="application_icon">${t(locale, 'icon')}</label>
    <div class="titled" id="application_icon_current">${applicationIcon(application, 48)}
      <input type="file" id="application_icon" name="icon" accept="${ICON_ACCEPT}"${
        describedBy('application_icon', { hint: true, errors })}></div>
    ${hint('application_icon', t(locale, 'iconHint'))}
    ${fieldErrors('application_icon', errors)}
    ${application.iconVersion === undefined
      ? ''
      : html`<label for="application_icon_remove"><input type="checkbox" id="application_icon_remove"
          name="icon_remove" value="1"> ${t(locale, 'removeIcon')}</label>`}`;
}

/**
 * The request quota (core/quota.ts): an administrator edits it, the owner sees it; a new application has none.
 */
function quotaField(view: FormView, application: Application, errors: string[]): SafeHtml {
  const { locale } = view;
  if (!view.user.admin) {
    const value = application.quota === null ? t(locale, 'quotaNone') : formatQuota(application.quota);
    return html`<p id="application_quota">${t(locale, 'quota')}: <code>${value}</code></p>`;
  }
  return html`<label for="application_quota">${t(locale, 'quotaAdmin')}</label>
    <input id="application_quota" name="quota" value="${view.values.quota ?? ''}" placeholder="600/min,50000/day"
      autocapitalize="none" spellcheck="false"${describedBy('application_quota', { hint: true, errors })}>
    ${hint('application_quota', t(locale, 'quotaHint'))}
    ${fieldErrors('application_quota', errors)}`;
}

/**
 * Confidential (the default, as on Shikimori) or public, chosen once, at creation. An unticked checkbox sends nothing,
 * so the hidden marker tells "unticked" from a form that does not offer the choice.
 */
function confidentialCheckbox(locale: Locale, checked: boolean): SafeHtml {
  return html`<input type="hidden" name="confidential_sent" value="1">
    <label for="application_confidential"><input type="checkbox" id="application_confidential" name="confidential"
      value="1" aria-describedby="application_confidential_hint"${checked ? html` checked` : ''}>
      ${t(locale, 'confidential')}</label>
    ${hint('application_confidential', t(locale, 'confidentialHint'))}`;
}

/**
 * On the edit page: the client_id, never the secret (it is stored hashed), and the secret's regeneration; a public
 * application has no secret, which the section says instead.
 */
function credentialsSection(view: SignedInFrame, application: Application): SafeHtml {
  const { locale } = view;
  return html`<section class="card" id="credentials" aria-labelledby="credentials_title">
  <h2 id="credentials_title">${t(locale, 'credentialsTitle')}</h2>
  <dl class="details">
    <dt>${t(locale, 'clientId')}</dt><dd><code id="client_id">${application.uid}</code></dd>
  </dl>
  ${application.confidential
    ? regenerateSecretForm(view, application)
    : html`<p class="hint" id="public_client">${t(locale, 'publicClientNoSecret')}</p>`}
  <p><a class="button danger" id="delete_application_link" href="${applicationPath(application)}/delete">${
    t(locale, 'deleteApplication')}</a></p>
</section>`;
}
