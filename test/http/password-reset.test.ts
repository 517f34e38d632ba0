/**
 * Issue 15's password reset (accounts/password-resets.ts, routes/password-reset.ts, security.md "Password reset"):
 * a link mailed through a real SMTP server (smtp-server on 127.0.0.1) sets a new password once, within an hour; the
 * form answers the same whatever it names; requests are throttled per address; the token never reaches a log line;
 * an account imported without a password sets one this way and keeps its applications.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { registerUser } from '../../src/accounts/accounts.js';
import { createPasswordReset } from '../../src/accounts/password-resets.js';
import { NO_PASSWORD } from '../../src/accounts/passwords.js';
import type { Locale } from '../../src/core/model.js';
import { secretHash } from '../../src/core/secrets.js';
import { Browser } from '../helpers/browser.js';
import { MailSink, type ReceivedMail } from '../helpers/mail-sink.js';
import { PASSWORD, PUBLIC_URL, TestMonban, type TestApp } from '../helpers/monban.js';
import { freePort } from '../helpers/process.js';
import { LogCapture } from '../ops/support.js';
import { formFields, hasElement, submitForm, textOf } from './pages-support.js';

const en = { 'accept-language': 'en' };
const NEW_PASSWORD = 'a brand new passphrase';
const LINK = /^http:\/\/localhost:3000\/users\/password\/edit\?reset_password_token=([A-Za-z0-9_-]{43})$/m;
const SENT =
  'If that account has an email address, a link to set a new password was sent to it; it works once, within an hour.';
const INVALID = 'This link is invalid, used or expired.';

/** Every request from an address of its own, so that only the throttle's test meets the throttle. */
let addresses = 0;
const nextAddress = () => `10.15.${Math.floor(addresses / 250)}.${(addresses++ % 250) + 1}`;

/** Fills in and posts the "Forgot your password?" form. */
async function ask(browser: Browser, login: string, remoteAddress = nextAddress()): Promise<LightMyRequestResponse> {
  const page = await browser.get('/users/password/new', en);
  assert.equal(page.statusCode, 200);
  const form = formFields(page.body, 'forgot_password');
  const fields = [...form.fields.filter(([name]) => name !== 'login'), ['login', login]];
  return browser.request({
    method: 'POST',
    url: form.action,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...en },
    payload: new URLSearchParams(fields).toString(),
    remoteAddress,
  });
}

function assertSameAnswer(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 303, response.body);
  assert.equal(response.headers.location, '/users/password/new?sent=1');
  assert.equal(response.body, '');
}

function linkIn(mail: ReceivedMail): string {
  const link = LINK.exec(mail.text)?.[0];
  assert.ok(link, mail.text);
  return link;
}

const pathOf = (link: string) => link.slice(PUBLIC_URL.length);
const twice = (password: string) => ({ password, password_confirmation: password });
const tokenOf = (link: string) => new URL(link).searchParams.get('reset_password_token') ?? '';

/** Opens the link and posts the form with this password (and these changes). */
async function setPassword(
  browser: Browser,
  link: string,
  password: string,
  changes: Record<string, string | null> = {},
): Promise<LightMyRequestResponse> {
  const page = await browser.get(pathOf(link), en);
  assert.equal(page.statusCode, 200, page.body);
  const fields = { password, password_confirmation: password, ...changes };
  return submitForm(browser, page.body, 'reset_password', fields, en);
}

async function signInStatus(t: TestMonban, nickname: string, password: string): Promise<number> {
  const browser = new Browser(t.server);
  const page = await browser.get('/users/sign_in', en);
  return (await browser.submit(page.body, 'form#sign_in', { nickname, password })).statusCode;
}

function assertInvalidPage(response: LightMyRequestResponse, status = 404): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(textOf(response.body, 'reset_invalid'), INVALID);
  assert.match(response.body, /<a href="\/users\/password\/new" id="request_new_link">Ask for a new link<\/a>/);
}

describe('password reset by mail (issue 15)', () => {
  let sink: MailSink;
  let t: TestMonban;
  before(async () => {
    sink = await MailSink.start();
  });
  after(() => sink.close());
  afterEach(() => t.close());

  const start = async (env: Record<string, string> = {}, log?: LogCapture) => {
    t = await TestMonban.start({ MONBAN_MAIL_URL: sink.url, ...env }, log ? { logDestination: log } : {});
    return t;
  };
  const user = (nickname: string, email: string | undefined, locale: Locale = 'en') =>
    registerUser(t.stores, { nickname, password: PASSWORD, email, locale }, t.clock.now());
  /** The mail after the `seen` first ones, once it has come. */
  const mailAfter = async (seen: number) => (await sink.waitFor(seen + 1))[seen] as ReceivedMail;
  const resetRows = () => t.monban.database.db.selectFrom('password_resets').selectAll().execute();

  it('asks for a nickname or email, with no referrer and no caching; the sign-in page links to it', async () => {
    await start();
    const page = await new Browser(t.server).get('/users/password/new', en);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(textOf(page.body, 'forgot_password_intro'), 'Enter your nickname or email address. If the account ' +
      'has an email address, a link to set a new password is sent to it.');
    assert.deepEqual(formFields(page.body, 'forgot_password').fields.map(([name]) => name), ['_csrf', 'login']);
    assert.ok(!hasElement(page.body, 'no_mail'));
    const signIn = await new Browser(t.server).get('/users/sign_in', en);
    assert.match(signIn.body, /<a href="\/users\/password\/new" id="forgot_password_link">Forgot your password\?<\/a>/);
  });

  it('mails a link that sets the password once; the old password stops working, the new one signs in', async () => {
    await start();
    await user('alice', 'alice@example.org');
    const seen = sink.mails.length;
    const browser = new Browser(t.server);
    assertSameAnswer(await ask(browser, 'alice'));
    const answer = await browser.get('/users/password/new?sent=1', en);
    assert.equal(textOf(answer.body, 'main').includes(SENT), true, answer.body);

    const mail = await mailAfter(seen);
    assert.deepEqual(mail.to, ['alice@example.org']);
    assert.equal(mail.from, 'no-reply@localhost');
    assert.equal(mail.headers.from, 'Monban <no-reply@localhost>');
    assert.equal(mail.subject, 'Monban: set a new password');
    assert.match(mail.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(mail.text, /^Hello @alice,/);
    assert.match(mail.text, /It works once, within an hour\./);
    const link = linkIn(mail);
    // Stored as its hash only.
    const rows = await resetRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.token_hash, secretHash(tokenOf(link)));
    assert.equal(rows[0]?.expires_at, t.clock.now() + 3_600_000);

    const form = await browser.get(pathOf(link), en);
    assert.equal(form.statusCode, 200);
    assert.equal(form.headers['referrer-policy'], 'no-referrer');
    assert.equal(form.headers['cache-control'], 'no-store');
    assert.equal(textOf(form.body, 'reset_account'), '@alice');
    assert.deepEqual(
      formFields(form.body, 'reset_password').fields.map(([name]) => name),
      ['_csrf', 'reset_password_token', 'nickname', 'password', 'password_confirmation'],
      'the box is not ticked for an account that had a password',
    );
    const done = await submitForm(browser, form.body, 'reset_password', {
      password: NEW_PASSWORD,
      password_confirmation: NEW_PASSWORD,
    });
    assert.equal(done.statusCode, 303, done.body);
    assert.equal(done.headers.location, '/users/sign_in');
    const signIn = await browser.get('/users/sign_in', en);
    assert.equal(textOf(signIn.body, 'flash'), 'Your password was set; sign in with it.');
    assert.ok(!hasElement((await browser.get('/users/sign_in', en)).body, 'flash'), 'shown once');

    assert.equal(await signInStatus(t, 'alice', NEW_PASSWORD), 303);
    assert.equal(await signInStatus(t, 'alice', PASSWORD), 401);
    assertInvalidPage(await browser.get(pathOf(link), en));
    assertInvalidPage(await setPasswordAgain(browser, form.body));
  });

  /** Posts a form page again as it was (a link already used). */
  const setPasswordAgain = (browser: Browser, formPage: string) =>
    submitForm(browser, formPage, 'reset_password', twice('yet another one'), en);

  it('finds the account by email address in any case; the mail is in the user\'s language', async () => {
    await start();
    await user('boris', 'Boris@Example.org', 'ru');
    const seen = sink.mails.length;
    assertSameAnswer(await ask(new Browser(t.server), 'boris@EXAMPLE.org'));
    const mail = await mailAfter(seen);
    assert.deepEqual(mail.to.map((to) => to.toLowerCase()), ['boris@example.org']);
    assert.equal(mail.subject, 'Monban: новый пароль');
    assert.match(mail.text, /^Здравствуй, @boris!/);
    assert.match(mail.text, /Она работает один раз и в течение часа\./);
    linkIn(mail);
  });

  it('answers the same for an unknown nickname or an account without email, and mails nothing', async () => {
    await start();
    await user('noemail', undefined);
    await user('carol', 'carol@example.org');
    const seen = sink.mails.length;
    const browser = new Browser(t.server);
    for (const login of ['nobody', 'noemail', 'nobody@example.org', '', 'x'.repeat(300)]) {
      assertSameAnswer(await ask(browser, login));
    }
    assert.deepEqual(await resetRows(), []);
    // A known account's mail, asked for after them all, is the only one.
    assertSameAnswer(await ask(browser, 'carol'));
    await mailAfter(seen);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(sink.mails.slice(seen).map((m) => m.to), [['carol@example.org']]);
    assert.equal((await resetRows()).length, 1);
  });

  it('a new link voids the earlier one', async () => {
    await start();
    await user('dave', 'dave@example.org');
    const seen = sink.mails.length;
    const browser = new Browser(t.server);
    assertSameAnswer(await ask(browser, 'dave'));
    const first = linkIn(await mailAfter(seen));
    assertSameAnswer(await ask(browser, 'dave'));
    const second = linkIn(await mailAfter(seen + 1));
    assertInvalidPage(await browser.get(pathOf(first), en));
    assert.equal((await browser.get(pathOf(second), en)).statusCode, 200);
  });

  it('a password the rules refuse shows the form again and leaves the link usable', async () => {
    await start();
    const erin = await user('erin', 'erin@example.org');
    const link = await createPasswordReset(t.stores, erin.id, t.clock.now()).then((token) =>
      `${PUBLIC_URL}/users/password/edit?reset_password_token=${token}`,
    );
    const browser = new Browser(t.server);
    const short = await setPassword(browser, link, 'short');
    assert.equal(short.statusCode, 422);
    assert.equal(textOf(short.body, 'password_errors'), 'Password must be 8 to 128 characters long.');
    const kept = formFields(short.body, 'reset_password').fields.find(([n]) => n === 'reset_password_token');
    assert.equal(kept?.[1], tokenOf(link));
    const long = await setPassword(browser, link, 'x'.repeat(129));
    assert.equal(long.statusCode, 422);
    const mismatch = await setPassword(browser, link, NEW_PASSWORD, { password_confirmation: 'something else' });
    assert.equal(mismatch.statusCode, 422);
    assert.equal(textOf(mismatch.body, 'password_confirmation_errors'), 'The two new passwords differ.');
    // The refused form keeps the box as it was sent.
    assert.equal(formFields((await setPassword(browser, link, 'short', { keep_applications: '1' })).body,
      'reset_password').fields.some(([n]) => n === 'keep_applications'), true);
    assert.equal(await signInStatus(t, 'erin', PASSWORD), 303, 'nothing changed');
    assert.equal((await setPassword(browser, link, NEW_PASSWORD)).statusCode, 303);
    assert.equal(await signInStatus(t, 'erin', NEW_PASSWORD), 303);
  });

  it('refuses an invalid, used or expired link with a page saying so, never a 500', async () => {
    await start();
    const frank = await user('frank', 'frank@example.org');
    const browser = new Browser(t.server);
    assertInvalidPage(await browser.get('/users/password/edit?reset_password_token=nope', en));
    assertInvalidPage(await browser.get(`/users/password/edit?reset_password_token=${'A'.repeat(43)}`, en));
    assertInvalidPage(await browser.get('/users/password/edit', en), 400);
    assertInvalidPage(await browser.get('/users/password/edit?reset_password_token=a&reset_password_token=b', en), 400);
    const token = await createPasswordReset(t.stores, frank.id, t.clock.now());
    const page = await browser.get(`/users/password/edit?reset_password_token=${token}`, en);
    assert.equal(page.statusCode, 200);
    t.clock.advance(3600);
    assertInvalidPage(await browser.get(`/users/password/edit?reset_password_token=${token}`, en));
    assertInvalidPage(await setPasswordAgain(browser, page.body));
    assertInvalidPage(
      await submitForm(browser, page.body, 'reset_password', { reset_password_token: 'forged', password: NEW_PASSWORD,
        password_confirmation: NEW_PASSWORD }, en),
    );
    assert.equal(await signInStatus(t, 'frank', PASSWORD), 303);
  });

  it('of two uses of one link at once, one sets the password and the other is refused', async () => {
    await start();
    const gina = await user('gina', 'gina@example.org');
    const token = await createPasswordReset(t.stores, gina.id, t.clock.now());
    const browser = new Browser(t.server);
    const page = await browser.get(`/users/password/edit?reset_password_token=${token}`, en);
    const [a, b] = await Promise.all([
      submitForm(browser, page.body, 'reset_password', twice('first password')),
      submitForm(browser, page.body, 'reset_password', twice('second password')),
    ]);
    assert.deepEqual([a?.statusCode, b?.statusCode].sort(), [303, 404]);
    const winner = a?.statusCode === 303 ? 'first password' : 'second password';
    const loser = winner === 'first password' ? 'second password' : 'first password';
    assert.equal(await signInStatus(t, 'gina', winner), 303);
    assert.equal(await signInStatus(t, 'gina', loser), 401);
  });

  it('ends every session of the user, and signs every application out unless kept', async () => {
    await start();
    const owner = await user('owner', undefined);
    const app: TestApp = await t.createApp(owner.id);
    const harry = await user('harry', 'harry@example.org');
    const ivy = await user('ivy', 'ivy@example.org');
    const harrySession = await t.browserFor('harry');
    const ivySession = await t.browserFor('ivy');
    const harryTokens = await t.tokensFor(harrySession, app);
    const ivyTokens = await t.tokensFor(ivySession, app);
    const link = (token: string) => `${PUBLIC_URL}/users/password/edit?reset_password_token=${token}`;

    const harryLink = link(await createPasswordReset(t.stores, harry.id, t.clock.now()));
    const reset = await setPassword(new Browser(t.server), harryLink, NEW_PASSWORD);
    assert.equal(reset.statusCode, 303);
    assert.equal((await harrySession.get('/users/edit')).statusCode, 302, 'signed out');
    assert.equal((await t.whoami(harryTokens.access_token)).statusCode, 401, 'the application is signed out');

    const ivyLink = link(await createPasswordReset(t.stores, ivy.id, t.clock.now()));
    const kept = await setPassword(new Browser(t.server), ivyLink, NEW_PASSWORD, { keep_applications: '1' });
    assert.equal(kept.statusCode, 303);
    assert.equal((await ivySession.get('/users/edit')).statusCode, 302, 'signed out');
    assert.equal((await t.whoami(ivyTokens.access_token)).statusCode, 200, 'the application stays signed in');
  });

  it('throttles per address: the sixth request in 15 minutes gets 429 with Retry-After, not acted on', async () => {
    await start();
    await user('jack', 'jack@example.org');
    const seen = sink.mails.length;
    const browser = new Browser(t.server);
    for (let i = 0; i < 5; i++) assertSameAnswer(await ask(browser, 'nobody', '192.0.2.7'));
    const refused = await ask(browser, 'jack', '192.0.2.7');
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['retry-after'], '900');
    assert.equal(refused.headers['cache-control'], 'no-store');
    assert.match(refused.body, /Too many requests for a new password from your network\. Try again later\./);
    assert.deepEqual(await resetRows(), []);
    // Another address is not limited; and the window passes.
    assertSameAnswer(await ask(browser, 'nobody', '192.0.2.8'));
    t.clock.advance(15 * 60 + 1);
    assertSameAnswer(await ask(browser, 'jack', '192.0.2.7'));
    await mailAfter(seen);
  });

  it('refuses both forms without their CSRF token or from another origin; the link stays usable', async () => {
    await start();
    const kate = await user('kate', 'kate@example.org');
    const browser = new Browser(t.server);
    await browser.get('/users/password/new', en);
    const noCsrf = await browser.post('/users/password/new', { login: 'kate' }, en);
    assert.equal(noCsrf.statusCode, 403);
    const page = await browser.get('/users/password/new', en);
    const crossOrigin = await submitForm(browser, page.body, 'forgot_password', { login: 'kate' }, {
      origin: 'https://evil.example',
    });
    assert.equal(crossOrigin.statusCode, 403);
    assert.deepEqual(await resetRows(), []);

    const token = await createPasswordReset(t.stores, kate.id, t.clock.now());
    const form = await browser.get(`/users/password/edit?reset_password_token=${token}`, en);
    const withoutCsrf = await submitForm(browser, form.body, 'reset_password', {
      _csrf: null,
      password: NEW_PASSWORD,
      password_confirmation: NEW_PASSWORD,
    });
    assert.equal(withoutCsrf.statusCode, 403);
    const fromElsewhere = await submitForm(browser, form.body, 'reset_password', {
      password: NEW_PASSWORD,
      password_confirmation: NEW_PASSWORD,
    }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(fromElsewhere.statusCode, 403);
    assert.equal(await signInStatus(t, 'kate', PASSWORD), 303);
    const done = await submitForm(browser, form.body, 'reset_password', twice(NEW_PASSWORD));
    assert.equal(done.statusCode, 303);
  });

  it('writes no token to a log line, the link\'s page and its language switch included', async () => {
    const log = new LogCapture();
    await start({ MONBAN_LOG_LEVEL: 'debug' }, log);
    await user('lena', 'lena@example.org');
    const seen = sink.mails.length;
    const browser = new Browser(t.server);
    assertSameAnswer(await ask(browser, 'lena'));
    const link = linkIn(await mailAfter(seen));
    const token = tokenOf(link);
    const page = await browser.get(pathOf(link), en);
    const switchTo = /href="(\/locale\?to=ru[^"]*)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(switchTo?.includes(encodeURIComponent(token)), 'the language switch comes back to the link');
    assert.equal((await browser.get(switchTo ?? '')).headers.location, pathOf(link));
    assert.equal((await setPassword(browser, link, 'short')).statusCode, 422);
    assert.equal((await setPassword(browser, link, NEW_PASSWORD)).statusCode, 303);
    assert.equal((await browser.get(`${pathOf(link)}&x=1`, en)).statusCode, 404);
    await t.close();
    const lines = log.lines.join('\n');
    assert.ok(log.lines.length > 10);
    assert.ok(lines.includes('reset_password_token=[REDACTED]'), 'the redacted link is logged');
    assert.ok(!lines.includes(token), 'the token is never logged');
    t = await TestMonban.start();
  });

  it('logs a mail that could not be sent without the link or the SMTP password, and answers the same', async () => {
    const log = new LogCapture();
    const port = await freePort();
    await start({ MONBAN_MAIL_URL: `smtp://monban:hunter2@127.0.0.1:${port}`, MONBAN_LOG_LEVEL: 'info' }, log);
    const mia = await user('mia', 'mia@example.org');
    assertSameAnswer(await ask(new Browser(t.server), 'mia'));
    let failures: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 100 && failures.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      failures = log.withMessage('reset mail not sent');
    }
    assert.equal(failures.length, 1, log.lines.join('\n'));
    assert.equal(failures[0]?.level, 50);
    assert.equal(failures[0]?.userId, mia.id);
    assert.equal((failures[0]?.mail as { code?: string }).code, 'ESOCKET');
    const lines = log.lines.join('\n');
    assert.ok(!lines.includes('hunter2'));
    assert.ok(!lines.includes('reset_password_token'));
    assert.ok(!lines.includes('Hello @mia'));
  });

  it('an account imported without a password is told to set one, with a link, and keeps its applications', async () => {
    await start();
    const owner = await user('owner', undefined);
    const app = await t.createApp(owner.id);
    const imported = await t.stores.users.create({
      nickname: 'imported',
      email: 'imported@example.org',
      passwordHash: NO_PASSWORD,
      admin: false,
      locale: 'en',
      at: t.clock.now(),
    });
    // A token the import brought along (docs/import.md): its application stays signed in by default.
    const accessToken = 'imported-access-token-kept-by-the-reset-000';
    await t.stores.tokens.create({
      tokenHash: secretHash(accessToken),
      refreshTokenHash: null,
      applicationId: app.application.id,
      userId: imported.id,
      grantId: null,
      parentId: null,
      scopes: ['user_rates'],
      expiresIn: 86_400,
      previousRefreshTokenHash: null,
      at: t.clock.now(),
    });
    assert.equal((await t.whoami(accessToken)).statusCode, 200);

    const browser = new Browser(t.server);
    const signInPage = await browser.get('/users/sign_in', en);
    const attempt = { nickname: 'imported', password: 'anything' };
    const refused = await submitForm(browser, signInPage.body, 'sign_in', attempt, en);
    assert.equal(refused.statusCode, 401);
    assert.equal(
      textOf(refused.body, 'main').split(' Set a password ')[0],
      'Sign in This account was moved here without a password (it signed in through another site). ' +
        'Set one through a password reset, then sign in with it.',
    );
    assert.match(refused.body, /<a href="\/users\/password\/new" id="set_password_link">Set a password<\/a>/);

    const seen = sink.mails.length;
    assertSameAnswer(await ask(browser, 'imported'));
    const link = linkIn(await mailAfter(seen));
    const form = await browser.get(pathOf(link), en);
    const box = /<input type="checkbox" id="keep_applications"[^>]*>/.exec(form.body)?.[0] ?? '';
    assert.match(box, /\schecked>$/);
    assert.equal(
      textOf(form.body, 'keep_applications_hint'),
      'Ticked for you: your account had no password yet, so the applications you signed in to through the other ' +
        'site stay signed in.',
    );
    const done = await submitForm(browser, form.body, 'reset_password', twice(NEW_PASSWORD));
    assert.equal(done.statusCode, 303);
    assert.equal(await signInStatus(t, 'imported', NEW_PASSWORD), 303);
    assert.equal((await t.whoami(accessToken)).statusCode, 200, 'its application stays signed in');
  });
});

describe('password reset on a server that sends no mail', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  it('the page says to ask an administrator; a post does nothing and answers the same', async () => {
    await registerUser(t.stores, { nickname: 'nora', password: PASSWORD, email: 'nora@example.org' }, t.clock.now());
    const browser = new Browser(t.server);
    const page = await browser.get('/users/password/new', en);
    assert.equal(page.statusCode, 200);
    assert.equal(
      textOf(page.body, 'no_mail'),
      'This server sends no mail. Ask an administrator for a link to set a new password (monban users reset-link).',
    );
    assert.ok(!hasElement(page.body, 'forgot_password'));
    const ru = await browser.get('/users/password/new', { 'accept-language': 'ru' });
    assert.match(textOf(ru.body, 'no_mail'), /^Этот сервер не отправляет писем\./);
    // The form is not shown, but a post of it (with this browser's CSRF token) is answered as with mail.
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await browser.get('/users/sign_in')).body)?.[1] ?? '';
    const response = await browser.post('/users/password/new', { _csrf: csrf, login: 'nora' }, en);
    assertSameAnswer(response);
    assert.deepEqual(await t.monban.database.db.selectFrom('password_resets').selectAll().execute(), []);
    const answer = await browser.get('/users/password/new?sent=1', en);
    assert.ok(!answer.body.includes(SENT), 'no word of a mail that was not sent');
  });

  it('an imported account is told to ask an administrator for a reset link, which sets its password', async () => {
    const imported = await t.stores.users.create({
      nickname: 'oleg',
      email: null,
      passwordHash: NO_PASSWORD,
      admin: false,
      locale: 'ru',
      at: t.clock.now(),
    });
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in', en);
    const refused = await submitForm(browser, page.body, 'sign_in', { nickname: 'oleg', password: 'anything' }, en);
    assert.equal(refused.statusCode, 401);
    assert.match(refused.body, /Ask an administrator for a reset link, set a password with it, then sign in with it\./);
    assert.match(refused.body, /id="set_password_link"/);
    const ruPage = await browser.get('/users/sign_in', { 'accept-language': 'ru' });
    const ru = await submitForm(browser, ruPage.body, 'sign_in', { nickname: 'oleg', password: 'anything' }, {
      'accept-language': 'ru',
    });
    assert.match(ru.body, /Попроси администратора дать тебе ссылку для сброса пароля/);
    // What `monban users reset-link` does (test/cli/reset-link.test.ts runs the command itself).
    const token = await createPasswordReset(t.stores, imported.id, t.clock.now());
    const link = `${PUBLIC_URL}/users/password/edit?reset_password_token=${token}`;
    const done = await setPassword(browser, link, NEW_PASSWORD);
    assert.equal(done.statusCode, 303);
    assert.equal(await signInStatus(t, 'oleg', NEW_PASSWORD), 303);
  });
});
