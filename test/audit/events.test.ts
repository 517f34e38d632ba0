/**
 * The audit log (docs/audit.md, issue 12): every audit type recorded exactly once, with its time, user,
 * application, client address, user agent and details, from real requests through Monban in memory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent } from '../../src/core/ports/stores.js';
import { Browser, findForm } from '../helpers/browser.js';
import { PASSWORD, TestMonban, type TestApp } from '../helpers/monban.js';

/** What Fastify's inject sends unless told otherwise. */
const ADDRESS = '127.0.0.1';
const AGENT = 'lightMyRequest';

describe('audit events', () => {
  let t: TestMonban;
  let aliceId: number;
  let alice: Browser;
  let app: TestApp;
  let lastId = 0;

  before(async () => {
    t = await TestMonban.start({ MONBAN_REFRESH_REUSE_GRACE: '0' });
    aliceId = (await t.createUser('alice')).id;
    alice = await t.browserFor('alice');
    app = await t.createApp(aliceId, { redirectUris: ['https://c.test/cb'] });
    await recorded();
  });
  after(() => t.close());

  /** The events recorded since the last call, oldest first. */
  async function recorded(): Promise<AuditEvent[]> {
    await t.monban.audit.flush();
    const events = (await t.stores.audit.list({ limit: 1000 })).filter((e) => e.id > lastId).reverse();
    lastId = Math.max(lastId, ...events.map((e) => e.id));
    return events;
  }

  /** The one event of this type among `events`, without its id, failing if there is none or more than one. */
  function one(events: AuditEvent[], type: string): Omit<AuditEvent, 'id'> {
    const found = events.filter((e) => e.type === type);
    assert.equal(found.length, 1, `${type} recorded ${found.length} times: ${JSON.stringify(events)}`);
    const { id: _id, ...rest } = found[0]!;
    return rest;
  }

  const client = () => ({ client_id: app.clientId, client_secret: app.clientSecret });
  const exchange = (code: string) =>
    t.token({ grant_type: 'authorization_code', code, redirect_uri: 'https://c.test/cb', ...client() });

  function expected(type: string, over: Partial<AuditEvent> = {}): Omit<AuditEvent, 'id'> {
    return {
      at: t.clock.now(),
      type,
      userId: aliceId,
      nickname: 'alice',
      applicationId: app.application.id,
      applicationName: 'Test app',
      clientId: app.clientId,
      address: ADDRESS,
      userAgent: AGENT,
      details: {},
      ...over,
    };
  }

  it('sign_in.succeeded and sign_in.failed, with the address and user agent', async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in');
    await browser.submit(page.body, 'form', { nickname: 'alice', password: 'wrong password' });
    const again = await browser.get('/users/sign_in');
    await browser.submit(again.body, 'form', { nickname: 'alice', password: PASSWORD });
    const events = await recorded();
    assert.deepEqual(events.map((e) => e.type), ['sign_in.failed', 'sign_in.succeeded']);
    const none = { applicationId: null, applicationName: null, clientId: null };
    assert.deepEqual(
      one(events, 'sign_in.failed'),
      // A wrong password for an existing account is recorded as that account's, so that its owner sees it.
      expected('sign_in.failed', { ...none, details: { nickname: 'alice', throttled: false } }),
    );
    assert.deepEqual(one(events, 'sign_in.succeeded'), expected('sign_in.succeeded', none));
  });

  it('sign_in.failed for a nickname nobody has names no user', async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in');
    await browser.submit(page.body, 'form', { nickname: 'nobody-here', password: 'wrong password' });
    const events = await recorded();
    assert.deepEqual(
      one(events, 'sign_in.failed'),
      expected('sign_in.failed', {
        applicationId: null,
        applicationName: null,
        clientId: null,
        userId: null,
        nickname: null,
        details: { nickname: 'nobody-here', throttled: false },
      }),
    );
  });

  it('consent.granted, then token.issued for the code, once each', async () => {
    const code = await t.authorize(alice, app);
    assert.equal((await exchange(code)).statusCode, 200);
    const events = await recorded();
    assert.deepEqual(events.map((e) => e.type), ['consent.granted', 'token.issued']);
    assert.deepEqual(
      one(events, 'consent.granted'),
      expected('consent.granted', { details: { scopes: ['user_rates', 'comments', 'topics'], prior: false } }),
    );
    const issued = one(events, 'token.issued');
    assert.equal(typeof issued.details.token_id, 'number');
    assert.deepEqual(
      issued,
      expected('token.issued', { details: { grant_type: 'authorization_code', token_id: issued.details.token_id } }),
    );
  });

  it('token.issued for client_credentials has no user', async () => {
    const response = await t.token({ grant_type: 'client_credentials', ...client() }, { 'user-agent': 'my-bot/2.0' });
    assert.equal(response.statusCode, 200);
    const events = await recorded();
    const issued = one(events, 'token.issued');
    assert.equal(events.length, 1);
    assert.deepEqual(issued.userId, null);
    assert.deepEqual(issued.userAgent, 'my-bot/2.0');
    assert.equal(issued.details.grant_type, 'client_credentials');
  });

  it('token.refreshed, once per refresh (not also token.issued)', async () => {
    const tokens = await t.tokensFor(alice, app);
    await recorded();
    const response = await t.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, ...client() });
    assert.equal(response.statusCode, 200);
    const events = await recorded();
    assert.deepEqual(events.map((e) => e.type), ['token.refreshed']);
    const refreshed = one(events, 'token.refreshed');
    assert.deepEqual(Object.keys(refreshed.details), ['token_id', 'previous_token_id']);
    assert.deepEqual(refreshed, expected('token.refreshed', { details: refreshed.details }));
  });

  it('refresh.replay_detected', async () => {
    const tokens = await t.tokensFor(alice, app);
    const pair = await t.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, ...client() });
    assert.equal((await t.whoami((pair.json() as { access_token: string }).access_token)).statusCode, 200);
    t.clock.advance(1);
    await recorded();
    const replay = await t.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, ...client() });
    assert.equal(replay.statusCode, 400);
    const events = await recorded();
    assert.deepEqual(events.map((e) => e.type), ['refresh.replay_detected']);
    const detected = one(events, 'refresh.replay_detected');
    const details = { grant_id: detected.details.grant_id, tokens_revoked: 1 };
    assert.deepEqual(detected, expected('refresh.replay_detected', { details }));
    assert.equal(typeof detected.details.grant_id, 'number');
  });

  it('code.replay_detected', async () => {
    const code = await t.authorize(alice, app);
    assert.equal((await exchange(code)).statusCode, 200);
    await recorded();
    assert.equal((await exchange(code)).statusCode, 400);
    const events = await recorded();
    assert.deepEqual(events.map((e) => e.type), ['code.replay_detected']);
    const detected = one(events, 'code.replay_detected');
    const details = { grant_id: detected.details.grant_id, tokens_revoked: 1 };
    assert.deepEqual(detected, expected('code.replay_detected', { details }));
  });

  it('token.revoked by the client, once; an unknown token records nothing', async () => {
    const tokens = await t.tokensFor(alice, app);
    await recorded();
    const revoke = (token: string) =>
      t.server.inject({ method: 'POST', url: '/oauth/revoke', payload: { token, ...client() } });
    assert.equal((await revoke(tokens.access_token)).statusCode, 200);
    assert.equal((await revoke(tokens.access_token)).statusCode, 200);
    assert.equal((await revoke('unknown')).statusCode, 200);
    const events = await recorded();
    assert.deepEqual(events, events.filter((e) => e.type === 'token.revoked'));
    assert.deepEqual(one(events, 'token.revoked'), expected('token.revoked', { details: { by: 'client' } }));
  });

  it('consent.revoked on "Revoke access" (not also token.revoked)', async () => {
    await t.tokensFor(alice, app);
    await recorded();
    const grants = await t.stores.tokens.liveGrantsOfUser(aliceId);
    const live = grants.filter((g) => g.applicationId === app.application.id);
    assert.ok(live.length > 0);
    const page = await alice.get(`/oauth/applications/${app.application.id}`);
    assert.equal((await alice.submit(page.body, 'form#revoke_access')).statusCode, 303);
    const events = await recorded();
    assert.deepEqual(events.map((e) => e.type), ['consent.revoked']);
    const details = { tokens_revoked: live.length };
    assert.deepEqual(one(events, 'consent.revoked'), expected('consent.revoked', { details }));
  });

  it('client_auth.failed keeps the client_id presented, known or not', async () => {
    await t.token({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: 'wrong' });
    const basic = Buffer.from('no-such-client:x').toString('base64');
    await t.token({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
    const events = await recorded();
    assert.deepEqual(events.map((e) => e.type), ['client_auth.failed', 'client_auth.failed']);
    const anonymous = { userId: null, nickname: null, applicationId: null, applicationName: null };
    const rest = (e: AuditEvent) => {
      const { id: _id, ...r } = e;
      return r;
    };
    assert.deepEqual(
      events.map(rest),
      [
        expected('client_auth.failed', { ...anonymous, details: { method: 'client_secret_post' } }),
        expected('client_auth.failed', {
          ...anonymous,
          clientId: 'no-such-client',
          details: { method: 'client_secret_basic' },
        }),
      ],
    );
  });

  it('application.created and application.secret_regenerated', async () => {
    const form = await alice.get('/oauth/applications/new');
    const fields = { name: 'Evented', redirect_uri: 'https://e.test/cb' };
    const created = await alice.submit(form.body, 'form#application', fields);
    assert.ok([201, 303].includes(created.statusCode), created.body.slice(0, 300));
    let events = await recorded();
    const made = one(events, 'application.created');
    assert.equal(events.length, 1);
    const applicationId = made.applicationId ?? 0;
    const application = await t.stores.applications.findById(applicationId);
    const owned = { applicationId, applicationName: 'Evented', clientId: application?.uid ?? '' };
    assert.deepEqual(made, expected('application.created', owned));
    const edit = await alice.get(`/oauth/applications/${applicationId}/edit`);
    const regenerate = findForm(edit.body, 'form#regenerate_secret');
    assert.ok([200, 303].includes((await alice.post(regenerate.action, regenerate.fields)).statusCode));
    events = await recorded();
    assert.equal(events.length, 1);
    const regenerated = one(events, 'application.secret_regenerated');
    assert.deepEqual(regenerated, expected('application.secret_regenerated', owned));
  });

  it('user_rate.changed, once per change made through the API', async () => {
    const tokens = await t.tokensFor(alice, app);
    await recorded();
    const api = (method: 'POST' | 'PATCH', url: string, json: unknown) =>
      t.server.inject({
        method,
        url,
        headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
        payload: JSON.stringify(json),
      });
    const created = await api('POST', '/api/v2/user_rates', {
      user_rate: { user_id: aliceId, target_id: 1, target_type: 'Anime', status: 'watching' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = (created.json() as { id: number }).id;
    assert.equal((await api('PATCH', `/api/v2/user_rates/${id}`, { user_rate: { episodes: 3 } })).statusCode, 200);
    const events = await recorded();
    assert.deepEqual(events.map((e) => [e.type, e.details]), [
      ['user_rate.changed', { user_rate_id: id, action: 'created' }],
      ['user_rate.changed', { user_rate_id: id, action: 'updated' }],
    ]);
    const { id: _id, ...first } = events[0]!;
    assert.deepEqual(first, expected('user_rate.changed', { details: { user_rate_id: id, action: 'created' } }));
  });

  it('records the time of the event, not of the write', async () => {
    const before = t.clock.now();
    await t.token({ grant_type: 'client_credentials', ...client() });
    t.clock.advance(3600);
    const [event] = await recorded();
    assert.equal(event?.at, before);
  });
});
