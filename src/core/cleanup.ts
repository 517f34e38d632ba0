import type { Stores } from './ports/stores.js';

/**
 * What can no longer be used, and when it may go (security.md "Cleanup"). Nothing a client can still use is ever
 * deleted:
 * - a token goes `tokenRetention` seconds after its access token expired, or after it was revoked, whichever is
 *   first: a refresh token never expires by time (Doorkeeper), and Shikimori deletes token rows 4 months after their
 *   access token expired, so a refresh token lives that long (compatibility.md §4.4). A rotated-out token is revoked
 *   when it is retired, so its replay is detected, and its family revoked (RFC 9700 §4.14.2), for that long. A token
 *   waits for its parent: see AccessTokenStore.deleteRetired;
 * - a code, once expired, stays while any token of its family does, so that its replay still revokes them (RFC 9700
 *   §4.5); a code that issued nothing goes once expired;
 * - pending authorization requests, device codes and sessions go once expired.
 * Short-lived rows go EXPIRY_MARGIN_MS after they expire, not at once: processes sharing a database may disagree on
 * the time by a little, and a device still polling for a while after its code expired keeps getting
 * `expired_token` (RFC 8628 §3.5) rather than `invalid_grant`.
 */
export const EXPIRY_MARGIN_MS = 60 * 60 * 1000;

/**
 * One kind of row the cleanup deletes: the extension point for tables outside the OAuth stores (the audit log's
 * retention, say). `deleteBatch` deletes at most `limit` rows whose time is over as of `now`, and returns how many.
 */
export interface CleanupTask {
  /** snake_case: the key in `monban cleanup --json` and in the server's log line; words in the text output. */
  name: string;
  deleteBatch(now: number, limit: number): Promise<number>;
}

export interface CleanupPolicy {
  /** MONBAN_TOKEN_RETENTION: seconds a token row stays after its access token expired or it was revoked. */
  tokenRetention: number;
}

/**
 * The OAuth stores' tasks, in the order a run takes them: tokens before codes, since a code waits for its tokens;
 * requests before the device codes they answer.
 */
export function storeCleanupTasks(stores: Stores, policy: CleanupPolicy): CleanupTask[] {
  const expiredBefore = (now: number) => now - EXPIRY_MARGIN_MS;
  const retainedSince = (now: number) => now - policy.tokenRetention * 1000;
  return [
    { name: 'tokens', deleteBatch: (now, limit) => stores.tokens.deleteRetired(retainedSince(now), limit) },
    { name: 'authorization_codes', deleteBatch: (now, limit) => stores.codes.deleteExpired(expiredBefore(now), limit) },
    {
      name: 'authorization_requests',
      deleteBatch: (now, limit) => stores.authorizationRequests.deleteExpired(expiredBefore(now), limit),
    },
    { name: 'device_codes', deleteBatch: (now, limit) => stores.deviceCodes.deleteExpired(expiredBefore(now), limit) },
    { name: 'sessions', deleteBatch: (now, limit) => stores.sessions.deleteExpired(expiredBefore(now), limit) },
  ];
}

export interface CleanupLimits {
  /** Rows per statement. */
  batchSize: number;
  /** Rows per task and run at most (Infinity: until done); a run that stops here leaves the rest to the next. */
  maxRowsPerTask: number;
}

export interface CleanupResult {
  name: string;
  removed: number;
  /** False when the task stopped at maxRowsPerTask with rows possibly left. */
  complete: boolean;
}

/**
 * Runs each task batch after batch, until a batch deletes nothing (a short batch is not the end: deleting a token
 * may free its children) or the task reaches its cap. Every task is given the same `now`, so one run draws one
 * line. A task that fails stops the run (its error is thrown); what earlier batches deleted stays deleted, and the
 * next run goes on from there.
 */
export async function runCleanup(
  tasks: readonly CleanupTask[],
  now: number,
  limits: CleanupLimits,
): Promise<CleanupResult[]> {
  const results: CleanupResult[] = [];
  for (const task of tasks) {
    let removed = 0;
    let complete = false;
    while (removed < limits.maxRowsPerTask) {
      const limit = Math.min(limits.batchSize, limits.maxRowsPerTask - removed);
      const deleted = await task.deleteBatch(now, limit);
      removed += deleted;
      if (deleted === 0) {
        complete = true;
        break;
      }
    }
    results.push({ name: task.name, removed, complete });
  }
  return results;
}
