import { Worker } from 'node:worker_threads';

/** How often the background connection copies the write-ahead log into the database file. */
export const CHECKPOINT_INTERVAL_MS = 100;

/**
 * Checkpoints a SQLite file in WAL mode from a worker thread with a connection of its own, so that the server's
 * connection never does: by default SQLite checkpoints on the commit that fills 1000 pages of log, and that
 * commit then copies them into the database file and syncs both files to disk (synchronous = NORMAL) while every
 * request waits. A PASSIVE checkpoint blocks neither readers nor the writer; run ten times a second, it keeps the
 * log short, and the next writer starts it over once it is all copied.
 *
 * A failed checkpoint is retried by the next one. If the thread itself stops (it cannot open the file, say),
 * `onStop` is told once, with why, so that the server's connection can take checkpoints back (database.ts).
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private closing = false;

  constructor(path: string, onStop: (err: Error) => void, intervalMs = CHECKPOINT_INTERVAL_MS) {
    this.worker = new Worker(new URL('./checkpointer-worker.js', import.meta.url), {
      workerData: { path, intervalMs },
    });
    let failure: Error | undefined;
    this.worker.on('error', (err) => (failure ??= err));
    this.worker.once('exit', (code) => {
      if (this.closing) return;
      const why = failure ? failure.message : `exit code ${code}`;
      onStop(new Error(`the SQLite checkpoint thread stopped (${why})`, { cause: failure }));
    });
    this.worker.unref();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}
