import { isPgClientUnavailable, isPostgresUniqueViolation, isPostgresUnavailable } from '../postgres/errors.js';
import { isSqliteUniqueViolation, isSqliteUnavailable } from '../sqlite/errors.js';

/**
 * What a driver's error means, whichever driver raised it: each database's codes are read in its own folder
 * (sqlite/errors.ts, postgres/errors.ts); Node's socket errors are common to both.
 */

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

/** A unique constraint violation. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return isSqliteUniqueViolation(code) || isPostgresUniqueViolation(code);
}

/** Node's socket errors on the way to the database server. */
const NETWORK_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Whether an error means the database cannot be reached or cannot answer now (core/ports/storage-unavailable.ts). */
export function isUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (typeof code === 'string') {
    if (isSqliteUnavailable(code) || isPostgresUnavailable(code) || NETWORK_UNAVAILABLE.has(code)) return true;
  }
  // Connecting to a name with several addresses fails with one error per address.
  if (err instanceof AggregateError && err.errors.some(isUnavailable)) return true;
  const message = err instanceof Error ? err.message : '';
  return isPgClientUnavailable(message);
}
