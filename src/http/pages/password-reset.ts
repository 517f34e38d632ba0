import type { Locale, User } from '../../core/model.js';
import { t } from '../i18n.js';
import { csrfField, describedBy, fieldErrors, hint, notice } from './form.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** The pages of a password reset (routes/password-reset.ts, accounts/password-resets.ts). */

export interface ForgotPasswordView {
  locale: Locale;
  csrfToken: string;
  /** Whether this server sends mail (MONBAN_MAIL_URL); without it the page says to ask an administrator. */
  mail: boolean;
  /** The answer to the form, the same whatever was entered. */
  done?: string | undefined;
  /** Too many requests. */
  error?: string | undefined;
}

/** "Forgot your password?": a nickname or an email address, and the same answer for any. */
export function forgotPasswordPage(view: ForgotPasswordView): string {
  const { locale } = view;
  const path = '/users/password/new';
  const form = view.mail
    ? html`<p id="forgot_password_intro">${t(locale, 'forgotPasswordIntro')}</p>
  <form method="post" action="${path}" id="forgot_password">
    ${csrfField(view.csrfToken)}
    <label for="login">${t(locale, 'nicknameOrEmail')}</label>
    <input id="login" name="login" autocomplete="username" required autocapitalize="none" spellcheck="false"
      maxlength="254">
    <button type="submit" class="primary">${t(locale, 'sendResetLink')}</button>
  </form>`
    : html`<p id="no_mail">${t(locale, 'resetNoMail')}</p>`;
  const body = html`
<section class="card narrow">
  <h1>${t(locale, 'forgotPassword')}</h1>
  ${notice(view.done, 'success')}${notice(view.error)}
  ${form}
  <p><a href="/users/sign_in">${t(locale, 'signIn')}</a></p>
</section>`;
  return layout({ locale, title: t(locale, 'forgotPassword'), path }, body);
}

export type ResetField = 'password' | 'password_confirmation';

export interface ResetPasswordView {
  locale: Locale;
  csrfToken: string;
  token: string;
  user: User;
  /** The account had no password yet (imported, docs/import.md): the box is ticked, and its hint says why. */
  hadNoPassword: boolean;
  /** The box as the refused form had it; else ticked only for an account without a password. */
  keepApplications?: boolean;
  errors?: Partial<Record<ResetField, string[]>>;
}

/** The new password, twice, for the account a reset link is for; the link's token rides in a hidden field. */
export function resetPasswordPage(view: ResetPasswordView): string {
  const { locale } = view;
  const errors = (field: ResetField) => view.errors?.[field] ?? [];
  const keep = view.keepApplications ?? view.hadNoPassword;
  const field = (id: ResetField, label: string, withHint = false) => html`
    <label for="${id}">${label}</label>
    <input id="${id}" name="${id}" type="password" autocomplete="new-password" required minlength="8"
      maxlength="128"${describedBy(id, { hint: withHint, errors: errors(id) })}>
    ${withHint ? hint(id, t(locale, 'passwordHint')) : ''}
    ${fieldErrors(id, errors(id))}`;
  const keepHint = view.hadNoPassword ? 'keepApplicationsImportedHint' : 'keepApplicationsResetHint';
  const body = html`
<section class="card narrow">
  <h1>${t(locale, 'setPasswordTitle')}</h1>
  <p id="reset_account">@${view.user.nickname}</p>
  <form method="post" action="/users/password/edit" id="reset_password">
    ${csrfField(view.csrfToken)}
    <input type="hidden" name="reset_password_token" value="${view.token}">
    <input type="text" name="nickname" value="${view.user.nickname}" autocomplete="username" hidden>
    ${field('password', t(locale, 'newPassword'), true)}
    ${field('password_confirmation', t(locale, 'newPasswordConfirmation'))}
    <label for="keep_applications"><input type="checkbox" id="keep_applications" name="keep_applications" value="1"
      aria-describedby="keep_applications_hint"${keep ? html` checked` : ''}>
      ${t(locale, 'keepApplications')}</label>
    ${hint('keep_applications', t(locale, keepHint))}
    <button type="submit" class="primary">${t(locale, 'setPassword')}</button>
  </form>
</section>`;
  const path = `/users/password/edit?reset_password_token=${encodeURIComponent(view.token)}`;
  return layout({ locale, title: t(locale, 'setPasswordTitle'), path }, body);
}

/** A link that is invalid, used or expired: what to do instead. */
export function resetInvalidPage(locale: Locale): string {
  const body = html`
<section class="card narrow">
  <h1>${t(locale, 'resetInvalidTitle')}</h1>
  <p role="alert" id="reset_invalid">${t(locale, 'reset_invalid')}</p>
  <p><a href="/users/password/new" id="request_new_link">${t(locale, 'requestNewLink')}</a></p>
</section>`;
  return layout({ locale, title: t(locale, 'resetInvalidTitle'), path: '/users/password/new' }, body);
}
