import type { Locale } from '../core/model.js';

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

const MESSAGES = {
  en: {
    title: 'OAuth authorization required',
    authorizationRequired: 'Authorization required',
    authorizeAccount: 'Authorize @{nickname} to use your account?',
    willBeAbleTo: 'This application will be able to',
    authorize: 'Authorize',
    deny: 'Deny',
    noScopeChosen: 'Choose at least one permission, or deny the request.',
    authorizationCode: 'Authorization code',
    copyCode: 'Copy this code and paste it into the application.',
    errorOccurred: 'An error has occurred',
    signIn: 'Sign in',
    signUp: 'Sign up',
    signOut: 'Sign out',
    nickname: 'Nickname',
    password: 'Password',
    email: 'Email (optional)',
    badCredentials: 'Invalid nickname or password.',
    noAccount: 'No account yet?',
    haveAccount: 'Already have an account?',
    signedInAs: 'Signed in as @{nickname}',
    home: 'Monban is an OAuth 2.0 server. Applications send you here to ask for access to your account.',
    forbidden: 'This form has expired or was not sent from this site. Go back, reload the page and try again.',
    notFound: 'Page not found',
    serverError: 'Something went wrong on our side. Please try again.',
  },
  ru: {
    title: 'OAuth authorization required',
    authorizationRequired: 'Разреши доступ',
    authorizeAccount: 'К твоему аккаунту @{nickname} для приложения',
    willBeAbleTo: 'Приложение сможет от твоего имени',
    authorize: 'Разрешить',
    deny: 'Запретить',
    noScopeChosen: 'Выбери хотя бы одно разрешение или запрети доступ.',
    authorizationCode: 'Код авторизации',
    copyCode: 'Скопируй этот код и вставь его в приложение.',
    errorOccurred: 'Произошла ошибка',
    signIn: 'Вход',
    signUp: 'Регистрация',
    signOut: 'Выход',
    nickname: 'Никнейм',
    password: 'Пароль',
    email: 'Эл. почта (необязательно)',
    badCredentials: 'Неверный никнейм или пароль.',
    noAccount: 'Ещё нет аккаунта?',
    haveAccount: 'Уже есть аккаунт?',
    signedInAs: 'Ты вошёл как @{nickname}',
    home: 'Monban — сервер OAuth 2.0. Приложения отправляют тебя сюда, чтобы попросить доступ к твоему аккаунту.',
    forbidden: 'Форма устарела или отправлена не с этого сайта. Вернись, обнови страницу и попробуй снова.',
    notFound: 'Страница не найдена',
    serverError: 'Что-то пошло не так. Попробуй ещё раз.',
  },
} as const satisfies Record<Locale, Record<string, string>>;

export type MessageKey = keyof (typeof MESSAGES)['en'];

export function t(locale: Locale, key: MessageKey, vars: Record<string, string> = {}): string {
  return MESSAGES[locale][key].replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? '');
}
