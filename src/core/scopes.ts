import { InvalidScope } from './errors.js';

/** Shikimori's server scopes (compatibility.md §1, `default_scopes`); every other scope exists only per application. */
export const DEFAULT_SCOPES: readonly string[] = ['user_rates', 'comments', 'topics'];

/** The scopes Shikimori describes, in its order (compatibility.md §1, config/locales/doorkeeper.*.yml). */
export const SCOPE_DESCRIPTIONS: Readonly<Record<string, { en: string; ru: string }>> = {
  user_rates: { en: 'Change your list of anime and manga', ru: 'Изменять твой список аниме и манги' },
  email: { en: 'Receive your email address', ru: 'Получать твой почтовый адрес (эл. почту)' },
  messages: {
    en: 'Read your private messages, send private messages on your behalf',
    ru: 'Читать твои личные сообщения, отправлять личные сообщения от твоего имени',
  },
  comments: { en: 'Comment on your behalf', ru: 'Комментировать от твоего имени' },
  topics: { en: 'Create topics and critiques on your behalf', ru: 'Создавать топики и рецензии от твоего имени' },
  content: { en: 'Change database content', ru: 'Изменять базу данных сайта' },
  clubs: { en: 'Leave and join clubs', ru: 'Вступать и выходить из клубов' },
  friends: { en: 'Add and remove people to friends', ru: 'Добавлять и удалять людей в друзья' },
  ignores: { en: 'Add and remove people to ignore', ru: 'Добавлять и удалять людей в игнор' },
};

export const KNOWN_SCOPES: readonly string[] = Object.keys(SCOPE_DESCRIPTIONS);

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Splits a scope string into distinct tokens in their order; null when it breaks the RFC 6749 §3.3 grammar. */
export function parseScope(value: string): string[] | null {
  if (/[\t\r\n]/.test(value)) return null;
  const tokens = value.split(' ').filter((t) => t !== '');
  if (!tokens.every((t) => SCOPE_TOKEN.test(t))) return null;
  return [...new Set(tokens)];
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

export function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((s) => set.has(s));
}

export function isSubset(scopes: readonly string[], of: readonly string[]): boolean {
  const set = new Set(of);
  return scopes.every((s) => set.has(s));
}

/**
 * Doorkeeper's scope resolution as Shikimori runs it (compatibility.md §4.1): a blank request means the default scopes, narrowed
 * to the application's scopes when it has any; a request is checked against the application's scopes when it has
 * any, else against the server's. The result is never empty.
 */
export function resolveScopes(requested: string | undefined, applicationScopes: readonly string[]): string[] {
  let scopes: string[];
  if (requested === undefined || requested.trim() === '') {
    scopes =
      applicationScopes.length > 0
        ? DEFAULT_SCOPES.filter((s) => applicationScopes.includes(s))
        : [...DEFAULT_SCOPES];
  } else {
    const parsed = parseScope(requested);
    if (parsed === null) throw new InvalidScope();
    scopes = parsed;
  }
  const permitted = applicationScopes.length > 0 ? applicationScopes : DEFAULT_SCOPES;
  if (scopes.length === 0 || !isSubset(scopes, permitted)) throw new InvalidScope();
  return scopes;
}
