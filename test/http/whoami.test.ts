import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { TestMonban, type TestApp } from '../helpers/monban.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The 401 Shikimori's API sends for any token it does not accept, byte for byte (compatibility.md §5); the challenge
 * adds where the API's metadata is (RFC 9728 §5.1).
 */
const INVALID_TOKEN_BODY =
  '{"error":"invalid_token","error_description":"The access token is invalid","state":"unauthorized"}';
const INVALID_TOKEN_CHALLENGE =
  'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid", ' +
  'resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/api"';

function assertInvalidToken(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 401, response.body);
  assert.equal(response.body, INVALID_TOKEN_BODY);
  assert.equal(response.headers['content-type'], JSON_TYPE);
  assert.equal(response.headers['cache-control'], 'no-store, no-cache');
  assert.equal(response.headers['www-authenticate'], INVALID_TOKEN_CHALLENGE);
}

function assertGuest(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.body, 'null');
  assert.equal(response.headers['content-type'], JSON_TYPE);
}

/** Shikimori's UserInfoSerializer fields, in its order (compatibility.md §5); JSON.stringify keeps this literal's key order. */
function expectedUserJson(
  publicUrl: string,
  user: { id: number; nickname: string },
  lastOnlineAt: string,
  extra: { email?: string | null } = {},
): string {
  const avatar = (size: number) => `${publicUrl}/assets/globals/missing_avatar/x${size}.png`;
  return JSON.stringify({
    id: user.id,
    nickname: user.nickname,
    avatar: avatar(48),
    image: {
      x160: avatar(160),
      x148: avatar(148),
      x80: avatar(80),
      x64: avatar(64),
      x48: avatar(48),
      x32: avatar(32),
      x16: avatar(16),
    },
    last_online_at: lastOnlineAt,
    url: `${publicUrl}/${user.nickname}`,
    name: null,
    sex: null,
    website: null,
    birth_on: null,
    full_years: null,
    locale: 'ru',
    ...extra,
  });
}

describe('GET /api/users/whoami (compatibility.md §5)', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  const whoami = (url: string, headers: Record<string, string> = {}) =>
    t.server.inject({ method: 'GET', url, headers });

  /** A signed-in user, an app of theirs and an access token with the default scopes. */
  async function userWithToken(nickname: string, options: { email?: string } = {}) {
    const user = await t.createUser(nickname, options);
    const app = await t.createApp(user.id);
    const browser = await t.browserFor(nickname);
    const tokens = await t.tokensFor(browser, app);
    return { user, app, browser, tokens };
  }

  it("answers a valid token with Shikimori's user JSON, field for field and in order, without email", async () => {
    const { user, tokens } = await userWithToken('alice', { email: 'alice@example.com' });
    const response = await t.whoami(tokens.access_token);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], JSON_TYPE);
    // The test clock does not move, so the sign-in set last_online_at to its start, in ISO 8601 with Z.
    assert.equal(response.body, expectedUserJson(t.config.publicUrl, user, '2026-11-28T12:00:00.000Z'));
  });

  it('appends email last only for a token with the email scope; null when the user has none', async () => {
    const bob = await t.createUser('bob', { email: 'bob@example.com' });
    const carol = await t.createUser('carol');
    const bobApp = await t.createApp(bob.id, { scopes: ['user_rates', 'email'] });
    const bobBrowser = await t.browserFor('bob');
    const carolBrowser = await t.browserFor('carol');
    const lastOnline = new Date(t.clock.now()).toISOString();

    const withEmail = await t.tokensFor(bobBrowser, bobApp, { scope: 'user_rates email' });
    assert.equal(withEmail.scope, 'user_rates email');
    const bobResponse = await t.whoami(withEmail.access_token);
    assert.equal(bobResponse.statusCode, 200, bobResponse.body);
    assert.equal(bobResponse.body, expectedUserJson(t.config.publicUrl, bob, lastOnline, { email: 'bob@example.com' }));

    const carolTokens = await t.tokensFor(carolBrowser, bobApp, { scope: 'user_rates email' });
    const carolResponse = await t.whoami(carolTokens.access_token);
    assert.equal(carolResponse.body, expectedUserJson(t.config.publicUrl, carol, lastOnline, { email: null }));

    // The same application without the email scope requested: no email key at all.
    const withoutEmail = await t.tokensFor(bobBrowser, bobApp);
    assert.equal(withoutEmail.scope, 'user_rates');
    const plain = await t.whoami(withoutEmail.access_token);
    assert.equal(plain.body, expectedUserJson(t.config.publicUrl, bob, lastOnline));
  });

  it('answers a guest (no token) with 200 and the body null', async () => {
    assertGuest(await whoami('/api/users/whoami'));
  });

  it('ignores an Authorization header that is not Bearer, as Doorkeeper does', async () => {
    const { app } = await userWithToken('dave');
    const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
    assertGuest(await whoami('/api/users/whoami', { authorization: basic }));
  });

  it('reads the Bearer scheme in any case (RFC 7235 §2.1, compatibility.md §1 access_token_methods)', async () => {
    const { tokens } = await userWithToken('erin');
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const response = await whoami('/api/users/whoami', { authorization: `${scheme} ${tokens.access_token}` });
      assert.equal(response.statusCode, 200, `${scheme}: ${response.body}`);
      assert.equal(response.json().nickname, 'erin');
    }
  });

  it('treats a malformed Bearer credential as a bad token (401), and an empty one as no token', async () => {
    assertInvalidToken(await whoami('/api/users/whoami', { authorization: 'Bearer two words' }));
    assertGuest(await whoami('/api/users/whoami', { authorization: 'Bearer ' }));
  });

  it('reads the token from the access_token and bearer_token parameters (RFC 6750 §2.3, Doorkeeper)', async () => {
    const { tokens } = await userWithToken('frank');
    for (const param of ['access_token', 'bearer_token']) {
      const response = await whoami(`/api/users/whoami?${param}=${tokens.access_token}`);
      assert.equal(response.statusCode, 200, `${param}: ${response.body}`);
      assert.equal(response.json().nickname, 'frank');
    }
  });

  it('refuses a token given both in the header and as a parameter: 400 invalid_request (RFC 6750 §3.1)', async () => {
    const { tokens } = await userWithToken('grace');
    const response = await whoami(`/api/users/whoami?access_token=${tokens.access_token}`, {
      authorization: `Bearer ${tokens.access_token}`,
    });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.headers['cache-control'], 'no-store, no-cache');
    assert.equal(
      response.body,
      '{"error":"invalid_request","error_description":"The access token was given in more than one way."}',
    );

    const twoParams = await whoami(
      `/api/users/whoami?access_token=${tokens.access_token}&bearer_token=${tokens.access_token}`,
    );
    assert.equal(twoParams.statusCode, 400, twoParams.body);
    assert.equal(twoParams.body, response.body);
  });

  it('answers an unknown token with the 401 invalid_token body and challenge', async () => {
    assertInvalidToken(await t.whoami('x'.repeat(43)));
    assertInvalidToken(await whoami(`/api/users/whoami?access_token=${'y'.repeat(43)}`));
  });

  it('answers a revoked token with the same 401 (compatibility.md §5: always "The access token is invalid")', async () => {
    const { app, tokens } = await userWithToken('heidi');
    const revoked = await t.server.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        token: tokens.access_token,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      }).toString(),
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assertInvalidToken(await t.whoami(tokens.access_token));
  });

  it('does not accept a token with none of the default scopes (compatibility.md §5, §9.3)', async () => {
    const ivan = await t.createUser('ivan');
    const app = await t.createApp(ivan.id, { scopes: ['messages'] });
    assert.ok(app.application.allowedScopes.includes('messages'));
    const tokens = await t.tokensFor(await t.browserFor('ivan'), app, { scope: 'messages' });
    assert.equal(tokens.scope, 'messages');
    assertInvalidToken(await t.whoami(tokens.access_token));
  });

  it('never yields a user for a client_credentials token: 404, localised (compatibility.md §4.5)', async () => {
    const judy = await t.createUser('judy');
    const app: TestApp = await t.createApp(judy.id);
    const issued = await t.token({
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    assert.equal(issued.statusCode, 200, issued.body);
    const token = issued.json().access_token as string;

    const russian = await t.whoami(token);
    assert.equal(russian.statusCode, 404, russian.body);
    assert.equal(russian.headers['content-type'], JSON_TYPE);
    assert.equal(russian.body, '{"message":"Страница не найдена","code":404}');

    const english = await whoami('/api/users/whoami', { authorization: `Bearer ${token}`, 'accept-language': 'en' });
    assert.equal(english.statusCode, 404, english.body);
    assert.equal(english.body, '{"message":"Page not found","code":404}');
  });

  it('answers unknown /api/ paths with the API 404 JSON, not an HTML page (compatibility.md §5 ErrorsConcern)', async () => {
    const response = await whoami('/api/users/nobody/whatever');
    assert.equal(response.statusCode, 404, response.body);
    assert.equal(response.headers['content-type'], JSON_TYPE);
    assert.equal(response.body, '{"message":"Страница не найдена","code":404}');
    const english = await whoami('/api/nothing', { 'accept-language': 'en-GB,en;q=0.9' });
    assert.equal(english.body, '{"message":"Page not found","code":404}');
  });

  it('answers a bad token with the 401 on any /api/ path, as Warden does on every request (compatibility.md §5)', async () => {
    assertInvalidToken(await whoami('/api/animes', { authorization: `Bearer ${'z'.repeat(43)}` }));
  });
});

describe('whoami: token expiry (compatibility.md §1 access_token_expires_in, §5)', () => {
  const ttl = 120;
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start({ MONBAN_ACCESS_TOKEN_TTL: String(ttl) });
  });
  after(() => t.close());

  it('accepts a token until MONBAN_ACCESS_TOKEN_TTL has passed, then answers 401', async () => {
    const kim = await t.createUser('kim');
    const app = await t.createApp(kim.id);
    const tokens = await t.tokensFor(await t.browserFor('kim'), app);
    assert.equal(tokens.expires_in, ttl);

    t.clock.advance(ttl - 1);
    const live = await t.whoami(tokens.access_token);
    assert.equal(live.statusCode, 200, live.body);
    assert.equal(live.json().nickname, 'kim');

    t.clock.advance(1);
    assertInvalidToken(await t.whoami(tokens.access_token));
  });
});

describe('whoami: avatars on MONBAN_PUBLIC_URL (compatibility.md §5)', () => {
  const publicUrl = 'https://id.example.test';
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start({ MONBAN_PUBLIC_URL: publicUrl });
  });
  after(() => t.close());

  it('gives absolute avatar and profile URLs on the public URL, and the avatars are PNG images', async () => {
    const leo = await t.createUser('leo');
    const app = await t.createApp(leo.id);
    const tokens = await t.tokensFor(await t.browserFor('leo'), app);
    const response = await t.whoami(tokens.access_token);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as { avatar: string; image: Record<string, string>; url: string };
    assert.equal(body.url, `${publicUrl}/leo`);
    assert.deepEqual(Object.keys(body.image), ['x160', 'x148', 'x80', 'x64', 'x48', 'x32', 'x16']);

    for (const url of [body.avatar, ...Object.values(body.image)]) {
      assert.ok(url.startsWith(`${publicUrl}/`), url);
      const image = await t.server.inject({ method: 'GET', url: new URL(url).pathname });
      assert.equal(image.statusCode, 200, url);
      assert.equal(image.headers['content-type'], 'image/png');
      assert.deepEqual([...image.rawPayload.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
  });
});

describe('unreadable bodies on the API and the pages (never a 500)', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  it('answers a malformed JSON body on /api with 400 invalid_request JSON', async () => {
    const response = await t.server.inject({
      method: 'POST',
      url: '/api/users/whoami',
      headers: { 'content-type': 'application/json' },
      payload: '{bad',
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(response.json().error, 'invalid_request');
  });

  it('answers a malformed multipart body on a page with a 400 page', async () => {
    const response = await t.server.inject({
      method: 'POST',
      url: '/users/sign_in',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      payload: '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb',
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
  });
});
