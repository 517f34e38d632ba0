/**
 * Issue 9: "Sign-in and sign-up throttles are bypassed by concurrency." 40 simultaneous sign-ins for one nickname
 * were all checked, and 25 simultaneous sign-ups from one address all made accounts, because the count was read,
 * the password hashed, and only then the count raised. Now each attempt takes its place first.
 * (Two processes sharing Redis: test/ops/redis-attempt-counter.test.ts.)
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SIGN_IN_LIMIT, SIGN_UP_LIMIT } from '../../src/accounts/throttle.js';
import { PASSWORD, TestMonban } from '../helpers/monban.js';
import { assertAllThrottled, burstOfSignIns, preparePost, statusCounts } from './burst-support.js';

describe('a burst of sign-ins, one process (issue 9)', () => {
  let t: TestMonban;
  beforeEach(async () => {
    t = await TestMonban.start();
    await t.createUser('alice');
  });
  afterEach(() => t.close());

  it('40 at once for one nickname from 40 addresses: at most 10 passwords judged', async () => {
    await burstOfSignIns(SIGN_IN_LIMIT, PASSWORD, (i, password) =>
      preparePost(t.server, `198.51.100.${i + 1}`, '/users/sign_in', 'sign_in', { nickname: 'alice', password }),
    );
  });

  it('40 at once from one address: at most 10 passwords judged', async () => {
    await burstOfSignIns(SIGN_IN_LIMIT, PASSWORD, (_, password) =>
      preparePost(t.server, '203.0.113.5', '/users/sign_in', 'sign_in', { nickname: 'alice', password }),
    );
  });

  it('40 at once from one address for 40 nicknames: 10 judged, the rest refused', async () => {
    const prepared = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        preparePost(t.server, '203.0.113.6', '/users/sign_in', 'sign_in', { nickname: `user${i}`, password: 'spray' }),
      ),
    );
    const responses = await Promise.all(prepared.map((send) => send()));
    assert.deepEqual(statusCounts(responses), { 401: SIGN_IN_LIMIT, 429: 40 - SIGN_IN_LIMIT });
  });
});

describe('a burst of sign-ups, one process (issue 9)', () => {
  let t: TestMonban;
  beforeEach(async () => {
    t = await TestMonban.start();
  });
  afterEach(() => t.close());

  async function accounts(): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*) as n from users`.execute(t.monban.database.db);
    return Number(rows[0]?.n);
  }

  it('25 at once from one address make at most 10 accounts', async () => {
    const prepared = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        preparePost(t.server, '2001:db8:7:8::1', '/users/sign_up', 'sign_up', {
          nickname: `newbie${i}`,
          password: PASSWORD,
        }),
      ),
    );
    const responses = await Promise.all(prepared.map((send) => send()));
    assert.deepEqual(statusCounts(responses), { 303: SIGN_UP_LIMIT, 429: 25 - SIGN_UP_LIMIT });
    assert.equal(await accounts(), SIGN_UP_LIMIT);
    assertAllThrottled(
      responses.filter((r) => r.statusCode === 429),
      /Too many accounts were created from your network\. Try again later\./,
    );
  });

  it('refused sign-ups give their places back: 25 at once for a taken nickname, then one more works', async () => {
    await t.createUser('alice');
    const prepared = await Promise.all(
      Array.from({ length: 25 }, () =>
        preparePost(t.server, '192.0.2.44', '/users/sign_up', 'sign_up', { nickname: 'alice', password: PASSWORD }),
      ),
    );
    const responses = await Promise.all(prepared.map((send) => send()));
    const counts = statusCounts(responses);
    // Those refused as taken gave their places back, so others got them: at least 10 were judged, none created.
    assert.ok((counts[422] ?? 0) >= SIGN_UP_LIMIT, JSON.stringify(counts));
    assert.equal((counts[422] ?? 0) + (counts[429] ?? 0), 25, JSON.stringify(counts));
    assert.equal(await accounts(), 1);
    const typed = { nickname: 'bob', password: PASSWORD };
    const next = await preparePost(t.server, '192.0.2.44', '/users/sign_up', 'sign_up', typed);
    assert.equal((await next()).statusCode, 303);
  });
});
