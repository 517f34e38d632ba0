/**
 * Per-application quotas (security.md, "Per-application quotas"): API requests made with an application's tokens
 * count against its quota, answered with RateLimit-Policy and RateLimit, and refused with 429 and Retry-After past
 * it; counted in memory, or in Redis when MONBAN_REDIS_URL is set, and in memory again while Redis fails.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { formatQuota, parseQuota, QuotaSyntaxError } from '../../src/core/quota.js';
import type { ApplicationQuota } from '../../src/core/model.js';
import { freePort } from '../helpers/process.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { deleteKeys, redisUrl, skipWithoutRedis, testPrefix } from './redis-support.js';
import { LogCapture } from './support.js';

const EXCEEDED = '{"message":"Application request quota exceeded","code":429}';

interface Setup {
  t: TestMonban;
  app: TestApp;
  token: string;
  /** Another application's token, with no quota. */
  otherToken: string;
}

async function setup(env: Record<string, string> = {}, options: Parameters<typeof TestMonban.start>[1] = {}) {
  const t = await TestMonban.start(env, options);
  const alice = await t.createUser('alice');
  const app = await t.createApp(alice.id, { name: 'Limited' });
  const other = await t.createApp(alice.id, { name: 'Free' });
  const browser = await t.browserFor('alice');
  const token = (await t.tokensFor(browser, app)).access_token;
  const otherToken = (await t.tokensFor(browser, other)).access_token;
  return { t, app, token, otherToken } satisfies Setup;
}

async function setQuota(s: Setup, quota: ApplicationQuota | null): Promise<void> {
  await s.t.stores.applications.setQuota(s.app.application.id, quota, s.t.clock.now());
}

describe('quota settings (core/quota.ts)', () => {
  it('reads COUNT/min, COUNT/day, both, and none', () => {
    assert.deepEqual(parseQuota('600/min,50000/day'), { perMinute: 600, perDay: 50000 });
    assert.deepEqual(parseQuota(' 50000/DAY , 600/min '), { perMinute: 600, perDay: 50000 });
    assert.deepEqual(parseQuota('10/min'), { perMinute: 10, perDay: null });
    assert.deepEqual(parseQuota('7/day'), { perMinute: null, perDay: 7 });
    assert.equal(parseQuota('none'), null);
    assert.equal(parseQuota(''), null);
    assert.equal(formatQuota({ perMinute: 600, perDay: 50000 }), '600/min,50000/day');
    assert.equal(formatQuota({ perMinute: null, perDay: 7 }), '7/day');
    assert.equal(formatQuota(null), 'none');
  });

  it('refuses anything else with the reason', () => {
    for (const bad of ['600', '600/hour', '0/min', '-1/min', '1.5/min', '1/min,2/min', '1/min,', '2000000000/day']) {
      assert.throws(() => parseQuota(bad), QuotaSyntaxError, bad);
    }
  });
});

describe('application quotas, counted in memory', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(() => s.t.close());

  it('sends no quota headers for an application without a quota, nor for guests', async () => {
    const response = await s.t.whoami(s.token);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['ratelimit-policy'], undefined);
    assert.equal(response.headers.ratelimit, undefined);
    const guest = await s.t.server.inject({ method: 'GET', url: '/api/users/whoami' });
    assert.equal(guest.headers.ratelimit, undefined);
  });

  it('answers RateLimit-Policy and RateLimit on each request, then 429 with Retry-After past the quota', async () => {
    await setQuota(s, { perMinute: 3, perDay: 1000 });
    // The test clock stands at 12:00:00 UTC: 60 s left in the minute, 12 h in the day.
    const policy = '"per-minute";q=3;w=60, "per-day";q=1000;w=86400';
    for (const remaining of [2, 1, 0]) {
      const response = await s.t.whoami(s.token);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['ratelimit-policy'], policy);
      const expected = `"per-minute";r=${remaining};t=60, "per-day";r=${997 + remaining};t=43200`;
      assert.equal(response.headers.ratelimit, expected);
    }
    s.t.clock.advance(18); // 12:00:18
    const refused = await s.t.whoami(s.token);
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(refused.headers['cache-control'], 'no-store');
    assert.equal(refused.headers['retry-after'], '42');
    assert.equal(refused.headers['ratelimit-policy'], policy);
    assert.equal(refused.headers.ratelimit, '"per-minute";r=0;t=42, "per-day";r=997;t=43182');
    assert.equal(refused.body, EXCEEDED);
    // A refused request is not counted: the day still has 997 left.
    assert.equal((await s.t.whoami(s.token)).headers.ratelimit, '"per-minute";r=0;t=42, "per-day";r=997;t=43182');
  });

  it('starts a new window at the next minute', async () => {
    await setQuota(s, { perMinute: 2, perDay: null });
    assert.equal((await s.t.whoami(s.token)).statusCode, 200);
    assert.equal((await s.t.whoami(s.token)).statusCode, 200);
    assert.equal((await s.t.whoami(s.token)).statusCode, 429);
    s.t.clock.advance(59);
    assert.equal((await s.t.whoami(s.token)).statusCode, 429);
    s.t.clock.advance(1);
    const next = await s.t.whoami(s.token);
    assert.equal(next.statusCode, 200);
    assert.equal(next.headers['ratelimit-policy'], '"per-minute";q=2;w=60');
    assert.equal(next.headers.ratelimit, '"per-minute";r=1;t=60');
  });

  it('gives the day window its own Retry-After, up to midnight UTC', async () => {
    await setQuota(s, { perMinute: 100, perDay: 2 });
    await s.t.whoami(s.token);
    await s.t.whoami(s.token);
    s.t.clock.advance(120);
    const refused = await s.t.whoami(s.token);
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['retry-after'], String(12 * 3600 - 120));
    s.t.clock.advance(12 * 3600 - 120);
    assert.equal((await s.t.whoami(s.token)).statusCode, 200);
  });

  it('counts each application alone, and a bad token is refused before any counting', async () => {
    await setQuota(s, { perMinute: 1, perDay: null });
    assert.equal((await s.t.whoami(s.token)).statusCode, 200);
    assert.equal((await s.t.whoami(s.token)).statusCode, 429);
    const other = await s.t.whoami(s.otherToken);
    assert.equal(other.statusCode, 200);
    assert.equal(other.headers.ratelimit, undefined);
    const bad = await s.t.whoami('not-a-token');
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.headers.ratelimit, undefined);
  });

  it('takes a new quota from the next request, and none once it is removed', async () => {
    await setQuota(s, { perMinute: 1, perDay: null });
    await s.t.whoami(s.token);
    assert.equal((await s.t.whoami(s.token)).statusCode, 429);
    await setQuota(s, { perMinute: 5, perDay: null });
    assert.equal((await s.t.whoami(s.token)).headers.ratelimit, '"per-minute";r=3;t=60');
    await setQuota(s, null);
    const free = await s.t.whoami(s.token);
    assert.equal(free.statusCode, 200);
    assert.equal(free.headers.ratelimit, undefined);
  });

  it('does not count the token endpoint (its per-address limits stay as on Shikimori)', async () => {
    await setQuota(s, { perMinute: 1, perDay: null });
    const response = await s.t.token({
      grant_type: 'client_credentials',
      client_id: s.app.clientId,
      client_secret: s.app.clientSecret,
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers.ratelimit, undefined);
    assert.equal((await s.t.whoami(s.token)).statusCode, 200);
  });

  it('lets a browser page read the quota headers (Access-Control-Expose-Headers)', async () => {
    await setQuota(s, { perMinute: 1, perDay: null });
    await s.t.whoami(s.token);
    const refused = await s.t.server.inject({
      method: 'GET',
      url: '/api/users/whoami',
      headers: { authorization: `Bearer ${s.token}`, origin: 'https://spa.example' },
    });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['access-control-allow-origin'], '*');
    assert.equal(refused.headers['access-control-expose-headers'], 'RateLimit-Policy, RateLimit, Retry-After');
  });
});

describe('application quotas shared through Redis (MONBAN_REDIS_URL)', { skip: skipWithoutRedis }, () => {
  const prefix = testPrefix('app-quota');
  let first: Setup;
  let second: TestMonban;
  before(async () => {
    const env = { MONBAN_REDIS_URL: redisUrl ?? '', MONBAN_REDIS_PREFIX: prefix };
    first = await setup(env);
    second = await TestMonban.start(env);
  });
  after(async () => {
    await first.t.close();
    await second.close();
    await deleteKeys(prefix);
  });

  it('counts in Redis, one window key per application and window', async () => {
    await setQuota(first, { perMinute: 2, perDay: 10 });
    assert.equal((await first.t.whoami(first.token)).headers.ratelimit, '"per-minute";r=1;t=60, "per-day";r=9;t=43200');
    assert.equal((await first.t.whoami(first.token)).statusCode, 200);
    const refused = await first.t.whoami(first.token);
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['retry-after'], '60');
    // The next minute: a new key; the day's count goes on.
    first.t.clock.advance(60);
    assert.equal((await first.t.whoami(first.token)).headers.ratelimit, '"per-minute";r=1;t=60, "per-day";r=7;t=43140');
  });
});

describe('application quotas when Redis fails (counted in the process instead)', () => {
  it('Redis unreachable: the quota still holds, in this process, and a warning is logged', async () => {
    const logs = new LogCapture();
    const env = { MONBAN_REDIS_URL: `redis://127.0.0.1:${await freePort()}`, MONBAN_LOG_LEVEL: 'warn' };
    const s = await setup(env, { logDestination: logs });
    try {
      await setQuota(s, { perMinute: 2, perDay: null });
      assert.equal((await s.t.whoami(s.token)).statusCode, 200);
      assert.equal((await s.t.whoami(s.token)).statusCode, 200);
      const refused = await s.t.whoami(s.token);
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers.ratelimit, '"per-minute";r=0;t=60');
      const warnings = logs.entries.map((entry) => String(entry.msg));
      // The process falls back once for every counter (ops/fallback.ts): here the sign-in's count did it first.
      assert.ok(warnings.includes('Redis is not reachable; counting in this process until it is'), String(warnings));
      assert.ok(warnings.some((m) => /^Redis failed to count .*; counting in this process/.test(m)), String(warnings));
    } finally {
      await s.t.close();
    }
  });
});
