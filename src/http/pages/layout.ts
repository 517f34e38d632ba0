import type { Locale, User } from '../../core/model.js';
import { t } from '../i18n.js';
import { html, type SafeHtml } from './html.js';

export interface PageFrame {
  locale: Locale;
  title: string;
  user?: User | undefined;
  /** CSRF token for the sign-out form, when signed in. */
  csrfToken?: string | undefined;
  /** The page the language switch comes back to (default: the home page). */
  path?: string | undefined;
  /** A one-time message from the page before, such as "Account created" after signing up (http/flash.ts). */
  flash?: string | undefined;
}

const LANGUAGES: ReadonlyArray<{ locale: Locale; name: string }> = [
  { locale: 'en', name: 'English' },
  { locale: 'ru', name: 'Русский' },
];

/** Plain links, so the switch works without JavaScript (GET /locale sets a cookie and comes back). */
function languageSwitch(frame: PageFrame): SafeHtml {
  const back = encodeURIComponent(frame.path ?? '/');
  return html`<nav class="languages" aria-label="${t(frame.locale, 'language')}">${LANGUAGES.map(({ locale, name }) =>
    locale === frame.locale
      ? html`<span id="locale_${locale}" lang="${locale}" aria-current="true">${name}</span>`
      : html`<a id="locale_${locale}" lang="${locale}" hreflang="${locale}"
          href="/locale?to=${locale}&amp;return_to=${back}">${name}</a>`,
  )}</nav>`;
}

function accountNav(frame: PageFrame): SafeHtml {
  const { locale, user } = frame;
  const label = t(locale, 'navAccount');
  if (!user) {
    return html`<nav class="account" aria-label="${label}"><a href="/users/sign_in">${t(locale, 'signIn')}</a></nav>`;
  }
  return html`<nav class="account" aria-label="${label}">
    <span class="who">${t(locale, 'signedInAs', { nickname: user.nickname })}</span>
    <a href="/oauth/applications" id="nav_applications">${t(locale, 'navApplications')}</a>
    <a href="/oauth" id="nav_guide">${t(locale, 'navGuide')}</a>
    <a href="/users/edit" id="nav_settings">${t(locale, 'navSettings')}</a>
    <form class="sign-out" method="post" action="/users/sign_out">
      <input type="hidden" name="_csrf" value="${frame.csrfToken ?? ''}">
      <button type="submit" class="link" id="sign_out">${t(locale, 'signOut')}</button>
    </form>
  </nav>`;
}

/**
 * The header's links. Signed out they are few, and stay in line. Signed in, at phone width, they fold into a menu
 * under the nickname (a <details>, so no script is needed), keeping the header on one line; wider, the menu is
 * always open and its summary hidden (the stylesheet's ::details-content rule; a browser without it shows the
 * menu folded, which still works).
 */
function menus(frame: PageFrame): SafeHtml {
  const body = html`<div class="menus">${accountNav(frame)}${languageSwitch(frame)}</div>`;
  if (!frame.user) return body;
  return html`<details class="menu"><summary>@${frame.user.nickname}<span class="visually-hidden">: ${t(
    frame.locale,
    'menu',
  )}</span></summary>${body}</details>`;
}

/**
 * The page around every screen: no inline script or style (the CSP allows neither), no third-party assets. The
 * one script only adds copy buttons; every page works without it.
 */
export function layout(frame: PageFrame, body: SafeHtml): string {
  const flash = frame.flash ? html`<p class="notice success flash" id="flash" role="status">${frame.flash}</p>` : '';
  return html`<!doctype html>
<html lang="${frame.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/monban.css">
<script src="/assets/monban.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${t(frame.locale, 'skipToContent')}</a>
<header class="top"><a class="brand" href="/" lang="ja">門番<span class="brand-name" lang="en"> Monban</span></a>
${menus(frame)}</header>
<main id="main">${flash}${body}</main>
</body>
</html>
`.value;
}
