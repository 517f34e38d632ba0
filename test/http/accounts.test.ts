/**
 * The minimal account pages: sign up, sign in, sign out, and the session they keep (the account bullet;
 * security.md #28-#31, #33, #37). Passwords are argon2id; the session cookie is HttpOnly, SameSite=Lax, and
 * Secure when MONBAN_PUBLIC_URL is https.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { secretHash } from '../../src/core/secrets.js';
import { SESSION_COOKIE } from '../../src/http/session.js';
import { Browser, findForm } from '../helpers/browser.js';
import { PASSWORD, TestMonban, type TestApp } from '../helpers/monban.js';

/** The first form of a page whose action starts with this path (the layout may hold other forms). */
function formTo(page: string, path: string): { action: string; fields: Array<[string, string]> } {
  const form = [...page.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)]
    .map((m) => m[0])
    .find((f) => new RegExp(`\\baction="${path.replace(/[/?]/g, '\\$&')}`).test(f));
  if (!form) throw new Error(`no form posting to ${path} in ${page.slice(0, 500)}`);
  return findForm(form, 'form');
}

function csrfOf(page: string): string {
  const input = /<input\b[^>]*\bname="_csrf"[^>]*>/.exec(page)?.[0] ?? '';
  const token = /\bvalue="([^"]+)"/.exec(input)?.[1];
  assert.ok(token, 'no CSRF token in the page');
  return token;
}

function sessionCookie(response: LightMyRequestResponse) {
  return response.cookies.find((c) => c.name === SESSION_COOKIE);
}

/** Fills in and posts the sign-in form of this page. */
async function signIn(browser: Browser, page: string, nickname: string, password: string, headers = {}) {
  const form = formTo(page, '/users/sign_in');
  const fields = form.fields.filter(([name]) => name !== 'nickname' && name !== 'password');
  return browser.post(form.action, [...fields, ['nickname', nickname], ['password', password]], headers);
}

describe('accounts', () => {
  let t: TestMonban;
  let app: TestApp;

  before(async () => {
    t = await TestMonban.start();
    const alice = await t.createUser('alice');
    await t.createUser('bob');
    app = await t.createApp(alice.id, { redirectUris: ['https://c.test/cb'] });
  });
  after(() => t.close());

  const authorizePath = (state = 's') =>
    `/oauth/authorize?${new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: 'https://c.test/cb',
      response_type: 'code',
      state,
    })}`;

  /** Who this browser is signed in as, by the account the consent page names (compatibility.md §3); undefined when signed out. */
  async function signedInAs(browser: Browser): Promise<string | undefined> {
    const response = await browser.get(authorizePath(), { 'accept-language': 'en' });
    if (response.statusCode === 302) {
      assert.match(String(response.headers.location), /^\/users\/sign_in\?return_to=/);
      return undefined;
    }
    assert.equal(response.statusCode, 200, response.body.slice(0, 300));
    return /Authorize @(\S+) to use your account\?/.exec(response.body)?.[1];
  }

  describe('sign up (/users/sign_up)', () => {
    it('creates the account with an argon2id hash and signs it in', async () => {
      const browser = new Browser(t.server);
      const page = await browser.get('/users/sign_up');
      assert.equal(page.statusCode, 200);
      const form = formTo(page.body, '/users/sign_up');
      const fields = form.fields.filter(([name]) => !['nickname', 'email', 'password'].includes(name));
      const response = await browser.post(form.action, [
        ...fields,
        ['nickname', 'carol'],
        ['email', 'carol@example.com'],
        ['password', 'a long enough password'],
      ]);
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/');
      assert.ok(sessionCookie(response));
      assert.equal(await signedInAs(browser), 'carol');

      const row = await t.monban.database.db
        .selectFrom('users')
        .select(['password_hash', 'email'])
        .where('nickname', '=', 'carol')
        .executeTakeFirstOrThrow();
      assert.match(row.password_hash, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
      assert.ok(!row.password_hash.includes('a long enough password'));
      assert.equal(row.email, 'carol@example.com');
    });

    it('comes back to the authorization request it was reached from', async () => {
      const browser = new Browser(t.server);
      const toSignIn = await browser.get(authorizePath('from-sign-up'));
      const signInPage = await browser.get(String(toSignIn.headers.location));
      const link = /href="(\/users\/sign_up\?return_to=[^"]+)"/.exec(signInPage.body)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(link, 'no sign-up link carrying return_to');
      const page = await browser.get(link);
      const form = formTo(page.body, '/users/sign_up');
      const fields = form.fields.filter(([name]) => !['nickname', 'email', 'password'].includes(name));
      const response = await browser.post(form.action, [
        ...fields,
        ['nickname', 'dave'],
        ['password', 'another long password'],
      ]);
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, authorizePath('from-sign-up'));
    });

    it('refuses a taken nickname (in any case) and a short password with 422, and signs nobody in', async () => {
      for (const [nickname, password] of [
        ['ALICE', 'a long enough password'],
        ['erin', 'short'],
      ] as const) {
        const browser = new Browser(t.server);
        const page = await browser.get('/users/sign_up');
        const form = formTo(page.body, '/users/sign_up');
        const fields = form.fields.filter(([name]) => !['nickname', 'password'].includes(name));
        const response = await browser.post(form.action, [...fields, ['nickname', nickname], ['password', password]]);
        assert.equal(response.statusCode, 422, nickname);
        assert.equal(sessionCookie(response), undefined);
        assert.equal(await signedInAs(browser), undefined);
      }
      assert.equal(await t.stores.users.findByNickname('erin'), undefined);
    });

    it('without a CSRF token: 403, no account', async () => {
      const browser = new Browser(t.server);
      await browser.get('/users/sign_up');
      const response = await browser.post('/users/sign_up', { nickname: 'frank', password: 'a long enough password' });
      assert.equal(response.statusCode, 403);
      assert.equal(await t.stores.users.findByNickname('frank'), undefined);
    });
  });

  describe('sign in (/users/sign_in)', () => {
    it('sets a fresh 43-character session cookie: HttpOnly, SameSite=Lax, Path=/, not Secure over http', async () => {
      const browser = new Browser(t.server);
      const page = await browser.get('/users/sign_in');
      assert.equal(page.statusCode, 200);
      // The sign-in page cannot be framed (security.md #41) or cached.
      assert.equal(page.headers['x-frame-options'], 'DENY');
      assert.match(String(page.headers['content-security-policy']), /(^|;)\s*frame-ancestors 'none'(;|$)/);
      assert.equal(page.headers['cache-control'], 'no-store');
      const response = await signIn(browser, page.body, 'alice', PASSWORD);
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/');
      const cookie = sessionCookie(response);
      assert.ok(cookie);
      assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.equal(cookie.path, '/');
      assert.equal(cookie.secure, undefined);
      assert.equal(cookie.domain, undefined);
      // Only a hash of the session id is stored (ASVS 7.2.3 spirit: a database dump signs nobody in).
      const stored = await t.monban.database.db.selectFrom('sessions').select('id_hash').execute();
      assert.ok(stored.some((row) => row.id_hash === secretHash(cookie.value)));
      assert.ok(stored.every((row) => row.id_hash !== cookie.value));
      assert.equal(await signedInAs(browser), 'alice');
    });

    it('a wrong password and an unknown nickname get the same status and page (security.md #33)', async () => {
      const answers = [];
      for (const [nickname, password] of [
        ['alice', 'wrong password'],
        ['nosuchuser', 'wrong password'],
        ['nosuchus', PASSWORD],
      ]) {
        const browser = new Browser(t.server);
        const page = await browser.get('/users/sign_in', { 'accept-language': 'en' });
        const response = await signIn(browser, page.body, nickname ?? '', password ?? '', { 'accept-language': 'en' });
        assert.equal(sessionCookie(response), undefined);
        assert.equal(await signedInAs(browser), undefined);
        answers.push({
          status: response.statusCode,
          cacheControl: response.headers['cache-control'],
          // The page echoes the nickname typed and carries a CSRF token; everything else must be identical.
          body: response.body
            .replaceAll(`value="${nickname}"`, 'value="NICKNAME"')
            .replace(/(<input\b[^>]*\bname="_csrf"[^>]*\bvalue=")[^"]*/g, '$1'),
        });
      }
      assert.equal(answers[0]?.status, 401);
      assert.match(answers[0]?.body ?? '', /Invalid nickname or password\./);
      assert.deepEqual(answers[1], answers[0]);
      assert.deepEqual(answers[2], answers[0]);
    });

    it('a new session id on every sign-in; the previous one stops working (ASVS 7.2.4)', async () => {
      const browser = new Browser(t.server);
      const planted = 'attacker-chosen-session-id-aaaaaaaaaaaaaaaaa';
      browser.cookies.set(SESSION_COOKIE, planted);
      const page = await browser.get('/users/sign_in');
      const first = sessionCookie(await signIn(browser, page.body, 'alice', PASSWORD));
      assert.ok(first);
      assert.notEqual(first.value, planted);

      // The first sign-in replaced the CSRF secret: the second takes its token from a page seen since (issue 9).
      const since = csrfOf((await browser.get('/users/edit')).body);
      const second = sessionCookie(await browser.post('/users/sign_in', { _csrf: since, nickname: 'bob', password: PASSWORD }));
      assert.ok(second);
      assert.notEqual(second.value, first.value);
      assert.equal(await signedInAs(browser), 'bob');

      for (const old of [planted, first.value]) {
        const replay = new Browser(t.server);
        replay.cookies.set(SESSION_COOKIE, old);
        assert.equal(await signedInAs(replay), undefined, old);
      }
    });

    it('without a CSRF token, or from another origin: 403, no session (security.md #28)', async () => {
      const browser = new Browser(t.server);
      const page = await browser.get('/users/sign_in');
      const form = formTo(page.body, '/users/sign_in');
      const credentials: Array<[string, string]> = [
        ['nickname', 'alice'],
        ['password', PASSWORD],
      ];
      const noToken = await browser.post(form.action, credentials);
      assert.equal(noToken.statusCode, 403);
      assert.equal(sessionCookie(noToken), undefined);
      for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }]) {
        const response = await signIn(browser, page.body, 'alice', PASSWORD, headers);
        assert.equal(response.statusCode, 403, JSON.stringify(headers));
        assert.equal(sessionCookie(response), undefined);
      }
      assert.equal(await signedInAs(browser), undefined);
    });

    describe('return_to stays on this site (security.md #37, RFC 9700 §4.11)', () => {
      const offSite = [
        '//evil.example',
        '//evil.example/oauth/authorize',
        'https://evil.example',
        'https://evil.example/',
        'http:evil.example',
        '/\\evil.example',
        '\\\\evil.example',
        '/\t/evil.example',
        '/\n/evil.example',
        'javascript:alert(1)',
        ' //evil.example',
        'evil.example',
      ];
      for (const returnTo of offSite) {
        it(`${JSON.stringify(returnTo)} becomes /`, async () => {
          const browser = new Browser(t.server);
          const page = await browser.get(`/users/sign_in?${new URLSearchParams({ return_to: returnTo })}`);
          assert.equal(page.statusCode, 200);
          const response = await signIn(browser, page.body, 'alice', PASSWORD);
          assert.equal(response.statusCode, 303);
          assert.equal(response.headers.location, '/');

          // Posted directly (with a token from since the sign-in, which replaced the CSRF secret), and asked again.
          const direct = await browser.post(`/users/sign_in?${new URLSearchParams({ return_to: returnTo })}`, {
            _csrf: csrfOf((await browser.get('/users/edit')).body),
            nickname: 'alice',
            password: PASSWORD,
          });
          assert.equal(direct.statusCode, 303);
          assert.equal(direct.headers.location, '/');
          const signedIn = await browser.get(`/users/sign_in?${new URLSearchParams({ return_to: returnTo })}`);
          assert.equal(signedIn.statusCode, 302);
          assert.equal(signedIn.headers.location, '/');
        });
      }

      it('a path on this site, query included, is kept exactly', async () => {
        const browser = new Browser(t.server);
        const path = '/oauth/authorize?client_id=x&state=a%20b%2Bc';
        const page = await browser.get(`/users/sign_in?${new URLSearchParams({ return_to: path })}`);
        const response = await signIn(browser, page.body, 'alice', PASSWORD);
        assert.equal(response.statusCode, 303);
        assert.equal(response.headers.location, path);
      });

      it('a path with characters a Location cannot carry comes back percent-encoded, not as a 500', async () => {
        const browser = new Browser(t.server);
        const page = await browser.get(`/users/sign_in?${new URLSearchParams({ return_to: '/日本／evil.example' })}`);
        const response = await signIn(browser, page.body, 'alice', PASSWORD);
        assert.equal(response.statusCode, 303);
        assert.equal(response.headers.location, `/${encodeURIComponent('日本／evil.example')}`);
      });
    });
  });

  describe('sign out (POST /users/sign_out)', () => {
    async function signedInBrowser(): Promise<{ browser: Browser; token: string; session: string }> {
      const browser = new Browser(t.server);
      const page = await browser.get('/users/sign_in');
      const response = await signIn(browser, page.body, 'alice', PASSWORD);
      const session = sessionCookie(response)?.value ?? '';
      assert.notEqual(session, '');
      // Signing in replaced the CSRF secret: the token comes from a page seen since (issue 9).
      return { browser, token: csrfOf((await browser.get('/users/edit')).body), session };
    }

    it('ends the session on the server: the old cookie no longer works (ASVS 7.4.1, security.md #31)', async () => {
      const { browser, token, session } = await signedInBrowser();
      const response = await browser.post('/users/sign_out', { _csrf: token });
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/');
      const cleared = sessionCookie(response);
      assert.ok(cleared, 'the cookie is cleared');
      assert.equal(cleared.value, '');
      assert.equal(await signedInAs(browser), undefined);

      const replay = new Browser(t.server);
      replay.cookies.set(SESSION_COOKIE, session);
      assert.equal(await signedInAs(replay), undefined);
      const stored = await t.monban.database.db
        .selectFrom('sessions')
        .select('id_hash')
        .where('id_hash', '=', secretHash(session))
        .execute();
      assert.deepEqual(stored, []);
    });

    it('the sign-out form on a signed-in page works', async () => {
      const { browser } = await signedInBrowser();
      const page = await browser.get(authorizePath());
      const form = formTo(page.body, '/users/sign_out');
      const response = await browser.post(form.action, form.fields);
      assert.equal(response.statusCode, 303);
      assert.equal(await signedInAs(browser), undefined);
    });

    it('without a CSRF token, or from another origin: 403, still signed in', async () => {
      const { browser, token } = await signedInBrowser();
      assert.equal((await browser.post('/users/sign_out', {})).statusCode, 403);
      assert.equal((await browser.post('/users/sign_out', { _csrf: 'forged' })).statusCode, 403);
      const crossSite = await browser.post('/users/sign_out', { _csrf: token }, { origin: 'https://evil.example' });
      assert.equal(crossSite.statusCode, 403);
      assert.equal(await signedInAs(browser), 'alice');
    });

    it('a GET does not sign out', async () => {
      const { browser } = await signedInBrowser();
      const response = await browser.get('/users/sign_out');
      assert.notEqual(response.statusCode, 303);
      assert.equal(await signedInAs(browser), 'alice');
    });
  });
});

describe('accounts behind https (MONBAN_PUBLIC_URL=https://…)', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start({ MONBAN_PUBLIC_URL: 'https://monban.example' });
    await t.createUser('alice');
  });
  after(() => t.close());

  it('the session and CSRF cookies are Secure, HttpOnly and SameSite=Lax', async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in');
    const csrfCookie = page.cookies.find((c) => c.name === '_csrf');
    assert.ok(csrfCookie);
    assert.equal(csrfCookie.secure, true);
    assert.equal(csrfCookie.httpOnly, true);
    const response = await signIn(browser, page.body, 'alice', PASSWORD);
    assert.equal(response.statusCode, 303);
    const cookie = sessionCookie(response);
    assert.ok(cookie);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.match(String(response.headers['set-cookie']), new RegExp(`${SESSION_COOKIE}=[^;]+;.*\\bSecure\\b`));
  });

  it('a same-origin Origin is accepted, another is refused', async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in');
    const refused = await signIn(browser, page.body, 'alice', PASSWORD, { origin: 'http://monban.example' });
    assert.equal(refused.statusCode, 403);
    const accepted = await signIn(browser, page.body, 'alice', PASSWORD, { origin: 'https://monban.example' });
    assert.equal(accepted.statusCode, 303);
  });
});
