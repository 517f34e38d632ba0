import type { Redis, Result } from 'ioredis';
import type { AttemptCounter } from '../accounts/throttle.js';
import type { RedisFallback } from './fallback.js';

/**
 * One failure more under KEYS[1], in one atomic step: the window starts at the first failure (or whenever the key
 * has lost its expiry), so a count never outlives its window and two processes never both start it.
 */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    monbanCountFailure(key: string, windowMs: number): Result<number, Context>;
  }
}

/**
 * Failed sign-ins counted in Redis, so that the throttle (accounts/throttle.ts) holds across every process that
 * shares MONBAN_REDIS_URL. The window is fixed from the first failure, where the in-memory counter's slides: a
 * burst just before the window ends may be followed by `limit` more tries, no more.
 *
 * While Redis cannot answer, counts go to `local` (this process's memory) instead of failing the sign-in.
 */
export class RedisAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly windowMs: number,
    private readonly local: AttemptCounter,
    private readonly fallback: RedisFallback,
  ) {
    if (!redis.monbanCountFailure) redis.defineCommand('monbanCountFailure', { numberOfKeys: 1, lua: INCREMENT });
  }

  count(key: string): Promise<number> {
    return this.fallback.run(
      'to count sign-in failures',
      async () => Number((await this.redis.get(key)) ?? 0),
      () => this.local.count(key),
    );
  }

  increment(key: string): Promise<number> {
    return this.fallback.run(
      'to count a sign-in failure',
      () => this.redis.monbanCountFailure(key, this.windowMs),
      () => this.local.increment(key),
    );
  }

  async reset(key: string): Promise<void> {
    await this.fallback.run(
      'to reset sign-in failures',
      async () => void (await this.redis.del(key)),
      () => this.local.reset(key),
    );
  }
}
