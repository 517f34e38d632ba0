/** What pg's errors mean: PostgreSQL's SQLSTATE codes, and pg's own errors, which carry none. */

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

/** A unique constraint violation. */
export function isPostgresUniqueViolation(code: unknown): boolean {
  return code === '23505';
}

/** A SQLSTATE of class 08 (connection exception) or one of POSTGRES_UNAVAILABLE. */
export function isPostgresUnavailable(code: string): boolean {
  return code.startsWith('08') || POSTGRES_UNAVAILABLE.has(code);
}

/** pg's own errors, which carry no code: a lost connection, a connection or query timeout. */
const PG_CLIENT_UNAVAILABLE = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /is not queryable/,
];

/** One of pg's own errors for a lost or timed-out connection. */
export function isPgClientUnavailable(message: string): boolean {
  return PG_CLIENT_UNAVAILABLE.some((pattern) => pattern.test(message));
}
