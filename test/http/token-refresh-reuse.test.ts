import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { MonbanEvent } from '../../src/core/events.js';
import { secretHash } from '../../src/core/secrets.js';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { assertTokenError, assertTokenSuccess, INVALID_GRANT, SECRET_SHAPE, unixSeconds } from './token-support.js';

/**
 * Issue 11: refresh rotation with reuse detection behind Shikimori's wire (compatibility.md §4.4, "Monban differs";
 * RFC 9700 §4.14.2). One refresh token has one successor pair; a rotated-out refresh token gets it again within
 * MONBAN_REFRESH_REUSE_GRACE seconds of the successor's first use, and is a replay after that, or once the successor
 * was refreshed itself: invalid_grant, and the whole family is revoked.
 */
interface Pair {
  access_token: string;
  refresh_token: string;
  created_at: number;
}

function refreshSuite(t: () => TestMonban) {
  let alice: Browser;
  let app: TestApp;
  let otherApp: TestApp;
  let seen: MonbanEvent[];

  const refresh = (refreshToken: string, client: TestApp = app) =>
    t().token({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    });
  const refreshed = async (refreshToken: string): Promise<Pair> => {
    const response = await refresh(refreshToken);
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as Pair;
  };
  const whoamiStatus = async (accessToken: string) => (await t().whoami(accessToken)).statusCode;
  /** The rows whose refresh produced them from this token: its successors. */
  const successorRows = async (refreshToken: string) => {
    const db = t().monban.database.db;
    const parent = await db
      .selectFrom('access_tokens')
      .select('id')
      .where('refresh_token_hash', '=', secretHash(refreshToken))
      .executeTakeFirstOrThrow();
    return db.selectFrom('access_tokens').select('token_hash').where('parent_id', '=', parent.id).execute();
  };

  return {
    async setUp(nickname: string) {
      const owner = await t().createUser(nickname);
      app = await t().createApp(owner.id);
      otherApp = await t().createApp(owner.id, { name: 'Other app' });
      alice = await t().browserFor(nickname);
      for (const type of ['refresh.replayed', 'refresh.refused', 'token.refreshed'] as const) {
        t().monban.ctx.events.on(type, (event) => seen.push(event));
      }
    },
    reset() {
      seen = [];
    },
    get app() {
      return app;
    },
    get otherApp() {
      return otherApp;
    },
    get seen() {
      return seen;
    },
    tokens: () => t().tokensFor(alice, app),
    refresh,
    refreshed,
    whoamiStatus,
    successorRows,
  };
}

describe('refresh reuse detection (issue 11, compatibility.md §4.4)', () => {
  let t: TestMonban;
  const s = refreshSuite(() => t);

  before(async () => {
    t = await TestMonban.start();
    await s.setUp('alice');
  });
  beforeEach(() => s.reset());
  after(() => t.close());

  describe('no sibling chains: one refresh token, one successor pair', () => {
    it('answers ten refreshes in a row with the same pair, the first one\'s created_at included, and stores it once', async () => {
      const original = await s.tokens();
      const firstAnswer = await s.refresh(original.refresh_token);
      const first = assertTokenSuccess(firstAnswer, {
        scope: 'user_rates comments topics',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: true,
      });
      assert.match(first.access_token, SECRET_SHAPE);
      assert.match(first.refresh_token ?? '', SECRET_SHAPE);
      for (let i = 0; i < 9; i++) {
        t.clock.advance(30);
        const again = await s.refresh(original.refresh_token);
        assert.equal(again.statusCode, 200, again.body);
        // The same bytes: a client cannot tell a repeated answer from the first.
        assert.equal(again.body, firstAnswer.body);
      }
      assert.equal((await s.successorRows(original.refresh_token)).length, 1);
      // The pair works: its first use ends the old one, and it refreshes.
      assert.equal(await s.whoamiStatus(first.access_token), 200);
      assert.equal(await s.whoamiStatus(original.access_token), 401);
      const next = await s.refreshed(first.refresh_token ?? '');
      assert.notEqual(next.access_token, first.access_token);
      assert.equal(await s.whoamiStatus(next.access_token), 200);
    });

    it('answers 50 parallel refreshes of one token with one pair, stored once, that works', async () => {
      const original = await s.tokens();
      const answers = await Promise.all(Array.from({ length: 50 }, () => s.refresh(original.refresh_token)));
      for (const answer of answers) assert.equal(answer.statusCode, 200, answer.body);
      assert.equal(new Set(answers.map((a) => a.body)).size, 1);
      assert.equal((await s.successorRows(original.refresh_token)).length, 1);
      const pair = answers[0]?.json() as Pair;
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      const next = await s.refreshed(pair.refresh_token);
      assert.equal(await s.whoamiStatus(next.access_token), 200);
    });

    it('tells each refresh as token.refreshed of the one successor', async () => {
      const original = await s.tokens();
      const first = await s.refreshed(original.refresh_token);
      await s.refreshed(original.refresh_token);
      const tokenRefreshed = s.seen.filter((e) => e.type === 'token.refreshed');
      assert.equal(tokenRefreshed.length, 2);
      assert.deepEqual(tokenRefreshed[0], tokenRefreshed[1]);
      assert.equal(await s.whoamiStatus(first.access_token), 200);
    });
  });

  describe('grace period (MONBAN_REFRESH_REUSE_GRACE, default 60 s)', () => {
    it('answers a rotated-out refresh token with the same pair within the grace period', async () => {
      const original = await s.tokens();
      const pair = await s.refreshed(original.refresh_token);
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      t.clock.advance(59);
      const late = await s.refresh(original.refresh_token);
      assert.equal(late.statusCode, 200, late.body);
      assert.deepEqual(late.json(), pair);
      // Nothing was revoked, and the old access token stays retired.
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      assert.equal(await s.whoamiStatus(original.access_token), 401);
      assert.equal((await s.successorRows(original.refresh_token)).length, 1);
      assert.equal(s.seen.filter((e) => e.type === 'refresh.replayed').length, 0);
    });

    it('after the grace period: invalid_grant, the whole family revoked, and refresh.replayed told', async () => {
      const original = await s.tokens();
      const pair = await s.refreshed(original.refresh_token);
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      t.clock.advance(60);
      assertTokenError(await s.refresh(original.refresh_token), 400, INVALID_GRANT);
      assert.equal(await s.whoamiStatus(pair.access_token), 401);
      assertTokenError(await s.refresh(pair.refresh_token), 400, INVALID_GRANT);
      const family = await t.monban.database.db
        .selectFrom('access_tokens')
        .select(['grant_id', 'revoked_at'])
        .where('token_hash', '=', secretHash(pair.access_token))
        .executeTakeFirstOrThrow();
      assert.notEqual(family.grant_id, null);
      assert.deepEqual(s.seen.find((e) => e.type === 'refresh.replayed'), {
        type: 'refresh.replayed',
        applicationId: s.app.application.id,
        userId: s.app.application.ownerId,
        grantId: family.grant_id,
        tokensRevoked: 1,
      });
    });

    it('once the successor was refreshed itself, a rotated-out refresh token is a replay even within the grace', async () => {
      const original = await s.tokens();
      const pair = await s.refreshed(original.refresh_token);
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      const next = await s.refreshed(pair.refresh_token);
      assertTokenError(await s.refresh(original.refresh_token), 400, INVALID_GRANT);
      assert.equal(await s.whoamiStatus(pair.access_token), 401);
      assert.equal(await s.whoamiStatus(next.access_token), 401);
      assertTokenError(await s.refresh(next.refresh_token), 400, INVALID_GRANT);
      assert.equal(s.seen.filter((e) => e.type === 'refresh.replayed').length, 1);
    });

    it('a live refresh token whose successor was rotated out in turn is a replay', async () => {
      // The client refreshed the successor without using it, then used the successor's successor.
      const original = await s.tokens();
      const pair = await s.refreshed(original.refresh_token);
      const next = await s.refreshed(pair.refresh_token);
      assert.equal(await s.whoamiStatus(next.access_token), 200);
      assert.equal(await s.whoamiStatus(original.access_token), 200);
      assertTokenError(await s.refresh(original.refresh_token), 400, INVALID_GRANT);
      assert.equal(await s.whoamiStatus(next.access_token), 401);
      assert.equal(await s.whoamiStatus(original.access_token), 401);
    });
  });

  describe('a revoked refresh token is not a rotated-out one', () => {
    it('never gets a pair, and is no replay, even within the grace period', async () => {
      const original = await s.tokens();
      const pair = await s.refreshed(original.refresh_token);
      // Revoking the old access token (not its refresh token, which would revoke the family) revokes its row.
      const revoked = await t.server.inject({
        method: 'POST',
        url: '/oauth/revoke',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          token: original.access_token,
          client_id: s.app.clientId,
          client_secret: s.app.clientSecret,
        }).toString(),
      });
      assert.equal(revoked.statusCode, 200, revoked.body);
      assertTokenError(await s.refresh(original.refresh_token), 400, INVALID_GRANT);
      // The successor the refresh made before the revocation still works: nothing was taken for a replay.
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      assert.equal(s.seen.filter((e) => e.type === 'refresh.replayed').length, 0);
    });

    it('a live refresh token whose successor was revoked gets no pair, and is no replay', async () => {
      const original = await s.tokens();
      const pair = await s.refreshed(original.refresh_token);
      const revoked = await t.server.inject({
        method: 'POST',
        url: '/oauth/revoke',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          token: pair.access_token,
          client_id: s.app.clientId,
          client_secret: s.app.clientSecret,
        }).toString(),
      });
      assert.equal(revoked.statusCode, 200, revoked.body);
      assertTokenError(await s.refresh(original.refresh_token), 400, INVALID_GRANT);
      assert.equal(await s.whoamiStatus(original.access_token), 200);
      assert.equal(s.seen.filter((e) => e.type === 'refresh.replayed').length, 0);
    });

    it('a successor revoked by Revoke access is not answered to its rotated-out parent', async () => {
      const original = await s.tokens();
      const pair = await s.refreshed(original.refresh_token);
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      await t.stores.tokens.revokeAllForUser(s.app.application.id, s.app.application.ownerId, t.clock.now());
      assertTokenError(await s.refresh(original.refresh_token), 400, INVALID_GRANT);
      assert.equal(s.seen.filter((e) => e.type === 'refresh.replayed').length, 0);
    });
  });

  describe('only the token\'s own client gets the pair or sets off the revocation', () => {
    it('another application, or no credentials, get invalid_grant for a rotated-out token, and nothing is revoked', async () => {
      const original = await s.tokens();
      const pair = await s.refreshed(original.refresh_token);
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      assertTokenError(await s.refresh(original.refresh_token, s.otherApp), 400, INVALID_GRANT);
      t.clock.advance(60);
      assertTokenError(await s.refresh(original.refresh_token, s.otherApp), 400, INVALID_GRANT);
      const anonymous = await t.token({ grant_type: 'refresh_token', refresh_token: original.refresh_token });
      assertTokenError(anonymous, 400, INVALID_GRANT);
      const wrongSecret = await t.token({
        grant_type: 'refresh_token',
        refresh_token: original.refresh_token,
        client_id: s.app.clientId,
        client_secret: 'wrong',
      });
      // As Doorkeeper answers any revoked refresh token: invalid_grant before the client is looked at.
      assertTokenError(wrongSecret, 400, INVALID_GRANT);
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      assert.equal(s.seen.filter((e) => e.type === 'refresh.replayed').length, 0);
    });
  });

  describe('a family without an authorization code', () => {
    it('is revoked along its refresh chain on a replay', async () => {
      // A token with a refresh token and no grant id (as a grant without a code would issue), made in the store.
      const at = t.clock.now();
      const root = { access: 'chain-root-access-'.padEnd(43, 'a'), refresh: 'chain-root-refresh-'.padEnd(43, 'r') };
      await t.stores.tokens.create({
        tokenHash: secretHash(root.access),
        refreshTokenHash: secretHash(root.refresh),
        applicationId: s.app.application.id,
        userId: s.app.application.ownerId,
        grantId: null,
        parentId: null,
        scopes: ['user_rates'],
        expiresIn: 86400,
        previousRefreshTokenHash: null,
        at,
      });
      // Another chain of the same user and application, which the replay must leave alone.
      await t.stores.tokens.create({
        tokenHash: secretHash('bystander'),
        refreshTokenHash: secretHash('bystander-refresh'),
        applicationId: s.app.application.id,
        userId: s.app.application.ownerId,
        grantId: null,
        parentId: null,
        scopes: ['user_rates'],
        expiresIn: 86400,
        previousRefreshTokenHash: null,
        at,
      });
      const pair = await s.refreshed(root.refresh);
      assert.equal(await s.whoamiStatus(pair.access_token), 200);
      t.clock.advance(61);
      assertTokenError(await s.refresh(root.refresh), 400, INVALID_GRANT);
      assert.equal(await s.whoamiStatus(pair.access_token), 401);
      assert.deepEqual(s.seen.find((e) => e.type === 'refresh.replayed'), {
        type: 'refresh.replayed',
        applicationId: s.app.application.id,
        userId: s.app.application.ownerId,
        grantId: null,
        tokensRevoked: 1,
      });
      assert.equal((await t.stores.tokens.findByToken(secretHash('bystander')))?.revokedAt, null);
    });
  });
});

describe('refresh reuse detection with MONBAN_REFRESH_REUSE_GRACE=0 (issue 11)', () => {
  let t: TestMonban;
  const s = refreshSuite(() => t);

  before(async () => {
    t = await TestMonban.start({ MONBAN_REFRESH_REUSE_GRACE: '0' });
    await s.setUp('alice');
  });
  beforeEach(() => s.reset());
  after(() => t.close());

  it('still answers repeated refreshes before the first use with one pair', async () => {
    const original = await s.tokens();
    const first = await s.refreshed(original.refresh_token);
    assert.deepEqual(await s.refreshed(original.refresh_token), first);
  });

  it('takes a rotated-out refresh token presented right after the first use for a replay', async () => {
    const original = await s.tokens();
    const pair = await s.refreshed(original.refresh_token);
    assert.equal(await s.whoamiStatus(pair.access_token), 200);
    assertTokenError(await s.refresh(original.refresh_token), 400, INVALID_GRANT);
    assert.equal(await s.whoamiStatus(pair.access_token), 401);
    assertTokenError(await s.refresh(pair.refresh_token), 400, INVALID_GRANT);
    assert.equal(s.seen.filter((e) => e.type === 'refresh.replayed').length, 1);
  });
});
