import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { MemoryAttemptCounter, SIGN_IN_LIMIT } from '../../src/accounts/throttle.js';
import { RedisFallback } from '../../src/ops/fallback.js';
import { RedisAttemptCounter } from '../../src/ops/redis-attempt-counter.js';
import { closeRedis, openRedis } from '../../src/ops/redis.js';
import { Browser } from '../helpers/browser.js';
import { burstOfSignIns, preparePost } from '../http/burst-support.js';
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

describe('RedisAttemptCounter: sign-in and sign-up attempts in Redis', { skip: skipWithoutRedis }, () => {
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

  it('takes places up to the limit, key by key, and gives them back', async () => {
    const counter = counterOn(one);
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push(await counter.acquire('a', 3));
    assert.deepEqual(taken, [true, true, true, false]);
    assert.equal(await inspect.get(`${prefix}a`), '3', 'a refused attempt takes no place');
    assert.equal(await counter.acquire('b', 3), true);
    await counter.release('a');
    assert.equal(await counter.acquire('a', 3), true);
    for (let i = 0; i < 5; i++) await counter.release('a');
    assert.equal(await inspect.exists(`${prefix}a`), 0, 'never below nothing');
    assert.equal(await counter.acquire('a', 1), true);
  });

  it('keeps a count no longer than its window, starting at the first attempt', async () => {
    const counter = counterOn(one);
    await counter.acquire('ttl', 10);
    const ttl = await inspect.pttl(`${prefix}ttl`);
    assert.ok(ttl > 0 && ttl <= WINDOW_MS, String(ttl));
    // A key that lost its expiry (written by hand, say) gets one back rather than counting forever, full or not.
    await inspect.set(`${prefix}forever`, '4');
    assert.equal(await counter.acquire('forever', 10), true);
    assert.equal(await inspect.get(`${prefix}forever`), '5');
    assert.ok((await inspect.pttl(`${prefix}forever`)) > 0);
    await inspect.set(`${prefix}full-forever`, '10');
    assert.equal(await counter.acquire('full-forever', 10), false);
    assert.ok((await inspect.pttl(`${prefix}full-forever`)) > 0);
  });

  it('forgets the count once the window has passed', async () => {
    const counter = counterOn(one, 50);
    assert.equal(await counter.acquire('short', 1), true);
    let again = await counter.acquire('short', 1);
    for (let i = 0; i < 100 && !again; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await counter.acquire('short', 1);
    }
    assert.equal(again, true);
  });

  it('shares counts between connections, as between processes: of 40 racing for 10 places, 10 get one', async () => {
    const a = counterOn(one);
    const b = counterOn(two);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).acquire('shared', 10)));
    assert.equal(results.filter(Boolean).length, 10);
    assert.equal(await inspect.get(`${prefix}shared`), '10');
    await a.release('shared');
    assert.equal(await b.acquire('shared', 10), true);
    assert.equal(await a.acquire('shared', 10), false);
  });
});

describe('RedisAttemptCounter when Redis cannot be reached', () => {
  it('counts in this process instead, and says so once at warn', async () => {
    const redis = openRedis(`redis://127.0.0.1:${await freePort()}`, 'monban-test:', () => undefined);
    const { messages, log } = warnings();
    const counter = counterOn(redis, WINDOW_MS, log);
    try {
      assert.deepEqual([await counter.acquire('k', 2), await counter.acquire('k', 2), await counter.acquire('k', 2)], [
        true,
        true,
        false,
      ]);
      await counter.release('k');
      assert.equal(await counter.acquire('k', 2), true);
      assert.deepEqual(messages, ['Redis failed to count a sign-in attempt; counting in this process for 5 s']);
    } finally {
      await closeRedis(redis);
    }
  });
});

describe('sign-in throttling across two servers sharing Redis (security.md #32)', { skip: skipWithoutRedis }, () => {
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

describe('a burst of sign-ins over two servers sharing Redis (issue 9)', { skip: skipWithoutRedis }, () => {
  const prefix = testPrefix('sign-in-burst');
  let a: TestMonban;
  let b: TestMonban;
  before(async () => {
    const env = { MONBAN_REDIS_URL: redisUrl ?? '', MONBAN_REDIS_PREFIX: prefix };
    a = await TestMonban.start(env);
    b = await TestMonban.start(env);
    await a.createUser('alice');
    await b.createUser('alice');
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await deleteKeys(prefix);
  });

  it('40 at once for one nickname, half on each server, from 40 addresses: at most 10 passwords judged', async () => {
    await burstOfSignIns(SIGN_IN_LIMIT, PASSWORD, (i, password) =>
      preparePost((i % 2 ? a : b).server, `198.51.100.${i + 1}`, '/users/sign_in', 'sign_in', {
        nickname: 'alice',
        password,
      }),
    );
  });
});
