import type { Stores } from '../core/ports/stores.js';

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** The replays the core detects (RFC 9700 §4.5, §4.14.2), as the audit log names them. */
export const REPLAY_TYPES = ['refresh.replay_detected', 'code.replay_detected'] as const;

/**
 * What an application's owner sees of its use: the users holding a live token or code for it, the tokens issued to
 * it in the last 7 days (new grants: a refresh is not a new token), and the replays detected while the audit log
 * keeps them (MONBAN_AUDIT_RETENTION).
 */
export async function applicationActivity(stores: Stores, applicationId: number, now: number) {
  const [users, issued, replays] = await Promise.all([
    stores.applications.countUsers([applicationId]),
    stores.audit.countByType(applicationId, ['token.issued'], now - WEEK_MS),
    stores.audit.countByType(applicationId, REPLAY_TYPES, 0),
  ]);
  let replaysDetected = 0;
  for (const count of replays.values()) replaysDetected += count;
  return {
    authorizedUsers: users.get(applicationId) ?? 0,
    tokensIssuedLastWeek: issued.get('token.issued') ?? 0,
    replaysDetected,
  };
}
