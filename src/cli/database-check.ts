import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StorageUnavailable } from '../core/ports/storage-unavailable.js';
import { databaseLabel, isPostgresUrl } from '../storage/database.js';
import { errorCode, StartupError } from './startup-errors.js';

const SET_ELSEWHERE = 'set MONBAN_DATABASE_URL to a path in a writable folder (default ./data/monban.sqlite3)';

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** The path itself if it exists, else its nearest existing ancestor (what mkdir -p would start from). */
function nearestExisting(path: string): string {
  let current = resolve(path);
  for (;;) {
    try {
      statSync(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/**
 * Before the SQLite file is opened: what is wrong with MONBAN_DATABASE_URL's path, said in one line, rather than
 * SQLite's "unable to open database file". The file must be readable and writable, and so must its folder: SQLite
 * writes its write-ahead log (-wal) and shared-memory (-shm) files beside the database.
 */
export function checkSqlitePath(path: string): void {
  if (path === ':memory:') return;
  const existing = nearestExisting(path);
  const stats = statSync(existing, { throwIfNoEntry: false });
  if (existing === resolve(path)) {
    if (stats?.isDirectory()) {
      throw new StartupError(
        `MONBAN_DATABASE_URL names a folder, ${path}, not a database file; set it to a file path, ` +
          `e.g. ${join(path, 'monban.sqlite3')}`,
      );
    }
    if (!canAccess(path, constants.R_OK | constants.W_OK)) {
      throw new StartupError(
        `cannot read and write the SQLite database ${path}; give this user read and write access to it, ` +
          `or ${SET_ELSEWHERE}`,
      );
    }
    const folder = dirname(resolve(path));
    if (!canAccess(folder, constants.W_OK | constants.X_OK)) {
      throw new StartupError(
        `the folder of the SQLite database ${path} is not writable (SQLite writes its -wal and -shm files ` +
          `beside the database); give this user write access to ${folder}, or ${SET_ELSEWHERE}`,
      );
    }
    return;
  }
  if (!stats?.isDirectory()) {
    throw new StartupError(
      `cannot create the SQLite database ${path}: ${existing} is a file, not a folder; ${SET_ELSEWHERE}`,
    );
  }
  if (!canAccess(existing, constants.W_OK | constants.X_OK)) {
    throw new StartupError(
      `cannot create the SQLite database ${path}: the folder ${existing} is not writable by this user; ` +
        `give this user write access to it, or ${SET_ELSEWHERE}`,
    );
  }
}

/** SQLite's result codes (better-sqlite3's SqliteError.code) that a path or a file explains. */
function sqliteMessage(code: string, path: string): string | undefined {
  if (code === 'SQLITE_NOTADB') {
    return (
      `${path} is not a SQLite database (another kind of file, or an encrypted one); set MONBAN_DATABASE_URL ` +
      `to Monban's database file, or to a new path`
    );
  }
  if (code === 'SQLITE_CORRUPT') {
    return `the SQLite database ${path} is damaged; restore it from a backup, or set MONBAN_DATABASE_URL to a new path`;
  }
  if (code.startsWith('SQLITE_READONLY')) {
    const fix = `give this user write access to it and its folder, or ${SET_ELSEWHERE}`;
    return `the SQLite database ${path} is read-only; ${fix}`;
  }
  if (code === 'SQLITE_FULL') return `the disk that holds the SQLite database ${path} is full; free some space`;
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code.startsWith('SQLITE_IOERR')) {
    return `cannot open the SQLite database ${path} (${code}); check the file and its folder, or ${SET_ELSEWHERE}`;
  }
  return undefined;
}

/**
 * What a failure to open or migrate the database means, in one line with the fix; undefined for one that this
 * does not know (a failed migration keeps its own message).
 */
export function databaseError(e: unknown, databaseUrl: string): StartupError | undefined {
  if (isPostgresUrl(databaseUrl)) {
    if (!(e instanceof StorageUnavailable)) return undefined;
    const cause = e.cause instanceof Error ? e.cause.message : e.message;
    return new StartupError(
      `cannot reach the PostgreSQL database ${databaseLabel(databaseUrl)} (${cause}); start it, ` +
        `or set MONBAN_DATABASE_URL to one that answers`,
    );
  }
  const code = errorCode(e);
  if (code === undefined) return undefined;
  const message = sqliteMessage(code, databaseUrl);
  if (message !== undefined) return new StartupError(message);
  // openSqlite's mkdir of the file's folder (checkSqlitePath has found nothing wrong: a race, or a special file).
  if ((e as { syscall?: unknown }).syscall === 'mkdir') {
    return new StartupError(
      `cannot create the folder of the SQLite database ${databaseUrl} (${code}); ${SET_ELSEWHERE}`,
    );
  }
  return undefined;
}
