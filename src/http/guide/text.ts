import type { Locale } from '../../core/model.js';

/** The guide page's words, in English and Russian (the seed guide, compatibility.md §7, and what the live parts add). */
const EN = {
  title: 'OAuth2 Guide',
  intro: 'How an application gets access to a Monban account, step by step. Signed in, you can try every step here with one of your applications.',
  howItWorks: 'How OAuth works',
  diagramCaption:
    'The client asks for an authorization grant and receives an authorization code; it exchanges the code for an access token and uses the token for protected resources; when the token has expired, it gets an invalid token error and exchanges its refresh token for a new access token and refresh token.',

  step1: '1. Create Application',
  step1Text: 'Create your own application on the page',

  step2: '2. Get Authorization Code',
  step2Text: "In your application, redirect the user to Monban's authorization page:",
  step2After: 'There the user must authorize your application so you could receive an authorization code.',
  signInToTry: 'Sign in to fill these commands with one of your applications and try them here.',
  noApplications: 'You have no applications yet: create one, then come back here.',
  application: 'Application',
  scopes: 'Scopes',
  scopesHint: 'None ticked: Monban grants the default scopes the application has.',
  show: 'Show',
  openAuthorization: 'Open the authorization page',
  opensInNewTab: '(opens in a new tab)',
  codeWhere:
    'With urn:ietf:wg:oauth:2.0:oob, Monban shows the code on a page; otherwise the code is the code parameter of the address your redirect URI receives. Paste it in step 3.',

  step3: '3. Get Access Token',
  clientSecret: 'Client secret',
  clientSecretHint:
    'Monban keeps only a hash of the secret, so paste it here. It stays in this page and is sent only to Monban’s token endpoint; the commands show CLIENT_SECRET instead.',
  authorizationCode: 'Authorization code',
  requestToken: 'Request access token',
  expiresIn: 'Access Token is expired in {ttl}.',
  expiredAnswer: 'When your Access Token is expired you will get 401 status code with the message',
  response: 'Response',

  step4: '4. Request protected resources with the obtained Access Token',
  accessToken: 'Access token',
  callWhoami: 'Call whoami',

  step5: '5. Refresh Access Token',
  step5Text: 'Use your Refresh Token to obtain new Access Token and Refresh Token.',
  refreshToken: 'Refresh token',
  refresh: 'Refresh access token',

  needsJavaScript: 'The buttons of this page need JavaScript; the commands work without it.',
  missingFields: 'Fill in: {fields}.',
  requestFailed: 'The request failed: {message}',
  copy: 'Copy',
  copied: 'Copied',
  // Each copy button's accessible name: "Copy" and what it copies, so that a screen reader tells them apart.
  copy_authorization_url: 'Copy the authorization link',
  copy_token_command: 'Copy the token command',
  copy_whoami_command: 'Copy the whoami command',
  copy_refresh_command: 'Copy the refresh command',
};

export type GuideKey = keyof typeof EN;

const RU: Record<GuideKey, string> = {
  title: 'Руководство по OAuth2',
  intro: 'Как приложение получает доступ к аккаунту Monban, шаг за шагом. Если ты вошёл, каждый шаг можно попробовать здесь на одном из твоих приложений.',
  howItWorks: 'Как работает OAuth',
  diagramCaption:
    'Клиент запрашивает разрешение на доступ и получает код авторизации; обменивает код на access token и с ним обращается к защищённым ресурсам; когда срок токена истёк, получает ошибку и обменивает refresh token на новые access token и refresh token.',

  step1: '1. Создай приложение',
  step1Text: 'Создай своё приложение на странице',

  step2: '2. Получи код авторизации',
  step2Text: 'В своём приложении отправь пользователя на страницу авторизации Monban:',
  step2After: 'Там пользователь должен разрешить доступ твоему приложению, чтобы ты получил код авторизации.',
  signInToTry: 'Войди, чтобы подставить в команды данные одного из твоих приложений и попробовать их здесь.',
  noApplications: 'У тебя пока нет приложений: создай приложение и возвращайся сюда.',
  application: 'Приложение',
  scopes: 'Права доступа',
  scopesHint: 'Если ничего не отмечено, Monban выдаст права по умолчанию, которые есть у приложения.',
  show: 'Показать',
  openAuthorization: 'Открыть страницу авторизации',
  opensInNewTab: '(откроется в новой вкладке)',
  codeWhere:
    'Для urn:ietf:wg:oauth:2.0:oob Monban покажет код на странице; иначе код придёт в параметре code адреса, на который ведёт твой redirect URI. Вставь его на шаге 3.',

  step3: '3. Получи Access Token',
  clientSecret: 'Client secret',
  clientSecretHint:
    'Monban хранит только хеш секрета, поэтому вставь его сюда. Он остаётся на этой странице и отправляется только на token endpoint Monban; в командах вместо него CLIENT_SECRET.',
  authorizationCode: 'Код авторизации',
  requestToken: 'Запросить access token',
  expiresIn: 'Срок действия Access Token — {ttl}.',
  expiredAnswer: 'Когда срок Access Token истечёт, ты получишь ответ с кодом 401 и сообщением',
  response: 'Ответ',

  step4: '4. Обращайся к защищённым ресурсам с полученным Access Token',
  accessToken: 'Access token',
  callWhoami: 'Вызвать whoami',

  step5: '5. Обнови Access Token',
  step5Text: 'С помощью Refresh Token получи новые Access Token и Refresh Token.',
  refreshToken: 'Refresh token',
  refresh: 'Обновить access token',

  needsJavaScript: 'Кнопкам этой страницы нужен JavaScript; команды работают и без него.',
  missingFields: 'Заполни: {fields}.',
  requestFailed: 'Запрос не удался: {message}',
  copy: 'Копировать',
  copied: 'Скопировано',
  copy_authorization_url: 'Копировать ссылку авторизации',
  copy_token_command: 'Копировать команду получения токена',
  copy_whoami_command: 'Копировать команду whoami',
  copy_refresh_command: 'Копировать команду обновления',
};

const MESSAGES: Record<Locale, Record<GuideKey, string>> = { en: EN, ru: RU };

export function guideText(locale: Locale, key: GuideKey, vars: Record<string, string> = {}): string {
  return MESSAGES[locale][key].replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? '');
}

/** A lifetime in the largest whole unit, as people say it: "1 day", "30 minutes", "1 день". */
export function formatLifetime(locale: Locale, seconds: number): string {
  const units: Array<[string, number]> = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const [unit, size] = units.find(([, size]) => seconds % size === 0 && seconds >= size) ?? ['second', 1];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(seconds / size);
}

/** The seed guide's diagram, its labels in this language; boxes and arrows are drawn to fit them. */
const DIAGRAM_LABELS: Record<Locale, { client: string[]; server: string; arrows: string[]; notes: string[] }> = {
  en: {
    client: ['Client', '(your mobile app)', '(or website)'],
    server: 'Monban',
    arrows: [
      'Authorization Grant',
      'Authorization Code',
      'Access Token',
      'Protected Resource',
      'Access Token',
      'Invalid Token Error',
      'Refresh Token',
      'New Access Token',
    ],
    notes: ['(token is expired)', '& Refresh Token'],
  },
  ru: {
    client: ['Клиент', '(твоё приложение', 'или сайт)'],
    server: 'Monban',
    arrows: [
      'Запрос разрешения',
      'Код авторизации',
      'Access Token',
      'Защищённый ресурс',
      'Access Token',
      'Ошибка токена',
      'Refresh Token',
      'Новый Access Token',
    ],
    notes: ['(срок токена истёк)', 'и Refresh Token'],
  },
};

export function diagram(locale: Locale): string {
  const labels = DIAGRAM_LABELS[locale];
  const left = 19;
  const right = 15;
  const middle = 42;
  const centre = (text: string, width: number) => {
    const pad = Math.max(0, width - text.length);
    return ' '.repeat(Math.floor(pad / 2)) + text + ' '.repeat(pad - Math.floor(pad / 2));
  };
  const arrow = (label: string, toServer: boolean) => {
    const dashes = middle - 1 - label.length - 2;
    const before = '-'.repeat(Math.floor(dashes / 2));
    const after = '-'.repeat(dashes - before.length);
    return toServer ? `${before} ${label} ${after}>` : `<${before} ${label} ${after}`;
  };
  const [grant, code, token, resource, token2, invalid, refresh, fresh] = labels.arrows as [
    string, string, string, string, string, string, string, string,
  ];
  const [expired, andRefresh] = labels.notes as [string, string];
  const [client0, client1, client2] = labels.client as [string, string, string];
  const rows: Array<[string, string, string]> = [
    ['', arrow(grant, true), ''],
    ['', arrow(code, false), ''],
    ['', '', ''],
    ['', '', ''],
    ['', arrow(token, true), ''],
    ['', arrow(resource, false), ''],
    [client0, '', labels.server],
    [client1, '', ''],
    [client2, arrow(token2, true), ''],
    ['', arrow(invalid, false), ''],
    ['', centre(expired, middle), ''],
    ['', '', ''],
    ['', '', ''],
    ['', arrow(refresh, true), ''],
    ['', arrow(fresh, false), ''],
    ['', centre(andRefresh, middle), ''],
  ];
  const border = `+${'-'.repeat(left)}+${' '.repeat(middle)}+${'-'.repeat(right)}+`;
  const lines = rows.map(([l, m, r]) => `|${centre(l, left)}|${m.padEnd(middle)}|${centre(r, right)}|`);
  return [border, ...lines, border].join('\n');
}
