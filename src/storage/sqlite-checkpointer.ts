import { Worker } from 'node:worker_threads';

/** How often the background connection copies the write-ahead log into the database file. */
export const CHECKPOINT_INTERVAL_MS = 100;

/**
 * Checkpoints a SQLite file in WAL mode from a worker thread with a connection of its own, so that the server's
 * connection never does: by default SQLite checkpoints on the commit that fills 1000 pages of log, and that
 * commit then copies them into the database file and syncs both files to disk (synchronous = NORMAL) while every
 * request waits. A PASSIVE checkpoint blocks neither readers nor the writer; run ten times a second, it keeps the
 * log short, and the next writer starts it over once it is all copied.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;

  constructor(path: string, intervalMs = CHECKPOINT_INTERVAL_MS) {
    this.worker = new Worker(new URL('./sqlite-checkpointer-worker.js', import.meta.url), {
      workerData: { path, intervalMs },
    });
    // A failed checkpoint is retried by the next one; if the worker itself dies, SQLite's own checkpoints are
    // what is left: the server's connection keeps its wal_autocheckpoint as a bound (database.ts).
    this.worker.on('error', () => undefined);
    this.worker.unref();
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
