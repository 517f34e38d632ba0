import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { createMonban, type Monban } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import {
  cliJson,
  runCli,
  ServerProcess,
  storedValuesContaining,
  tempDatabase,
  type CliRun,
} from '../helpers/process.js';
import { APPLIED_ALL, MIGRATIONS } from '../helpers/migrations.js';


const USAGE_FIRST_LINE = 'Usage: monban <command> [options]';
const PASSWORD = 'correct horse battery';

interface AppJson {
  id: number;
  name: string;
  client_id: string;
  client_secret: string;
  redirect_uri: string;
  redirect_uris: string[];
  scopes: string;
  owner: string;
}

/** Wrong arguments: status 2, the reason then the usage on stderr, nothing on stdout, no stack trace. */
function assertUsageError(run: CliRun, reason: string): void {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.ok(run.stderr.startsWith(`monban: ${reason}`), run.stderr);
  assert.equal(run.stderr.split('\n\n')[0]?.includes('\n'), false, 'the reason is one line');
  assert.ok(run.stderr.includes(`\n\n${USAGE_FIRST_LINE}\n`), run.stderr);
  assert.ok(!run.stderr.includes('    at '), run.stderr);
}

/** A failed command: status 1 and exactly this one line on stderr. */
function assertFailure(run: CliRun, line: string): void {
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `monban: ${line}\n`);
}

describe('monban CLI', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let env: Record<string, string>;
  beforeEach(async () => {
    database = await tempDatabase();
    env = { MONBAN_DATABASE_URL: database.path };
  });
  afterEach(() => database.remove());

  describe('migrate', () => {
    it('creates the versioned schema, says so, and is idempotent', async () => {
      const first = await runCli(['migrate'], env);
      assert.deepEqual(first, { code: 0, stdout: APPLIED_ALL, stderr: '' });
      const second = await runCli(['migrate'], env);
      assert.deepEqual(second, { code: 0, stdout: 'The database is up to date.\n', stderr: '' });

      const sqlite = new SQLite(database.path, { readonly: true });
      try {
        const tables = sqlite
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
          .all()
          .map((r) => (r as { name: string }).name);
        assert.deepEqual(tables, [
          'access_grants',
          'access_tokens',
          'application_icons',
          'applications',
          'audit_events',
          'authorization_requests',
          'cache_generations',
          'device_codes',
          'import_map',
          'leases',
          'monban_migrations',
          'monban_migrations_lock',
          'password_resets',
          'secret_reveals',
          'server_keys',
          'sessions',
          'user_rates',
          'users',
        ]);
        const applied = sqlite.prepare('SELECT name FROM monban_migrations').all();
        assert.deepEqual(applied, MIGRATIONS.map((name) => ({ name })));
      } finally {
        sqlite.close();
      }
    });
  });

  describe('users create', () => {
    it('creates a user and says so', async () => {
      const run = await runCli(['users', 'create', '--nickname', 'alice', '--password', PASSWORD], env);
      assert.deepEqual(run, { code: 0, stdout: 'Created user alice (id 1).\n', stderr: '' });
    });

    it('prints JSON with --json, honouring --email and --admin', async () => {
      const user = await cliJson(
        ['users', 'create', '--nickname', 'root', '--password', PASSWORD, '--email', 'root@example.com', '--admin'],
        env,
      );
      assert.deepEqual(user, { id: 1, nickname: 'root', email: 'root@example.com', admin: true });
    });

    it('refuses a nickname already taken, in one line', async () => {
      await cliJson(['users', 'create', '--nickname', 'alice', '--password', PASSWORD], env);
      const run = await runCli(['users', 'create', '--nickname', 'alice', '--password', PASSWORD], env);
      assertFailure(run, 'This nickname is already taken.');
    });

    it('refuses a password that is too short, in one line', async () => {
      const run = await runCli(['users', 'create', '--nickname', 'alice', '--password', 'short'], env);
      assertFailure(run, 'Password must be 8 to 128 characters long.');
    });

    it('stores the password as a hash', async () => {
      await cliJson(['users', 'create', '--nickname', 'alice', '--password', PASSWORD], env);
      assert.deepEqual(storedValuesContaining(database.path, [PASSWORD]), []);
    });
  });

  describe('apps create', () => {
    beforeEach(() => cliJson(['users', 'create', '--nickname', 'alice', '--password', PASSWORD], env));

    it('prints client_id, client_secret, redirect_uri and scopes as JSON', async () => {
      const app = await cliJson<AppJson>(
        ['apps', 'create', '--owner', 'alice', '--name', 'My app', '--redirect-uri', 'https://client.example/cb'],
        env,
      );
      // compatibility.md §1: new applications' uid and secret are urlsafe_base64(32), 43 characters.
      assert.match(app.client_id, /^[A-Za-z0-9_-]{43}$/);
      assert.match(app.client_secret, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(app.client_id, app.client_secret);
      assert.deepEqual(
        { ...app, client_id: '', client_secret: '' },
        {
          id: 1,
          name: 'My app',
          client_id: '',
          client_secret: '',
          redirect_uri: 'https://client.example/cb',
          redirect_uris: ['https://client.example/cb'],
          // compatibility.md §1: the server's default scopes.
          scopes: 'user_rates comments topics',
          owner: 'alice',
        },
      );
    });

    it('takes several --redirect-uri (one per line, compatibility.md §3) and --scopes as a space-separated string', async () => {
      const app = await cliJson<AppJson>(
        [
          'apps',
          'create',
          '--owner',
          'alice',
          '--name',
          'Native',
          '--redirect-uri',
          'https://client.example/cb',
          '--redirect-uri',
          'urn:ietf:wg:oauth:2.0:oob',
          '--redirect-uri',
          'http://localhost:8080/cb',
          '--scopes',
          'user_rates email',
        ],
        env,
      );
      assert.equal(app.redirect_uri, 'https://client.example/cb\nurn:ietf:wg:oauth:2.0:oob\nhttp://localhost:8080/cb');
      assert.deepEqual(app.redirect_uris, [
        'https://client.example/cb',
        'urn:ietf:wg:oauth:2.0:oob',
        'http://localhost:8080/cb',
      ]);
      assert.equal(app.scopes, 'user_rates email');
    });

    it('prints the credentials in plain text without --json', async () => {
      const run = await runCli(
        ['apps', 'create', '--owner', 'alice', '--name', 'My app', '--redirect-uri', 'https://client.example/cb'],
        env,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, /^Created application "My app" \(id 1\)\.\n/);
      assert.match(run.stdout, /^client_id: +[A-Za-z0-9_-]{43}$/m);
      assert.match(run.stdout, /^client_secret: +[A-Za-z0-9_-]{43} /m);
      assert.match(run.stdout, /^redirect_uri: +https:\/\/client\.example\/cb$/m);
      assert.match(run.stdout, /^scopes: +user_rates comments topics$/m);
    });

    it('stores the secret hashed, and the printed secret authenticates the client at /oauth/token', async () => {
      const app = await cliJson<AppJson>(
        ['apps', 'create', '--owner', 'alice', '--name', 'My app', '--redirect-uri', 'https://client.example/cb'],
        env,
      );
      assert.deepEqual(storedValuesContaining(database.path, [app.client_secret]), []);

      const config = loadConfig({ MONBAN_DATABASE_URL: database.path, MONBAN_RATE_LIMIT: 'off' }, { logLevel: 'silent' });
      const monban: Monban = await createMonban(config);
      try {
        const token = (secret: string) =>
          monban.server.inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: app.client_id,
              client_secret: secret,
            }).toString(),
          });
        const accepted = await token(app.client_secret);
        assert.equal(accepted.statusCode, 200, accepted.body);
        assert.equal(accepted.json().token_type, 'Bearer');
        // RFC 6749 §5.2: a wrong secret is invalid_client, so the 200 above is the secret's doing.
        // Its last character changed (to one it is not: a secret may end in "A" already).
        const last = app.client_secret.endsWith('A') ? 'B' : 'A';
        const refused = await token(`${app.client_secret.slice(0, -1)}${last}`);
        assert.equal(refused.statusCode, 401);
        assert.equal(refused.json().error, 'invalid_client');
      } finally {
        await monban.close();
      }
    });

    it('refuses an unknown owner, in one line', async () => {
      const run = await runCli(
        ['apps', 'create', '--owner', 'bob', '--name', 'X', '--redirect-uri', 'https://client.example/cb', '--json'],
        env,
      );
      assertFailure(run, 'No user with nickname "bob".');
    });

    // compatibility.md §3: force_ssl_in_redirect_uri, with Doorkeeper's messages.
    for (const [uri, message] of [
      ['http://example.com/cb', 'must be an HTTPS/SSL URI.'],
      ['https://client.example/cb#top', 'cannot contain a fragment.'],
      ['/relative/cb', 'must be an absolute URI.'],
    ] as const) {
      it(`refuses the redirect URI ${uri} ("${message}")`, async () => {
        const run = await runCli(
          ['apps', 'create', '--owner', 'alice', '--name', 'X', '--redirect-uri', uri, '--json'],
          env,
        );
        assertFailure(run, `Redirect URI ${uri} ${message}`);
      });
    }

    it('refuses a missing --name, --owner or --redirect-uri with the usage', async () => {
      const uri = ['--redirect-uri', 'https://client.example/cb'];
      assertUsageError(await runCli(['apps', 'create', '--owner', 'alice', ...uri], env), '--name is required');
      assertUsageError(await runCli(['apps', 'create', '--name', 'X', ...uri], env), '--owner is required');
      assertUsageError(
        await runCli(['apps', 'create', '--owner', 'alice', '--name', 'X'], env),
        '--redirect-uri is required',
      );
    });
  });

  describe('wrong arguments', () => {
    it('refuses a missing --nickname or --password with the usage', async () => {
      assertUsageError(await runCli(['users', 'create', '--password', PASSWORD], env), '--nickname is required');
      assertUsageError(await runCli(['users', 'create', '--nickname', 'alice'], env), '--password is required');
    });

    it('refuses an unknown command, or none', async () => {
      assertUsageError(await runCli(['frobnicate'], env), 'unknown command: frobnicate');
      assertUsageError(await runCli([], env), 'no command given');
      assertUsageError(await runCli(['users', 'delete'], env), 'unknown users command: delete');
      assertUsageError(await runCli(['apps'], env), 'unknown apps command: (none)');
    });

    it('refuses an unknown option, an option without its value, and stray arguments', async () => {
      assertUsageError(
        await runCli(['users', 'create', '--nick', 'alice', '--password', PASSWORD], env),
        "Unknown option '--nick'",
      );
      assertUsageError(
        await runCli(['users', 'create', '--password', PASSWORD, '--nickname'], env),
        "Option '--nickname <value>' argument missing",
      );
      assertUsageError(
        await runCli(['apps', 'create', '--owner', 'alice', '--json=yes'], env),
        "Option '--json' does not take an argument",
      );
      assertUsageError(await runCli(['serve', '--port', '1'], env), 'serve takes only --dev (got --port 1)');
      assertUsageError(await runCli(['migrate', 'now'], env), 'migrate takes no arguments (got now)');
    });

    it('prints the usage on stdout for help, with status 0', async () => {
      const run = await runCli(['help'], env);
      assert.equal(run.code, 0);
      assert.equal(run.stderr, '');
      assert.ok(run.stdout.startsWith(`${USAGE_FIRST_LINE}\n`));
      assert.deepEqual(await runCli(['--help'], env), run);
    });
  });

  describe('bad settings', () => {
    // The issue: "A bad value stops start-up with a one-line message naming the variable."
    for (const [variable, value] of [
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['MONBAN_ACCESS_TOKEN_TTL', '0'],
      ['MONBAN_CODE_TTL', '30m'],
      ['MONBAN_PUBLIC_URL', 'ftp://x'],
      ['MONBAN_DATABASE_URL', 'sqlite://'],
      ['MONBAN_LOG_LEVEL', 'loud'],
    ] as const) {
      it(`${variable}=${value} stops serve with status 1 and one line naming the variable`, async () => {
        const run = await runCli(['serve'], { ...env, [variable]: value });
        assert.equal(run.code, 1, run.stdout + run.stderr);
        assert.equal(run.stdout, '');
        assert.match(run.stderr, new RegExp(`^monban: invalid setting ${variable}: [^\\n]+\\n$`));
      });
    }

    it('stops the other commands too', async () => {
      for (const args of [['migrate'], ['users', 'create', '--nickname', 'alice', '--password', PASSWORD]]) {
        const run = await runCli(args, { ...env, MONBAN_ACCESS_TOKEN_TTL: '0' });
        assert.equal(run.code, 1);
        assert.equal(
          run.stderr,
          'monban: invalid setting MONBAN_ACCESS_TOKEN_TTL: must be between 1 and 2147483647, got 0\n',
        );
      }
    });
  });
});

describe('monban serve', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let server: ServerProcess | undefined;
  before(async () => {
    database = await tempDatabase();
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await database.remove();
  });

  it('migrates a new database, prints the URL and next steps, serves, and exits 0 on SIGTERM', async () => {
    server = await ServerProcess.start({ MONBAN_DATABASE_URL: database.path, MONBAN_LOG_LEVEL: 'silent' });
    const url = server.url;
    assert.ok(await server.waitForStdout(/4\. Exchange the code:.*\n.*\n/), server.stdout);
    assert.ok(server.stdout.startsWith(`Monban is listening on ${url} (database: ${database.path})\n`), server.stdout);
    assert.ok(server.stdout.includes('users create --nickname'), server.stdout);
    assert.ok(server.stdout.includes('apps create --owner'), server.stdout);
    assert.ok(server.stdout.includes(`${url}/oauth/authorize?client_id=CLIENT_ID`), server.stdout);

    // compatibility.md §5: whoami as a guest is 200 null; the schema exists, so the migrations ran.
    const whoami = await fetch(`${url}/api/users/whoami`);
    assert.equal(whoami.status, 200);
    assert.equal(await whoami.text(), 'null');
    const migrate = await runCli(['migrate'], { MONBAN_DATABASE_URL: database.path });
    assert.equal(migrate.stdout, 'The database is up to date.\n');

    const exit = await server.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    const farewell = '\nReceived SIGTERM; finishing requests in flight and stopping.\n';
    assert.ok(server.stdout.endsWith(farewell), server.stdout);
    assert.equal(server.stderr, '');
  });
});
