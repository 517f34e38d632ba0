import { Redis } from 'ioredis';

/**
 * Bounds on every wait, so that a Redis that is down or hung costs a request at most COMMAND_TIMEOUT_MS and never
 * hangs it: while disconnected a command fails at once (no offline queue), and a command whose answer does not come
 * is abandoned. The client reconnects by itself, forever, at most every RECONNECT_MAX_MS.
 */
const CONNECT_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 500;
const RECONNECT_MAX_MS = 2_000;

export interface RedisLog {
  warn(obj: object, message: string): void;
  info(obj: object, message: string): void;
}

/**
 * A Redis connection for MONBAN_REDIS_URL; every key starts with MONBAN_REDIS_PREFIX. Connection errors are logged
 * once per outage (ioredis reports every failed reconnection), and never thrown from here.
 */
export function openRedis(url: string, keyPrefix: string, log: () => RedisLog | undefined): Redis {
  const redis = new Redis(url, {
    keyPrefix,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_MAX_MS),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    const logger = log();
    if (down || !logger) return;
    down = true;
    logger.warn({ err: { message: err.message } }, 'Redis connection failed; reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log()?.info({}, 'Redis is available again');
  });
  return redis;
}

/** Whether Redis answers PING now (for /readyz). */
export async function redisReachable(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}

/** Closes the connection, politely if Redis answers, at once if not. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
