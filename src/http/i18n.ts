import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Locale } from '../core/model.js';
import { SCOPE_DESCRIPTIONS } from '../core/scopes.js';
import { EN, type MessageKey } from './messages/en.js';
import { RU } from './messages/ru.js';

/** The cookie that remembers a language chosen with the switch (GET /locale). */
export const LOCALE_COOKIE = 'locale';

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'ru';
}

/** Picks English or Russian from Accept-Language (by quality), Russian when neither is named, as Shikimori does. */
export function localeFrom(acceptLanguage: string | undefined, fallback: Locale = 'ru'): Locale {
  if (!acceptLanguage) return fallback;
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === 'ru' || tag.startsWith('ru-')) return 'ru';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return fallback;
}

/** The language of a page: the one the user chose with the switch, else the browser's preference. */
export function localeOf(request: FastifyRequest): Locale {
  const chosen = request.cookies?.[LOCALE_COOKIE];
  return isLocale(chosen) ? chosen : localeFrom(request.headers['accept-language']);
}

export type { MessageKey };

const MESSAGES: Record<Locale, Record<MessageKey, string>> = { en: EN, ru: RU };

export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return MESSAGES[locale][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

/**
 * Doorkeeper's redirect URI messages (compatibility.md §3) are English in Shikimori's Russian locale too; Monban translates
 * them, and keeps the English ones exactly.
 */
const REDIRECT_URI_DETAILS_RU: Record<string, string> = {
  'cannot contain a fragment.': 'не может содержать фрагмент (#).',
  'must specify a scheme.': 'должен указывать схему.',
  'must be an absolute URI.': 'должен быть абсолютным URI.',
  'must be an HTTPS/SSL URI.': 'должен использовать HTTPS/SSL.',
  'must be a valid URI.': 'должен быть корректным URI.',
  'is forbidden by the server.': 'запрещён сервером.',
  'must not contain a user name or password.': 'не может содержать имя пользователя или пароль.',
};

export function redirectUriDetail(locale: Locale, detail: string): string {
  return locale === 'ru' ? (REDIRECT_URI_DETAILS_RU[detail] ?? detail) : detail;
}

/** A scope's description in this language (compatibility.md §1), or the scope itself when Shikimori describes none. */
export function scopeDescription(locale: Locale, scope: string): string {
  return SCOPE_DESCRIPTIONS[scope]?.[locale] ?? scope;
}

/** A moment as people read it; pages do not know the reader's time zone, so they say UTC. */
export function formatTime(locale: Locale, at: number): string {
  const format = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  });
  return `${format.format(at)} UTC`;
}
