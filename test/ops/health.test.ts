import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { freePort } from '../helpers/process.js';
import { TestMonban } from '../helpers/monban.js';
import { deleteKeys, redisUrl, skipWithoutRedis, testPrefix } from './redis-support.js';

type Response = { statusCode: number; headers: Record<string, unknown>; body: string };

function assertJson(response: Response, status: number, body: string): void {
  assert.equal(response.statusCode, status);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.equal(response.body, body);
}

describe('GET /healthz and GET /readyz', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  it('/healthz: the process answers', async () => {
    assertJson(await t.server.inject('/healthz'), 200, '{"status":"ok"}');
  });

  it('/readyz: ready when the database answers and every migration is applied', async () => {
    assertJson(await t.server.inject('/readyz'), 200, '{"status":"ready","database":"ok","migrations":"current"}');
  });

  it('/readyz: not ready (503) while a migration this build knows is pending', async () => {
    const db = t.monban.database.db;
    const applied = await sql<{ name: string; timestamp: string }>`select name, timestamp from monban_migrations`.execute(db);
    await sql`delete from monban_migrations`.execute(db);
    try {
      assertJson(await t.server.inject('/readyz'), 503, '{"status":"not_ready","database":"ok","migrations":"pending"}');
    } finally {
      for (const row of applied.rows) {
        await sql`insert into monban_migrations (name, timestamp) values (${row.name}, ${row.timestamp})`.execute(db);
      }
    }
    assert.equal((await t.server.inject('/readyz')).statusCode, 200);
  });

  it('/healthz and /readyz answer HEAD as well (load balancers may use it)', async () => {
    assert.equal((await t.server.inject({ method: 'HEAD', url: '/healthz' })).statusCode, 200);
    assert.equal((await t.server.inject({ method: 'HEAD', url: '/readyz' })).statusCode, 200);
  });
});

describe('GET /readyz without a database', () => {
  it('is 503 with the database unavailable, while /healthz still answers', async () => {
    const t = await TestMonban.start();
    await t.monban.database.close();
    try {
      const body = '{"status":"not_ready","database":"unavailable","migrations":"unknown"}';
      assertJson(await t.server.inject('/readyz'), 503, body);
      assertJson(await t.server.inject('/healthz'), 200, '{"status":"ok"}');
    } finally {
      await t.server.close();
    }
  });
});

describe('GET /readyz reports Redis when MONBAN_REDIS_URL is set', () => {
  it('unavailable Redis: reported, yet ready, since limits then count per process', async () => {
    const t = await TestMonban.start({ MONBAN_REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      assertJson(
        await t.server.inject('/readyz'),
        200,
        '{"status":"ready","database":"ok","migrations":"current","redis":"unavailable"}',
      );
    } finally {
      await t.close();
    }
  });

  it('reachable Redis: ok', { skip: skipWithoutRedis }, async () => {
    const prefix = testPrefix('readyz');
    const t = await TestMonban.start({ MONBAN_REDIS_URL: redisUrl ?? '', MONBAN_REDIS_PREFIX: prefix });
    try {
      let response = await t.server.inject('/readyz');
      // The connection is made in the background at start: wait for it, a bounded number of times.
      for (let i = 0; i < 50 && response.json().redis !== 'ok'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        response = await t.server.inject('/readyz');
      }
      assertJson(response, 200, '{"status":"ready","database":"ok","migrations":"current","redis":"ok"}');
    } finally {
      await t.close();
      await deleteKeys(prefix);
    }
  });
});
