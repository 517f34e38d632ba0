import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

/**
 * ioredis is loaded when Redis is configured, not when Monban starts: a start without MONBAN_REDIS_URL (the default)
 * never pays for loading it (README, Quick start). It is a CommonJS package whose exports include the class.
 */
const require = createRequire(import.meta.url);
const redisClass = (): typeof Redis => (require('ioredis') as typeof import('ioredis')).Redis;

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
  const RedisClient = redisClass();
  const redis = new RedisClient(url, {
    keyPrefix,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_MAX_MS),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log()?.warn({ err: { message: err.message } }, 'Redis connection failed; reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log()?.info({}, 'Redis is available again');
  });
  return redis;
}

/**
 * Waits for the first connection, at most CONNECT_TIMEOUT_MS, and says whether it is up. A process that starts while
 * Redis is reachable then counts in Redis from its first request; without the wait, the requests that come before the
 * connection is made fail over to this process's memory (RedisFallback) and are not shared. A first failure ends the
 * wait at once: the client keeps reconnecting behind it.
 */
export function redisConnected(redis: Redis): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (up: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      resolve(up);
    };
    const onReady = () => settle(true);
    const onError = () => settle(false);
    const timer = setTimeout(() => settle(false), CONNECT_TIMEOUT_MS);
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
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
