/**
 * `monban apps update CLIENT_ID --quota …` (issue 12, per-application quotas): sets, changes and clears an
 * application's request quota; wrong arguments get the usage, an unknown application one line.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { cliJson, runCli, tempDatabase, type CliRun } from '../helpers/process.js';

const CREATE = ['apps', 'create', '--owner', 'alice', '--name', 'Bot', '--redirect-uri', 'https://bot.example/cb'];

function assertUsageError(run: CliRun, reason: string): void {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.ok(run.stderr.startsWith(`monban: ${reason}\n\nUsage: monban <command> [options]\n`), run.stderr);
}

describe('monban apps update --quota', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let env: Record<string, string>;
  let clientId: string;
  beforeEach(async () => {
    database = await tempDatabase();
    env = { MONBAN_DATABASE_URL: database.path };
    await cliJson(['users', 'create', '--nickname', 'alice', '--password', 'correct horse battery'], env);
    clientId = (await cliJson<{ client_id: string }>([...CREATE, '--json'], env)).client_id;
  });
  afterEach(() => database.remove());

  function stored(): { quota_per_minute: number | null; quota_per_day: number | null } {
    const sqlite = new SQLite(database.path, { readonly: true });
    try {
      const query = 'SELECT quota_per_minute, quota_per_day FROM applications WHERE uid = ?';
      return sqlite.prepare(query).get(clientId) as { quota_per_minute: number | null; quota_per_day: number | null };
    } finally {
      sqlite.close();
    }
  }

  it('sets both windows and says so', async () => {
    const run = await runCli(['apps', 'update', clientId, '--quota', '600/min,50000/day'], env);
    assert.deepEqual(run, {
      code: 0,
      stdout: 'Updated application "Bot" (id 1).\nquota:         600/min,50000/day\n',
      stderr: '',
    });
    assert.deepEqual(stored(), { quota_per_minute: 600, quota_per_day: 50000 });
  });

  it('prints JSON with --json, and replaces a quota with one window', async () => {
    await runCli(['apps', 'update', clientId, '--quota', '600/min,50000/day'], env);
    const args = ['apps', 'update', clientId, '--quota', '100/day', '--json'];
    const json = await cliJson<Record<string, unknown>>(args, env);
    assert.equal(
      JSON.stringify(json),
      JSON.stringify({
        id: 1,
        name: 'Bot',
        client_id: clientId,
        quota: '100/day',
        quota_per_minute: null,
        quota_per_day: 100,
      }),
    );
    assert.deepEqual(stored(), { quota_per_minute: null, quota_per_day: 100 });
  });

  it('clears the quota with --quota none', async () => {
    await runCli(['apps', 'update', clientId, '--quota', '5/min'], env);
    const run = await runCli(['apps', 'update', clientId, '--quota', 'none'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^quota: +none$/m);
    assert.deepEqual(stored(), { quota_per_minute: null, quota_per_day: null });
  });

  it('refuses a quota it cannot read, a missing --quota or client id, with the usage', async () => {
    assertUsageError(
      await runCli(['apps', 'update', clientId, '--quota', '5/hour'], env),
      '--quota: "5/hour" is not COUNT/min or COUNT/day',
    );
    const update = (...args: string[]) => runCli(['apps', 'update', ...args], env);
    assertUsageError(await update(clientId, '--quota', '0/min'), '--quota: the count must be 1 to 1000000000');
    assertUsageError(await update(clientId, '--quota', '1/min,2/min'), '--quota: /min is given twice');
    assertUsageError(await update(clientId), '--quota is required (COUNT/min, COUNT/day, both, or none)');
    assertUsageError(await runCli(['apps', 'update', '--quota', '5/min'], env), 'apps update needs a CLIENT_ID');
    assertUsageError(await runCli(['apps', 'update'], env), 'apps update needs a CLIENT_ID');
    assert.deepEqual(stored(), { quota_per_minute: null, quota_per_day: null });
  });

  it('takes a client id that starts with "-", as a generated one may', async () => {
    const sqlite = new SQLite(database.path);
    try {
      sqlite.prepare('UPDATE applications SET uid = ? WHERE uid = ?').run('-dash-first', clientId);
    } finally {
      sqlite.close();
    }
    clientId = '-dash-first';
    const run = await runCli(['apps', 'update', clientId, '--quota', '5/min'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(stored(), { quota_per_minute: 5, quota_per_day: null });
  });

  it('refuses an unknown application in one line', async () => {
    const run = await runCli(['apps', 'update', 'nope', '--quota', '5/min'], env);
    assert.deepEqual(run, { code: 1, stdout: '', stderr: 'monban: No application with client_id "nope".\n' });
  });
});
