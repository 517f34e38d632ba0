import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { StreamProgress } from '../../src/import/doorkeeper/progress.js';
import { runCli, tempDatabase } from '../helpers/process.js';
import { makeRows, PEPPER, writeSqlite } from './doorkeeper-source.js';

/** `monban import doorkeeper` as an operator runs it: arguments, output, exit status. */
describe('monban import doorkeeper (CLI)', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let source: string;
  before(async () => {
    database = await tempDatabase();
    source = join(database.dir, 'shikimori.sqlite3');
    const sizes = { users: 40, applications: 10, grants: 30, tokens: 30 };
    writeSqlite(source, makeRows(Date.now(), sizes).rows);
  });
  after(() => database.remove());

  const env = () => ({ MONBAN_DATABASE_URL: database.path });

  it('imports, printing progress lines (no terminal) on stderr and the summary on stdout', async () => {
    const run = await runCli(['import', 'doorkeeper', '--from', `sqlite:${source}`, '--pepper', PEPPER], env());
    assert.equal(run.code, 0, run.stderr);
    const out = run.stdout.split('\n');
    assert.equal(out[0], `Importing from SQLite ${source}.`);
    assert.match(out[1] ?? '', /^Import finished in \d+\.\d s:$/);
    assert.match(out[2] ?? '', /^ {2}users +\d+ imported, 0 already imported, 0 skipped$/);
    assert.match(out[5] ?? '', /^ {2}tokens +\d+ imported, 0 already imported, \d+ skipped \(.*revoked.*\)$/);
    // One line per table at its end, without a bar or carriage returns.
    const lines = run.stderr.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      ['oauth_applications', 'oauth_access_grants', 'oauth_access_tokens'],
    );
    assert.match(lines[0] ?? '', /^oauth_applications +10\/10 100% \d+ rows\/s$/);
    assert.ok(!run.stderr.includes('\r'));
  });

  it('a second run imports nothing and says what it found already', async () => {
    const run = await runCli(['import', 'doorkeeper', '--from', source, '--pepper', PEPPER], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\n {2}applications +0 imported, 9 already imported, 1 skipped \(1 no owner user\)\n/);
  });

  it('an administrator sets a password for a user imported without one', async () => {
    const hashOf = () => {
      const db = new SQLite(database.path, { readonly: true });
      try {
        return db.prepare('select password_hash from users where nickname = ?').pluck().get('user10') as string;
      } finally {
        db.close();
      }
    };
    assert.equal(hashOf(), '');
    const short = await runCli(['users', 'set-password', '--nickname', 'user10', '--password', 'short'], env());
    assert.deepEqual(short, { code: 1, stdout: '', stderr: 'monban: Password must be 8 to 128 characters long.\n' });
    const set = await runCli(['users', 'set-password', '--nickname', 'user10', '--password', 'a new password'], env());
    assert.deepEqual(set, { code: 0, stdout: 'Set the password of user10.\n', stderr: '' });
    assert.match(hashOf(), /^\$argon2id\$/);
    const unknown = await runCli(
      ['users', 'set-password', '--nickname', 'nobody', '--password', 'a new password'],
      env(),
    );
    assert.deepEqual(unknown, { code: 1, stdout: '', stderr: 'monban: no user nobody\n' });
  });

  it('refuses another pepper than the one the database holds', async () => {
    const run = await runCli(['import', 'doorkeeper', '--from', source, '--pepper', 'other'], env());
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^monban: this Monban database already holds passwords imported with another pepper\n$/,
    );
  });

  it('asks for the pepper, or --no-pepper', async () => {
    const run = await runCli(['import', 'doorkeeper', '--from', source], env());
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^monban: give Devise's pepper \(config\.pepper\) with --pepper or MONBAN_IMPORT_PEPPER/);
  });

  it('names what is wrong with the source', async () => {
    const nowhere = join(database.dir, 'nope.sqlite3');
    const missing = await runCli(['import', 'doorkeeper', '--from', nowhere, '--no-pepper'], env());
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `monban: no SQLite database at ${join(database.dir, 'nope.sqlite3')}\n`);
    const notDoorkeeper = await runCli(['import', 'doorkeeper', '--from', database.path, '--no-pepper'], env());
    assert.equal(notDoorkeeper.code, 1);
    assert.equal(
      notDoorkeeper.stderr,
      `monban: SQLite ${database.path} is not a Doorkeeper database: missing column users.encrypted_password\n`,
    );
  });
});

describe('import progress', () => {
  it('on a terminal, redraws one line with a bar, counts and rate', () => {
    let time = 0;
    const written: string[] = [];
    const progress = new StreamProgress({ write: (t: string) => written.push(t), isTTY: true }, () => time);
    progress.start('oauth_access_tokens', 1000);
    time = 2000;
    progress.advance(500);
    progress.finish();
    assert.deepEqual(written, [
      `\r${'oauth_access_tokens'.padEnd(20)} [${'.'.repeat(30)}] 0/1000   0% 0 rows/s\x1b[K`,
      `\r${'oauth_access_tokens'.padEnd(20)} [${'#'.repeat(15)}${'.'.repeat(15)}] 500/1000  50% 250 rows/s\x1b[K`,
      `\r${'oauth_access_tokens'.padEnd(20)} [${'#'.repeat(15)}${'.'.repeat(15)}] 500/1000  50% 250 rows/s\x1b[K`,
      '\n',
    ]);
  });
});
