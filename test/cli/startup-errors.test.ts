import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { databaseError } from '../../src/cli/database-check.js';
import { listenError } from '../../src/cli/startup-errors.js';
import { StorageUnavailable } from '../../src/core/ports/storage-unavailable.js';
import { CLI, freePort, runCli, tempDatabase } from '../helpers/process.js';

/**
 * Issue 13: a start that fails says why and what to change, in one line on stderr, with status 1 and no stack
 * trace, instead of `monban: unexpected error: listen EADDRINUSE ...`.
 */
function assertOneLine(run: { code: number | null; stdout: string; stderr: string }, line: string): void {
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stderr, `monban: ${line}\n`);
  assert.ok(!run.stdout.includes('Monban is listening'), run.stdout);
}

const EXAMPLE = 'set MONBAN_DATABASE_URL to a path in a writable folder (default ./data/monban.sqlite3)';

describe('monban serve: start-up errors in one line', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let env: Record<string, string>;
  beforeEach(async () => {
    database = await tempDatabase();
    env = { HOST: '127.0.0.1', PORT: String(await freePort()), MONBAN_DATABASE_URL: database.path };
  });
  afterEach(() => database.remove());

  describe('a port in use', () => {
    let taken: Server;
    let port: number;
    before(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const address = taken.address();
      port = typeof address === 'object' && address !== null ? address.port : 0;
    });
    after(() => new Promise<void>((resolve) => taken.close(() => resolve())));

    it('names the port and PORT', async () => {
      const run = await runCli(['serve'], { ...env, PORT: String(port) });
      assertOneLine(
        run,
        `port ${port} on 127.0.0.1 is already in use (by another Monban still running?); stop that program, ` +
          `or set PORT to a free port, e.g. PORT=${port + 1}`,
      );
    });

    it('names MONBAN_METRICS_PORT when the metrics listener is the one refused', async () => {
      const run = await runCli(['serve'], { ...env, MONBAN_METRICS_PORT: String(port), MONBAN_LOG_LEVEL: 'silent' });
      assertOneLine(
        run,
        `port ${port} on 127.0.0.1 is already in use (by another Monban still running?); stop that program, ` +
          `or set MONBAN_METRICS_PORT to a free port, e.g. MONBAN_METRICS_PORT=${port + 1}`,
      );
    });
  });

  it('a MONBAN_PUBLIC_URL that is not an absolute http(s) URL names the variable and what it must be', async () => {
    // `localhost:3000` parses as a URL, of scheme `localhost:`: the line quotes what was given.
    const run = await runCli(['serve'], { ...env, MONBAN_PUBLIC_URL: 'localhost:3000' });
    assertOneLine(
      run,
      'invalid setting MONBAN_PUBLIC_URL: must be an absolute URL that starts with http:// or https:// ' +
        '(e.g. https://auth.example), got "localhost:3000"',
    );
  });

  it('a database path whose folder is a file: MONBAN_DATABASE_URL', async () => {
    const file = join(database.dir, 'not-a-folder');
    await writeFile(file, '');
    const path = join(file, 'monban.sqlite3');
    const run = await runCli(['serve'], { ...env, MONBAN_DATABASE_URL: path });
    assertOneLine(run, `cannot create the SQLite database ${path}: ${file} is a file, not a folder; ${EXAMPLE}`);
  });

  it('a database path that is a folder', async () => {
    const run = await runCli(['serve'], { ...env, MONBAN_DATABASE_URL: database.dir });
    assertOneLine(
      run,
      `MONBAN_DATABASE_URL names a folder, ${database.dir}, not a database file; set it to a file path, ` +
        `e.g. ${join(database.dir, 'monban.sqlite3')}`,
    );
  });

  describe('a database this user may not read or write', () => {
    // Root may write anywhere: as root, the CLI runs as `nobody` (uid 65534), from a build that user can read.
    const asRoot = process.getuid?.() === 0;
    const other = { uid: 65534, gid: 65534 };
    let runtime: { node: string; cli: string } = { node: process.execPath, cli: CLI };
    let copy: string | undefined;
    before(async () => {
      if (!asRoot || (await readableBy(other, runtime))) return;
      // A checkout in a folder only root may enter (CI's) is not readable by 65534: run a copy of the build instead.
      copy = await readableCopy();
      runtime = { node: join(copy, 'bin', 'node'), cli: join(copy, relative(ROOT, CLI)) };
    });
    after(() => (copy === undefined ? undefined : rm(copy, { recursive: true, force: true })));

    const runAsUser = (dbPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const options = {
          env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: env.PORT, MONBAN_DATABASE_URL: dbPath },
          timeout: 30_000,
          ...(asRoot ? other : {}),
        };
        execFile(runtime.node, [runtime.cli, 'serve'], options, (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
        });
      });

    /** The build must be readable as 65534 (directly or as the copy); failing that is a failure in CI. */
    const skipOutsideCi = (t: { skip(message: string): void }) => {
      const reason = `user 65534 cannot read the build (${runtime.cli}): these checks did not run`;
      assert.notEqual(process.env.CI, 'true', reason);
      console.warn(`SKIPPED: ${reason}`);
      t.skip(reason);
    };
    const buildReadable = () => (asRoot ? readableBy(other, runtime) : Promise.resolve(true));

    it('a file it may not read and write', async (t) => {
      if (!(await buildReadable())) return skipOutsideCi(t);
      await writeFile(database.path, '');
      await chmod(database.dir, 0o755);
      await chmod(database.path, asRoot ? 0o600 : 0o000);
      assertOneLine(
        await runAsUser(database.path),
        `cannot read and write the SQLite database ${database.path}; give this user read and write access to it, ` +
          `or ${EXAMPLE}`,
      );
    });

    it('a new file in a folder it may not write', async (t) => {
      if (!(await buildReadable())) return skipOutsideCi(t);
      await chmod(database.dir, asRoot ? 0o755 : 0o555);
      const path = join(database.dir, 'data', 'monban.sqlite3');
      const run = await runAsUser(path).finally(() => chmod(database.dir, 0o700));
      assertOneLine(
        run,
        `cannot create the SQLite database ${path}: the folder ${database.dir} is not writable by this user; ` +
          `give this user write access to it, or ${EXAMPLE}`,
      );
    });
  });

  it('a file that is not a SQLite database', async () => {
    await writeFile(database.path, 'these are not the pages of a database, '.repeat(200));
    const run = await runCli(['serve'], env);
    assertOneLine(
      run,
      `${database.path} is not a SQLite database (another kind of file, or an encrypted one); set ` +
        `MONBAN_DATABASE_URL to Monban's database file, or to a new path`,
    );
  });
});

/** The other causes, which a test cannot bring about as any user (root may write anywhere) on any machine. */
describe('start-up errors: the other causes', () => {
  const listener = { host: 'localhost', port: 80, portSetting: 'PORT' as const };
  const systemError = (code: string) => Object.assign(new Error(code), { code });

  it('a privileged port, an address or a name this machine does not have', () => {
    assert.equal(
      listenError(systemError('EACCES'), listener)?.message,
      'not allowed to listen on port 80 on localhost (ports below 1024 need privileges); set PORT to 1024 or ' +
        'above, e.g. PORT=3000',
    );
    assert.equal(
      listenError(systemError('EADDRNOTAVAIL'), { ...listener, host: '192.0.2.1' })?.message,
      'cannot listen on 192.0.2.1: this machine has no such address; set HOST to one it has (localhost, or ' +
        '0.0.0.0 for every interface)',
    );
    assert.equal(
      listenError(systemError('ENOTFOUND'), { ...listener, host: 'nowhere.invalid' })?.message,
      'cannot listen on nowhere.invalid: the name does not resolve; set HOST to an address of this machine ' +
        '(localhost, or 0.0.0.0 for every interface)',
    );
    assert.equal(listenError(systemError('EMFILE'), listener), undefined);
  });

  it("SQLite's read-only, cannot-open, damaged and full databases", () => {
    const path = '/srv/monban.sqlite3';
    assert.equal(
      databaseError(systemError('SQLITE_READONLY_DIRECTORY'), path)?.message,
      `the SQLite database ${path} is read-only; give this user write access to it and its folder, or ${EXAMPLE}`,
    );
    assert.equal(
      databaseError(systemError('SQLITE_CANTOPEN'), path)?.message,
      `cannot open the SQLite database ${path} (SQLITE_CANTOPEN); check the file and its folder, or ${EXAMPLE}`,
    );
    assert.equal(
      databaseError(systemError('SQLITE_CORRUPT'), path)?.message,
      `the SQLite database ${path} is damaged; restore it from a backup, or set MONBAN_DATABASE_URL to a new path`,
    );
    assert.equal(
      databaseError(systemError('SQLITE_FULL'), path)?.message,
      `the disk that holds the SQLite database ${path} is full; free some space`,
    );
    assert.equal(databaseError(new Error('no code'), path), undefined);
  });

  it('an unreachable PostgreSQL, named without its password', () => {
    const refused = new StorageUnavailable(systemError('connect ECONNREFUSED 127.0.0.1:5999'));
    assert.equal(
      databaseError(refused, 'postgres://monban:secret@127.0.0.1:5999/monban')?.message,
      'cannot reach the PostgreSQL database postgres://monban:***@127.0.0.1:5999/monban (connect ECONNREFUSED ' +
        '127.0.0.1:5999); start it, or set MONBAN_DATABASE_URL to one that answers',
    );
  });
});

/** The checkout: dist/src/cli/main.js is four levels below it. */
const ROOT = resolve(dirname(CLI), '..', '..', '..');

/** Whether `user` can run Node and read the CLI's entry file. */
function readableBy(user: { uid: number; gid: number }, runtime: { node: string; cli: string }): Promise<boolean> {
  const check = `require('fs').accessSync(${JSON.stringify(runtime.cli)}, require('fs').constants.R_OK)`;
  return new Promise((resolve) => execFile(runtime.node, ['-e', check], user, (error) => resolve(error === null)));
}

/**
 * The build, its packages and Node itself in a new folder under the system's temporary folder, which every user may
 * enter: hard links where that folder is on the checkout's file system (the files keep their modes, nothing is
 * copied), else a copy.
 */
async function readableCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'monban-runtime-'));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'bin'), { mode: 0o755 });
  const entries: Array<[string, string]> = [
    ...['dist', 'node_modules', 'package.json'].map((name): [string, string] => [join(ROOT, name), dir]),
    [process.execPath, join(dir, 'bin', 'node')],
  ];
  for (const [source, target] of entries) {
    const linked = await new Promise<boolean>((done) => execFile('cp', ['-al', source, target], (e) => done(e === null)));
    if (!linked) await new Promise<void>((done, fail) => execFile('cp', ['-a', source, target], (e) => (e ? fail(e) : done())));
  }
  return dir;
}
