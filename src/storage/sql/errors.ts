/**
 * What a driver's error means, for both drivers: better-sqlite3 reports SQLite's extended result codes as strings
 * (`SQLITE_CONSTRAINT_UNIQUE`), pg reports PostgreSQL's SQLSTATE (`23505`) or Node's socket error code.
 */

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

/** A unique constraint violation. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * PostgreSQL's SQLSTATEs that mean "not now" rather than "never": the request may be retried and nothing was
 * decided (any transaction it ran was rolled back).
 */
const POSTGRES_UNAVAILABLE = new Set([
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting
  '57014', // query_canceled: statement_timeout
  '55P03', // lock_not_available
  '25P03', // idle_in_transaction_session_timeout
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '53300', // too_many_connections
  '40001', // serialization_failure: a conflict the client may retry
  '40P01', // deadlock_detected: likewise
]);

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

/** pg's own errors, which carry no code: a lost connection, a connection or query timeout. */
const PG_CLIENT_UNAVAILABLE = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /is not queryable/,
];

/** Whether an error means the database cannot be reached or cannot answer now (storage/errors.ts). */
export function isUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (typeof code === 'string') {
    // SQLITE_BUSY* after busy_timeout; SQLITE_LOCKED* from a shared-cache or schema lock.
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
    if (code.startsWith('08')) return true; // PostgreSQL's class 08: connection exception
    if (POSTGRES_UNAVAILABLE.has(code) || NETWORK_UNAVAILABLE.has(code)) return true;
  }
  // Connecting to a name with several addresses fails with one error per address.
  if (err instanceof AggregateError && err.errors.some(isUnavailable)) return true;
  const message = err instanceof Error ? err.message : '';
  return PG_CLIENT_UNAVAILABLE.some((pattern) => pattern.test(message));
}
