/**
 * The audit log's event types (docs/audit.md), named as issue 12 names them; each is one of the core's events
 * (core/events.ts), told once. A refresh is `token.refreshed` only (the core also tells it as token.issued), and a
 * user's "Revoke access" is `consent.revoked` only (the core also tells it as token.revoked by the user): one thing
 * that happened, one row.
 */
export const AUDIT_TYPES = [
  'sign_in.succeeded',
  'sign_in.failed',
  'consent.granted',
  'consent.revoked',
  'token.issued',
  'token.refreshed',
  'token.revoked',
  'refresh.replay_detected',
  'code.replay_detected',
  'client_auth.failed',
  'application.created',
  'application.secret_regenerated',
  'user_rate.changed',
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];

export function isAuditType(value: string): value is AuditType {
  return (AUDIT_TYPES as readonly string[]).includes(value);
}
