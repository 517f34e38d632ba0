import type { EventOf, EventOrigin, EventType, Events } from '../core/events.js';
import type { NewAuditEvent } from '../core/ports/stores.js';
import type { AuditLog } from './audit-log.js';
import type { AuditType } from './types.js';

/** A user agent is kept to this many characters: enough to tell browsers and client libraries apart. */
export const USER_AGENT_LIMIT = 256;

/** What an audit row says besides its time and origin; undefined: this event is not recorded. */
type Row = {
  type: AuditType;
  userId?: number | null;
  applicationId?: number | null;
  clientId?: string | null;
  details?: Record<string, unknown>;
};

type Mapping = { [T in EventType]?: (event: EventOf<T>) => Row | undefined };

/**
 * From the core's events (core/events.ts) to audit rows (audit/types.ts). Details are small and never a secret:
 * the core's events carry none.
 */
const MAPPING: Mapping = {
  'sign_in.succeeded': (e) => ({ type: 'sign_in.succeeded', userId: e.userId }),
  // A failed sign-in to an existing account is its owner's event too (the account page shows it).
  'sign_in.failed': (e) => ({
    type: 'sign_in.failed',
    userId: e.userId,
    details: { nickname: e.nickname, throttled: e.throttled },
  }),
  'authorization.granted': (e) => ({
    type: 'consent.granted',
    userId: e.userId,
    applicationId: e.applicationId,
    details: { scopes: e.scopes, prior: e.prior },
  }),
  'authorization.revoked': (e) => ({
    type: 'consent.revoked',
    userId: e.userId,
    applicationId: e.applicationId,
    details: { tokens_revoked: e.tokensRevoked },
  }),
  // A refresh is told as token.refreshed too: recorded once, as that.
  'token.issued': (e) =>
    e.grantType === 'refresh_token'
      ? undefined
      : {
          type: 'token.issued',
          userId: e.userId,
          applicationId: e.applicationId,
          details: { grant_type: e.grantType, token_id: e.tokenId },
        },
  'token.refreshed': (e) => ({
    type: 'token.refreshed',
    userId: e.userId,
    applicationId: e.applicationId,
    details: { token_id: e.tokenId, previous_token_id: e.previousTokenId },
  }),
  // The user's own revocation is consent.revoked (authorization.revoked): recorded once, as that.
  'token.revoked': (e) =>
    e.by === 'user'
      ? undefined
      : { type: 'token.revoked', userId: e.userId, applicationId: e.applicationId, details: { by: e.by } },
  'refresh.replayed': (e) => ({
    type: 'refresh.replay_detected',
    userId: e.userId,
    applicationId: e.applicationId,
    details: { grant_id: e.grantId, tokens_revoked: e.tokensRevoked },
  }),
  'code.replayed': (e) => ({
    type: 'code.replay_detected',
    userId: e.userId,
    applicationId: e.applicationId,
    details: { grant_id: e.grantId, tokens_revoked: e.tokensRevoked },
  }),
  // The client_id as presented: it may name no application, so it is kept as text.
  'client.authentication_failed': (e) => ({
    type: 'client_auth.failed',
    clientId: e.clientId,
    details: { method: e.method },
  }),
  'application.created': (e) => ({ type: 'application.created', userId: e.ownerId, applicationId: e.applicationId }),
  'application.secret_regenerated': (e) => ({
    type: 'application.secret_regenerated',
    userId: e.byUserId,
    applicationId: e.applicationId,
  }),
  'user_rate.changed': (e) => ({
    type: 'user_rate.changed',
    userId: e.userId,
    applicationId: e.applicationId,
    details: { user_rate_id: e.userRateId, action: e.action },
  }),
};

/**
 * Records the core's security events in the audit log: time, type, user, application, and the origin of the
 * request that caused them (the origin the HTTP layer gives the core: http/request-context.ts). Runs inside emit,
 * so it only builds a row and queues it.
 * Returns a function that stops listening.
 */
export function recordAuditEvents(events: Events, log: AuditLog, now: () => number): () => void {
  const stops = (Object.keys(MAPPING) as EventType[]).map((type) =>
    events.on(type, (event, origin) => {
      const row = (MAPPING[type] as (e: typeof event) => Row | undefined)(event);
      if (row) log.record(auditRow(row, origin, now()));
    }),
  );
  return () => stops.forEach((stop) => stop());
}

function auditRow(row: Row, origin: EventOrigin | undefined, at: number): NewAuditEvent {
  return {
    at,
    type: row.type,
    userId: row.userId ?? null,
    applicationId: row.applicationId ?? null,
    clientId: row.clientId ?? null,
    address: origin?.address ?? null,
    userAgent: origin?.userAgent?.slice(0, USER_AGENT_LIMIT) ?? null,
    details: row.details ?? {},
  };
}
