import { nicknameKey } from '../core/nickname-key.js';

/**
 * Throttling of sign-ins and sign-ups (RFC 6749 §10.10, ASVS 6.3.1). An attempt takes its place under the limit
 * BEFORE the password is checked or the account made, in one atomic step, and gives it back when it turns out not
 * to count: so at most `limit` attempts are ever judged within the window, however many arrive at once (counting
 * after the check let a burst of 40 through, all of them checked). The counts live behind AttemptCounter, so that
 * several processes can share them (a Redis counter) instead of each keeping its own.
 */
export interface AttemptCounter {
  /**
   * Takes one place under this key if fewer than `limit` are taken within the counter's window, atomically: of
   * callers racing for the last place, one gets it. False (nothing recorded) when the key is full.
   */
  acquire(key: string, limit: number): Promise<boolean>;
  /** Gives back a place that acquire took, for an attempt that turned out not to count. */
  release(key: string): Promise<void>;
}

export const SIGN_IN_LIMIT = 10;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/**
 * A sliding-window counter in this process's memory. The oldest keys are dropped beyond `maxKeys`, so a flood of
 * made-up nicknames costs bounded memory (at worst, an old count is forgotten early).
 */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.attempts.get(key) ?? []).filter((t) => t > since);
  }

  // No await between reading the count and writing it: one event-loop turn, so atomic within the process.
  async acquire(key: string, limit: number): Promise<boolean> {
    const times = this.recent(key);
    if (times.length >= limit) return false;
    times.push(this.now());
    // Re-inserting moves the key to the end of the Map's order, which is the eviction order.
    this.attempts.delete(key);
    this.attempts.set(key, times);
    while (this.attempts.size > this.maxKeys) {
      const oldest = this.attempts.keys().next().value;
      if (oldest === undefined) break;
      this.attempts.delete(oldest);
    }
    return true;
  }

  /** Drops the newest place: the one given back may be older, so a failure may leave the window a little early. */
  async release(key: string): Promise<void> {
    const times = this.recent(key);
    times.pop();
    if (times.length === 0) this.attempts.delete(key);
    else if (this.attempts.has(key)) this.attempts.set(key, times);
  }
}

/** What a throttled step gave: its own result, or nothing because a limit was full. */
export type Throttled<T> = { throttled: true } | { throttled: false; result: T };

/**
 * Per-nickname and per-address limits on failed sign-ins, over one AttemptCounter. Only failures stay counted: a
 * right password gives its places back, but erases no failure (a success that cleared the nickname's count would
 * let the guesses racing beside it start over).
 */
export class SignInThrottle {
  constructor(
    private readonly counter: AttemptCounter,
    readonly limit = SIGN_IN_LIMIT,
    readonly windowMs = SIGN_IN_WINDOW_MS,
  ) {}

  /**
   * Keyed on the nickname as typed, folded as nicknames are compared (`ＡＬＩＣＥ` counts as `alice`), whether or not
   * an account has it: the answer reveals nothing.
   */
  private static nicknameKey(nickname: string): string {
    return `sign-in:nickname:${nicknameKey(nickname)}`;
  }

  private static addressKey(address: string): string {
    return `sign-in:address:${address}`;
  }

  /**
   * Runs `check`, which judges a password, only when both the nickname and the address have room, holding a place
   * under each meanwhile. When `failed(result)`, both places stay: they are the failure. Otherwise (and when
   * `check` throws, judging nothing) both are given back.
   */
  attempt<T>(
    nickname: string,
    address: string,
    check: () => Promise<T>,
    failed: (result: T) => boolean,
  ): Promise<Throttled<T>> {
    const keys = [SignInThrottle.nicknameKey(nickname), SignInThrottle.addressKey(address)];
    return attemptUnderLimits(this.counter, keys, this.limit, check, failed);
  }
}

/**
 * Runs `check` only when every key has room under `limit`, holding a place under each meanwhile (taken one after
 * the other; a full key gives back those already taken). When `failed(result)`, the places stay: they are the
 * failure. Otherwise, and when `check` throws (judging nothing), they are given back.
 */
export async function attemptUnderLimits<T>(
  counter: AttemptCounter,
  keys: readonly string[],
  limit: number,
  check: () => Promise<T>,
  failed: (result: T) => boolean,
): Promise<Throttled<T>> {
  const taken: string[] = [];
  const giveBack = () => Promise.all(taken.splice(0).map((key) => counter.release(key)));
  try {
    for (const key of keys) {
      if (!(await counter.acquire(key, limit))) {
        await giveBack();
        return { throttled: true };
      }
      taken.push(key);
    }
    const result = await check();
    if (!failed(result)) await giveBack();
    return { throttled: false, result };
  } catch (err) {
    await giveBack();
    throw err;
  }
}

/** Accounts one address may create within SIGN_IN_WINDOW_MS. */
export const SIGN_UP_LIMIT = 10;

/**
 * A limit on accounts created from one address, so that a script cannot make accounts by the thousand (each one
 * an argon2id hash, and a fresh nickname to guess passwords with). Only created accounts count: a refused form
 * creates nothing, and the request rate limit already bounds those.
 */
export class SignUpThrottle {
  constructor(
    private readonly counter: AttemptCounter,
    readonly limit = SIGN_UP_LIMIT,
    readonly windowMs = SIGN_IN_WINDOW_MS,
  ) {}

  private static key(address: string): string {
    return `sign-up:address:${address}`;
  }

  /**
   * Runs `create` only when the address has room, holding a place meanwhile; the place stays if the account is
   * made and is given back if `create` throws (a refused registration, say).
   */
  async attempt<T>(address: string, create: () => Promise<T>): Promise<Throttled<T>> {
    const key = SignUpThrottle.key(address);
    if (!(await this.counter.acquire(key, this.limit))) return { throttled: true };
    try {
      return { throttled: false, result: await create() };
    } catch (err) {
      await this.counter.release(key);
      throw err;
    }
  }
}
