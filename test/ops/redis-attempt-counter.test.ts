import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { MemoryAttemptCounter, SIGN_IN_LIMIT } from '../../src/accounts/throttle.js';
import { RedisFallback } from '../../src/ops/fallback.js';
import { RedisAttemptCounter } from '../../src/ops/redis-attempt-counter.js';
import { closeRedis, openRedis } from '../../src/ops/redis.js';
import { Browser } from '../helpers/browser.js';
import { PASSWORD, TestMonban } from '../helpers/monban.js';
import { freePort } from '../helpers/process.js';
import { deleteKeys, redisUrl, skipWithoutRedis, testClient, testPrefix } from './redis-support.js';

const WINDOW_MS = 15 * 60 * 1000;

function warnings() {
  const messages: string[] = [];
  return { messages, log: { warn: (_: object, message: string) => messages.push(message), info: () => {} } };
}

function counterOn(redis: Redis, windowMs = WINDOW_MS, log = warnings().log) {
  return new RedisAttemptCounter(redis, windowMs, new MemoryAttemptCounter(windowMs), new RedisFallback(() => log));
}

async function connected(redis: Redis): Promise<Redis> {
  for (let i = 0; i < 50 && redis.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(redis.status, 'ready');
  return redis;
}

describe('RedisAttemptCounter: sign-in failures in Redis (throttle.ts AttemptCounter)', { skip: skipWithoutRedis }, () => {
  const prefix = testPrefix('attempts');
  let one: Redis;
  let two: Redis;
  let inspect: Redis;
  before(async () => {
    one = await connected(openRedis(redisUrl ?? '', prefix, () => undefined));
    two = await connected(openRedis(redisUrl ?? '', prefix, () => undefined));
    inspect = testClient(redisUrl);
    await inspect.connect();
  });
  after(async () => {
    await Promise.all([closeRedis(one), closeRedis(two)]);
    inspect.disconnect();
    await deleteKeys(prefix);
  });

  it('counts up, reads the count, and forgets it on reset, key by key', async () => {
    const counter = counterOn(one);
    assert.deepEqual([await counter.increment('a'), await counter.increment('a'), await counter.increment('a')], [1, 2, 3]);
    assert.equal(await counter.count('a'), 3);
    assert.equal(await counter.count('b'), 0);
    await counter.reset('a');
    assert.equal(await counter.count('a'), 0);
  });

  it('keeps a count no longer than its window, starting at the first failure', async () => {
    const counter = counterOn(one);
    await counter.increment('ttl');
    const ttl = await inspect.pttl(`${prefix}ttl`);
    assert.ok(ttl > 0 && ttl <= WINDOW_MS, String(ttl));
    // A key that lost its expiry (written by hand, say) gets one back rather than counting forever.
    await inspect.set(`${prefix}forever`, '4');
    assert.equal(await counter.increment('forever'), 5);
    assert.ok((await inspect.pttl(`${prefix}forever`)) > 0);
  });

  it('forgets the count once the window has passed', async () => {
    const counter = counterOn(one, 50);
    await counter.increment('short');
    let count = await counter.count('short');
    for (let i = 0; i < 100 && count !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      count = await counter.count('short');
    }
    assert.equal(count, 0);
  });

  it('shares counts between connections, as between processes, and increments atomically', async () => {
    const a = counterOn(one);
    const b = counterOn(two);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).increment('shared')));
    assert.deepEqual([...results].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(await b.count('shared'), 20);
    await a.reset('shared');
    assert.equal(await b.count('shared'), 0);
  });
});

describe('RedisAttemptCounter when Redis cannot be reached', () => {
  it('counts in this process instead, and says so once at warn', async () => {
    const redis = openRedis(`redis://127.0.0.1:${await freePort()}`, 'monban-test:', () => undefined);
    const { messages, log } = warnings();
    const counter = counterOn(redis, WINDOW_MS, log);
    try {
      assert.deepEqual([await counter.increment('k'), await counter.increment('k')], [1, 2]);
      assert.equal(await counter.count('k'), 2);
      await counter.reset('k');
      assert.equal(await counter.count('k'), 0);
      assert.deepEqual(messages, ['Redis failed to count a sign-in failure; counting in this process for 5 s']);
    } finally {
      await closeRedis(redis);
    }
  });
});

describe('sign-in throttling across two servers sharing Redis (checklist §E 32)', { skip: skipWithoutRedis }, () => {
  const prefix = testPrefix('sign-in');
  let a: TestMonban;
  let b: TestMonban;
  before(async () => {
    const env = { MONBAN_REDIS_URL: redisUrl ?? '', MONBAN_REDIS_PREFIX: prefix };
    // Each in-memory database has its own alice; only Redis is shared, which is what is under test.
    a = await TestMonban.start(env);
    b = await TestMonban.start(env);
    await a.createUser('alice');
    await b.createUser('alice');
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await deleteKeys(prefix);
  });

  async function signIn(t: TestMonban, password: string): Promise<number> {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in');
    return (await browser.submit(page.body, 'form', { nickname: 'alice', password })).statusCode;
  }

  it('failures on one server count on the other: the right password is then refused there too', async () => {
    const failures: number[] = [];
    for (let i = 0; i < SIGN_IN_LIMIT; i++) failures.push(await signIn(i % 2 ? a : b, `wrong ${i}`));
    assert.deepEqual(failures, Array.from({ length: SIGN_IN_LIMIT }, () => 401));
    assert.equal(await signIn(a, PASSWORD), 429);
    assert.equal(await signIn(b, PASSWORD), 429);
  });
});
