import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerApplication } from '../../src/accounts/applications.js';
import { registerUser } from '../../src/accounts/accounts.js';
import { createMonban, type Monban } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Browser } from '../helpers/browser.js';
import { cliJson, HttpBrowser, ServerProcess, tempDatabase } from '../helpers/process.js';

// The issue: "A parallel test redeems one code from many concurrent requests: one 200, the rest invalid_grant."
const RACERS = 40;
const PASSWORD = 'correct horse battery';
const REDIRECT_URI = 'https://client.example/cb';
const INVALID_GRANT = {
  error: 'invalid_grant',
  error_description:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in ' +
    'the authorization request, or was issued to another client.',
};
const INVALID_TOKEN_BODY =
  '{"error":"invalid_token","error_description":"The access token is invalid","state":"unauthorized"}';

interface Client {
  client_id: string;
  client_secret: string;
}

interface Answer {
  status: number;
  body: string;
}

/**
 * Exactly one answer is a token response and every other one is invalid_grant; returns the winner's tokens.
 * RFC 6749 §4.1.2: the client MUST NOT use the code more than once.
 */
function oneWinner(answers: Answer[]): { access_token: string; refresh_token: string } {
  const winners = answers.filter((a) => a.status === 200);
  const losers = answers.filter((a) => a.status !== 200);
  assert.equal(winners.length, 1, JSON.stringify(answers.map((a) => a.status)));
  for (const loser of losers) {
    assert.equal(loser.status, 400, loser.body);
    assert.deepEqual(JSON.parse(loser.body), INVALID_GRANT);
  }
  return JSON.parse(winners[0]?.body ?? '') as { access_token: string; refresh_token: string };
}

function redemption(app: Client, code: string): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    client_id: app.client_id,
    client_secret: app.client_secret,
  });
}

async function post(url: string, form: URLSearchParams): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', body: form });
  return { status: response.status, body: await response.text() };
}

async function get(url: string, accessToken: string): Promise<Answer> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: await response.text() };
}

describe('one code, many concurrent redemptions, over HTTP against real server processes', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  const servers: ServerProcess[] = [];
  let app: Client;
  let browser: HttpBrowser;
  before(async () => {
    database = await tempDatabase();
    const env = { MONBAN_DATABASE_URL: database.path };
    // Two processes on one SQLite file: the database, not a process, has to pick the winner.
    servers.push(await ServerProcess.start(env), await ServerProcess.start(env));
    await cliJson(['users', 'create', '--nickname', 'alice', '--password', PASSWORD], env);
    app = await cliJson<Client>(
      ['apps', 'create', '--owner', 'alice', '--name', 'Racer', '--redirect-uri', REDIRECT_URI],
      env,
    );
    browser = new HttpBrowser(servers[0]?.url ?? '');
    await browser.signIn('alice', PASSWORD);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database.remove();
  });

  for (const spread of [1, 2]) {
    const title = `${RACERS} fetches of one code on ${spread} process(es): one 200, the rest invalid_grant`;
    it(`${title}, then the winner's tokens are revoked`, async () => {
      const code = await browser.authorize(app.client_id, REDIRECT_URI);
      const answers = await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          post(`${servers[i % spread]?.url}/oauth/token`, redemption(app, code)),
        ),
      );
      const tokens = oneWinner(answers);

      // RFC 6749 §4.1.2, RFC 9700 §4.5: a code used more than once revokes the tokens issued from it.
      const url = servers[0]?.url;
      assert.deepEqual(await get(`${url}/api/users/whoami`, tokens.access_token), {
        status: 401,
        body: INVALID_TOKEN_BODY,
      });
      const refresh = await post(
        `${url}/oauth/token`,
        new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
          client_id: app.client_id,
          client_secret: app.client_secret,
        }),
      );
      assert.equal(refresh.status, 400);
      assert.deepEqual(JSON.parse(refresh.body), INVALID_GRANT);
    });
  }

  it('a code redeemed once keeps its token working (the control for the revocation above)', async () => {
    const url = servers[0]?.url;
    const code = await browser.authorize(app.client_id, REDIRECT_URI);
    const answer = await post(`${url}/oauth/token`, redemption(app, code));
    assert.equal(answer.status, 200, answer.body);
    const tokens = JSON.parse(answer.body) as { access_token: string };
    const me = await get(`${url}/api/users/whoami`, tokens.access_token);
    assert.equal(me.status, 200, me.body);
  });
});

describe('one code, many concurrent redemptions, in-process on a file-backed SQLite', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let monban: Monban;
  before(async () => {
    database = await tempDatabase();
    const config = loadConfig(
      { MONBAN_DATABASE_URL: database.path, MONBAN_PUBLIC_URL: 'http://localhost:3000', MONBAN_RATE_LIMIT: 'off' },
      { logLevel: 'silent' },
    );
    monban = await createMonban(config);
  });
  after(async () => {
    await monban.close();
    await database.remove();
  });

  it(`${RACERS} injected redemptions of one code: one 200, the rest invalid_grant, the winner revoked`, async () => {
    const stores = monban.ctx.stores;
    const alice = await registerUser(stores, { nickname: 'alice', password: PASSWORD }, Date.now());
    const { application, clientSecret } = await registerApplication(
      stores,
      { ownerId: alice.id, name: 'Racer', redirectUris: [REDIRECT_URI] },
      Date.now(),
    );
    const app = { client_id: application.uid, client_secret: clientSecret ?? '' };
    const browser = new Browser(monban.server);
    await browser.signIn('alice', PASSWORD);
    const query = new URLSearchParams({ client_id: app.client_id, redirect_uri: REDIRECT_URI, response_type: 'code' });
    const consent = await browser.get(`/oauth/authorize?${query}`);
    assert.equal(consent.statusCode, 200, consent.body);
    const decision = await browser.submit(consent.body, 'form#authorize');
    assert.equal(decision.statusCode, 302);
    const code = new URL(String(decision.headers.location)).searchParams.get('code') ?? '';

    const answers = await Promise.all(
      Array.from({ length: RACERS }, () =>
        monban.server
          .inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: redemption(app, code).toString(),
          })
          .then((r) => ({ status: r.statusCode, body: r.body })),
      ),
    );
    const tokens = oneWinner(answers);
    const me = await monban.server.inject({
      method: 'GET',
      url: '/api/users/whoami',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.statusCode, 401);
    assert.equal(me.body, INVALID_TOKEN_BODY);
  });
});
