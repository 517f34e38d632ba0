/**
 * `monban users reset-link` (issue 15): a password reset link printed once, for a server that sends no mail or an
 * account without an email address; the link, opened on the server, sets the password (accounts/password-resets.ts).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createMonban } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Browser } from '../helpers/browser.js';
import { cliJson, runCli, storedValuesContaining, tempDatabase } from '../helpers/process.js';
import { submitForm } from '../http/pages-support.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const PUBLIC_URL = 'https://auth.example';
const LINK = /^https:\/\/auth\.example\/users\/password\/edit\?reset_password_token=[A-Za-z0-9_-]{43}$/;

describe('monban users reset-link', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let env: Record<string, string>;
  beforeEach(async () => {
    database = await tempDatabase();
    env = { MONBAN_DATABASE_URL: database.path, MONBAN_PUBLIC_URL: PUBLIC_URL };
    await cliJson(['users', 'create', '--nickname', 'alice', '--password', PASSWORD], env);
  });
  afterEach(() => database.remove());

  it('prints the link once, in plain text, with when it stops working', async () => {
    const before = Date.now();
    const run = await runCli(['users', 'reset-link', '--nickname', 'ALICE'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const [first, link, rest] = run.stdout.split('\n');
    const until = /^Password reset link for alice \(works once, until (.+)\):$/.exec(first ?? '')?.[1] ?? '';
    const expires = Date.parse(until);
    assert.ok(expires >= before + 3_600_000 && expires <= Date.now() + 3_600_000, until);
    assert.match(link ?? '', LINK);
    assert.equal(rest, '');
    // Kept hashed: the database holds no token.
    const token = new URL(link ?? '').searchParams.get('reset_password_token') ?? '';
    assert.deepEqual(storedValuesContaining(database.path, [token]), []);
  });

  it('prints JSON with --json; the link sets the password on the server, once, and a newer link voids it', async () => {
    const older = await cliJson<{ link: string }>(['users', 'reset-link', '--nickname', 'alice'], env);
    const reset = await cliJson<{ nickname: string; link: string; expires_at: string }>(
      ['users', 'reset-link', '--nickname', 'alice'],
      env,
    );
    assert.deepEqual(Object.keys(reset), ['nickname', 'link', 'expires_at']);
    assert.equal(reset.nickname, 'alice');
    assert.match(reset.link, LINK);
    assert.notEqual(reset.link, older.link);

    const quiet = { MONBAN_RATE_LIMIT: 'off', MONBAN_CLEANUP_INTERVAL: '0' };
    const config = loadConfig({ ...env, ...quiet }, { logLevel: 'silent' });
    const monban = await createMonban(config);
    try {
      const path = (link: string) => link.slice(PUBLIC_URL.length);
      const browser = new Browser(monban.server);
      assert.equal((await browser.get(path(older.link))).statusCode, 404, 'voided by the newer link');
      const page = await browser.get(path(reset.link));
      assert.equal(page.statusCode, 200);
      const fields = { password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD };
      const done = await submitForm(browser, page.body, 'reset_password', fields, { origin: PUBLIC_URL });
      assert.equal(done.statusCode, 303, done.body);
      assert.equal((await browser.get(path(reset.link))).statusCode, 404, 'used');
      await browser.signIn('alice', NEW_PASSWORD);
    } finally {
      await monban.close();
    }
  });

  it('refuses an unknown nickname in one line, and a missing --nickname with the usage', async () => {
    const unknown = await runCli(['users', 'reset-link', '--nickname', 'nobody'], env);
    assert.deepEqual(unknown, { code: 1, stdout: '', stderr: 'monban: no user nobody\n' });
    const missing = await runCli(['users', 'reset-link'], env);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^monban: .*--nickname/);
    assert.match(missing.stderr, /\n {2}users reset-link --nickname NICK \[--json\]\n/);
  });
});
