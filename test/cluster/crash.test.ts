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
  type TokenBody,
} from '../helpers/http-client.js';
import { createTestDatabase, skipWithoutPostgres } from '../helpers/postgres.js';
import { ServerProcess, tempDatabase } from '../helpers/process.js';

/**
 * The issue: "kill -9 a process under load (SQLite and PostgreSQL); after restart, every token response a client
 * received is valid, and no code or refresh token can be redeemed twice". A burst of code exchanges and refresh
 * chains runs against one process, which is killed once enough answers have arrived; a new process on the same
 * database then has to honour every answer the clients got before the kill.
 */
const CODES = 40;
const EXCHANGE_WORKERS = 4;
const CHAINS = 6;
/** A chain refreshes this many times at most; the kill comes long before. */
const MAX_REFRESHES = 200;
/** Successful answers after which the process is killed. */
const KILL_AFTER = 30;

interface Burst {
  /** Per code, the exchange answers received before the kill (200 or not), or undefined when it was never sent. */
  exchanged: Map<string, TokenBody | 'refused' | 'no answer'>;
  /** Per chain, every token response received, oldest first. */
  chains: TokenBody[][];
  /** Requests under way when the process died. */
  cutShort: number;
}

async function burst(url: string, client: OAuthClient, codes: string[], chainStarts: TokenBody[], kill: () => void): Promise<Burst> {
  const exchanged: Burst['exchanged'] = new Map();
  const chains = chainStarts.map((start) => [start]);
  let successes = 0;
  let cutShort = 0;
  const succeeded = () => {
    if (++successes === KILL_AFTER) kill();
  };
  const queue = [...codes];

  async function exchanger(): Promise<void> {
    for (let code = queue.shift(); code !== undefined; code = queue.shift()) {
      exchanged.set(code, 'no answer');
      try {
        const answer = await client.exchange(url, code);
        exchanged.set(code, answer.status === 200 ? tokensOf(answer) : 'refused');
        if (answer.status === 200) succeeded();
      } catch {
        cutShort++;
        return;
      }
    }
  }

  async function refresher(chain: TokenBody[]): Promise<void> {
    for (let i = 0; i < MAX_REFRESHES; i++) {
      try {
        const answer = await client.refresh(url, chain.at(-1)!.refresh_token);
        chain.push(tokensOf(answer));
        succeeded();
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        cutShort++;
        return;
      }
    }
  }

  await Promise.all([
    ...Array.from({ length: EXCHANGE_WORKERS }, () => exchanger()),
    ...chains.map((chain) => refresher(chain)),
  ]);
  return { exchanged, chains, cutShort };
}

function crashSuite(name: string, open: () => Promise<{ url: string; remove(): Promise<void> }>) {
  describe(`kill -9 under load: ${name}`, () => {
    let database: { url: string; remove(): Promise<void> };
    let env: Record<string, string>;
    const servers: ServerProcess[] = [];

    before(async () => {
      database = await open();
      env = { MONBAN_DATABASE_URL: database.url };
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop('SIGKILL')));
      await database?.remove();
    });

    it('honours every token response sent before the kill, and redeems no code or refresh token twice', async (t) => {
      const client = new OAuthClient(await userAndApp(env, 'alice'));
      const first = await ServerProcess.start(env);
      servers.push(first);
      const browser = await signedIn(first, 'alice');
      const authorize = () => browserOn(browser, first).authorize(client.app.client_id, REDIRECT_URI);
      // The first token makes later authorizations skip the consent page.
      const chainStarts = [tokensOf(await client.exchange(first.url, await authorize()))];
      for (let i = 1; i < CHAINS; i++) chainStarts.push(tokensOf(await client.exchange(first.url, await authorize())));
      const codes = await Promise.all(Array.from({ length: CODES }, authorize));

      const { exchanged, chains, cutShort } = await burst(first.url, client, codes, chainStarts, () => {
        void first.stop('SIGKILL');
      });
      const exit = await first.stop('SIGKILL');
      assert.equal(exit.signal, 'SIGKILL');
      assert.ok(cutShort > 0, 'the kill interrupted requests under way');
      const refreshes = chains.reduce((n, chain) => n + chain.length - 1, 0);
      const exchanges = [...exchanged.values()].filter((e) => typeof e === 'object').length;
      t.diagnostic(`before the kill: ${exchanges} code exchanges and ${refreshes} refreshes answered 200; ${cutShort} requests cut short`);

      const second = await ServerProcess.start(env);
      servers.push(second);
      const url = second.url;

      // Every token response received is valid. A chain's tokens are checked oldest first: using a newer one
      // retires the older one (compatibility.md §4.4), which is why the client got the newer one.
      const received = [...exchanged.values()].filter((e): e is TokenBody => typeof e === 'object');
      await Promise.all(received.map(async (tokens) => assert.equal((await whoami(url, tokens.access_token)).status, 200)));
      await Promise.all(
        chains.map(async (chain) => {
          for (const tokens of chain) assert.equal((await whoami(url, tokens.access_token)).status, 200);
        }),
      );

      // The newest refresh token still works; once its successor is in use, it answers only that successor again
      // (within MONBAN_REFRESH_REUSE_GRACE, issue 11), and every older one is refused: a replay, which revokes the
      // chain's family.
      await Promise.all(
        chains.map(async (chain) => {
          const next = tokensOf(await client.refresh(url, chain.at(-1)!.refresh_token));
          assert.equal((await whoami(url, next.access_token)).status, 200);
          assert.deepEqual(tokensOf(await client.refresh(url, chain.at(-1)!.refresh_token)), next);
          for (const tokens of chain.slice(0, -1)) assertInvalidGrant(await client.refresh(url, tokens.refresh_token));
          if (chain.length > 1) assertInvalidToken(await whoami(url, next.access_token));
        }),
      );

      // No code is redeemed twice: one whose exchange was answered 200 now fails; one whose exchange was cut short
      // (and may or may not have been committed) or never sent succeeds at most once.
      await Promise.all(
        codes.map(async (code) => {
          const before = exchanged.get(code);
          assert.notEqual(before, 'refused', 'every code sent in the burst was sent once');
          const again = [await client.exchange(url, code), await client.exchange(url, code)];
          const wins = again.filter((a) => a.status === 200).length;
          if (typeof before === 'object') assert.equal(wins, 0);
          else if (before === undefined) assert.equal(wins, 1);
          else assert.ok(wins <= 1);
          if (again[0]?.status !== 200) assertInvalidGrant(again[0]!);
          assertInvalidGrant(again[1]!);
        }),
      );
    });
  });
}

crashSuite('SQLite file', async () => {
  const folder = await tempDatabase();
  return { url: folder.path, remove: folder.remove };
});

describe('PostgreSQL', { skip: skipWithoutPostgres }, () => {
  crashSuite('PostgreSQL', async () => {
    const database = await createTestDatabase('crash');
    return { url: database.url, remove: database.drop };
  });
});
