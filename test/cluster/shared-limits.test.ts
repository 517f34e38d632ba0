import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SIGN_IN_LIMIT } from '../../src/accounts/throttle.js';
import { PASSWORD } from '../helpers/monban.js';
import { HttpBrowser, runCli, ServerProcess, tempDatabase } from '../helpers/process.js';
import { deleteKeys, redisUrl, skipWithoutRedis, testPrefix } from '../ops/redis-support.js';

/**
 * The issue: "Redis: shared counters for rate limits and sign-in throttling, so limits hold across processes".
 * Three `monban serve` processes on one SQLite file and one Redis, behind what they are told is a proxy on
 * loopback (MONBAN_TRUST_PROXY), so that each scenario is a client address of its own (X-Forwarded-For).
 */
const PROCESSES = 3;
const LIMIT = 30;

/** A browser whose requests all come, as far as Monban knows, from `client`. */
class ForwardedBrowser extends HttpBrowser {
  constructor(
    baseUrl: string,
    private readonly client: string,
  ) {
    super(baseUrl);
  }

  override request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', this.client);
    return super.request(path, { ...init, headers });
  }
}

describe('three processes sharing Redis: limits hold across them', { skip: skipWithoutRedis }, () => {
  const prefix = testPrefix('cluster');
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let servers: ServerProcess[] = [];
  const url = (i: number) => servers[i % PROCESSES]!.url;

  before(async () => {
    database = await tempDatabase();
    const env = {
      MONBAN_DATABASE_URL: database.path,
      MONBAN_REDIS_URL: redisUrl ?? '',
      MONBAN_REDIS_PREFIX: prefix,
      MONBAN_RATE_LIMIT: `${LIMIT}/h`,
      MONBAN_TRUST_PROXY: 'loopback',
    };
    const migrate = await runCli(['migrate'], env);
    assert.equal(migrate.code, 0, migrate.stderr);
    servers = await Promise.all(Array.from({ length: PROCESSES }, () => ServerProcess.start(env)));
    const created = await runCli(['users', 'create', '--nickname', 'alice', '--password', PASSWORD], env);
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.remove();
    await deleteKeys(prefix);
  });

  it(`rate limits (compatibility.md §6): ${LIMIT} requests from one client across the processes, then 429 on every one`, async () => {
    const from = (client: string, i: number) =>
      fetch(`${url(i)}/api/users/whoami`, { headers: { 'x-forwarded-for': client } });
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await from('203.0.113.10', i)).status);
    assert.deepEqual(statuses, Array.from({ length: LIMIT }, () => 200));
    for (let i = 0; i < PROCESSES; i++) {
      const response = await from('203.0.113.10', i);
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('content-type'), 'text/plain');
      assert.equal(await response.text(), 'Retry later\n');
    }
    // Each process alone has seen a third of them: only shared counts can have stopped the client.
    assert.equal((await from('203.0.113.11', 0)).status, 200);
  });

  it(`sign-in throttling (security.md #32): ${SIGN_IN_LIMIT} failures over the processes lock the account on all`, async () => {
    const client = '203.0.113.20';
    const attempt = async (i: number, password: string) => {
      const browser = new ForwardedBrowser(url(i), client);
      const page = await browser.get('/users/sign_in');
      return (await browser.submit(await page.text(), 'form', { nickname: 'alice', password })).status;
    };
    const failures: number[] = [];
    for (let i = 0; i < SIGN_IN_LIMIT; i++) failures.push(await attempt(i, `wrong guess ${i}`));
    assert.deepEqual(failures, Array.from({ length: SIGN_IN_LIMIT }, () => 401));
    for (let i = 0; i < PROCESSES; i++) assert.equal(await attempt(i, PASSWORD), 429);
  });

  it('stops on SIGTERM with exit status 0, closing the Redis connection with the database', async () => {
    const exits = await Promise.all(servers.map((s) => s.stop('SIGTERM')));
    assert.deepEqual(exits, Array.from({ length: PROCESSES }, () => ({ code: 0, signal: null })));
  });
});
