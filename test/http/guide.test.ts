import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  authorizationUrl,
  refreshCommand,
  shellWord,
  tokenCommand,
  whoamiCommand,
} from '../../src/http/guide/commands.js';
import { Browser, decodeEntities } from '../helpers/browser.js';
import { PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';

/** The guide at /oauth (compatibility.md §7) as served, without a browser; test/browser drives its live parts in Chromium. */

const OOB = 'urn:ietf:wg:oauth:2.0:oob';

function attribute(page: string, id: string, name: string): string {
  const tag = new RegExp(`<[a-z]+\\b[^>]*\\bid="${id}"[^>]*>`).exec(page)?.[0] ?? '';
  const value = new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
  assert.ok(value !== undefined, `#${id}[${name}]`);
  return decodeEntities(value);
}

function codeText(page: string, id: string): string {
  const text = new RegExp(`<code id="${id}">([\\s\\S]*?)</code>`).exec(page)?.[1];
  assert.ok(text !== undefined, `code#${id}`);
  return decodeEntities(text);
}

describe('the guide page at /oauth (compatibility.md §7)', () => {
  let t: TestMonban;
  let mine: TestApp;
  let second: TestApp;
  let theirs: TestApp;
  let browser: Browser;

  before(async () => {
    t = await TestMonban.start();
    const dev = await t.createUser('dev');
    const other = await t.createUser('other');
    mine = await t.createApp(dev.id, { name: 'First', redirectUris: [OOB, 'https://client.example/cb'] });
    second = await t.createApp(dev.id, {
      name: 'Second',
      redirectUris: ['https://second.example/cb'],
      scopes: ['user_rates', 'topics'],
    });
    theirs = await t.createApp(other.id, { name: 'Not yours' });
    browser = await t.browserFor('dev');
  });
  after(() => t.close());

  it('to a guest: the seed guide with placeholders, a sign-in link, the page headers, and no inline script', async () => {
    const response = await t.server.inject({ method: 'GET', url: '/oauth', headers: { 'accept-language': 'en' } });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.match(String(response.headers['content-security-policy']), /script-src 'self'/);
    assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(response.headers['x-frame-options'], 'DENY');
    const page = response.body;
    assert.equal(
      codeText(page, 'authorization_url'),
      `${PUBLIC_URL}/oauth/authorize?client_id=CLIENT_ID&redirect_uri=REDIRECT_URI&response_type=code&scope=`,
    );
    assert.match(codeText(page, 'token_command'), /-F client_secret="CLIENT_SECRET"/);
    assert.match(codeText(page, 'whoami_command'), /Authorization: Bearer ACCESS_TOKEN"$/);
    assert.match(page, /href="\/users\/sign_in\?return_to=%2Foauth"/);
    assert.doesNotMatch(page, /id="authorize_link"/);
    assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)/, 'every script comes from a file');
    assert.doesNotMatch(page, /\sstyle=|<style/, 'no inline style either');
  });

  it('in Russian, by Accept-Language or the language cookie', async () => {
    for (const headers of [{ 'accept-language': 'ru-RU,ru;q=0.9' }, { cookie: 'locale=ru' }]) {
      const page = (await t.server.inject({ method: 'GET', url: '/oauth', headers })).body;
      assert.match(page, /<html lang="ru">/);
      assert.match(page, /<h1>Руководство по OAuth2<\/h1>/);
      assert.match(page, /Срок действия Access Token — 1 день\./);
    }
  });

  it("signed in: the developer's first application, its first redirect URI, and nothing ticked", async () => {
    const page = (await browser.get('/oauth', { 'accept-language': 'en' })).body;
    const expected = authorizationUrl({ baseUrl: PUBLIC_URL, clientId: mine.clientId, redirectUri: OOB, scopes: [] });
    assert.equal(attribute(page, 'authorize_link', 'href'), expected);
    assert.equal(attribute(page, 'authorize_link', 'target'), '_blank');
    assert.equal(attribute(page, 'authorize_link', 'rel'), 'noopener');
    assert.match(page, new RegExp(`<option value="${second.application.id}"[^>]*data-scopes="user_rates topics"`));
    assert.ok(!page.includes(theirs.clientId), "another developer's application is not offered");
    // The fields the script needs are labelled, and none of them is inside a form (the secret is never submitted).
    for (const id of ['guide_client_secret', 'guide_code', 'guide_access_token', 'guide_refresh_token']) {
      assert.match(page, new RegExp(`<label for="${id}">`));
    }
    assert.equal(attribute(page, 'guide_client_secret', 'type'), 'password');
    assert.doesNotMatch(/<form[\s\S]*?<\/form>/.exec(page)?.[0] ?? '', /guide_client_secret/);
  });

  it('the GET form picks an application and scopes; only its own scopes, only own applications', async () => {
    const asked = `/oauth?application_id=${second.application.id}&scope=topics&scope=messages&scope=comments`;
    const page = (await browser.get(asked)).body;
    const link = new URL(attribute(page, 'authorize_link', 'href'));
    assert.equal(link.searchParams.get('client_id'), second.clientId);
    assert.equal(link.searchParams.get('redirect_uri'), 'https://second.example/cb');
    assert.equal(link.searchParams.get('scope'), 'topics');
    assert.match(page, /id="guide_scope_topics" checked>/);
    assert.match(page, /data-scope="comments" hidden>/);

    const foreign = (await browser.get(`/oauth?application_id=${theirs.application.id}`)).body;
    assert.equal(new URL(attribute(foreign, 'authorize_link', 'href')).searchParams.get('client_id'), mine.clientId);
  });

  it('serves its script modules and stylesheet from /assets, without source-map comments', async () => {
    const script = await t.server.inject({ method: 'GET', url: '/assets/guide/script.js' });
    assert.equal(script.statusCode, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(script.body, /from '\.\/commands\.js'/);
    const commands = await t.server.inject({ method: 'GET', url: '/assets/guide/commands.js' });
    assert.equal(commands.statusCode, 200);
    assert.match(commands.body, /export function tokenCommand/);
    for (const body of [script.body, commands.body]) assert.doesNotMatch(body, /sourceMappingURL/);
    const style = await t.server.inject({ method: 'GET', url: '/assets/guide/guide.css' });
    assert.equal(style.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await t.server.inject({ method: 'GET', url: '/assets/guide/missing.js' })).statusCode, 404);
  });
});

describe('the guide commands (seed guide steps 2 to 5)', () => {
  const values = {
    baseUrl: 'https://monban.example',
    clientId: 'ID',
    redirectUri: OOB,
    scopes: ['user_rates', 'comments'],
  };

  it("the seed guide's lines, with the secret always a placeholder", () => {
    assert.equal(
      tokenCommand({ ...values, code: 'CODE1' }),
      [
        'curl -X POST "https://monban.example/oauth/token"',
        '-F grant_type="authorization_code"',
        '-F client_id="ID"',
        '-F client_secret="CLIENT_SECRET"',
        '-F code="CODE1"',
        `-F redirect_uri="${OOB}"`,
      ].join(' \\\n  '),
    );
    assert.equal(
      whoamiCommand({ ...values, accessToken: 'AT' }),
      'curl -X GET "https://monban.example/api/users/whoami" \\\n  -H "Authorization: Bearer AT"',
    );
    assert.equal(
      refreshCommand({ ...values, refreshToken: ' RT ' }),
      [
        'curl -X POST "https://monban.example/oauth/token"',
        '-F grant_type="refresh_token"',
        '-F client_id="ID"',
        '-F client_secret="CLIENT_SECRET"',
        '-F refresh_token="RT"',
      ].join(' \\\n  '),
    );
  });

  it("Shikimori's link: scopes joined by spaces, an empty scope= when none (compatibility.md §7)", () => {
    assert.equal(
      authorizationUrl(values),
      'https://monban.example/oauth/authorize?client_id=ID&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&response_type=code&scope=user_rates+comments',
    );
    assert.match(authorizationUrl({ ...values, scopes: [] }), /&scope=$/);
  });

  it('a value the shell would expand is single-quoted', () => {
    assert.equal(shellWord('plain'), '"plain"');
    assert.equal(shellWord('a$b'), "'a$b'");
    assert.equal(shellWord('say "hi"'), `'say "hi"'`);
    assert.equal(shellWord("it's $HOME"), `'it'\\''s $HOME'`);
    assert.match(tokenCommand({ ...values, redirectUri: 'myapp://cb?x=$y' }), /-F redirect_uri='myapp:\/\/cb\?x=\$y'$/);
  });
});
