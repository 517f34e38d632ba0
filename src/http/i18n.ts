import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Locale } from '../core/model.js';
import { SCOPE_DESCRIPTIONS } from '../core/scopes.js';

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

const EN = {
  // Layout
  skipToContent: 'Skip to content',
  language: 'Language',
  navApplications: 'Applications',
  navGuide: 'OAuth guide',
  navSettings: 'Settings',
  signedInAs: 'Signed in as @{nickname}',
  home: 'Monban is an OAuth 2.0 server. Applications send you here to ask for access to your account.',
  homeApplications: 'Register an application or see which applications have access to your account.',

  // Consent, code and error pages (compatibility.md §3)
  title: 'OAuth authorization required',
  authorizationRequired: 'Authorization required',
  authorizeAccount: 'Authorize @{nickname} to use your account?',
  willBeAbleTo: 'This application will be able to',
  authorize: 'Authorize',
  deny: 'Deny',
  noScopeChosen: 'Choose at least one permission, or deny the request.',
  redirectsTo: 'After you answer, you will be sent back to {host}.',
  redirectsOob: 'After you authorize, you will get a code to paste into the application.',
  aboutApplication: 'About this application',
  authorizationCode: 'Authorization code',
  copyCode: 'Copy this code and paste it into the application.',
  errorOccurred: 'An error has occurred',

  // Signing in on a device (RFC 8628): the verification page, the consent page's variant, and the page after it
  deviceTitle: 'Sign in on a device',
  deviceEnterCode: 'Enter the code your TV, console or command-line tool shows.',
  deviceCheckCode: 'Check that this is the code your device shows, then continue.',
  deviceCode: 'Code',
  deviceCodeHint: 'Eight letters, like BCDF-GHJK; the case and the dash do not matter.',
  deviceContinue: 'Continue',
  deviceCodeWrong: 'This code is wrong or has expired. Check the code on your device and try again.',
  tooManyDeviceCodes: 'Too many wrong codes. Try again later.',
  deviceConsentHint:
    'You are signing in a device. Authorize only a device you started signing in on yourself; after you answer, return to it.',
  deviceApproved: 'Device authorized',
  deviceDenied: 'Access denied',
  deviceReturn: 'You may now return to your device.',

  // Accounts
  signIn: 'Sign in',
  signUp: 'Sign up',
  signOut: 'Sign out',
  nickname: 'Nickname',
  password: 'Password',
  passwordHint: 'At least 8 characters.',
  email: 'Email (optional)',
  badCredentials: 'Invalid nickname or password.',
  tooManySignIns: 'Too many failed sign-ins. Try again later.',
  tooManySignUps: 'Too many accounts were created from your network. Try again later.',
  noAccount: 'No account yet?',
  haveAccount: 'Already have an account?',
  nickname_format: 'Nickname must be 2 to 20 letters, digits, dots, dashes or underscores.',
  nickname_taken: 'This nickname is already taken.',
  password_length: 'Password must be 8 to 128 characters long.',
  email_format: 'Email address is not valid.',
  settingsTitle: 'Account settings',
  changePassword: 'Change password',
  currentPassword: 'Current password',
  newPassword: 'New password',
  newPasswordConfirmation: 'New password again',
  current_password_wrong: 'The current password is wrong.',
  password_mismatch: 'The two new passwords differ.',
  passwordChanged: 'Your password has been changed, and every other session has been signed out.',
  keepApplications: 'Keep applications signed in',
  keepApplicationsHint:
    'Changing the password signs every application out of your account, unless you tick this box.',
  applicationsSignedOut: 'Applications signed out: {count}.',
  applicationsKept: 'Applications stay signed in.',

  // Applications (compatibility.md §3)
  applicationsTitle: 'OAuth applications',
  myApplications: 'My applications',
  newApplication: 'New application',
  noApplications: 'You have no applications yet.',
  authorizedApplications: 'Applications with access to my account',
  noAuthorizedApplications: 'No application has access to your account.',
  allApplications: 'All applications',
  usersCount: 'Users: {count}',
  scopesGranted: 'Can',
  lastUsed: 'Last used',
  neverUsed: 'never',
  revokeAccess: 'Revoke access',
  accessRevoked: 'Access revoked: the application can no longer use your account.',
  haveAccess: 'You have given this application access to your account.',
  owner: 'Owner',
  users: 'Users',
  description: 'Description',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  redirectUris: 'Redirect URIs',
  edit: 'Edit',
  editApplication: 'Edit application',
  name: 'Name',
  redirectUriHint: 'One URI per line. Use urn:ietf:wg:oauth:2.0:oob for mobile and standalone apps.',
  descriptionEn: 'Description in English',
  descriptionRu: 'Description in Russian',
  scopes: 'Scopes',
  scopesHint: 'Ask a Monban administrator if you need access to disabled scopes.',
  allowedScopes: 'Allowed scopes (administrators only)',
  create: 'Create',
  save: 'Save',
  cancel: 'Cancel',
  formHasErrors: 'Please correct the errors below.',
  name_length: 'Name must be 1 to 255 characters long.',
  redirect_uri_blank: "Redirect URI can't be blank.",
  redirect_uri_invalid: '{uri} {detail}',
  description_length: 'Description must be at most 16384 characters long.',
  credentialsTitle: 'OAuth2 credentials',
  applicationCreated: 'Application created.',
  secretRegenerated: 'A new client secret has been generated. The old one no longer works.',
  secretShownOnce: 'Copy the client secret now: it is shown only this once. If you lose it, regenerate it.',
  copy: 'Copy',
  copied: 'Copied',
  goToApplication: 'Go to the application',
  regenerateSecret: 'Regenerate secret',
  regenerateSecretHint: 'The current client secret stops working at once.',
  confidential: 'Confidential',
  confidentialHint:
    'Untick for a public application: a mobile or single-page app that cannot keep a secret. It gets no client secret and must use PKCE (S256). This cannot be changed later.',
  clientType: 'Client type',
  clientTypeConfidential: 'Confidential: authenticates with its client secret',
  clientTypePublic: 'Public: no client secret, must use PKCE',
  publicClientNoSecret:
    'This is a public application: it has no client secret. It sends only its client ID and must use PKCE (code_challenge with S256).',
  deleteApplication: 'Delete application',
  deleteConfirm: 'Delete “{name}”? Its tokens stop working and every user loses access. This cannot be undone.',
  delete: 'Delete',
  applicationDeleted: 'Application deleted.',
  notAllowed: 'Only the owner of this application or an administrator can change it.',

  // Errors
  forbidden: 'This form has expired or was not sent from this site. Go back, reload the page and try again.',
  notFound: 'Page not found',
  serverError: 'Something went wrong on our side. Please try again.',
};

export type MessageKey = keyof typeof EN;

const RU: Record<MessageKey, string> = {
  skipToContent: 'Перейти к содержимому',
  language: 'Язык',
  navApplications: 'Приложения',
  navGuide: 'Руководство OAuth',
  navSettings: 'Настройки',
  signedInAs: 'Ты вошёл как @{nickname}',
  home: 'Monban — сервер OAuth 2.0. Приложения отправляют тебя сюда, чтобы попросить доступ к твоему аккаунту.',
  homeApplications: 'Зарегистрируй приложение или посмотри, у каких приложений есть доступ к твоему аккаунту.',

  title: 'OAuth authorization required',
  authorizationRequired: 'Разреши доступ',
  authorizeAccount: 'К твоему аккаунту @{nickname} для приложения',
  willBeAbleTo: 'Приложение сможет от твоего имени',
  authorize: 'Разрешить',
  deny: 'Запретить',
  noScopeChosen: 'Выбери хотя бы одно разрешение или запрети доступ.',
  redirectsTo: 'После ответа ты вернёшься на {host}.',
  redirectsOob: 'Если разрешишь, получишь код, который нужно вставить в приложение.',
  aboutApplication: 'О приложении',
  authorizationCode: 'Код авторизации',
  copyCode: 'Скопируй этот код и вставь его в приложение.',
  errorOccurred: 'Произошла ошибка',

  deviceTitle: 'Вход на устройстве',
  deviceEnterCode: 'Введи код, который показывает телевизор, приставка или программа в терминале.',
  deviceCheckCode: 'Проверь, что устройство показывает именно этот код, и продолжай.',
  deviceCode: 'Код',
  deviceCodeHint: 'Восемь букв, например BCDF-GHJK; регистр и дефис не важны.',
  deviceContinue: 'Продолжить',
  deviceCodeWrong: 'Код неверный или устарел. Проверь код на устройстве и попробуй снова.',
  tooManyDeviceCodes: 'Слишком много неверных кодов. Попробуй позже.',
  deviceConsentHint:
    'Ты входишь на устройстве. Разрешай доступ, только если сам начал вход на этом устройстве; после ответа вернись к нему.',
  deviceApproved: 'Устройство подключено',
  deviceDenied: 'Доступ запрещён',
  deviceReturn: 'Можно вернуться к устройству.',

  signIn: 'Вход',
  signUp: 'Регистрация',
  signOut: 'Выход',
  nickname: 'Никнейм',
  password: 'Пароль',
  passwordHint: 'Не меньше 8 символов.',
  email: 'Эл. почта (необязательно)',
  badCredentials: 'Неверный никнейм или пароль.',
  tooManySignIns: 'Слишком много неудачных попыток входа. Попробуй позже.',
  tooManySignUps: 'Из твоей сети создано слишком много аккаунтов. Попробуй позже.',
  noAccount: 'Ещё нет аккаунта?',
  haveAccount: 'Уже есть аккаунт?',
  nickname_format: 'Никнейм должен состоять из 2–20 букв, цифр, точек, дефисов или подчёркиваний.',
  nickname_taken: 'Этот никнейм уже занят.',
  password_length: 'Пароль должен быть длиной от 8 до 128 символов.',
  email_format: 'Неверный адрес эл. почты.',
  settingsTitle: 'Настройки аккаунта',
  changePassword: 'Сменить пароль',
  currentPassword: 'Текущий пароль',
  newPassword: 'Новый пароль',
  newPasswordConfirmation: 'Новый пароль ещё раз',
  current_password_wrong: 'Текущий пароль неверен.',
  password_mismatch: 'Новые пароли не совпадают.',
  passwordChanged: 'Пароль изменён, все остальные сеансы завершены.',
  keepApplications: 'Не выходить из приложений',
  keepApplicationsHint: 'Смена пароля выполняет выход из аккаунта во всех приложениях, если не отметить этот пункт.',
  applicationsSignedOut: 'Выход выполнен в приложениях: {count}.',
  applicationsKept: 'Вход в приложения сохранён.',

  applicationsTitle: 'OAuth приложения',
  myApplications: 'Мои приложения',
  newApplication: 'Новое приложение',
  noApplications: 'У тебя пока нет приложений.',
  authorizedApplications: 'Приложения с доступом к моему аккаунту',
  noAuthorizedApplications: 'Ни у одного приложения нет доступа к твоему аккаунту.',
  allApplications: 'Все приложения',
  usersCount: 'Пользователей: {count}',
  scopesGranted: 'Может',
  lastUsed: 'Последнее использование',
  neverUsed: 'ещё не было',
  revokeAccess: 'Отозвать доступ',
  accessRevoked: 'Доступ отозван: приложение больше не может пользоваться твоим аккаунтом.',
  haveAccess: 'Ты дал этому приложению доступ к своему аккаунту.',
  owner: 'Владелец',
  users: 'Пользователи',
  description: 'Описание',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  redirectUris: 'Redirect URI',
  edit: 'Редактировать',
  editApplication: 'Редактирование приложения',
  name: 'Название',
  redirectUriHint: 'По одному URI в строке. Для мобильных и самостоятельных приложений укажи urn:ietf:wg:oauth:2.0:oob.',
  descriptionEn: 'Описание на английском',
  descriptionRu: 'Описание на русском',
  scopes: 'Права доступа',
  scopesHint: 'Если нужны недоступные права, попроси администратора Monban.',
  allowedScopes: 'Разрешённые права (только для администраторов)',
  create: 'Создать',
  save: 'Сохранить',
  cancel: 'Отмена',
  formHasErrors: 'Исправь ошибки ниже.',
  name_length: 'Название должно быть длиной от 1 до 255 символов.',
  redirect_uri_blank: 'Укажи хотя бы один Redirect URI.',
  redirect_uri_invalid: '{uri} {detail}',
  description_length: 'Описание должно быть не длиннее 16384 символов.',
  credentialsTitle: 'Учётные данные OAuth2',
  applicationCreated: 'Приложение создано.',
  secretRegenerated: 'Создан новый client secret. Старый больше не работает.',
  secretShownOnce: 'Скопируй client secret сейчас: он показывается только один раз. Если потеряешь, создай новый.',
  copy: 'Копировать',
  copied: 'Скопировано',
  goToApplication: 'Перейти к приложению',
  regenerateSecret: 'Создать новый secret',
  regenerateSecretHint: 'Текущий client secret сразу перестанет работать.',
  confidential: 'Конфиденциальное',
  confidentialHint:
    'Сними отметку для публичного приложения: мобильного или одностраничного, которое не может хранить секрет. У него не будет client secret, и оно должно использовать PKCE (S256). Изменить это потом нельзя.',
  clientType: 'Тип клиента',
  clientTypeConfidential: 'Конфиденциальный: входит с client secret',
  clientTypePublic: 'Публичный: без client secret, обязательно PKCE',
  publicClientNoSecret:
    'Это публичное приложение: у него нет client secret. Оно отправляет только client ID и должно использовать PKCE (code_challenge с S256).',
  deleteApplication: 'Удалить приложение',
  deleteConfirm: 'Удалить «{name}»? Его токены перестанут работать, и все пользователи потеряют доступ. Это нельзя отменить.',
  delete: 'Удалить',
  applicationDeleted: 'Приложение удалено.',
  notAllowed: 'Изменить приложение может только его владелец или администратор.',

  forbidden: 'Форма устарела или отправлена не с этого сайта. Вернись, обнови страницу и попробуй снова.',
  notFound: 'Страница не найдена',
  serverError: 'Что-то пошло не так. Попробуй ещё раз.',
};

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
