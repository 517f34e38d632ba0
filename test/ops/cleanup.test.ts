import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { EXPIRY_MARGIN_MS } from '../../src/core/cleanup.js';
import type { CleanupOutcome } from '../../src/ops/cleanup.js';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { assertTokenError, INVALID_GRANT } from '../http/token-support.js';
import { LogCapture } from './support.js';

/**
 * Issue 12: the server's cleanup, through the protocol. What stays still works exactly as before (an old but valid
 * refresh token, a rotated-out one within its grace, a replayed code or refresh token revoking the family); what
 * goes is what retention allows.
 */
const DAY_S = 86_400;
const RETENTION_S = 30 * DAY_S;

interface Pair {
  access_token: string;
  refresh_token: string;
}

const NOTHING = { tokens: 0, authorization_codes: 0, authorization_requests: 0, device_codes: 0, sessions: 0 };
const OAUTH_KINDS = Object.keys(NOTHING);

/** What a run removed of the OAuth stores' kinds (the audit log's retention is the audit tests' business). */
function counts(outcome: CleanupOutcome | undefined): Record<string, number> {
  assert.ok(outcome?.ran, 'the run took the lease');
  const oauth = outcome.results.filter((r) => OAUTH_KINDS.includes(r.name));
  return Object.fromEntries(oauth.map((r) => [r.name, r.removed]));
}

describe('cleanup through the protocol', () => {
  let t: TestMonban;
  let app: TestApp;
  let alice: Browser;

  beforeEach(async () => {
    t = await TestMonban.start({ MONBAN_TOKEN_RETENTION: String(RETENTION_S) });
    const owner = await t.createUser('alice');
    app = await t.createApp(owner.id);
    alice = await t.browserFor('alice');
  });
  afterEach(() => t.close());

  const refresh = (refreshToken: string) =>
    t.token({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
  const cleanup = () => t.monban.cleanup.runNow();

  it('keeps a token whose refresh token still works, which refreshes after the cleanup as before', async () => {
    const first = await t.tokensFor(alice, app);
    // Its access token expired a day short of the retention ago; the session and the consent request are long over.
    t.clock.advance(DAY_S + RETENTION_S - DAY_S);
    assert.deepEqual(counts(await cleanup()), { ...NOTHING, authorization_requests: 1, sessions: 1 });
    const response = await refresh(first.refresh_token);
    assert.equal(response.statusCode, 200, response.body);
    const second = response.json() as Pair;
    assert.equal((await t.whoami(second.access_token)).statusCode, 200);
  });

  it('deletes a token, its refreshed successor and its code past retention; the refresh token is gone', async () => {
    const first = await t.tokensFor(alice, app);
    const second = (await refresh(first.refresh_token)).json() as Pair;
    // Neither was used since: the first is still live (lazy rotation), and both access tokens expired long ago.
    t.clock.advance(DAY_S + RETENTION_S + 1);
    assert.deepEqual(counts(await cleanup()), {
      tokens: 2,
      authorization_codes: 1,
      authorization_requests: 1,
      device_codes: 0,
      sessions: 1,
    });
    assertTokenError(await refresh(first.refresh_token), 400, INVALID_GRANT);
    assertTokenError(await refresh(second.refresh_token), 400, INVALID_GRANT);
    assert.deepEqual(counts(await cleanup()), NOTHING);
  });

  it('keeps a rotated-out token: within the grace it gets its successor, after it its replay revokes all', async () => {
    const first = await t.tokensFor(alice, app);
    const second = (await refresh(first.refresh_token)).json() as Pair;
    // The successor's first use retires the first token (revoked and rotated now).
    assert.equal((await t.whoami(second.access_token)).statusCode, 200);
    t.clock.advance(10);
    assert.deepEqual(counts(await cleanup()), NOTHING);
    const again = await refresh(first.refresh_token);
    assert.equal(again.statusCode, 200, again.body);
    const answered = again.json() as Pair;
    assert.deepEqual([answered.access_token, answered.refresh_token], [second.access_token, second.refresh_token]);

    t.clock.advance(60);
    assert.deepEqual(counts(await cleanup()), NOTHING);
    assertTokenError(await refresh(first.refresh_token), 400, INVALID_GRANT);
    assert.equal((await t.whoami(second.access_token)).statusCode, 401, 'the replay revoked the family');
  });

  it("keeps a consumed code while its tokens exist, so that the code's replay still revokes them", async () => {
    const code = await t.authorize(alice, app);
    const exchange = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.application.redirectUris[0] ?? '',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    };
    const issued = (await t.token(exchange)).json() as Pair;
    // The code expired (30 minutes), and so did the margin after it; the access token (a day) has not.
    t.clock.advance(t.config.codeTtl + EXPIRY_MARGIN_MS / 1000 + 1);
    assert.deepEqual(counts(await cleanup()), { ...NOTHING, authorization_requests: 1 });
    assertTokenError(await t.token(exchange), 400, INVALID_GRANT);
    assert.equal((await t.whoami(issued.access_token)).statusCode, 401, 'the replay revoked the code\'s tokens');
  });
});

describe('the server cleanup schedule', () => {
  it('runs on its interval, as of the server clock, logs what it removed (counts only), stops on close', async () => {
    const log = new LogCapture();
    const t = await TestMonban.start(
      { MONBAN_CLEANUP_INTERVAL: '1', MONBAN_LOG_LEVEL: 'info', MONBAN_TOKEN_RETENTION: String(RETENTION_S) },
      { logDestination: log },
    );
    let closed = false;
    try {
      const owner = await t.createUser('alice');
      const app = await t.createApp(owner.id);
      const tokens = await t.tokensFor(await t.browserFor('alice'), app);
      // Nothing is due yet: a run that removes nothing logs nothing.
      await sleep(1500);
      assert.deepEqual(
        log.entries.filter((e) => String(e.msg).startsWith('cleanup')),
        [],
      );
      // A year later by the server's clock, the next run (a second later) removes it all.
      t.clock.advance(365 * DAY_S);
      let lines: Array<Record<string, unknown>> = [];
      for (let i = 0; i < 50 && lines.length === 0; i++) {
        await sleep(100);
        lines = log.entries.filter((e) => String(e.msg).startsWith('cleanup'));
      }
      assert.equal(lines.length, 1, JSON.stringify(lines));
      const [line] = lines;
      const removed = line?.cleanup as Record<string, number>;
      assert.deepEqual(Object.keys(removed), [...OAUTH_KINDS, 'password_resets', 'audit_events']);
      assert.deepEqual(OAUTH_KINDS.map((kind) => removed[kind]), [1, 1, 1, 0, 1]);
      const total = Object.values(removed).reduce((a, b) => a + b, 0);
      assert.equal(line?.msg, `cleanup removed ${total} rows`);
      assert.equal(line?.level, 30);
      const text = log.lines.join('\n');
      for (const secret of [tokens.access_token, tokens.refresh_token]) assert.ok(!text.includes(secret));
      await t.close();
      closed = true;
      const after = log.lines.length;
      await sleep(1200);
      assert.equal(log.lines.length, after, 'no run after close');
    } finally {
      if (!closed) await t.close();
    }
  });
});

describe('cleanup settings', () => {
  it('keeps tokens 120 days (Shikimori\'s 4 months) and cleans hourly by default', () => {
    const config = loadConfig({});
    assert.equal(config.tokenRetention, 120 * DAY_S);
    assert.equal(config.cleanupInterval, 3600);
    assert.equal(config.cleanupBatchSize, 1000);
  });

  it('turns the server cleanup off with 0 or off', () => {
    assert.equal(loadConfig({ MONBAN_CLEANUP_INTERVAL: '0' }).cleanupInterval, 0);
    assert.equal(loadConfig({ MONBAN_CLEANUP_INTERVAL: 'off' }).cleanupInterval, 0);
    assert.equal(loadConfig({ MONBAN_CLEANUP_INTERVAL: '600' }).cleanupInterval, 600);
  });

  it('refuses a retention shorter than the refresh reuse grace, whose rows it must keep', () => {
    assert.throws(
      () => loadConfig({ MONBAN_TOKEN_RETENTION: '30', MONBAN_REFRESH_REUSE_GRACE: '60' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message === 'MONBAN_TOKEN_RETENTION: must be at least MONBAN_REFRESH_REUSE_GRACE (60), got 30',
    );
    assert.equal(loadConfig({ MONBAN_TOKEN_RETENTION: '60' }).tokenRetention, 60);
  });

  it('refuses a bad interval or batch size, naming the variable', () => {
    assert.throws(() => loadConfig({ MONBAN_CLEANUP_INTERVAL: 'hourly' }), /^ConfigError: MONBAN_CLEANUP_INTERVAL/);
    for (const size of ['0', '20000']) {
      assert.throws(() => loadConfig({ MONBAN_CLEANUP_BATCH_SIZE: size }), /^ConfigError: MONBAN_CLEANUP_BATCH_SIZE/);
    }
  });
});
