import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/process.js';
import { TestMonban } from '../helpers/monban.js';
import { TcpProxy } from '../cluster/tcp-proxy.js';
import { deleteKeys, redisUrl, skipWithoutRedis, testClient, testPrefix } from './redis-support.js';
import { LogCapture } from './support.js';

/** Shikimori's rack-attack answer to a throttled request (compatibility.md §6): no Retry-After, no rate-limit headers. */
function assertThrottled(response: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
  assert.equal(response.statusCode, 429);
  assert.equal(response.headers['content-type'], 'text/plain');
  assert.equal(response.body, 'Retry later\n');
  assert.equal(response.headers['retry-after'], undefined);
  const rateHeaders = Object.keys(response.headers).filter((h) => /ratelimit/i.test(h));
  assert.deepEqual(rateHeaders, []);
}

function whoami(t: TestMonban, remoteAddress = '198.51.100.1', headers: Record<string, string> = {}) {
  return t.server.inject({ method: 'GET', url: '/api/users/whoami', remoteAddress, headers });
}

async function statuses(requests: Array<() => Promise<{ statusCode: number }>>): Promise<number[]> {
  const result: number[] = [];
  for (const request of requests) result.push((await request()).statusCode);
  return result;
}

const times = <T>(n: number, make: () => T): T[] => Array.from({ length: n }, make);

describe('rate limits per client address (compatibility.md §6, MONBAN_RATE_LIMIT)', () => {
  let t: TestMonban;
  before(async () => {
    // An hour's window: the test cannot outlast it, however slow the machine.
    t = await TestMonban.start({ MONBAN_RATE_LIMIT: '5/h' });
  });
  after(() => t.close());

  it('answers the request past the limit 429 "Retry later", text/plain, as rack-attack does', async () => {
    assert.deepEqual(await statuses(times(5, () => () => whoami(t))), [200, 200, 200, 200, 200]);
    assertThrottled(await whoami(t));
    // The token endpoint too (compatibility.md §6: "all paths, /oauth/token included"), and in text, not an OAuth JSON error.
    assertThrottled(
      await t.server.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress: '198.51.100.1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=client_credentials&client_id=x&client_secret=y',
      }),
    );
    assertThrottled(await t.server.inject({ method: 'GET', url: '/users/sign_in', remoteAddress: '198.51.100.1' }));
  });

  it('counts every address on its own', async () => {
    assert.equal((await whoami(t, '198.51.100.2')).statusCode, 200);
  });

  it('leaves out /assets/*, /healthz, /readyz and /metrics', async () => {
    for (const url of ['/assets/monban.css', '/healthz', '/readyz', '/metrics', '/healthz?x=1']) {
      const response = await t.server.inject({ method: 'GET', url, remoteAddress: '198.51.100.1' });
      assert.equal(response.statusCode, 200, url);
    }
    assertThrottled(await whoami(t));
  });

  it('takes the address from the connection, not from X-Forwarded-For, by default (MONBAN_TRUST_PROXY unset)', async () => {
    const spoofed = (n: number) => () => whoami(t, '198.51.100.3', { 'x-forwarded-for': `203.0.113.${n}` });
    assert.deepEqual(await statuses([1, 2, 3, 4, 5].map(spoofed)), [200, 200, 200, 200, 200]);
    assertThrottled(await spoofed(6)());
  });
});

describe('MONBAN_RATE_LIMIT with several windows', () => {
  it('checks each window: the first one exceeded answers', async () => {
    for (const setting of ['3/min,10/h', '10/min,3/h']) {
      const t = await TestMonban.start({ MONBAN_RATE_LIMIT: setting });
      try {
        assert.deepEqual(await statuses(times(4, () => () => whoami(t))), [200, 200, 200, 429], setting);
      } finally {
        await t.close();
      }
    }
  });

  it('limits nothing when off', async () => {
    const t = await TestMonban.start({ MONBAN_RATE_LIMIT: 'off' });
    try {
      assert.deepEqual(new Set(await statuses(times(30, () => () => whoami(t)))), new Set([200]));
    } finally {
      await t.close();
    }
  });
});

describe('MONBAN_TRUST_PROXY: X-Forwarded-For names the client only behind a trusted proxy', () => {
  it('with the proxy address trusted, each forwarded client has its own count', async () => {
    const t = await TestMonban.start({ MONBAN_RATE_LIMIT: '2/h', MONBAN_TRUST_PROXY: '127.0.0.1,::1' });
    try {
      const via = (client: string) => () => whoami(t, '127.0.0.1', { 'x-forwarded-for': client });
      assert.deepEqual(await statuses([via('203.0.113.1'), via('203.0.113.1'), via('203.0.113.1')]), [200, 200, 429]);
      assert.equal((await via('203.0.113.2')()).statusCode, 200);
      // A proxy that is not trusted forwards nothing: its own address is the client.
      const untrusted = () => whoami(t, '192.0.2.9', { 'x-forwarded-for': '203.0.113.3' });
      assert.deepEqual(await statuses([untrusted, untrusted, untrusted]), [200, 200, 429]);
      assert.equal((await via('203.0.113.3')()).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  it('with a hop count, the client is that many addresses from the right; what it put before them is ignored', async () => {
    const t = await TestMonban.start({ MONBAN_RATE_LIMIT: '2/h', MONBAN_TRUST_PROXY: '1' });
    try {
      const forged = (n: number) => () => whoami(t, '10.0.0.1', { 'x-forwarded-for': `192.0.2.${n}, 203.0.113.7` });
      assert.deepEqual(await statuses([forged(1), forged(2), forged(3)]), [200, 200, 429]);
    } finally {
      await t.close();
    }
  });
});

describe('rate limits shared through Redis (MONBAN_REDIS_URL)', { skip: skipWithoutRedis }, () => {
  const prefix = testPrefix('rate');
  let a: TestMonban;
  let b: TestMonban;
  before(async () => {
    const env = { MONBAN_RATE_LIMIT: '5/h', MONBAN_REDIS_URL: redisUrl ?? '', MONBAN_REDIS_PREFIX: prefix };
    [a, b] = await Promise.all([TestMonban.start(env), TestMonban.start(env)]);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await deleteKeys(prefix);
  });

  it('two servers count one address together', async () => {
    const sequence = [a, b, a, b, a].map((t) => () => whoami(t));
    assert.deepEqual(await statuses(sequence), [200, 200, 200, 200, 200]);
    assertThrottled(await whoami(b));
    assertThrottled(await whoami(a));
    assert.equal((await whoami(b, '198.51.100.2')).statusCode, 200);
  });

  it('a server counts in Redis from its first request: start waits for the connection', async () => {
    const startPrefix = testPrefix('rate-start');
    // A Redis that takes 300 ms to answer a new connection: without the wait, the first request comes before it.
    const url = new URL(redisUrl ?? 'redis://127.0.0.1:6379');
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 6379) });
    proxy.slow(300);
    const { host, port } = proxy.address;
    const env = { MONBAN_RATE_LIMIT: '5/h', MONBAN_REDIS_URL: `redis://${host}:${port}`, MONBAN_REDIS_PREFIX: startPrefix };
    const t = await TestMonban.start(env);
    const client = testClient(redisUrl);
    try {
      assert.equal((await whoami(t, '198.51.100.9')).statusCode, 200);
      await client.connect();
      const [, keys] = await client.scan('0', 'MATCH', `${startPrefix}*`, 'COUNT', 1000);
      assert.equal(keys.length, 1, String(keys));
    } finally {
      client.disconnect();
      // The proxy first, as in the outage tests below: closed after Monban's QUIT, it left Node unable to exit.
      await proxy.close();
      await t.close();
      await deleteKeys(startPrefix);
    }
  });
});

describe('rate limits when Redis fails (counted in each process instead)', () => {
  it('Redis unreachable from the start: requests are answered, limits hold per process, a warning is logged', async () => {
    const log = new LogCapture();
    const env = {
      MONBAN_RATE_LIMIT: '3/h',
      MONBAN_REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      MONBAN_LOG_LEVEL: 'warn',
    };
    const t = await TestMonban.start(env, { logDestination: log });
    try {
      assert.deepEqual(await statuses(times(4, () => () => whoami(t))), [200, 200, 200, 429]);
      const warnings = log.entries.filter((e) => e.level === 40).map((e) => e.msg);
      const fellBack = /^Redis failed to count a request; counting in this process/;
      assert.ok(warnings.some((m) => fellBack.test(String(m))), String(warnings));
      assert.ok(warnings.includes('Redis is not reachable; counting in this process until it is'), String(warnings));
    } finally {
      await t.close();
    }
  });

  describe('Redis lost during a run', { skip: skipWithoutRedis }, () => {
    const prefix = testPrefix('rate-outage');
    let proxy: TcpProxy;
    let t: TestMonban;
    before(async () => {
      const url = new URL(redisUrl ?? 'redis://127.0.0.1:6379');
      proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 6379) });
      const { host, port } = proxy.address;
      const redis = { MONBAN_REDIS_URL: `redis://${host}:${port}`, MONBAN_REDIS_PREFIX: prefix };
      t = await TestMonban.start({ MONBAN_RATE_LIMIT: '4/h', ...redis });
      // Connected: the first answer from /readyz that reports Redis up.
      for (let i = 0; i < 50 && (await t.server.inject('/readyz')).json().redis !== 'ok'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal((await t.server.inject('/readyz')).json().redis, 'ok');
    });
    after(async () => {
      await t.close();
      await proxy.close();
      await deleteKeys(prefix);
    });

    it('a hung Redis neither hangs nor fails requests', async () => {
      assert.equal((await whoami(t, '198.51.100.5')).statusCode, 200);
      proxy.hang();
      assert.equal((await whoami(t, '198.51.100.5')).statusCode, 200);
      assert.equal((await whoami(t, '198.51.100.5')).statusCode, 200);
    });

    it('a Redis that went away neither hangs nor fails requests, and the process keeps counting', async () => {
      await proxy.down();
      assert.deepEqual(await statuses(times(5, () => () => whoami(t, '198.51.100.6'))), [200, 200, 200, 200, 429]);
      const ready = await t.server.inject('/readyz');
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().redis, 'unavailable');
    });
  });
});
