/**
 * `monban audit` (docs/audit.md): the audit log newest first, filtered by user, application, type and time, as
 * text or one JSON object per line; wrong filters are usage errors, an unknown nickname a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerApplication } from '../../src/accounts/applications.js';
import { registerUser } from '../../src/accounts/accounts.js';
import { parseSince, parseTypes } from '../../src/cli/audit.js';
import { UsageError } from '../../src/cli/usage.js';
import { migrateToLatest, openSqlite } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { runCli, tempDatabase, type CliRun } from '../helpers/process.js';

const HOUR = 3_600_000;

function lines(run: CliRun): string[] {
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  return run.stdout.split('\n').filter((line) => line !== '');
}

describe('monban audit', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let env: Record<string, string>;
  let clientId = '';
  let applicationId = 0;
  let aliceId = 0;
  const now = Date.now();
  const at = (hoursAgo: number) => now - hoursAgo * HOUR;
  const iso = (hoursAgo: number) => new Date(at(hoursAgo)).toISOString();

  before(async () => {
    database = await tempDatabase();
    env = { MONBAN_DATABASE_URL: database.path };
    const opened = openSqlite(database.path);
    await migrateToLatest(opened);
    const stores = sqlStores(opened.db);
    const alice = await registerUser(stores, { nickname: 'alice', password: 'correct horse battery' }, now);
    const bob = await registerUser(stores, { nickname: 'bob', password: 'correct horse battery' }, now);
    aliceId = alice.id;
    const { application } = await registerApplication(
      stores,
      { ownerId: alice.id, name: 'Tracker', redirectUris: ['https://t.example/cb'] },
      now,
    );
    clientId = application.uid;
    applicationId = application.id;
    const base = { clientId: null, address: '192.0.2.1', userAgent: 'agent/1', details: {} };
    await stores.audit.append([
      { ...base, at: at(50), type: 'sign_in.succeeded', userId: alice.id, applicationId: null },
      {
        ...base,
        at: at(3),
        type: 'token.issued',
        userId: alice.id,
        applicationId: application.id,
        details: { grant_type: 'authorization_code', token_id: 7 },
      },
      { ...base, at: at(2), type: 'sign_in.succeeded', userId: bob.id, applicationId: null, userAgent: null },
      {
        ...base,
        at: at(1),
        type: 'client_auth.failed',
        userId: null,
        applicationId: null,
        clientId: application.uid,
        details: { method: 'client_secret_post' },
      },
    ]);
    await opened.close();
  });
  after(() => database.remove());

  it('lists every event newest first, one line each', async () => {
    assert.deepEqual(lines(await runCli(['audit'], env)), [
      `${iso(1)} client_auth.failed             app=${clientId} address=192.0.2.1 method="client_secret_post" ` +
        'user_agent="agent/1"',
      `${iso(2)} sign_in.succeeded              user=@bob address=192.0.2.1`,
      `${iso(3)} token.issued                   user=@alice app=${clientId} address=192.0.2.1 ` +
        'grant_type="authorization_code" token_id=7 user_agent="agent/1"',
      `${iso(50)} sign_in.succeeded              user=@alice address=192.0.2.1 user_agent="agent/1"`,
    ]);
  });

  it('--json: one object per line', async () => {
    const objects = lines(await runCli(['audit', '--json', '--limit', '2'], env)).map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(objects, [
      {
        id: 4,
        at: iso(1),
        type: 'client_auth.failed',
        user_id: null,
        user: null,
        application_id: null,
        client_id: clientId,
        application: null,
        address: '192.0.2.1',
        user_agent: 'agent/1',
        details: { method: 'client_secret_post' },
      },
      {
        id: 3,
        at: iso(2),
        type: 'sign_in.succeeded',
        user_id: aliceId + 1,
        user: 'bob',
        application_id: null,
        client_id: null,
        application: null,
        address: '192.0.2.1',
        user_agent: null,
        details: {},
      },
    ]);
  });

  it('filters by user, by application (its events and its failed authentications), by type and by time', async () => {
    const types = async (args: string[]) =>
      lines(await runCli(['audit', '--json', ...args], env)).map((l) => {
        const event = JSON.parse(l) as { type: string; user: string | null; application_id: number | null };
        return `${event.type}:${event.user ?? '-'}`;
      });
    assert.deepEqual(await types(['--user', 'alice']), ['token.issued:alice', 'sign_in.succeeded:alice']);
    assert.deepEqual(await types(['--app', clientId]), ['client_auth.failed:-', 'token.issued:alice']);
    assert.deepEqual(await types(['--app', 'unknown-client']), []);
    assert.deepEqual(await types(['--type', 'sign_in.succeeded,token.issued', '--type', 'token.issued']), [
      'sign_in.succeeded:bob',
      'token.issued:alice',
      'sign_in.succeeded:alice',
    ]);
    assert.deepEqual(await types(['--since', '24h']), [
      'client_auth.failed:-',
      'sign_in.succeeded:bob',
      'token.issued:alice',
    ]);
    assert.deepEqual(await types(['--since', new Date(at(2.5)).toISOString(), '--user', 'bob']), [
      'sign_in.succeeded:bob',
    ]);
    assert.deepEqual(await types(['--user', 'alice', '--app', clientId, '--type', 'token.issued', '--since', '7d']), [
      'token.issued:alice',
    ]);
    assert.equal(applicationId > 0, true);
  });

  it('says when nothing matches', async () => {
    assert.deepEqual(lines(await runCli(['audit', '--user', 'bob', '--type', 'token.issued'], env)), [
      'No audit events.',
    ]);
  });

  it('refuses bad filters: usage errors, and an unknown nickname', async () => {
    for (const [args, reason] of [
      [['--type', 'token.stolen'], 'unknown audit type "token.stolen"'],
      [['--since', 'yesterday'], '--since must be a duration like 24h or 7d'],
      [['--limit', '0'], '--limit must be a whole number from 1 to 100000'],
      [['--colour'], "Unknown option '--colour'"],
    ] as const) {
      const run = await runCli(['audit', ...args], env);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.ok(run.stderr.startsWith(`monban: ${reason}`), run.stderr);
    }
    assert.deepEqual(await runCli(['audit', '--user', 'nobody'], env), {
      code: 1,
      stdout: '',
      stderr: 'monban: No user with nickname "nobody".\n',
    });
  });

  it('reads --since as a duration back from now or an ISO date', () => {
    const t = Date.UTC(2026, 11, 7, 12);
    assert.equal(parseSince('24h', t), t - 24 * HOUR);
    assert.equal(parseSince('7d', t), t - 7 * 24 * HOUR);
    assert.equal(parseSince('30m', t), t - 30 * 60_000);
    assert.equal(parseSince('2w', t), t - 14 * 24 * HOUR);
    assert.equal(parseSince('2026-12-01', t), Date.UTC(2026, 11, 1));
    assert.equal(parseSince('2026-12-01T10:30:00Z', t), Date.UTC(2026, 11, 1, 10, 30));
    for (const bad of ['', '7', 'd7', '-1d', '2026-13-45', 'now', '1y']) {
      assert.throws(() => parseSince(bad, t), UsageError, bad);
    }
    assert.deepEqual(parseTypes(['token.issued, consent.revoked', 'token.issued', '']), [
      'token.issued',
      'consent.revoked',
    ]);
  });
});
