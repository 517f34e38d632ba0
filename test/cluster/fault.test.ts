import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type OpenDatabase } from '../../src/storage/database.js';
import {
  assertInvalidGrant,
  assertInvalidToken,
  OAuthClient,
  REDIRECT_URI,
  signedIn,
  TEMPORARILY_UNAVAILABLE,
  tokensOf,
  userAndApp,
  whoami,
  type Answer,
} from '../helpers/http-client.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';
import { runCli, ServerProcess, type CliRun, type HttpBrowser } from '../helpers/process.js';
import { TcpProxy } from './tcp-proxy.js';
import { APPLIED_ALL } from '../helpers/migrations.js';

/**
 * The issue: "a database outage gives fast 503 answers (temporarily_unavailable on OAuth endpoints), never hung
 * requests, and Monban recovers by itself when the database returns; no half-written grant or token". One Monban
 * process reaches PostgreSQL through a proxy that the test breaks: first as if PostgreSQL stopped, then as if the
 * network dropped every packet. Requests are bounded (helpers/http-client.ts), so a hung one fails the test.
 */
const RECOVERY_ATTEMPTS = 60;
const RECOVERY_PAUSE_MS = 250;
/** API requests sent at once during an outage: more than the pool has connections. */
const CONCURRENT_REQUESTS = 16;

const FAULTS = {
  down: 'PostgreSQL stops (connections reset, then refused)',
  hang: 'the network drops every packet to PostgreSQL',
} as const;

/** What an outage must not change: which tokens and codes exist and which are revoked or consumed. */
async function snapshot(direct: OpenDatabase) {
  const tokens = await direct.db
    .selectFrom('access_tokens')
    .select(['id', 'revoked_at', 'previous_refresh_token_hash'])
    .orderBy('id')
    .execute();
  const codes = await direct.db.selectFrom('access_grants').select(['id', 'revoked_at']).orderBy('id').execute();
  return { tokens, codes };
}

function assertUnavailable(answer: Answer, what: string): void {
  assert.equal(answer.status, 503, `${what}: ${answer.body}`);
  assert.deepEqual(JSON.parse(answer.body), TEMPORARILY_UNAVAILABLE, what);
  assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8', what);
}

describe('a PostgreSQL outage under a running Monban', { skip: skipWithoutPostgres }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let direct: OpenDatabase;
  let migrate: CliRun;
  let server: ServerProcess;
  let client: OAuthClient;
  let browser: HttpBrowser;

  before(async () => {
    database = await createTestDatabase('fault');
    const target = new URL(database.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(database.url);
    proxied.host = `${proxy.address.host}:${proxy.address.port}`;
    const env = { MONBAN_DATABASE_URL: proxied.href };
    migrate = await runCli(['migrate'], env);
    client = new OAuthClient(await userAndApp(env, 'alice'));
    server = await ServerProcess.start(env);
    browser = await signedIn(server, 'alice');
    // The test's own look at the database goes around the proxy.
    direct = openDatabase(database.url);
  });

  after(async () => {
    await server?.stop();
    await direct?.close();
    await proxy?.close();
    await database?.drop();
  });

  const authorizationQuery = () =>
    new URLSearchParams({ client_id: client.app.client_id, redirect_uri: REDIRECT_URI, response_type: 'code' });

  it('was migrated by `monban migrate` on PostgreSQL', () => {
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.equal(migrate.stdout, APPLIED_ALL);
  });

  for (const [fault, description] of Object.entries(FAULTS) as Array<[keyof typeof FAULTS, string]>) {
    it(`answers 503 while ${description}, recovers without a restart, and every earlier token still works`, async (t) => {
      const url = server.url;
      // Before the fault: a token in use, a refreshed one whose rotation is pending (compatibility.md §4.4), a code not yet
      // exchanged.
      const inUse = tokensOf(await client.exchange(url, await browser.authorize(client.app.client_id, REDIRECT_URI)));
      assert.equal((await whoami(url, inUse.access_token)).status, 200);
      const original = tokensOf(await client.exchange(url, await browser.authorize(client.app.client_id, REDIRECT_URI)));
      const refreshed = tokensOf(await client.refresh(url, original.refresh_token));
      const code = await browser.authorize(client.app.client_id, REDIRECT_URI);
      const stored = await snapshot(direct);

      if (fault === 'down') await proxy.down();
      else proxy.hang();

      // RFC 6749 §5.2 and §4.1.2.1's temporarily_unavailable on every protocol endpoint; RFC 7009 §2.2.1: a failed
      // revocation is not 200, so that the client knows the token may still be valid.
      const started = performance.now();
      const [exchange, refresh, revoke, introspect, page, ...api] = await Promise.all([
        client.exchange(url, code),
        client.refresh(url, refreshed.refresh_token),
        client.revoke(url, inUse.access_token),
        client.introspect(url, inUse.access_token),
        browser.get(`/oauth/authorize?${authorizationQuery()}`),
        ...Array.from({ length: CONCURRENT_REQUESTS }, () => whoami(url, inUse.access_token)),
      ]);
      const outageMs = performance.now() - started;
      for (const [answer, what] of [
        [exchange, 'code exchange'],
        [refresh, 'refresh'],
        [revoke, 'revocation'],
        [introspect, 'introspection'],
      ] as const) {
        assertUnavailable(answer, what);
        assert.equal(answer.headers.get('cache-control'), 'no-store, no-cache', what);
        assert.equal(answer.headers.get('pragma'), 'no-cache', what);
      }
      for (const answer of api) assertUnavailable(answer, 'whoami');
      assert.equal(page.status, 503);
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      const apiMs = api.map((a) => a.ms).sort((a, b) => a - b);
      t.diagnostic(
        `${fault}: all ${api.length + 5} requests answered 503 within ${Math.round(outageMs)} ms; whoami ` +
          `fastest ${Math.round(apiMs[0] ?? 0)} ms, slowest ${Math.round(apiMs.at(-1) ?? 0)} ms; exchange ` +
          `${Math.round(exchange.ms)} ms, refresh ${Math.round(refresh.ms)} ms`,
      );
      // Nothing was half-written: no code consumed, no token issued or revoked.
      assert.deepEqual(await snapshot(direct), stored);

      await proxy.restore();
      const restored = performance.now();
      let recovered: Answer | undefined;
      for (let attempt = 0; attempt < RECOVERY_ATTEMPTS && recovered?.status !== 200; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RECOVERY_PAUSE_MS));
        recovered = await whoami(url, inUse.access_token);
      }
      assert.equal(recovered?.status, 200, recovered?.body);
      t.diagnostic(`${fault}: answered 200 again ${Math.round(performance.now() - restored)} ms after the restore`);

      // Every token received before the fault still works, and the code exchange that failed can be made once.
      assert.equal((await whoami(url, original.access_token)).status, 200);
      assert.equal((await whoami(url, refreshed.access_token)).status, 200);
      tokensOf(await client.refresh(url, refreshed.refresh_token));
      const late = tokensOf(await client.exchange(url, code));
      assert.equal((await whoami(url, late.access_token)).status, 200);
      assertInvalidGrant(await client.exchange(url, code));
      // The revocation that failed during the outage takes effect when retried.
      assert.equal((await client.revoke(url, inUse.access_token)).status, 200);
      assertInvalidToken(await whoami(url, inUse.access_token));
    });
  }
});
