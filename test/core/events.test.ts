/**
 * Domain events (core/events.ts): each thing the protocol does is told once, with the application, the user and the
 * grant type, through one typed emitter that metrics and logs listen to.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Events, type MonbanEvent } from '../../src/core/events.js';
import { Browser, findForm } from '../helpers/browser.js';
import { PASSWORD, TestMonban, type TestApp } from '../helpers/monban.js';
import { authorizePathFor } from '../http/authorize-support.js';

describe('domain events', () => {
  let t: TestMonban;
  let aliceId: number;
  let alice: Browser;
  let app: TestApp;
  let seen: MonbanEvent[];

  before(async () => {
    t = await TestMonban.start();
    aliceId = (await t.createUser('alice')).id;
    alice = await t.browserFor('alice');
    app = await t.createApp(aliceId, { redirectUris: ['https://c.test/cb'] });
    const events = t.monban.ctx.events;
    for (const type of [
      'authorization.granted',
      'authorization.denied',
      'code.redeemed',
      'code.replayed',
      'token.issued',
      'token.refreshed',
      'refresh.refused',
      'token.revoked',
      'client.authentication_failed',
      'sign_in.succeeded',
      'sign_in.failed',
      'application.created',
      'application.secret_regenerated',
      'authorization.revoked',
    ] as const) {
      events.on(type, (event) => seen.push(event));
    }
  });
  beforeEach(() => {
    seen = [];
  });
  after(() => t.close());

  const client = () => ({ client_id: app.clientId, client_secret: app.clientSecret });

  async function exchange(code: string) {
    return t.token({ grant_type: 'authorization_code', code, redirect_uri: 'https://c.test/cb', ...client() });
  }

  it('authorization granted on the consent page, then prior consent', async () => {
    await t.authorize(alice, app);
    assert.deepEqual(seen, [
      {
        type: 'authorization.granted',
        applicationId: app.application.id,
        userId: aliceId,
        scopes: ['user_rates', 'comments', 'topics'],
        prior: false,
      },
    ]);
  });

  it('authorization denied', async () => {
    const fresh = await t.createApp(aliceId, { redirectUris: ['https://d.test/cb'] });
    const page = await alice.get(authorizePathFor(fresh));
    await alice.submit(page.body, 'form#deny');
    assert.deepEqual(seen, [{ type: 'authorization.denied', applicationId: fresh.application.id, userId: aliceId }]);
  });

  it('a code redeemed, and the token issued by authorization_code', async () => {
    const code = await t.authorize(alice, app);
    seen = [];
    const response = await exchange(code);
    assert.equal(response.statusCode, 200);
    const grant = await t.stores.codes.findByHash((await import('../../src/core/secrets.js')).secretHash(code));
    const [redeemed, issued] = seen;
    assert.equal(seen.length, 2);
    assert.deepEqual(redeemed, {
      type: 'code.redeemed',
      applicationId: app.application.id,
      userId: aliceId,
      grantId: grant?.id,
    });
    assert.equal(issued?.type, 'token.issued');
    assert.deepEqual({ ...issued, tokenId: 0 }, {
      type: 'token.issued',
      grantType: 'authorization_code',
      applicationId: app.application.id,
      userId: aliceId,
      tokenId: 0,
    });
  });

  it('a code replayed: the family revoked, and told once', async () => {
    const code = await t.authorize(alice, app);
    assert.equal((await exchange(code)).statusCode, 200);
    seen = [];
    assert.equal((await exchange(code)).statusCode, 400);
    assert.equal(seen.length, 1);
    assert.deepEqual({ ...seen[0], grantId: 0 }, {
      type: 'code.replayed',
      applicationId: app.application.id,
      userId: aliceId,
      grantId: 0,
      tokensRevoked: 1,
    });
  });

  it('a token refreshed: token.refreshed and token.issued by refresh_token', async () => {
    const tokens = await t.tokensFor(alice, app);
    seen = [];
    const response = await t.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, ...client() });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(
      seen.map((e) => ({ ...e, tokenId: 0, previousTokenId: 0 })),
      [
        {
          type: 'token.refreshed',
          applicationId: app.application.id,
          userId: aliceId,
          previousTokenId: 0,
          tokenId: 0,
        },
        {
          type: 'token.issued',
          grantType: 'refresh_token',
          applicationId: app.application.id,
          userId: aliceId,
          tokenId: 0,
          previousTokenId: 0,
        },
      ],
    );
  });

  it('a refresh refused: an unknown token, and another client', async () => {
    const other = await t.createApp(aliceId);
    const tokens = await t.tokensFor(alice, app);
    seen = [];
    await t.token({ grant_type: 'refresh_token', refresh_token: 'nope', ...client() });
    await t.token({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: other.clientId,
      client_secret: other.clientSecret,
    });
    assert.deepEqual(seen, [
      { type: 'refresh.refused', applicationId: null, reason: 'unknown_token' },
      { type: 'refresh.refused', applicationId: app.application.id, reason: 'wrong_client' },
    ]);
  });

  it('a client_credentials token issued', async () => {
    await t.token({ grant_type: 'client_credentials', ...client() });
    assert.equal(seen.length, 1);
    assert.deepEqual({ ...seen[0], tokenId: 0 }, {
      type: 'token.issued',
      grantType: 'client_credentials',
      applicationId: app.application.id,
      userId: null,
      tokenId: 0,
    });
  });

  it('a token revoked by its client, once; an unknown token revokes nothing', async () => {
    const tokens = await t.tokensFor(alice, app);
    seen = [];
    const revoke = (token: string) =>
      t.server.inject({ method: 'POST', url: '/oauth/revoke', payload: { token, ...client() } });
    assert.equal((await revoke(tokens.access_token)).statusCode, 200);
    assert.equal((await revoke(tokens.access_token)).statusCode, 200);
    assert.equal((await revoke('unknown')).statusCode, 200);
    assert.deepEqual(seen, [{ type: 'token.revoked', applicationId: app.application.id, userId: aliceId, by: 'client' }]);
  });

  it("a token revoked by its user (Revoke access)", async () => {
    await t.tokensFor(alice, app);
    seen = [];
    const page = await alice.get(`/oauth/applications/${app.application.id}`);
    const response = await alice.submit(page.body, 'form#revoke_access');
    assert.equal(response.statusCode, 303);
    const revoked = seen.find((e) => e.type === 'authorization.revoked');
    const tokensRevoked = revoked?.type === 'authorization.revoked' ? revoked.tokensRevoked : 0;
    assert.ok(tokensRevoked >= 1);
    assert.deepEqual(seen, [
      { type: 'token.revoked', applicationId: app.application.id, userId: aliceId, by: 'user' },
      { type: 'authorization.revoked', applicationId: app.application.id, userId: aliceId, tokensRevoked },
    ]);
  });

  it('client authentication failed: a wrong secret, by Basic and in the body', async () => {
    const basic = Buffer.from(`${app.clientId}:wrong`).toString('base64');
    await t.token({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
    await t.token({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: 'wrong' });
    await t.token({ grant_type: 'client_credentials', client_id: app.clientId });
    assert.deepEqual(seen, [
      { type: 'client.authentication_failed', clientId: app.clientId, method: 'client_secret_basic' },
      { type: 'client.authentication_failed', clientId: app.clientId, method: 'client_secret_post' },
      { type: 'client.authentication_failed', clientId: app.clientId, method: 'none' },
    ]);
  });

  it('sign-in succeeded and failed', async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in');
    await browser.submit(page.body, 'form', { nickname: 'alice', password: 'wrong password' });
    const again = await browser.get('/users/sign_in');
    await browser.submit(again.body, 'form', { nickname: 'alice', password: PASSWORD });
    assert.deepEqual(seen, [
      { type: 'sign_in.failed', nickname: 'alice', throttled: false, userId: aliceId },
      { type: 'sign_in.succeeded', userId: aliceId },
    ]);
  });

  it('an application created, and its secret regenerated', async () => {
    const form = await alice.get('/oauth/applications/new');
    const created = await alice.submit(form.body, 'form#application', {
      name: 'Evented',
      redirect_uri: 'https://e.test/cb',
    });
    // Post/redirect/get: the secret is shown on the page the 303 leads to (http/secret-reveal.ts).
    assert.equal(created.statusCode, 303, created.body.slice(0, 300));
    const [event] = seen;
    assert.equal(seen.length, 1);
    assert.equal(event?.type, 'application.created');
    const applicationId = event?.type === 'application.created' ? event.applicationId : 0;
    assert.deepEqual(event, { type: 'application.created', applicationId, ownerId: aliceId });
    seen = [];
    const edit = await alice.get(`/oauth/applications/${applicationId}/edit`);
    const regenerate = findForm(edit.body, 'form#regenerate_secret');
    assert.equal((await alice.post(regenerate.action, regenerate.fields)).statusCode, 303);
    assert.deepEqual(seen, [{ type: 'application.secret_regenerated', applicationId, byUserId: aliceId }]);
  });
});

describe('the emitter', () => {
  it('calls listeners in order, stops calling one that unsubscribed, and reports one that throws', () => {
    const reported: unknown[] = [];
    const events = new Events((err) => reported.push(err));
    const calls: string[] = [];
    const off = events.on('sign_in.succeeded', () => calls.push('first'));
    events.on('sign_in.succeeded', () => {
      throw new Error('listener failed');
    });
    events.on('sign_in.succeeded', () => calls.push('third'));
    events.emit({ type: 'sign_in.succeeded', userId: 1 });
    off();
    events.emit({ type: 'sign_in.succeeded', userId: 2 });
    events.emit({ type: 'sign_in.failed', nickname: 'x', throttled: false, userId: null });
    assert.deepEqual(calls, ['first', 'third', 'third']);
    assert.equal(reported.length, 2);
  });

  it("tells a request's origin with the events of an emitter made withOrigin, and none with the shared one's", () => {
    const events = new Events();
    const told: unknown[] = [];
    events.on('sign_in.succeeded', (event, origin) => told.push([event.userId, origin]));
    const origin = { address: '203.0.113.7', userAgent: 'Example/1.0' };
    events.withOrigin(origin).emit({ type: 'sign_in.succeeded', userId: 1 });
    events.emit({ type: 'sign_in.succeeded', userId: 2 });
    // A listener added later hears the derived emitter too: they share their listeners.
    const derived = events.withOrigin({ address: '198.51.100.1', userAgent: null });
    events.on('sign_in.succeeded', () => told.push('late'));
    derived.emit({ type: 'sign_in.succeeded', userId: 3 });
    assert.deepEqual(told, [[1, origin], [2, undefined], [3, { address: '198.51.100.1', userAgent: null }], 'late']);
  });
});
