/** How long a process counts alone after Redis failed it, before asking Redis again. */
const RETRY_AFTER_MS = 5_000;

export interface FallbackLog {
  warn(obj: object, message: string): void;
}

/**
 * Where shared counters go while Redis cannot answer: to this process's memory, for RETRY_AFTER_MS after each
 * failure. Limits then hold per process instead of across processes, rather than not at all, and a hung Redis
 * costs one slow request per interval instead of one per request. Each switch to memory is logged once, at warn.
 */
export class RedisFallback {
  private until = 0;

  constructor(
    private readonly log: () => FallbackLog | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `shared` unless Redis failed recently; runs `local` instead when it has, or when `shared` fails now. */
  async run<T>(what: string, shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.now() < this.until) return local();
    try {
      return await shared();
    } catch (err) {
      this.until = this.now() + RETRY_AFTER_MS;
      this.log()?.warn(
        { err: { message: err instanceof Error ? err.message : String(err) } },
        `Redis failed ${what}; counting in this process for ${RETRY_AFTER_MS / 1000} s`,
      );
      return local();
    }
  }
}
