import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
} from '../helpers/http-client.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';
import { runCli, ServerProcess, type HttpBrowser } from '../helpers/process.js';

/**
 * The issue: "start N stateless Monban processes behind a load balancer, point them at one PostgreSQL, and keep
 * every promise of the protocol". Three `monban serve` processes share one database; many clients drive them at
 * once, each request going to whichever process the scenario names, and every answer is checked.
 */
const PROCESSES = 3;
/** Clients running each scenario at the same time. */
const CLIENTS = 12;
/** Each of a client's refresh racers (scenario 3) per wave. */
const RACERS = 6;

describe('three Monban processes on one PostgreSQL', { skip: skipWithoutPostgres }, () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let servers: ServerProcess[] = [];
  let client: OAuthClient;
  let alice: HttpBrowser;

  /** The process a client's step goes to: the client's number plus the step's, so every pairing occurs. */
  const on = (i: number, step: number): string => servers[(i + step) % PROCESSES]!.url;
  const everywhere = <T>(fn: (url: string) => Promise<T>) => Promise.all(servers.map((s) => fn(s.url)));

  /** A client's first tokens: a code from one process, exchanged on another. */
  async function firstTokens(i: number) {
    const code = await browserOn(alice, on(i, 0)).authorize(client.app.client_id, REDIRECT_URI);
    return tokensOf(await client.exchange(on(i, 1), code));
  }

  function clients<T>(fn: (i: number) => Promise<T>): Promise<T[]> {
    return Promise.all(Array.from({ length: CLIENTS }, (_, i) => fn(i)));
  }

  before(async () => {
    database = await createTestDatabase('cluster');
    env = { MONBAN_DATABASE_URL: database.url };
    // All three start (and so migrate the empty database) at the same time.
    servers = await Promise.all(Array.from({ length: PROCESSES }, () => ServerProcess.start(env)));
    client = new OAuthClient(await userAndApp(env, 'alice'));
    alice = await signedIn(servers[0]!, 'alice');
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.drop();
  });

  it('started every process on one migrated database, which `monban migrate` then finds up to date', async () => {
    assert.equal(new Set(servers.map((s) => s.port)).size, PROCESSES);
    const run = await runCli(['migrate'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'The database is up to date.\n');
  });

  it('redeems each code once, whichever processes receive it at the same time (RFC 6749 §4.1.2)', async () => {
    await clients(async (i) => {
      const code = await browserOn(alice, on(i, 0)).authorize(client.app.client_id, REDIRECT_URI);
      // Two redemptions on every process at once.
      const answers = (await Promise.all([everywhere((url) => client.exchange(url, code)), everywhere((url) => client.exchange(url, code))])).flat();
      const winners = answers.filter((a) => a.status === 200);
      assert.equal(winners.length, 1, JSON.stringify(answers.map((a) => a.status)));
      for (const loser of answers.filter((a) => a.status !== 200)) assertInvalidGrant(loser);
      // RFC 9700 §4.5: the replay revoked the winner's tokens, and every process knows it.
      const tokens = tokensOf(winners[0]!);
      for (const answer of await everywhere((url) => whoami(url, tokens.access_token))) assertInvalidToken(answer);
    });
  });

  it('rotates refresh tokens the same whichever process answers (compatibility.md §4.4)', async () => {
    await clients(async (i) => {
      const first = await firstTokens(i);
      const second = tokensOf(await client.refresh(on(i, 2), first.refresh_token));
      assert.notEqual(second.refresh_token, first.refresh_token);
      // Until the new access token is used, the old refresh token still works (Doorkeeper's lazy rotation), answering
      // the same pair (issue 11)...
      assert.deepEqual(tokensOf(await client.refresh(on(i, 0), first.refresh_token)), second);
      // ...and its first use, on any process, retires the old token on all of them.
      assert.equal((await whoami(on(i, 1), second.access_token)).status, 200);
      for (const answer of await everywhere((url) => whoami(url, first.access_token))) assertInvalidToken(answer);

      const third = tokensOf(await client.refresh(on(i, 2), second.refresh_token));
      assert.equal((await whoami(on(i, 0), third.access_token)).status, 200);
      // Issue 11: within MONBAN_REFRESH_REUSE_GRACE the rotated-out token answers its successor again on every
      // process; the one before it, whose successor was refreshed, is a replay on every process, and the family goes.
      for (const answer of await everywhere((url) => client.refresh(url, second.refresh_token))) {
        assert.deepEqual(tokensOf(answer), third);
      }
      for (const answer of await everywhere((url) => client.refresh(url, first.refresh_token))) assertInvalidGrant(answer);
      for (const answer of await everywhere((url) => whoami(url, third.access_token))) assertInvalidToken(answer);
    });
  });

  it('answers every refresh racing the first use of its successor with the one pair (compatibility.md §4.4, issue 11)', async () => {
    const wave = (i: number, refreshToken: string) =>
      Promise.all(Array.from({ length: RACERS }, (_, r) => client.refresh(on(i, r), refreshToken)));
    await clients(async (i) => {
      const first = await firstTokens(i);
      const second = tokensOf(await client.refresh(on(i, 2), first.refresh_token));
      // Racing the first use: each refresh completes before the old token is retired, or comes within the grace
      // period after it (issue 11); either way it answers the one pair, never another token.
      const [use, racers] = await Promise.all([whoami(on(i, 0), second.access_token), wave(i, first.refresh_token)]);
      assert.equal(use.status, 200, use.body);
      for (const answer of racers) assert.deepEqual(tokensOf(answer), second);
      // Sent after the first use was answered, within the grace period: the same pair, on every process.
      for (const answer of await wave(i, first.refresh_token)) assert.deepEqual(tokensOf(answer), second);
      assert.equal((await whoami(on(i, 1), second.access_token)).status, 200);
    });
  });

  it('makes a revocation on one process effective on the others at once (RFC 7009 §2.1)', async () => {
    await clients(async (i) => {
      const tokens = await firstTokens(i);
      for (const answer of await everywhere((url) => whoami(url, tokens.access_token))) assert.equal(answer.status, 200);
      const revoked = await client.revoke(on(i, 0), tokens.access_token);
      assert.equal(revoked.status, 200, revoked.body);
      assert.deepEqual(JSON.parse(revoked.body), {});
      for (const answer of await everywhere((url) => whoami(url, tokens.access_token))) assertInvalidToken(answer);
      const introspection = await client.introspect(on(i, 2), tokens.access_token);
      assert.deepEqual(JSON.parse(introspection.body), { active: false });

      // Revoking a refresh token revokes its family, here a refreshed token, everywhere.
      const family = await firstTokens(i + 1);
      const refreshed = tokensOf(await client.refresh(on(i, 1), family.refresh_token));
      assert.equal((await client.revoke(on(i, 2), family.refresh_token, 'refresh_token')).status, 200);
      for (const answer of await everywhere((url) => client.refresh(url, family.refresh_token))) assertInvalidGrant(answer);
      for (const answer of await everywhere((url) => client.refresh(url, refreshed.refresh_token))) assertInvalidGrant(answer);
      for (const answer of await everywhere((url) => whoami(url, refreshed.access_token))) assertInvalidToken(answer);
    });
  });

  it('logged no unexpected error in any process', () => {
    for (const server of servers) assert.doesNotMatch(server.stderr + server.stdout, /unexpected error|"level":50/);
  });
});
