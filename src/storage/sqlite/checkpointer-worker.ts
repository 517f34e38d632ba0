import SQLite from 'better-sqlite3';
import { workerData } from 'node:worker_threads';

/** The worker thread of SqliteCheckpointer (checkpointer.ts). */
const { path, intervalMs } = workerData as { path: string; intervalMs: number };
/** better-sqlite3's own errors lose their message on the way out of a thread; a plain Error keeps it. */
function open(): SQLite.Database {
  try {
    // The server's connection made the file; one that is gone is an error here, never a new empty database.
    return new SQLite(path, { fileMustExist: true });
  } catch (err) {
    throw new Error(err instanceof Error ? err.message : String(err));
  }
}
const db = open();
db.pragma('busy_timeout = 5000');
// This connection only checkpoints: it never needs to be the one that does it on commit. It never writes a row
// either, so it needs no `foreign_keys = ON`: that setting governs only the writes of the connection that has it.
db.pragma('wal_autocheckpoint = 0');
// It runs until SqliteCheckpointer.close() terminates the thread, which also closes this connection.
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or interrupted: the next interval tries again.
  }
}, intervalMs);
