import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliJson, runCli, ServerProcess, tempDatabase } from '../helpers/process.js';
import { deleteKeys, redisUrl, skipWithoutRedis, testPrefix } from '../ops/redis-support.js';

/**
 * The issue: per-application quotas "shared across processes through Redis when configured", with RateLimit headers
 * and, past the quota, 429 with Retry-After. Two `monban serve` processes on one SQLite file and one Redis; the
 * quota is set with the CLI while they run, and taken from the next request.
 */
const QUOTA = 6;

describe('two processes sharing Redis: an application quota holds across them', { skip: skipWithoutRedis }, () => {
  const prefix = testPrefix('app-quota-cluster');
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let servers: ServerProcess[] = [];
  let token = '';
  let clientId = '';

  before(async () => {
    database = await tempDatabase();
    const env = { MONBAN_DATABASE_URL: database.path, MONBAN_REDIS_URL: redisUrl ?? '', MONBAN_REDIS_PREFIX: prefix };
    const migrate = await runCli(['migrate'], env);
    assert.equal(migrate.code, 0, migrate.stderr);
    servers = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    await cliJson(['users', 'create', '--nickname', 'alice', '--password', 'correct horse battery'], env);
    const app = await cliJson<{ client_id: string; client_secret: string }>(
      ['apps', 'create', '--owner', 'alice', '--name', 'Bot', '--redirect-uri', 'https://bot.example/cb', '--json'],
      env,
    );
    clientId = app.client_id;
    const form = { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret };
    const issued = await fetch(`${servers[0]!.url}/oauth/token`, { method: 'POST', body: new URLSearchParams(form) });
    assert.equal(issued.status, 200);
    token = ((await issued.json()) as { access_token: string }).access_token;
    // A day's window only: the test cannot straddle two of them unless it runs at midnight UTC.
    const updated = await runCli(['apps', 'update', clientId, '--quota', `${QUOTA}/day`], env);
    assert.equal(updated.code, 0, updated.stderr);
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.remove();
    await deleteKeys(prefix);
  });

  it(`counts ${QUOTA} requests over both processes, then answers 429 with Retry-After on each`, async () => {
    const call = (i: number) =>
      fetch(`${servers[i % 2]!.url}/api/users/whoami`, { headers: { authorization: `Bearer ${token}` } });
    const remaining: string[] = [];
    for (let i = 0; i < QUOTA; i++) {
      const response = await call(i);
      // A client_credentials token has no user: whoami answers it 404 (compatibility.md §4.5), counted all the same.
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('ratelimit-policy'), `"per-day";q=${QUOTA};w=86400`);
      remaining.push(/r=(\d+)/.exec(response.headers.get('ratelimit') ?? '')?.[1] ?? '');
    }
    assert.deepEqual(remaining, ['5', '4', '3', '2', '1', '0']);
    for (let i = 0; i < 2; i++) {
      const refused = await call(i);
      assert.equal(refused.status, 429);
      assert.equal(await refused.text(), '{"message":"Application request quota exceeded","code":429}');
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 86_400, String(retryAfter));
      assert.match(refused.headers.get('ratelimit') ?? '', /^"per-day";r=0;t=\d+$/);
    }
  });

  it('lifts the quota at once with `apps update --quota none`, on both processes', async () => {
    const env = { MONBAN_DATABASE_URL: database.path };
    const result = await cliJson<{ quota: string }>(['apps', 'update', clientId, '--quota', 'none', '--json'], env);
    assert.equal(result.quota, 'none');
    for (const server of servers) {
      const response = await fetch(`${server.url}/api/users/whoami`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('ratelimit'), null);
    }
  });
});
