import type { AuthorizationRequest } from '../../core/authorization/request.js';
import type { Locale, User } from '../../core/model.js';
import type { OAuthError } from '../../core/errors.js';
import { isOob } from '../../core/redirect-uri.js';
import { scopeDescription, t } from '../i18n.js';
import { copyButton, csrfField } from './form.js';
import { applicationIcon } from '../application-icon.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

/**
 * Where the answer goes: the client's host, a code shown here for an out-of-band client (security.md #39), or a
 * device, which the user must know they are signing in, and hold (RFC 8628 §5.4, security.md #96). The sentence
 * says it, and the host stands out beside it, since a look-alike host is what a phishing client would use.
 */
function destination(locale: Locale, request: AuthorizationRequest): SafeHtml {
  if (request.deviceCodeId !== undefined) {
    return html`<p class="return-to" id="return_to">${t(locale, 'deviceConsentHint')}</p>`;
  }
  const { redirectUri } = request;
  if (isOob(redirectUri)) {
    return html`<p class="return-to" id="return_to">${t(locale, 'consentReturnHost')}:
      <strong id="return_host">${t(locale, 'consentReturnCode')}</strong><br>
      <span class="hint">${t(locale, 'redirectsOob')}</span></p>`;
  }
  let host = redirectUri;
  try {
    const url = new URL(redirectUri);
    host = url.host === '' ? `${url.protocol}` : url.host;
  } catch {
    // the request was validated; show the URI as it is
  }
  return html`<p class="return-to" id="return_to">${t(locale, 'consentReturnHost')}:
    <strong id="return_host">${host}</strong><br><span class="hint">${t(locale, 'redirectsTo', { host })}</span></p>`;
}

export interface ConsentView {
  locale: Locale;
  user: User;
  request: AuthorizationRequest;
  /** Who registered the application; undefined if that account is gone. */
  owner?: User | undefined;
  /** The id of the request the server keeps: the forms carry it, and nothing else of the request. */
  requestId: string;
  csrfToken: string;
  problem?: 'no_scope_chosen' | undefined;
  /** The page the language switch comes back to. */
  path?: string | undefined;
  /** "Account created", when signing up led here (http/flash.ts). */
  flash?: string | undefined;
}

/**
 * Shikimori's consent page (compatibility.md §3): its heading and lead-in, one ticked checkbox per scope, Authorize
 * and Deny posting to /oauth/authorize. Around them, what a user needs to decide: the application first and large,
 * its owner and description, and where the browser goes after the answer. Authorize and Deny sit side by side, the
 * same size, Authorize first (the form's default button, which Enter presses); Deny is its own form's button, kept
 * beside Authorize with the `form` attribute.
 */
export function consentPage(view: ConsentView): string {
  const { locale, request } = view;
  const app = request.application;
  const description = locale === 'ru' ? app.descriptionRu || app.descriptionEn : app.descriptionEn || app.descriptionRu;
  const hidden = html`
    ${csrfField(view.csrfToken)}
    <input type="hidden" name="request_id" value="${view.requestId}">`;
  const body = html`
<section class="card consent">
  <h1>${t(locale, 'authorizationRequired')}</h1>
  <h2>${t(locale, 'authorizeAccount', { nickname: view.user.nickname })}</h2>
  <div class="application-card">${applicationIcon(app, 56)}
    <div><p class="application-name" id="application_name">${app.name}</p>
    ${view.owner
      ? html`<p class="application-owner" id="application_owner">${t(locale, 'consentOwner', {
          nickname: view.owner.nickname,
        })}</p>`
      : ''}
    ${description ? html`<p class="application-description">${description}</p>` : ''}
    <p class="hint"><a href="/oauth/applications/${app.id}">${t(locale, 'aboutApplication')}</a></p></div></div>
  ${view.problem === 'no_scope_chosen' ? html`<p class="error" role="alert">${t(locale, 'noScopeChosen')}</p>` : ''}
  <form method="post" action="/oauth/authorize" id="authorize">
    ${hidden}
    <input type="hidden" name="scope_choice" value="1">
    <fieldset><legend>${t(locale, 'willBeAbleTo')}</legend>
    ${request.scopes.map(
      (scope) => html`<label class="scope" for="scope_${scope}"><input type="checkbox" name="scopes" value="${scope}"
        id="scope_${scope}" checked> <span>${scopeDescription(locale, scope)}</span> <code>${scope}</code></label>`,
    )}
    </fieldset>
    ${destination(locale, request)}
    <div class="decision">
      <button type="submit" class="primary" id="authorize_button">${t(locale, 'authorize')}</button>
      <button type="submit" form="deny" id="deny_button">${t(locale, 'deny')}</button>
    </div>
  </form>
  <form method="post" action="/oauth/authorize" id="deny">
    ${hidden}
    <input type="hidden" name="_method" value="delete">
  </form>
</section>`;
  const frame = { locale, title: t(locale, 'title'), user: view.user, csrfToken: view.csrfToken, path: view.path };
  return layout({ ...frame, flash: view.flash }, body);
}

/** The out-of-band code page (compatibility.md §3): the code in `<code id="authorization_code">`, not in the title. */
export function codePage(locale: Locale, user: User, code: string, csrfToken: string): string {
  const body = html`
<section class="card">
  <h1>${t(locale, 'authorizationCode')}</h1>
  <p>${t(locale, 'copyCode')}</p>
  <p><code id="authorization_code">${code}</code></p>
  ${copyButton(locale, 'authorization_code', t(locale, 'copyAuthorizationCode'))}
</section>`;
  const path = `/oauth/authorize/${encodeURIComponent(code)}`;
  return layout({ locale, title: t(locale, 'title'), user, csrfToken, path }, body);
}

/**
 * A request that cannot be sent back to the client: shown to the user, with status 400. Shikimori heads it,
 * oddly, "Authorization code" (compatibility.md §3); Monban says what happened instead, and keeps the `.b-errors`
 * block below it.
 */
export function authorizationErrorPage(locale: Locale, error: OAuthError, user?: User, csrfToken?: string): string {
  const body = html`
<section class="card">
  <h1>${t(locale, 'authorizationFailed')}</h1>
  <div class="b-errors" role="alert">
    <p>${t(locale, 'errorOccurred')}</p>
    <p class="error-description">${error.description}</p>
    <p><code>${error.error}</code></p>
  </div>
</section>`;
  return layout({ locale, title: t(locale, 'title'), user, csrfToken }, body);
}
