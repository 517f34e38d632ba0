import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * A real Redis for the suites that need one: MONBAN_TEST_REDIS_URL (default redis://127.0.0.1:6379), shared with
 * whatever else uses it, so every suite keeps to keys under a prefix of its own (`testPrefix`) and deletes them.
 *
 * A suite skips itself when `redisUrl` is undefined. That happens only outside CI, and loudly: with CI=true an
 * unreachable Redis fails the suite at import.
 */
const SERVER_URL = process.env.MONBAN_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

function banner(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  const rule = '!'.repeat(width + 8);
  return ['', rule, ...lines.map((l) => `!!! ${l.padEnd(width)} !!!`), rule, ''].join('\n');
}

/** A connection that gives up at once instead of retrying, for probes and clean-up. */
export function testClient(url = SERVER_URL): Redis {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  return client;
}

async function probe(): Promise<string | undefined> {
  const client = testClient();
  // ioredis rejects with "Connection is closed"; the socket's own error says why.
  let cause: Error | undefined;
  client.on('error', (err: Error) => (cause ??= err));
  try {
    await client.connect();
    await client.ping();
    return SERVER_URL;
  } catch (err) {
    const failure: unknown = cause ?? err;
    const reason = failure instanceof Error ? failure.message || failure.name : String(failure);
    const where = new URL(SERVER_URL).host;
    if (process.env.CI === 'true') {
      throw new Error(`CI=true and Redis is not reachable at ${where} (${reason}): the Redis suites must run in CI`);
    }
    console.warn(
      banner([
        `Redis is not reachable at ${where} (${reason}).`,
        'The Redis suites are SKIPPED. They run (and must pass) in CI, where CI=true makes this a failure.',
        'Start Redis or set MONBAN_TEST_REDIS_URL to run them here.',
      ]),
    );
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** The Redis URL, when reachable; undefined (after a loud warning) when not, outside CI only. */
export const redisUrl = await probe();

/** For `describe(name, { skip: skipWithoutRedis }, ...)`. */
export const skipWithoutRedis: string | false = redisUrl ? false : `Redis is not reachable at ${new URL(SERVER_URL).host}`;

/** A MONBAN_REDIS_PREFIX nobody else uses. */
export function testPrefix(label: string): string {
  return `monban-test:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under the prefix. */
export async function deleteKeys(prefix: string): Promise<void> {
  if (!redisUrl) return;
  const client = testClient(redisUrl);
  try {
    await client.connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

/** A URL where no Redis listens (a port that was free a moment ago). */
export function nowhere(port: number): string {
  return `redis://127.0.0.1:${port}`;
}
