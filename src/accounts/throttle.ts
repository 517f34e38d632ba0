/**
 * Throttling of failed sign-ins (RFC 6749 §10.10, ASVS 6.3.1): after `limit` failures within the window, for one
 * nickname or from one address, sign-in answers "try again later" without checking the password. The counts live
 * behind AttemptCounter, so that several processes can share them (a Redis counter) instead of each keeping its own.
 */

export interface AttemptCounter {
  /** How many failures are recorded under this key within the counter's window. */
  count(key: string): Promise<number>;
  /** Records one failure under this key; returns the count within the window, this one included. */
  increment(key: string): Promise<number>;
  /** Forgets every failure recorded under this key. */
  reset(key: string): Promise<void>;
}

export const SIGN_IN_LIMIT = 10;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/**
 * A sliding-window counter in this process's memory. The oldest keys are dropped beyond `maxKeys`, so a flood of
 * made-up nicknames costs bounded memory (at worst, an old count is forgotten early).
 */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const times = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (times.length === 0) this.failures.delete(key);
    return times;
  }

  async count(key: string): Promise<number> {
    return this.recent(key).length;
  }

  async increment(key: string): Promise<number> {
    const times = [...this.recent(key), this.now()];
    // Re-inserting moves the key to the end of the Map's order, which is the eviction order.
    this.failures.delete(key);
    this.failures.set(key, times);
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
    return times.length;
  }

  async reset(key: string): Promise<void> {
    this.failures.delete(key);
  }
}

/** Per-nickname and per-address limits on failed sign-ins, over one AttemptCounter. */
export class SignInThrottle {
  constructor(
    private readonly counter: AttemptCounter,
    readonly limit = SIGN_IN_LIMIT,
    readonly windowMs = SIGN_IN_WINDOW_MS,
  ) {}

  /** Keyed on the nickname as typed (case-folded), whether or not an account has it: the answer reveals nothing. */
  private static nicknameKey(nickname: string): string {
    return `sign-in:nickname:${nickname.normalize('NFC').toLowerCase()}`;
  }

  private static addressKey(address: string): string {
    return `sign-in:address:${address}`;
  }

  async blocked(nickname: string, address: string): Promise<boolean> {
    const [byNickname, byAddress] = await Promise.all([
      this.counter.count(SignInThrottle.nicknameKey(nickname)),
      this.counter.count(SignInThrottle.addressKey(address)),
    ]);
    return byNickname >= this.limit || byAddress >= this.limit;
  }

  async failed(nickname: string, address: string): Promise<void> {
    await Promise.all([
      this.counter.increment(SignInThrottle.nicknameKey(nickname)),
      this.counter.increment(SignInThrottle.addressKey(address)),
    ]);
  }

  /**
   * A success clears the nickname's failures, not the address's: one account the attacker owns must not let them
   * keep guessing other people's passwords from the same address.
   */
  async succeeded(nickname: string): Promise<void> {
    await this.counter.reset(SignInThrottle.nicknameKey(nickname));
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

  async blocked(address: string): Promise<boolean> {
    return (await this.counter.count(SignUpThrottle.key(address))) >= this.limit;
  }

  async created(address: string): Promise<void> {
    await this.counter.increment(SignUpThrottle.key(address));
  }
}
