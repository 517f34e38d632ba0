import type { Redis, Result } from 'ioredis';
import { windowAt, type QuotaCount, type QuotaCounter, type QuotaWindow } from './app-quota.js';

/**
 * One request more in every window KEYS[i] (ARGV[i] its limit, ARGV[n+i] its lifetime in ms), if none is full; in
 * one atomic step, so that two processes never both take a window's last place, and a refused request counts
 * nowhere. Each key names its window's index, so it is a new key when the window changes; its expiry only clears
 * it away. Returns 1 or 0 (allowed), then each window's count.
 */
const TAKE = `
local n = #KEYS
local counts = {}
local allowed = 1
for i = 1, n do
  counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  if counts[i] >= tonumber(ARGV[i]) then allowed = 0 end
end
if allowed == 1 then
  for i = 1, n do
    counts[i] = redis.call('INCR', KEYS[i])
    if redis.call('PTTL', KEYS[i]) == -1 then redis.call('PEXPIRE', KEYS[i], ARGV[n + i]) end
  end
end
table.insert(counts, 1, allowed)
return counts
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    monbanTakeQuota(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}

/** A key outlives its window by this much, so that a process whose clock is a little behind still finds it. */
const EXPIRY_SLACK_MS = 60_000;

/**
 * Quota counts in Redis, shared by every process on MONBAN_REDIS_URL (under MONBAN_REDIS_PREFIX). The keys of one
 * application share a hash tag, so the script's keys stay in one slot of a Redis Cluster.
 */
export class RedisQuotaCounter implements QuotaCounter {
  constructor(private readonly redis: Redis) {
    if (!redis.monbanTakeQuota) redis.defineCommand('monbanTakeQuota', { lua: TAKE });
  }

  async take(applicationId: number, windows: readonly QuotaWindow[], now: number): Promise<QuotaCount> {
    const at = windows.map((w) => windowAt(w, now));
    const keys = windows.map((w, i) => `app-quota:{${applicationId}}:${w.seconds}:${at[i]!.index}`);
    const limits = windows.map((w) => w.limit);
    const lifetimes = at.map((a) => a.endsAt - now + EXPIRY_SLACK_MS);
    const [allowed, ...counts] = await this.redis.monbanTakeQuota(keys.length, ...keys, ...limits, ...lifetimes);
    return {
      allowed: allowed === 1,
      windows: at.map((a, i) => ({ used: Number(counts[i] ?? 0), resetMs: a.endsAt - now })),
    };
  }
}
