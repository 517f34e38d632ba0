/** What better-sqlite3's errors mean: it reports SQLite's extended result codes as strings. */

/** A unique or primary key constraint violation. */
export function isSqliteUniqueViolation(code: unknown): boolean {
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** SQLITE_BUSY* after busy_timeout; SQLITE_LOCKED* from a shared-cache or schema lock: "not now". */
export function isSqliteUnavailable(code: string): boolean {
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}
