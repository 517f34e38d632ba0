import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cliJson,
  curl,
  HttpBrowser,
  ServerProcess,
  storedValuesContaining,
  tempDatabase,
} from '../helpers/process.js';

const PASSWORD = 'correct horse battery';
const REDIRECT_URI = 'https://client.example/cb';

// The guide's own words (compatibility.md §7, seed step 3), byte for byte.
const EXPIRED_BODY =
  '{"error":"invalid_token","error_description":"The access token is invalid","state":"unauthorized"}';
const INVALID_GRANT_BODY =
  '{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, expired, revoked, ' +
  'does not match the redirection URI used in the authorization request, or was issued to another client."}';
const TOKEN_KEYS = ['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope', 'created_at'];
const ATTEMPTS = 5;

interface Client {
  client_id: string;
  client_secret: string;
  redirect_uri: string;
}

interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  scope: string;
  created_at: number;
}

/** The guide's commands with the base URL replaced; step 3 carries `-F code=...`, as Shikimori's page does. */
// prettier-ignore
const guide = {
  step3: (url: string, app: Client, code: string) => [
    '-X', 'POST', `${url}/oauth/token`,
    '-F', 'grant_type=authorization_code',
    '-F', `client_id=${app.client_id}`,
    '-F', `client_secret=${app.client_secret}`,
    '-F', `code=${code}`,
    '-F', `redirect_uri=${app.redirect_uri}`,
  ],
  step4: (url: string, accessToken: string) => [
    '-X', 'GET', `${url}/api/users/whoami`,
    '-H', `Authorization: Bearer ${accessToken}`,
  ],
  step5: (url: string, app: Client, refreshToken: string) => [
    '-X', 'POST', `${url}/oauth/token`,
    '-F', 'grant_type=refresh_token',
    '-F', `client_id=${app.client_id}`,
    '-F', `client_secret=${app.client_secret}`,
    '-F', `refresh_token=${refreshToken}`,
  ],
};

/** A 200 token response of the shape Shikimori sends (compatibility.md §4.3), key order included. */
function tokensOf(response: { status: number; body: string }): Tokens {
  assert.equal(response.status, 200, response.body);
  const tokens = JSON.parse(response.body) as Tokens;
  assert.deepEqual(Object.keys(tokens), TOKEN_KEYS);
  assert.match(tokens.access_token, /^[A-Za-z0-9_-]{43}$/);
  assert.match(tokens.refresh_token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(tokens.token_type, 'Bearer');
  assert.equal(tokens.expires_in, 1);
  assert.equal(tokens.scope, 'user_rates comments topics');
  assert.ok(Number.isInteger(tokens.created_at));
  return tokens;
}

describe('the seed guide end to end: real server, CLI, HTTP sign-in and consent, curl (issue: e2e test)', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let server: ServerProcess | undefined;
  let env: Record<string, string>;
  before(async () => {
    database = await tempDatabase();
    env = { MONBAN_DATABASE_URL: database.path };
    // Access tokens live one second, so that step 3's promise ("you will get 401") can be seen.
    server = await ServerProcess.start({ ...env, MONBAN_ACCESS_TOKEN_TTL: '1' });
  });
  after(async () => {
    await server?.stop();
    await database.remove();
  });

  it('runs steps 1 to 5, sees the exact 401 after expiry, refreshes, and keeps no secret in clear', async () => {
    assert.ok(server);
    const url = server.url;
    const seen: string[] = [PASSWORD];

    // 1. Create Application: with the CLI, beside the running server.
    const alice = await cliJson<{ id: number }>(
      ['users', 'create', '--nickname', 'alice', '--password', PASSWORD],
      env,
    );
    const app = await cliJson<Client>(
      ['apps', 'create', '--owner', 'alice', '--name', 'Guide app', '--redirect-uri', REDIRECT_URI],
      env,
    );
    seen.push(app.client_secret);

    // 2. Get Authorization Code: sign in and consent over HTTP.
    const browser = new HttpBrowser(url);
    await browser.signIn('alice', PASSWORD);
    assert.equal(browser.cookies.has('_csrf'), false, 'signing in forgot the CSRF secret; the next page sets a new one');
    const session = browser.cookies.get('_monban_session');
    assert.ok(session);
    seen.push(session);

    // 3 and 4. A token lives one second; if step 4 ran too late for it, the flow is run again (no timing asserted).
    let tokens: Tokens | undefined;
    let me: { status: number; body: string } | undefined;
    for (let attempt = 1; attempt <= ATTEMPTS && me?.status !== 200; attempt++) {
      const code = await browser.authorize(app.client_id, app.redirect_uri);
      seen.push(code);
      tokens = tokensOf(await curl(guide.step3(url, app, code)));
      seen.push(tokens.access_token, tokens.refresh_token);
      me = await curl(guide.step4(url, tokens.access_token));
      if (me.status !== 200) assert.deepEqual(me, { status: 401, body: EXPIRED_BODY });
    }
    assert.ok(tokens && me);
    assert.equal(me.status, 200, me.body);
    const user = JSON.parse(me.body) as { id: number; nickname: string };
    assert.equal(user.id, alice.id);
    assert.equal(user.nickname, 'alice');

    // "When your Access Token is expired you will get 401 status code with the message {...}"
    let expired = await curl(guide.step4(url, tokens.access_token));
    for (let polls = 0; expired.status === 200 && polls < 100; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expired = await curl(guide.step4(url, tokens.access_token));
    }
    assert.deepEqual(expired, { status: 401, body: EXPIRED_BODY });
    // The same answer's headers (compatibility.md §5; RFC 6750 §3).
    const { headers } = await fetch(`${url}/api/users/whoami`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(headers.get('cache-control'), 'no-store, no-cache');
    assert.equal(
      headers.get('www-authenticate'),
      'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid", ' +
        `resource_metadata="${url}/.well-known/oauth-protected-resource/api"`,
    );

    // 5. Refresh Access Token. A new token that expired before it could be used is refreshed for again, with the new
    // refresh token: the old one would answer the same, expired pair (issue 11, compatibility.md §4.4).
    const oldRefreshToken = tokens.refresh_token;
    let refreshToken = oldRefreshToken;
    let refreshed: Tokens | undefined;
    let meAgain: { status: number; body: string } | undefined;
    for (let attempt = 1; attempt <= ATTEMPTS && meAgain?.status !== 200; attempt++) {
      refreshed = tokensOf(await curl(guide.step5(url, app, refreshToken)));
      seen.push(refreshed.access_token, refreshed.refresh_token);
      assert.notEqual(refreshed.access_token, tokens.access_token);
      assert.notEqual(refreshed.refresh_token, refreshToken);
      refreshToken = refreshed.refresh_token;
      meAgain = await curl(guide.step4(url, refreshed.access_token));
      if (meAgain.status !== 200) assert.deepEqual(meAgain, { status: 401, body: EXPIRED_BODY });
    }
    assert.ok(refreshed && meAgain);
    assert.equal(meAgain.status, 200, meAgain.body);
    assert.equal((JSON.parse(meAgain.body) as { nickname: string }).nickname, 'alice');

    // The new access token has been used: the new refresh token works, and the old one is dead (issue 11: a replay,
    // since its successor has been refreshed; before that, within MONBAN_REFRESH_REUSE_GRACE, it would answer the
    // same pair again).
    const again = tokensOf(await curl(guide.step5(url, app, refreshed.refresh_token)));
    seen.push(again.access_token, again.refresh_token);
    assert.deepEqual(await curl(guide.step5(url, app, oldRefreshToken)), { status: 400, body: INVALID_GRANT_BODY });

    // Secrets, codes, tokens, the session and the password are kept as hashes only (security.md, "Secrets at rest").
    assert.deepEqual(storedValuesContaining(database.path, seen), []);
  });
});
