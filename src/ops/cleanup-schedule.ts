import type { CleanupOutcome } from './cleanup.js';
import { removedCounts } from './cleanup.js';

/** The few log methods the schedule writes with (the server's pino logger). */
export interface CleanupLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The first run comes this soon after start-up (or after one interval, if shorter), so restarts do not skip it. */
const FIRST_RUN_MS = 60 * 1000;

/**
 * The server's cleanup, every MONBAN_CLEANUP_INTERVAL seconds (none at 0). One run at a time in a process: the next
 * is timed from the end of the last. The timer is unref'd, so it never keeps the process alive; `stop` waits for a
 * run in progress, so that the database is not closed under it.
 */
export class CleanupSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<CleanupOutcome>,
    private readonly log: () => CleanupLog | undefined,
  ) {}

  start(): void {
    if (this.intervalMs > 0) this.schedule(Math.min(this.intervalMs, FIRST_RUN_MS));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runNow().finally(() => {
        this.running = undefined;
        this.schedule(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /**
   * One run now; undefined when it failed (logged; the next run tries again). Logs one line when it removed
   * anything: counts only, nothing secret.
   */
  async runNow(): Promise<CleanupOutcome | undefined> {
    try {
      const outcome = await this.run();
      if (outcome.ran) {
        const removed = removedCounts(outcome.results);
        const total = Object.values(removed).reduce((a, b) => a + b, 0);
        if (total > 0) this.log()?.info({ cleanup: removed }, `cleanup removed ${total} rows`);
      }
      return outcome;
    } catch (err) {
      this.log()?.error({ err }, 'cleanup failed; the next run tries again');
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
