import type { Locale, User } from '../../core/model.js';
import { t } from '../i18n.js';
import { csrfField, describedBy, hint, notice } from './form.js';
import { html } from './html.js';
import { layout } from './layout.js';

export interface VerificationView {
  locale: Locale;
  user: User;
  csrfToken: string;
  /** The code to fill in: from verification_uri_complete, or as the user typed it before. */
  userCode?: string | undefined;
  /** Whether the code came with the link (RFC 8628 §3.3.1): the user is asked to compare it with the device's. */
  prefilled?: boolean;
  /** A wrong code, too many of them, or a consent page whose request is gone (routes/device.ts). */
  error?: string | undefined;
  /** The page the language switch comes back to (the link with its code, after a GET). */
  path?: string | undefined;
  /** "Account created", when signing up led here (http/flash.ts). */
  flash?: string | undefined;
}

/** The verification page (RFC 8628 §3.3): one field for the user code; its answer redirects to the consent page. */
export function verificationPage(view: VerificationView): string {
  const { locale } = view;
  const body = html`
<section class="card narrow">
  <h1>${t(locale, 'deviceTitle')}</h1>
  ${notice(view.error)}
  <p>${t(locale, view.prefilled ? 'deviceCheckCode' : 'deviceEnterCode')}</p>
  <form method="post" action="/oauth/device" id="device">
    ${csrfField(view.csrfToken)}
    <label for="user_code">${t(locale, 'deviceCode')}</label>
    <input id="user_code" name="user_code" required autocomplete="one-time-code" autocapitalize="characters"
      spellcheck="false" value="${view.userCode ?? ''}"${describedBy('user_code', { hint: true, errors: [] })}>
    ${hint('user_code', t(locale, 'deviceCodeHint'))}
    <button type="submit" class="primary" id="device_continue">${t(locale, 'deviceContinue')}</button>
  </form>
</section>`;
  const frame = { locale, title: t(locale, 'deviceTitle'), user: view.user, csrfToken: view.csrfToken };
  return layout({ ...frame, path: view.path ?? '/oauth/device', flash: view.flash }, body);
}

/** After the consent page's answer for a device: the device, not this browser, gets the result (RFC 8628 §3.3). */
export function deviceAnsweredPage(
  locale: Locale,
  approved: boolean,
  frame: { user?: User | undefined; csrfToken?: string | undefined; path: string },
): string {
  const title = t(locale, approved ? 'deviceApproved' : 'deviceDenied');
  const body = html`
<section class="card narrow">
  <h1>${title}</h1>
  <p role="status" id="device_return">${t(locale, 'deviceReturn')}</p>
</section>`;
  return layout({ locale, title, ...frame }, body);
}
