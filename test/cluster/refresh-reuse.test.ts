import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { secretHash } from '../../src/core/secrets.js';
import { openDatabase, type OpenDatabase } from '../../src/storage/database.js';
import {
  assertInvalidGrant,
  assertInvalidToken,
  browserOn,
  OAuthClient,
  REDIRECT_URI,
  signedIn,
  tokensOf,
  userAndApp,
  whoami,
  type TokenBody,
} from '../helpers/http-client.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';
import { ServerProcess, type HttpBrowser } from '../helpers/process.js';

/**
 * Issue 11: "all of it decided by the database, the same in every process (test: 50 parallel refreshes of one token,
 * on SQLite and on PostgreSQL across two processes: every answer is the same pair, and it works)". Two `monban serve`
 * processes share one PostgreSQL database; the refreshes of one token go to both at once.
 */
const PARALLEL = 50;

describe('refresh reuse detection, two Monban processes on one PostgreSQL (issue 11)', { skip: skipWithoutPostgres }, () => {
  let database: TestDatabase;
  let servers: ServerProcess[] = [];
  let direct: OpenDatabase;
  let client: OAuthClient;
  let alice: HttpBrowser;

  const on = (i: number): string => servers[i % servers.length]!.url;

  /** A fresh pair: a code from one process, exchanged on the other. */
  async function firstTokens(): Promise<TokenBody> {
    const code = await browserOn(alice, on(0)).authorize(client.app.client_id, REDIRECT_URI);
    return tokensOf(await client.exchange(on(1), code));
  }

  /** The same refresh token, sent to both processes at once, `count` times. */
  function refreshes(refreshToken: string, count = PARALLEL) {
    return Promise.all(Array.from({ length: count }, (_, i) => client.refresh(on(i), refreshToken)));
  }

  /** The rows the refreshes of this refresh token made. */
  async function successorRows(refreshToken: string) {
    const parent = await direct.db
      .selectFrom('access_tokens')
      .select('id')
      .where('refresh_token_hash', '=', secretHash(refreshToken))
      .executeTakeFirstOrThrow();
    return direct.db.selectFrom('access_tokens').select('id').where('parent_id', '=', parent.id).execute();
  }

  before(async () => {
    database = await createTestDatabase('refresh_reuse');
    const env = { MONBAN_DATABASE_URL: database.url };
    servers = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    client = new OAuthClient(await userAndApp(env, 'alice'));
    alice = await signedIn(servers[0]!, 'alice');
    direct = openDatabase(database.url);
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await direct?.close();
    await database?.drop();
  });

  it(`answers ${PARALLEL} parallel refreshes of one token with one pair, stored once, that works`, async () => {
    const original = await firstTokens();
    const answers = await refreshes(original.refresh_token);
    for (const answer of answers) assert.equal(answer.status, 200, answer.body);
    assert.equal(new Set(answers.map((a) => a.body)).size, 1, 'every answer is the same pair');
    assert.equal((await successorRows(original.refresh_token)).length, 1);

    const pair = tokensOf(answers[0]!);
    assert.equal((await whoami(on(1), pair.access_token)).status, 200);
    for (const url of [on(0), on(1)]) assertInvalidToken(await whoami(url, original.access_token));
    const next = tokensOf(await client.refresh(on(0), pair.refresh_token));
    assert.equal((await whoami(on(1), next.access_token)).status, 200);
  });

  it('answers the late refreshes of a rotated-out token with that pair within the grace, on either process', async () => {
    const original = await firstTokens();
    const pair = tokensOf(await client.refresh(on(0), original.refresh_token));
    // The first use races the other refreshes: each, before or after it, gets the one pair.
    const [use, racers] = await Promise.all([whoami(on(1), pair.access_token), refreshes(original.refresh_token, 20)]);
    assert.equal(use.status, 200, use.body);
    for (const answer of racers) assert.deepEqual(tokensOf(answer), pair);
    for (const answer of await refreshes(original.refresh_token, 10)) assert.deepEqual(tokensOf(answer), pair);
    assert.equal((await successorRows(original.refresh_token)).length, 1);
    assert.equal((await whoami(on(0), pair.access_token)).status, 200);
  });

  it('takes a rotated-out token for a replay on every process once its successor was refreshed: the family is revoked', async () => {
    const original = await firstTokens();
    const pair = tokensOf(await client.refresh(on(0), original.refresh_token));
    assert.equal((await whoami(on(1), pair.access_token)).status, 200);
    const next = tokensOf(await client.refresh(on(1), pair.refresh_token));
    for (const answer of await refreshes(original.refresh_token, 10)) assertInvalidGrant(answer);
    for (const url of [on(0), on(1)]) {
      assertInvalidToken(await whoami(url, pair.access_token));
      assertInvalidToken(await whoami(url, next.access_token));
      assertInvalidGrant(await client.refresh(url, next.refresh_token));
    }
  });

  it('logged no unexpected error in either process', () => {
    for (const server of servers) assert.doesNotMatch(server.stderr + server.stdout, /unexpected error|"level":50/);
  });
});
