import type { Locale, User } from '../../core/model.js';
import { t } from '../i18n.js';
import { csrfField, describedBy, fieldErrors, hint, notice } from './form.js';
import { nameIcon } from '../icons.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

export interface AccountFormView {
  locale: Locale;
  csrfToken: string;
  returnTo: string;
  nickname?: string;
  email?: string;
  /** A message about the whole form: bad credentials (never saying which part was wrong), or too many tries. */
  error?: string | undefined;
  /** Messages next to a field (sign-up). */
  fieldErrors?: Partial<Record<'nickname' | 'password' | 'email', string[]>>;
  /** The name of the application whose authorization request sent the user here. */
  asking?: string | undefined;
  /** Under the error, a link to set a password through a reset (an account imported without one). */
  setPasswordLink?: boolean;
  /** "Your password was set", after a password reset (http/flash.ts). */
  flash?: string | undefined;
}

/** Reached from an authorization request: which application asks, before the user types a password for it. */
function askingNotice(view: AccountFormView): SafeHtml | '' {
  if (view.asking === undefined) return '';
  return html`<div class="titled asking" id="asking_application">${nameIcon(view.asking, 40)}
    <p>${t(view.locale, 'signInToAuthorize', { name: view.asking })}</p></div>`;
}

function returnQuery(returnTo: string): string {
  return returnTo === '/' ? '' : `?return_to=${encodeURIComponent(returnTo)}`;
}

export function signInPage(view: AccountFormView): string {
  const { locale } = view;
  const path = `/users/sign_in${returnQuery(view.returnTo)}`;
  const body = html`
<section class="card narrow">
  <h1>${t(locale, 'signIn')}</h1>
  ${askingNotice(view)}
  ${notice(view.error)}
  ${view.setPasswordLink
    ? html`<p><a href="/users/password/new" id="set_password_link">${t(locale, 'setPasswordLink')}</a></p>`
    : ''}
  <form method="post" action="${path}" id="sign_in">
    ${csrfField(view.csrfToken)}
    <label for="nickname">${t(locale, 'nickname')}</label>
    <input id="nickname" name="nickname" autocomplete="username" required autocapitalize="none" spellcheck="false"
      value="${view.nickname ?? ''}">
    <label for="password">${t(locale, 'password')}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit" class="primary">${t(locale, 'signIn')}</button>
  </form>
  <p><a href="/users/password/new" id="forgot_password_link">${t(locale, 'forgotPassword')}</a></p>
  <p>${t(locale, 'noAccount')} <a href="/users/sign_up${returnQuery(view.returnTo)}">${t(locale, 'signUp')}</a></p>
</section>`;
  return layout({ locale, title: t(locale, 'signIn'), path, flash: view.flash }, body);
}

export function signUpPage(view: AccountFormView): string {
  const { locale } = view;
  const path = `/users/sign_up${returnQuery(view.returnTo)}`;
  const errors = (field: 'nickname' | 'password' | 'email') => view.fieldErrors?.[field] ?? [];
  const body = html`
<section class="card narrow">
  <h1>${t(locale, 'signUp')}</h1>
  ${askingNotice(view)}
  ${notice(view.error)}
  <form method="post" action="${path}" id="sign_up">
    ${csrfField(view.csrfToken)}
    <label for="nickname">${t(locale, 'nickname')}</label>
    <input id="nickname" name="nickname" autocomplete="username" required autocapitalize="none" spellcheck="false"
      value="${view.nickname ?? ''}"${describedBy('nickname', { errors: errors('nickname') })}>
    ${fieldErrors('nickname', errors('nickname'))}
    <label for="email">${t(locale, 'email')}</label>
    <input id="email" name="email" type="email" autocomplete="email"
      value="${view.email ?? ''}"${describedBy('email', { errors: errors('email') })}>
    ${fieldErrors('email', errors('email'))}
    <label for="password">${t(locale, 'password')}</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8"
      maxlength="128"${describedBy('password', { hint: true, errors: errors('password') })}>
    ${hint('password', t(locale, 'passwordHint'))}
    ${fieldErrors('password', errors('password'))}
    <button type="submit" class="primary">${t(locale, 'signUp')}</button>
  </form>
  <p>${t(locale, 'haveAccount')} <a href="/users/sign_in${returnQuery(view.returnTo)}">${t(locale, 'signIn')}</a></p>
</section>`;
  return layout({ locale, title: t(locale, 'signUp'), path }, body);
}

export type PasswordField = 'current_password' | 'password' | 'password_confirmation';

export interface SettingsView {
  locale: Locale;
  user: User;
  csrfToken: string;
  errors?: Partial<Record<PasswordField, string[]>>;
  /** Shown after a successful change. */
  done?: string | undefined;
  /** Too many wrong current passwords. */
  error?: string | undefined;
  /** The "Keep applications signed in" box, as the refused form had it; unticked by default. */
  keepApplications?: boolean;
  /** The user's latest security events (pages/security-events.ts), below the form. */
  securityEvents?: SafeHtml;
  /** "Account created", when signing up led here (http/flash.ts). */
  flash?: string | undefined;
}

/**
 * Account settings: changing the password needs the current one and the new one twice (ASVS 6.2.3), and signs every
 * application out unless the box is ticked; the hint under the box says so before the change.
 */
export function settingsPage(view: SettingsView): string {
  const { locale } = view;
  const errors = (field: PasswordField) => view.errors?.[field] ?? [];
  const field = (id: PasswordField, label: string, autocomplete: string, withHint = false) => html`
    <label for="${id}">${label}</label>
    <input id="${id}" name="${id}" type="password" autocomplete="${autocomplete}" required
      ${id === 'current_password' ? '' : html`minlength="8" maxlength="128"`}${describedBy(id, {
        hint: withHint,
        errors: errors(id),
      })}>
    ${withHint ? hint(id, t(locale, 'passwordHint')) : ''}
    ${fieldErrors(id, errors(id))}`;
  const body = html`
<section class="card narrow">
  <h1>${t(locale, 'settingsTitle')}</h1>
  <h2>${t(locale, 'changePassword')}</h2>
  ${notice(view.done, 'success')}${notice(view.error)}
  <form method="post" action="/users/password" id="change_password">
    ${csrfField(view.csrfToken)}
    <input type="text" name="nickname" value="${view.user.nickname}" autocomplete="username" hidden>
    ${field('current_password', t(locale, 'currentPassword'), 'current-password')}
    ${field('password', t(locale, 'newPassword'), 'new-password', true)}
    ${field('password_confirmation', t(locale, 'newPasswordConfirmation'), 'new-password')}
    <label for="keep_applications"><input type="checkbox" id="keep_applications" name="keep_applications" value="1"
      aria-describedby="keep_applications_hint"${view.keepApplications ? html` checked` : ''}>
      ${t(locale, 'keepApplications')}</label>
    ${hint('keep_applications', t(locale, 'keepApplicationsHint'))}
    <button type="submit" class="primary">${t(locale, 'changePassword')}</button>
  </form>
</section>
${view.securityEvents ?? ''}`;
  const frame = { locale, title: t(locale, 'settingsTitle'), user: view.user, csrfToken: view.csrfToken };
  return layout({ ...frame, path: '/users/edit', flash: view.flash }, body);
}

export function homePage(
  locale: Locale,
  user: User | undefined,
  csrfToken: string | undefined,
  flash?: string | undefined,
): string {
  const body = html`
<section class="card">
  <h1>門番 Monban</h1>
  <p>${t(locale, 'home')}</p>
  ${user
    ? html`<p><a href="/oauth/applications">${t(locale, 'homeApplications')}</a> ·
        <a href="/oauth">${t(locale, 'navGuide')}</a></p>`
    : html`<p><a href="/users/sign_in">${t(locale, 'signIn')}</a> ·
        <a href="/users/sign_up">${t(locale, 'signUp')}</a></p>`}
</section>`;
  return layout({ locale, title: 'Monban', user, csrfToken, flash }, body);
}

export function messagePage(
  locale: Locale,
  title: string,
  message: string,
  frame: { user?: User | undefined; csrfToken?: string | undefined } = {},
): string {
  const body = html`<section class="card"><h1>${title}</h1><p role="alert">${message}</p></section>`;
  return layout({ locale, title, ...frame }, body);
}

/** The 404 page: for a path that matches nothing, an unknown application, an unknown nickname. */
export function notFoundPage(
  locale: Locale,
  frame: { user?: User | undefined; csrfToken?: string | undefined } = {},
): string {
  return messagePage(locale, t(locale, 'notFound'), t(locale, 'notFoundText'), frame);
}
