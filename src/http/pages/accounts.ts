import type { Locale, User } from '../../core/model.js';
import { t } from '../i18n.js';
import { html } from './html.js';
import { layout } from './layout.js';

export interface AccountFormView {
  locale: Locale;
  csrfToken: string;
  returnTo: string;
  nickname?: string;
  email?: string;
  error?: string | undefined;
}

function returnQuery(returnTo: string): string {
  return returnTo === '/' ? '' : `?return_to=${encodeURIComponent(returnTo)}`;
}

export function signInPage(view: AccountFormView): string {
  const { locale } = view;
  const body = html`
<section class="card narrow">
  <h1>${t(locale, 'signIn')}</h1>
  ${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
  <form method="post" action="/users/sign_in${returnQuery(view.returnTo)}">
    <input type="hidden" name="_csrf" value="${view.csrfToken}">
    <label for="nickname">${t(locale, 'nickname')}</label>
    <input id="nickname" name="nickname" autocomplete="username" required value="${view.nickname ?? ''}">
    <label for="password">${t(locale, 'password')}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit" class="primary">${t(locale, 'signIn')}</button>
  </form>
  <p>${t(locale, 'noAccount')} <a href="/users/sign_up${returnQuery(view.returnTo)}">${t(locale, 'signUp')}</a></p>
</section>`;
  return layout({ locale, title: t(locale, 'signIn') }, body);
}

export function signUpPage(view: AccountFormView): string {
  const { locale } = view;
  const body = html`
<section class="card narrow">
  <h1>${t(locale, 'signUp')}</h1>
  ${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
  <form method="post" action="/users/sign_up${returnQuery(view.returnTo)}">
    <input type="hidden" name="_csrf" value="${view.csrfToken}">
    <label for="nickname">${t(locale, 'nickname')}</label>
    <input id="nickname" name="nickname" autocomplete="username" required value="${view.nickname ?? ''}">
    <label for="email">${t(locale, 'email')}</label>
    <input id="email" name="email" type="email" autocomplete="email" value="${view.email ?? ''}">
    <label for="password">${t(locale, 'password')}</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8">
    <button type="submit" class="primary">${t(locale, 'signUp')}</button>
  </form>
  <p>${t(locale, 'haveAccount')} <a href="/users/sign_in${returnQuery(view.returnTo)}">${t(locale, 'signIn')}</a></p>
</section>`;
  return layout({ locale, title: t(locale, 'signUp') }, body);
}

export function homePage(locale: Locale, user: User | undefined, csrfToken: string | undefined): string {
  const body = html`
<section class="card">
  <h1>門番 Monban</h1>
  <p>${t(locale, 'home')}</p>
  ${user ? '' : html`<p><a href="/users/sign_in">${t(locale, 'signIn')}</a> · <a href="/users/sign_up">${t(locale, 'signUp')}</a></p>`}
</section>`;
  return layout({ locale, title: 'Monban', user, csrfToken }, body);
}

export function messagePage(locale: Locale, title: string, message: string): string {
  return layout({ locale, title }, html`<section class="card"><h1>${title}</h1><p role="alert">${message}</p></section>`);
}
