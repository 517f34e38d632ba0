import type { AuditStore, NewAuditEvent } from '../core/ports/stores.js';

/** How long an event waits in memory before it is written with the others. */
export const AUDIT_FLUSH_MS = 1_000;

/** Events that start a write at once, without waiting for the timer: a burst is written in steady batches. */
export const AUDIT_BATCH = 500;

/**
 * Events held in memory at most, queued or being written. Past it, new events are dropped (counted and logged):
 * a database that cannot keep up must not take the server's memory with it.
 */
export const AUDIT_QUEUE_LIMIT = 10_000;

export interface AuditLogReports {
  /** A write failed; its events are lost. */
  error(err: unknown): void;
  /** Events were dropped because the queue was full. */
  warn(message: string): void;
}

export interface AuditLogOptions {
  flushMs?: number;
  batch?: number;
  queueLimit?: number;
}

/**
 * The audit log's writer. A request only queues its events in memory (no await, no write); they are written in one
 * INSERT with the others of the same second, or at once when a batch is full, one write at a time and in order
 * (as core/last-use.ts writes token uses). A failed write is reported, never thrown to a request; the queue is
 * bounded; close() writes what is left. A process killed without a shutdown loses at most its last second of
 * events (docs/audit.md).
 */
export class AuditLog {
  private queue: NewAuditEvent[] = [];
  /** Events queued or in a write not finished yet: what the limit counts. */
  private held = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private droppedNow = 0;
  /** Events dropped since start because the queue was full. */
  dropped = 0;
  /** Events lost since start because their write failed. */
  failed = 0;

  private readonly flushMs: number;
  private readonly batch: number;
  private readonly queueLimit: number;

  constructor(
    private readonly store: AuditStore,
    private readonly reports: AuditLogReports,
    options: AuditLogOptions = {},
  ) {
    this.flushMs = options.flushMs ?? AUDIT_FLUSH_MS;
    this.batch = options.batch ?? AUDIT_BATCH;
    this.queueLimit = options.queueLimit ?? AUDIT_QUEUE_LIMIT;
  }

  /** Queues one event; never throws, never waits. */
  record(event: NewAuditEvent): void {
    if (this.held >= this.queueLimit) {
      if (this.droppedNow === 0) {
        this.reports.warn(`audit log: ${this.held} events wait to be written; dropping new ones until they are`);
      }
      this.droppedNow++;
      this.dropped++;
      return;
    }
    this.queue.push(event);
    this.held++;
    if (this.queue.length >= this.batch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes every event queued so far; resolves once written (or failed and reported). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    // A report that threw (tests make it throw) rejects that flush, and must not stop the writes after it.
    this.writing = this.writing.catch(() => {}).then(() => this.write(batch));
    return this.writing;
  }

  private async write(batch: NewAuditEvent[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.store.append(batch);
    } catch (err) {
      this.failed += batch.length;
      this.reports.error(err);
    } finally {
      this.held -= batch.length;
      if (this.droppedNow > 0 && this.held < this.queueLimit) {
        this.reports.warn(`audit log: ${this.droppedNow} events dropped while the queue was full`);
        this.droppedNow = 0;
      }
    }
  }
}
