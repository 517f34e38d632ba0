import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createPasswordReset } from '../../src/accounts/password-resets.js';
import { Browser, decodeEntities } from '../helpers/browser.js';
import { PASSWORD, TestMonban } from '../helpers/monban.js';
import { LogCapture } from './support.js';

const OOB = 'urn:ietf:wg:oauth:2.0:oob';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** Every route the server has, as [method, path pattern], read from Fastify's route tree. */
function routesOf(server: FastifyInstance): Array<[string, string]> {
  const parents: string[] = [];
  const routes: Array<[string, string]> = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (parents[depth - 1] ?? '') + (match[2] ?? '');
    parents.length = depth;
    parents.push(path);
    for (const method of match[3]?.split(', ') ?? []) routes.push([method, path]);
  }
  return routes;
}

/** `url` inside `return_to` of the sign-in page inside `return_to` of the language switch, and so on: `levels` deep. */
function nested(url: string, levels: number): string {
  const pages = ['/users/sign_in', '/locale?to=ru&', '/users/sign_up'];
  let result = url;
  for (let level = 0; level < levels; level++) {
    const page = pages[level % pages.length] ?? '/';
    result = `${page}${page.endsWith('&') ? '' : '?'}return_to=${encodeURIComponent(result)}`;
  }
  return result;
}

/**
 * Issue 9: "a test that walks every route that can carry a code, a token or a secret". Every route the server has is
 * requested with real secrets in its query, its body, its headers and (for the code page) its path, nested in
 * `return_to` chains and spelled every way the router accepts; then the pages' own links are followed as a browser
 * would, and bodies the parsers refuse are sent. Everything runs at debug, with errors logged as src/app.ts logs
 * them; no line may hold any of the secrets.
 */
describe('logs: no code, token, secret or password on any route, however it is sent (issue 9)', () => {
  const log = new LogCapture();
  const secrets = new Map<string, string>();
  const requested = new Set<string>();
  /** How many requests the walk of the routes sent (routes with a body get three). */
  let routeRequests = 0;
  let t: TestMonban;
  let routes: Array<[string, string]>;

  before(async () => {
    t = await TestMonban.start({ MONBAN_LOG_LEVEL: 'debug' }, { logDestination: log });
    t.monban.ctx.reportError = (err) => t.server.log.error({ err }, 'unexpected error');
    const alice = await t.createUser('alice');
    const app = await t.createApp(alice.id, { redirectUris: [OOB, 'https://client.example/cb'] });
    const browser = await t.browserFor('alice');
    const code = await t.authorize(browser, app, { redirect_uri: OOB });
    const tokens = await t.tokensFor(browser, app, { redirect_uri: OOB });
    secrets.set('password', PASSWORD);
    secrets.set('client_secret', app.clientSecret);
    secrets.set('Basic credentials', basic(app.clientId, app.clientSecret).slice('Basic '.length));
    secrets.set('code', code);
    secrets.set('access_token', tokens.access_token);
    secrets.set('refresh_token', tokens.refresh_token);
    secrets.set('code_verifier', 'verifier-4c1f8e0b9a7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1');
    // A password reset link's token (accounts/password-resets.ts), unused: every reset route is walked with it.
    secrets.set('reset_password_token', await createPasswordReset(t.stores, alice.id, t.clock.now()));
    for (const [name, value] of browser.cookies) secrets.set(`cookie ${name}`, value);

    // The code page, every spelling the router takes and some it does not, alone and nested in return_to.
    const codePages = [
      `/oauth/authorize/${code}`,
      `/oauth/%61uthorize/${code}`,
      `/%6Fauth/authorize/${code}`,
      `/oauth/authorize/${code}?locale=en`,
      `/OAuth/Authorize/${code}`,
      `//oauth//authorize/${code}`,
      `/oauth/authorize/${code}/`,
      `/oauth/authorize;x=1/${code}`,
      `/oauth/authorize/${code};x=1`,
    ];
    for (const url of codePages) {
      const response = await browser.get(url);
      requested.add(`GET ${url}`);
      if (response.statusCode === 200) assert.ok(response.body.includes(code), url);
    }
    assert.equal((await browser.get(`/oauth/%61uthorize/${code}`)).statusCode, 200, 'the router decodes the path');
    for (const levels of [1, 2, 3, 5]) {
      for (const url of [`/oauth/authorize/${code}`, `/api/users/whoami?access_token=${tokens.access_token}`]) {
        await browser.get(nested(url, levels));
        await new Browser(t.server).get(nested(url, levels));
      }
    }

    // As a browser would: signed out, the code page sends to sign-in; its language switch carries the code page
    // two levels deep; following it comes back to sign-in, whose form posts to a URL that carries it too.
    const visitor = new Browser(t.server);
    let response = await visitor.get(`/oauth/authorize/${code}`);
    assert.equal(response.statusCode, 302);
    const signIn = String(response.headers.location);
    response = await visitor.get(signIn);
    assert.equal(response.statusCode, 200);
    const switches = [...response.body.matchAll(/href="(\/locale\?[^"]+)"/g)].map((m) => decodeEntities(m[1] ?? ''));
    assert.ok(switches.length > 0, 'the sign-in page has a language switch');
    for (const link of switches) {
      const back = await visitor.get(link);
      assert.equal(back.statusCode, 302);
      const page = await visitor.get(String(back.headers.location));
      await visitor.submit(page.body, 'form#sign_in', { nickname: 'alice', password: 'wrong password Xq81mN' });
    }
    secrets.set('wrong password', 'wrong password Xq81mN');
    const signUp = await visitor.get(`/users/sign_up?return_to=${encodeURIComponent(`/oauth/authorize/${code}`)}`);
    const signUpPassword = 'sign-up password 7rT9qZ';
    secrets.set('sign-up password', signUpPassword);
    await visitor.submit(signUp.body, 'form#sign_up', {
      nickname: 'bob',
      password: signUpPassword,
      password_confirmation: signUpPassword,
    });

    // Every route, with every secret in its query, in a form and a JSON body, and in Authorization.
    routes = routesOf(t.server);
    const query = form({
      access_token: tokens.access_token,
      bearer_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      token: tokens.refresh_token,
      code,
      client_secret: app.clientSecret,
      code_verifier: secrets.get('code_verifier') ?? '',
      reset_password_token: secrets.get('reset_password_token') ?? '',
      password: PASSWORD,
      current_password: PASSWORD,
      password_confirmation: PASSWORD,
      return_to: nested(`/oauth/authorize/${code}`, 2),
    });
    const fields = {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      code,
      redirect_uri: OOB,
      refresh_token: tokens.refresh_token,
      token: tokens.access_token,
      code_verifier: secrets.get('code_verifier') ?? '',
      reset_password_token: secrets.get('reset_password_token') ?? '',
      nickname: 'alice',
      password: PASSWORD,
      current_password: PASSWORD,
      password_confirmation: PASSWORD,
      return_to: nested(`/oauth/authorize/${code}`, 2),
    };
    for (const [method, pattern] of routes) {
      const path = pattern
        .replace(':code', code)
        .replace(':id', String(app.application.id))
        .replace(':file', 'x.png');
      const url = `${path}?${query}`;
      const headers = { authorization: `Bearer ${tokens.access_token}` };
      const withBody = method === 'POST' || method === 'DELETE';
      await browser.request({ method: method as 'GET', url, headers });
      if (withBody) {
        const asForm = { ...headers, ...FORM };
        await browser.request({ method: method as 'POST', url, headers: asForm, payload: form(fields) });
        const asJson = { authorization: basic(app.clientId, app.clientSecret), 'content-type': 'application/json' };
        await browser.request({ method: method as 'POST', url, headers: asJson, payload: JSON.stringify(fields) });
      }
      requested.add(`${method} ${pattern}`);
      routeRequests += withBody ? 3 : 1;
    }

    // The token endpoints with credentials in the query only, and bodies the parsers refuse, secrets inside.
    const secret = app.clientSecret;
    for (const url of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
      await t.server.inject({ method: 'POST', url: `${url}?${query}`, headers: FORM, payload: '' });
      const broken: Array<[string, string]> = [
        ['application/json', `{"client_secret":"${app.clientSecret}","token":"${tokens.access_token}" x}`],
        ['application/json', `{"client_secret":"${app.clientSecret}",`],
        ['multipart/form-data; boundary=b', `--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n${secret}`],
        ['text/xml', `<client_secret>${app.clientSecret}</client_secret>`],
        [FORM['content-type'], `client_secret=${app.clientSecret}&x=${'y'.repeat(70 * 1024)}`],
      ];
      for (const [type, payload] of broken) {
        const answer = await t.server.inject({ method: 'POST', url, headers: { 'content-type': type }, payload });
        assert.ok(answer.statusCode >= 400 && answer.statusCode < 500, `${url} ${type}: ${answer.statusCode}`);
      }
    }

    // The password change form, last: it ends the session (and may revoke the tokens).
    const newPassword = 'new password 5hG2wP';
    secrets.set('new password', newPassword);
    const settings = await browser.get('/users/edit');
    await browser.submit(settings.body, 'form#change_password', {
      current_password: PASSWORD,
      password: newPassword,
      password_confirmation: newPassword,
    });
  });
  after(() => t.close());

  it('walked every route the server has', () => {
    assert.ok(routes.length >= 40, `${routes.length} routes`);
    const carriers = [
      'GET /oauth/authorize/:code',
      'POST /oauth/token',
      'POST /oauth/revoke',
      'POST /oauth/introspect',
      'GET /api/users/whoami',
      'POST /users/sign_in',
      'POST /users/sign_up',
      'POST /users/password',
      'GET /users/password/edit',
      'POST /users/password/edit',
      'GET /locale',
    ];
    for (const route of carriers) assert.ok(requested.has(route), route);
    // Each of those requests has its line.
    assert.ok(log.withMessage('request completed').length >= routeRequests, `${routeRequests} requests`);
  });

  it('wrote none of the secrets, in any spelling, on any line', () => {
    const spellings = [...secrets].flatMap(([name, value]): Array<[string, string]> => [
      [name, value],
      [`${name}, percent-encoded`, encodeURIComponent(value)],
      [`${name}, form-encoded`, new URLSearchParams({ x: value }).toString().slice(2)],
    ]);
    const leaks = spellings.flatMap(([name, value]) =>
      log.lines.filter((line) => line.includes(value)).map((line) => `${name} in ${line}`),
    );
    assert.deepEqual(leaks, []);
  });
});

/**
 * Fastify's own lines quote the raw URL ("Reply was already sent ... in the "/url" route"), and an error may carry
 * one (an invalid URL's error keeps it as `input`): routes that make Fastify write them, with secrets in the URL.
 */
describe("logs: Fastify's own messages and logged errors, redacted too (issue 9)", () => {
  const log = new LogCapture();
  const CODE = 'fastify-line-code-8Hq3';
  const TOKEN = 'fastify-line-token-2Zk7';
  let t: TestMonban;

  before(async () => {
    t = await TestMonban.start({ MONBAN_LOG_LEVEL: 'debug' }, { logDestination: log });
    t.monban.ctx.reportError = (err) => t.server.log.error({ err }, 'unexpected error');
    // Mistakes Monban's routes must not make, made on purpose: the lines Fastify writes about them are the point.
    t.server.get('/oauth/authorize/:code/twice', async (_request, reply) => {
      reply.send('first');
      return 'second';
    });
    t.server.get('/oauth/authorize/:code/send-twice', (_request, reply) => {
      reply.send('first');
      reply.send('second');
    });
    t.server.get('/oauth/authorize/:code/bad-url', async (request) => new URL(`http://[${request.url}`));
    for (const route of ['twice', 'send-twice', 'bad-url']) {
      await t.server.inject(`/oauth/%61uthorize/${CODE}/${route}?access_token=${TOKEN}`);
    }
  });
  after(() => t.close());

  it('wrote Fastify\'s warnings and the error, without the code or the token', () => {
    assert.ok(log.lines.some((line) => line.includes('Reply was already sent')), log.lines.join('\n'));
    assert.ok(log.lines.some((line) => line.includes('FST_ERR_REP_ALREADY_SENT')), log.lines.join('\n'));
    assert.ok(log.withMessage('unexpected error').length > 0, log.lines.join('\n'));
    assert.deepEqual(log.lines.filter((line) => line.includes(CODE) || line.includes(TOKEN)), []);
  });
});
