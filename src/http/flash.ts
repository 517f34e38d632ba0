import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Locale, User } from '../core/model.js';
import { t } from './i18n.js';
import type { CookiePolicy } from './session.js';

/**
 * A one-time message for the page a redirect leads to, when that page is not ours to put a `?notice=` on (signing
 * up comes back to whatever page sent the user there: the consent page, say). The cookie holds only a name from
 * FLASHES, never text; it lives a minute, and the first page that shows it clears it.
 */
export const FLASH_COOKIE = '_monban_flash';

const FLASHES = ['account_created', 'password_set'] as const;
export type Flash = (typeof FLASHES)[number];

export function setFlash(reply: FastifyReply, flash: Flash, policy: CookiePolicy): void {
  const options = { path: '/', httpOnly: true, sameSite: 'lax', secure: policy.secure, maxAge: 60 } as const;
  reply.setCookie(FLASH_COOKIE, flash, options);
}

/** The flash's text for this user, clearing the cookie; undefined when there is none (or not a known one). */
export function takeFlash(request: FastifyRequest, reply: FastifyReply, locale: Locale, user: User | undefined) {
  const value = request.cookies[FLASH_COOKIE];
  if (value === undefined) return undefined;
  reply.clearCookie(FLASH_COOKIE, { path: '/' });
  if (value === 'account_created' && user) return t(locale, 'accountCreated', { nickname: user.nickname });
  // After a password reset, on the sign-in page (routes/password-reset.ts).
  if (value === 'password_set') return t(locale, 'passwordSet');
  return undefined;
}
