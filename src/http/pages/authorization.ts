import type { AuthorizationRequest } from '../../core/authorization/request.js';
import type { Locale, User } from '../../core/model.js';
import type { OAuthError } from '../../core/errors.js';
import { isOob } from '../../core/redirect-uri.js';
import { scopeDescription, t } from '../i18n.js';
import { copyButton, csrfField } from './form.js';
import { html } from './html.js';
import { layout } from './layout.js';

/**
 * Where the answer goes: the client's host, a code shown here for an out-of-band client (security.md #39), or a
 * device, which the user must know they are signing in, and hold (RFC 8628 §5.4, security.md #96).
 */
function destination(locale: Locale, request: AuthorizationRequest): string {
  if (request.deviceCodeId !== undefined) return t(locale, 'deviceConsentHint');
  const { redirectUri } = request;
  if (isOob(redirectUri)) return t(locale, 'redirectsOob');
  let host = redirectUri;
  try {
    const url = new URL(redirectUri);
    host = url.host === '' ? `${url.protocol}` : url.host;
  } catch {
    // the request was validated; show the URI as it is
  }
  return t(locale, 'redirectsTo', { host });
}

export interface ConsentView {
  locale: Locale;
  user: User;
  request: AuthorizationRequest;
  /** The id of the request the server keeps: the forms carry it, and nothing else of the request. */
  requestId: string;
  csrfToken: string;
  problem?: 'no_scope_chosen' | undefined;
  /** The page the language switch comes back to. */
  path?: string | undefined;
}

/** Shikimori's consent page (compatibility.md §3): one ticked checkbox per scope; Authorize and Deny post to /oauth/authorize. */
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
  <div class="application"><strong class="application-name">${app.name}</strong>
    ${description ? html`<p class="application-description">${description}</p>` : ''}
    <p class="hint"><a href="/oauth/applications/${app.id}">${t(locale, 'aboutApplication')}</a></p></div>
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
    <p class="hint">${destination(locale, request)}</p>
    <button type="submit" class="primary" id="authorize_button">${t(locale, 'authorize')}</button>
  </form>
  <form method="post" action="/oauth/authorize" id="deny">
    ${hidden}
    <input type="hidden" name="_method" value="delete">
    <button type="submit" id="deny_button">${t(locale, 'deny')}</button>
  </form>
</section>`;
  const frame = { locale, title: t(locale, 'title'), user: view.user, csrfToken: view.csrfToken, path: view.path };
  return layout(frame, body);
}

/** The out-of-band code page (compatibility.md §3): the code in `<code id="authorization_code">`, not in the title. */
export function codePage(locale: Locale, user: User, code: string, csrfToken: string): string {
  const body = html`
<section class="card">
  <h1>${t(locale, 'authorizationCode')}</h1>
  <p>${t(locale, 'copyCode')}</p>
  <p><code id="authorization_code">${code}</code></p>
  ${copyButton(locale, 'authorization_code')}
</section>`;
  const path = `/oauth/authorize/${encodeURIComponent(code)}`;
  return layout({ locale, title: t(locale, 'title'), user, csrfToken, path }, body);
}

/** A request that cannot be sent back to the client: shown to the user, with status 400. */
export function authorizationErrorPage(locale: Locale, error: OAuthError, user?: User, csrfToken?: string): string {
  const body = html`
<section class="card">
  <h1>${t(locale, 'authorizationCode')}</h1>
  <div class="b-errors" role="alert">
    <p>${t(locale, 'errorOccurred')}</p>
    <p class="error-description">${error.description}</p>
    <p><code>${error.error}</code></p>
  </div>
</section>`;
  return layout({ locale, title: t(locale, 'title'), user, csrfToken }, body);
}
