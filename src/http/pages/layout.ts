import type { Locale, User } from '../../core/model.js';
import { t } from '../i18n.js';
import { html, type SafeHtml } from './html.js';

export interface PageFrame {
  locale: Locale;
  title: string;
  user?: User | undefined;
  /** CSRF token for the sign-out form, when signed in. */
  csrfToken?: string | undefined;
}

/** The page around every screen: no inline script or style (the CSP allows neither), no third-party assets. */
export function layout(frame: PageFrame, body: SafeHtml): string {
  const account = frame.user
    ? html`<form class="sign-out" method="post" action="/users/sign_out">
        <span>${t(frame.locale, 'signedInAs', { nickname: frame.user.nickname })}</span>
        <input type="hidden" name="_csrf" value="${frame.csrfToken ?? ''}">
        <button type="submit" class="link">${t(frame.locale, 'signOut')}</button>
      </form>`
    : html`<a href="/users/sign_in">${t(frame.locale, 'signIn')}</a>`;
  return html`<!doctype html>
<html lang="${frame.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title}</title>
<link rel="stylesheet" href="/assets/monban.css">
</head>
<body>
<header class="top"><a class="brand" href="/">門番 Monban</a><nav>${account}</nav></header>
<main>${body}</main>
</body>
</html>
`.value;
}
