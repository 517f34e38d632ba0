/**
 * examples/cli: the device grant from a terminal, against `monban serve` in a child process. The test reads the
 * code and the link the program prints, approves the code on the verification page as the user would
 * (RFC 8628 §3.3), and sees the program print the user's nickname and exit 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { main } from '../../examples/cli/main.js';
import { cliJson, HttpBrowser, ServerProcess, tempDatabase } from '../helpers/process.js';
import { approveDevice } from './support.js';

const PROGRAM = fileURLToPath(new URL('../../examples/cli/main.js', import.meta.url));
const PASSWORD = 'correct horse battery';

describe('examples/cli signs in with the device grant', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let server: ServerProcess;
  let clientId: string;

  before(async () => {
    database = await tempDatabase();
    const env = { MONBAN_DATABASE_URL: database.path };
    server = await ServerProcess.start(env);
    await cliJson(['users', 'create', '--nickname', 'alice', '--password', PASSWORD], env);
    const app = await cliJson<{ client_id: string }>(
      [
        'apps',
        'create',
        '--owner',
        'alice',
        '--name',
        'Example CLI',
        '--redirect-uri',
        'urn:ietf:wg:oauth:2.0:oob',
        '--public',
      ],
      env,
    );
    clientId = app.client_id;
  });
  after(async () => {
    await server.stop();
    await database.remove();
  });

  it('prints the code and the link, the user approves, then it prints the nickname', async () => {
    const child = spawn(process.execPath, [PROGRAM, '--base-url', server.url, '--client-id', clientId], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const prompt = await new Promise<string>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          if (stdout.includes('Waiting')) resolve(stdout);
        });
        void exited.then(() => reject(new Error(`exited early:\n${stdout}\n${stderr}`)));
      });
      const match = /^To sign in, open (\S+) and enter the code ([A-Z0-9]{4}-[A-Z0-9]{4})\n\(or open (\S+)\)\n/.exec(
        prompt,
      );
      assert.ok(match, prompt);
      assert.equal(match[1], `${server.url}/oauth/device`);
      assert.equal(match[3], `${server.url}/oauth/device?user_code=${match[2]}`);

      const browser = new HttpBrowser(server.url);
      await browser.signIn('alice', PASSWORD);
      await approveDevice(browser, match[3] ?? '');

      assert.equal(await exited, 0, stderr);
      assert.match(stdout, /\nSigned in as alice\n$/);
      assert.equal(stderr, '');
    } finally {
      clearTimeout(timer);
      child.kill();
    }
  });

  it('without --base-url or --client-id: the usage, exit 2', async () => {
    const err: string[] = [];
    assert.equal(await main(['--client-id', 'x'], { out: () => assert.fail('no output'), err: (l) => err.push(l) }), 2);
    assert.match(err[0] ?? '', /^usage: main\.js --base-url URL --client-id ID/);
  });
});
