import SQLite from 'better-sqlite3';
import { workerData } from 'node:worker_threads';

/** The worker thread of SqliteCheckpointer (sqlite-checkpointer.ts). */
const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new SQLite(path);
db.pragma('busy_timeout = 5000');
// This connection only checkpoints: it never needs to be the one that does it on commit.
db.pragma('wal_autocheckpoint = 0');
// It runs until SqliteCheckpointer.close() terminates the thread, which also closes this connection.
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or interrupted: the next interval tries again.
  }
}, intervalMs);
