import { orderScopes } from '../../accounts/application-management.js';
import type { Application, Locale, User } from '../../core/model.js';
import { DEFAULT_SCOPES } from '../../core/scopes.js';
import {
  authorizationUrl,
  refreshCommand,
  tokenCommand,
  whoamiCommand,
  type GuideValues,
} from '../guide/commands.js';
import { diagram, formatLifetime, guideText, type GuideKey } from '../guide/text.js';
import { scopeDescription } from '../i18n.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

/**
 * The guide at /oauth (compatibility.md §7): the seed guide's five steps, and for a signed-in developer, the same steps made
 * live with one of their applications. Without JavaScript the page still builds the link and the commands (the
 * application and scopes form is a GET); only the requests from the page (steps 3 to 5) need the script.
 */

export interface GuideView {
  locale: Locale;
  user?: User | undefined;
  csrfToken?: string | undefined;
  /** This page's address, for the language switch. */
  path: string;
  /** "Account created", when signing up led here (http/flash.ts). */
  flash?: string | undefined;
  baseUrl: string;
  accessTokenTtl: number;
  /** The signed-in developer's applications. */
  applications: Application[];
  selected?: Application | undefined;
  /** Ticked scopes of the selected application. */
  scopes: string[];
}

/** What the application may ask for: its scopes, or the server's when it has none (compatibility.md §3). */
export function scopesOf(application: Application): string[] {
  return orderScopes(application.scopes.length > 0 ? application.scopes : DEFAULT_SCOPES);
}

export function firstRedirectUri(application: Application): string {
  return application.redirectUris[0] ?? '';
}

type CopiedId = 'authorization_url' | 'token_command' | 'whoami_command' | 'refresh_command';

/** Four copy buttons, each named for what it copies (its visible "Copy" begins the name: WCAG 2.5.3). */
function copyButton(locale: Locale, targetId: CopiedId): SafeHtml {
  return html`<button type="button" class="copy" id="copy_${targetId}" data-copy="${targetId}"
    aria-label="${guideText(locale, `copy_${targetId}`)}" data-copied="${guideText(locale, 'copied')}" hidden>${
      guideText(locale, 'copy')}</button>`;
}

/** A command or link with its copy button; a command scrolls sideways on a narrow screen, so it takes focus. */
function commandBlock(locale: Locale, id: CopiedId, text: string, wrap = false): SafeHtml {
  const pre = wrap ? html`<pre class="wrap">` : html`<pre tabindex="0">`;
  return html`<div class="command">${pre}<code id="${id}">${text}</code></pre>${copyButton(locale, id)}</div>`;
}

function applicationPicker(view: GuideView, selected: Application): SafeHtml {
  const { locale } = view;
  const t = (key: GuideKey) => guideText(locale, key);
  const offered = orderScopes(view.applications.flatMap(scopesOf));
  const own = scopesOf(selected);
  return html`<form method="get" action="/oauth" id="guide_settings">
    <label for="guide_application">${t('application')}</label>
    <select id="guide_application" name="application_id">${view.applications.map(
      (application) => html`<option value="${application.id}" data-client-id="${application.uid}"
        data-redirect-uri="${firstRedirectUri(application)}" data-scopes="${scopesOf(application).join(' ')}"${
          application.id === selected.id ? html` selected` : ''
        }>${application.name}</option>`,
    )}</select>
    <fieldset id="guide_scopes" aria-describedby="guide_scopes_hint">
      <legend>${t('scopes')}</legend>
      <p class="hint" id="guide_scopes_hint">${t('scopesHint')}</p>
      ${offered.map((scope) => {
        const mine = own.includes(scope);
        return html`<label class="scope" for="guide_scope_${scope}" data-scope="${scope}"${mine ? '' : html` hidden`}>
          <input type="checkbox" name="scope" value="${scope}" id="guide_scope_${scope}"${
            view.scopes.includes(scope) ? html` checked` : ''
          }${mine ? '' : html` disabled`}>
          <code>${scope}</code> <span class="hint">${scopeDescription(locale, scope)}</span></label>`;
      })}
    </fieldset>
    <button type="submit" id="guide_show">${t('show')}</button>
  </form>`;
}

/** A field of the live part, with its label; nothing here is ever submitted as a form. */
function liveField(id: string, label: string, options: { secret?: boolean; hint?: string } = {}): SafeHtml {
  return html`<label for="${id}">${label}</label>
    <input id="${id}" type="${options.secret ? 'password' : 'text'}" autocomplete="off" autocapitalize="none"
      spellcheck="false"${options.hint ? html` aria-describedby="${id}_hint"` : ''}>
    ${options.hint ? html`<p class="hint" id="${id}_hint">${options.hint}</p>` : ''}`;
}

function responseBox(locale: Locale, id: string): SafeHtml {
  return html`<div class="response" role="status" aria-live="polite">
    <p class="response-title" hidden id="${id}_title">${guideText(locale, 'response')}</p>
    <pre id="${id}" tabindex="0" aria-labelledby="${id}_title" hidden></pre>
  </div>`;
}

export function guidePage(view: GuideView): string {
  const { locale, selected } = view;
  const t = (key: GuideKey, vars: Record<string, string> = {}) => guideText(locale, key, vars);
  const values: GuideValues = {
    baseUrl: view.baseUrl,
    clientId: selected?.uid,
    redirectUri: selected && firstRedirectUri(selected),
    scopes: view.scopes,
  };
  const live = selected !== undefined;
  const link = authorizationUrl(values);
  const expiredBody =
    '{"error":"invalid_token","error_description":"The access token is invalid","state":"unauthorized"}';

  const tryStep2 = !view.user
    ? html`<p class="notice" id="guide_sign_in"><a href="/users/sign_in?return_to=%2Foauth">${t('signInToTry')}</a></p>`
    : !selected
      ? html`<p class="notice" id="guide_no_applications">
          <a href="/oauth/applications/new">${t('noApplications')}</a></p>`
      : applicationPicker(view, selected);

  const body = html`
<link rel="stylesheet" href="/assets/guide/guide.css">
<article class="guide" id="guide" data-base-url="${view.baseUrl}" data-missing="${t('missingFields')}"
  data-failed="${t('requestFailed')}">
<h1>${t('title')}</h1>
<p>${t('intro')}</p>
${live ? html`<p class="hint" id="guide_needs_js">${t('needsJavaScript')}</p>` : ''}

<section class="card" aria-labelledby="how_it_works">
  <h2 id="how_it_works">${t('howItWorks')}</h2>
  <figure class="diagram">
    <pre role="img" aria-labelledby="diagram_caption" tabindex="0">${diagram(locale)}</pre>
    <figcaption class="hint" id="diagram_caption">${t('diagramCaption')}</figcaption>
  </figure>
</section>

<section class="card" id="step1" aria-labelledby="step1_title">
  <h2 id="step1_title">${t('step1')}</h2>
  <p>${t('step1Text')} <a href="/oauth/applications">/oauth/applications</a></p>
</section>

<section class="card" id="step2" aria-labelledby="step2_title">
  <h2 id="step2_title">${t('step2')}</h2>
  ${tryStep2}
  <p>${t('step2Text')}</p>
  ${commandBlock(locale, 'authorization_url', link, true)}
  ${live
    ? html`<p><a class="button primary" id="authorize_link" href="${link}" target="_blank" rel="noopener">${t(
        'openAuthorization',
      )}</a> <span class="hint">${t('opensInNewTab')}</span></p>`
    : ''}
  <p>${t('step2After')}</p>
  ${live ? html`<p class="hint">${t('codeWhere')}</p>` : ''}
</section>

<section class="card" id="step3" aria-labelledby="step3_title">
  <h2 id="step3_title">${t('step3')}</h2>
  ${commandBlock(locale, 'token_command', tokenCommand(values))}
  ${live
    ? html`<div class="live" id="token_live" hidden>
        ${liveField('guide_client_secret', t('clientSecret'), { secret: true, hint: t('clientSecretHint') })}
        ${liveField('guide_code', t('authorizationCode'))}
        <button type="button" class="primary" id="request_token">${t('requestToken')}</button>
        ${responseBox(locale, 'token_response')}
      </div>`
    : ''}
  <p>${t('expiresIn', { ttl: formatLifetime(locale, view.accessTokenTtl) })}</p>
  <p>${t('expiredAnswer')}</p>
  <pre class="wrap"><code>${expiredBody}</code></pre>
</section>

<section class="card" id="step4" aria-labelledby="step4_title">
  <h2 id="step4_title">${t('step4')}</h2>
  ${commandBlock(locale, 'whoami_command', whoamiCommand(values))}
  ${live
    ? html`<div class="live" id="whoami_live" hidden>
        ${liveField('guide_access_token', t('accessToken'))}
        <button type="button" class="primary" id="call_whoami">${t('callWhoami')}</button>
        ${responseBox(locale, 'whoami_response')}
      </div>`
    : ''}
</section>

<section class="card" id="step5" aria-labelledby="step5_title">
  <h2 id="step5_title">${t('step5')}</h2>
  <p>${t('step5Text')}</p>
  ${commandBlock(locale, 'refresh_command', refreshCommand(values))}
  ${live
    ? html`<div class="live" id="refresh_live" hidden>
        ${liveField('guide_refresh_token', t('refreshToken'))}
        <button type="button" class="primary" id="refresh_token">${t('refresh')}</button>
        ${responseBox(locale, 'refresh_response')}
      </div>`
    : ''}
</section>
</article>
<script type="module" src="/assets/guide/script.js"></script>`;
  return layout(
    { locale, title: t('title'), user: view.user, csrfToken: view.csrfToken, path: view.path, flash: view.flash },
    body,
  );
}
