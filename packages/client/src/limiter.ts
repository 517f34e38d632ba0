/**
 * A limit of `limit` requests in any window of `windowMs` milliseconds, kept to avoid 429 (RFC 6585 §4).
 *
 * @example
 * ```ts
 * const windows: RateWindow[] = [{ limit: 10, windowMs: 1000 }];
 * createClient({ ..., rateLimit: windows });
 * ```
 */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/**
 * Shikimori's API limits: 5 requests a second and 90 a minute (its API documentation); beyond them it answers 429
 * (RFC 6585 §4).
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter(SHIKIMORI_LIMITS);
 * ```
 */
export const SHIKIMORI_LIMITS: readonly RateWindow[] = [
  { limit: 5, windowMs: 1000 },
  { limit: 90, windowMs: 60_000 },
];

/**
 * A client-side limiter over sliding windows: `take()` resolves when one more request fits in every window, so
 * an application stays under the server's limits instead of learning them from 429s (RFC 6585 §4). Waiters go in
 * order.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter(SHIKIMORI_LIMITS);
 * await limiter.take();
 * await fetch('https://shikimori.one/api/animes');
 * ```
 */
export class RateLimiter {
  private readonly sent: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly windows: readonly RateWindow[] = SHIKIMORI_LIMITS,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Waits for a free slot and takes it. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.now();
      const longest = Math.max(...this.windows.map((w) => w.windowMs));
      while (this.sent.length > 0 && (this.sent[0] ?? 0) <= now - longest) this.sent.shift();
      let wait = 0;
      for (const window of this.windows) {
        const inWindow = this.sent.filter((t) => t > now - window.windowMs);
        if (inWindow.length >= window.limit) {
          const oldest = inWindow[inWindow.length - window.limit] ?? now;
          wait = Math.max(wait, oldest + window.windowMs - now);
        }
      }
      if (wait <= 0) {
        this.sent.push(now);
        return;
      }
      await this.sleep(wait);
    }
  }
}
