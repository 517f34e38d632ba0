import type { AuditType } from '../../audit/types.js';
import type { Locale } from '../../core/model.js';

/** What each audit event is called on the account page (pages/security-events.ts), in English and Russian. */
export const AUDIT_LABELS: Readonly<Record<Locale, Readonly<Record<AuditType, string>>>> = {
  en: {
    'sign_in.succeeded': 'Signed in',
    'sign_in.failed': 'Failed sign-in',
    'consent.granted': 'Access granted to an application',
    'consent.revoked': 'Access revoked from an application',
    'token.issued': 'Token issued',
    'token.refreshed': 'Token refreshed',
    'token.revoked': 'Token revoked by the application',
    'refresh.replay_detected': 'Reused refresh token: its tokens were revoked',
    'code.replay_detected': 'Reused authorization code: its tokens were revoked',
    'client_auth.failed': 'Failed client authentication',
    'application.created': 'Application registered',
    'application.secret_regenerated': 'Client secret regenerated',
    'user_rate.changed': 'List entry changed',
  },
  ru: {
    'sign_in.succeeded': 'Вход',
    'sign_in.failed': 'Неудачный вход',
    'consent.granted': 'Приложению дан доступ',
    'consent.revoked': 'У приложения отозван доступ',
    'token.issued': 'Выдан токен',
    'token.refreshed': 'Токен обновлён',
    'token.revoked': 'Токен отозван приложением',
    'refresh.replay_detected': 'Повторное использование refresh-токена: его токены отозваны',
    'code.replay_detected': 'Повторное использование кода авторизации: его токены отозваны',
    'client_auth.failed': 'Неудачная аутентификация клиента',
    'application.created': 'Приложение зарегистрировано',
    'application.secret_regenerated': 'Client secret создан заново',
    'user_rate.changed': 'Изменена запись в списке',
  },
};
