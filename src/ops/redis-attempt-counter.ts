import type { Redis, Result } from 'ioredis';
import type { AttemptCounter } from '../accounts/throttle.js';
import type { RedisFallback } from './fallback.js';

/**
 * One place more under KEYS[1] if fewer than ARGV[2] are taken, in one atomic step (a script runs alone, so two
 * processes never both take the last place). The window starts at the first place (or whenever the key has lost
 * its expiry), so a count never outlives its window and two processes never both start it.
 */
const ACQUIRE = `
local acquired = tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[2])
if acquired then redis.call('INCR', KEYS[1]) end
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return acquired and 1 or 0
`;

/** One place less under KEYS[1], never below nothing (the window may have ended meanwhile). */
const RELEASE = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 1 then return redis.call('DECR', KEYS[1]) end
redis.call('DEL', KEYS[1])
return 0
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    monbanAcquireAttempt(key: string, windowMs: number, limit: number): Result<number, Context>;
    monbanReleaseAttempt(key: string): Result<number, Context>;
  }
}

/**
 * Sign-in and sign-up attempts counted in Redis, so that the throttles (accounts/throttle.ts) hold across every
 * process that shares MONBAN_REDIS_URL. The window is fixed from the first attempt, where the in-memory counter's
 * slides: a burst just before the window ends may be followed by `limit` more tries, no more.
 *
 * While Redis cannot answer, counts go to `local` (this process's memory) instead of failing the sign-in. A place
 * taken on one side and given back on the other while switching leaves one count a place short, for one window.
 */
export class RedisAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly windowMs: number,
    private readonly local: AttemptCounter,
    private readonly fallback: RedisFallback,
  ) {
    if (!redis.monbanAcquireAttempt) redis.defineCommand('monbanAcquireAttempt', { numberOfKeys: 1, lua: ACQUIRE });
    if (!redis.monbanReleaseAttempt) redis.defineCommand('monbanReleaseAttempt', { numberOfKeys: 1, lua: RELEASE });
  }

  acquire(key: string, limit: number): Promise<boolean> {
    return this.fallback.run(
      'to count a sign-in attempt',
      async () => (await this.redis.monbanAcquireAttempt(key, this.windowMs, limit)) === 1,
      () => this.local.acquire(key, limit),
    );
  }

  async release(key: string): Promise<void> {
    await this.fallback.run(
      'to give back a sign-in attempt',
      async () => void (await this.redis.monbanReleaseAttempt(key)),
      () => this.local.release(key),
    );
  }
}
