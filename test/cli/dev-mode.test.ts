import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { devEnvironment } from '../../src/cli/dev-mode.js';
import { prettyLine } from '../../src/ops/pretty-log.js';
import { ServerProcess, tempDatabase } from '../helpers/process.js';

/** Issue 13: `npm run dev` (`monban serve --dev`) for a local trial; `npm start` stays production-like. */

/** Sends `count` requests at once and returns their statuses. */
async function burst(url: string, count: number): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: count }, () => fetch(`${url}/api/users/whoami`)));
  return responses.map((r) => r.status);
}

describe('monban serve --dev', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let server: ServerProcess | undefined;
  beforeEach(async () => {
    database = await tempDatabase();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await database.remove();
  });

  // MONBAN_RATE_LIMIT is empty, as on a newcomer's machine: the helper turns limits off otherwise.
  const settings = () => ({ MONBAN_DATABASE_URL: database.path, MONBAN_RATE_LIMIT: '', MONBAN_LOG_LEVEL: 'info' });

  it('turns rate limits off, writes log lines for reading, and prints the next steps and the guide', async () => {
    server = await ServerProcess.start(settings(), ['--dev']);
    // whoami without a token answers 200 `null`, as Shikimori's (compatibility.md §5); never 429 here.
    assert.deepEqual(await burst(server.url, 12), Array<number>(12).fill(200));
    assert.ok(await server.waitForStdout(/ 200 GET \/api\/users\/whoami /), server.stdout);

    const lines = server.stdout.split('\n');
    const listening = lines.indexOf(`Monban is listening on ${server.url} (database: ${database.path})`);
    assert.ok(listening >= 0, server.stdout);
    assert.equal(
      lines[listening + 1],
      "Development mode: rate limits off, log lines for reading (`npm start` keeps Shikimori's limits and JSON logs).",
    );
    assert.ok(lines.includes('Next steps:'), server.stdout);
    const guide = `The guide at ${server.url}/oauth walks through each step with your application's own values.`;
    assert.ok(lines.includes(guide), server.stdout);
    assert.deepEqual(
      lines.filter((line) => line.startsWith('{')),
      [],
      'no JSON log line',
    );
    const request = lines.find((line) => line.includes(' GET /api/users/whoami '));
    const readable = /^\d\d:\d\d:\d\d\.\d{3} INFO  200 GET \/api\/users\/whoami \d+(\.\d)? ms 127\.0\.0\.1$/;
    assert.match(request ?? '', readable);
  });

  it('keeps a MONBAN_RATE_LIMIT that is set', async () => {
    server = await ServerProcess.start({ ...settings(), MONBAN_RATE_LIMIT: '5/s' }, ['--dev']);
    const statuses = await burst(server.url, 8);
    assert.ok(statuses.includes(429), statuses.join(' '));
    assert.ok(server.stdout.includes('Development mode: rate limits from MONBAN_RATE_LIMIT,'), server.stdout);
  });

  it('without --dev (npm start): Shikimori\'s 5 requests a second, and JSON log lines', async () => {
    server = await ServerProcess.start(settings());
    const statuses = await burst(server.url, 8);
    assert.equal(statuses.filter((s) => s === 429).length, 3, statuses.join(' '));
    assert.ok(await server.waitForStdout(/"url":"\/api\/users\/whoami"/), server.stdout);
    assert.ok(!server.stdout.includes('Development mode'), server.stdout);
  });
});

describe('devEnvironment', () => {
  it('sets MONBAN_RATE_LIMIT to off only when it is unset or empty', () => {
    assert.deepEqual(devEnvironment({ PORT: '3000' }), { PORT: '3000', MONBAN_RATE_LIMIT: 'off' });
    assert.deepEqual(devEnvironment({ MONBAN_RATE_LIMIT: '' }), { MONBAN_RATE_LIMIT: 'off' });
    assert.deepEqual(devEnvironment({ MONBAN_RATE_LIMIT: '90/min' }), { MONBAN_RATE_LIMIT: '90/min' });
  });
});

describe('prettyLine', () => {
  const time = Date.UTC(2026, 11, 7, 14, 2, 7, 415);

  it('a request line: status, method, URL, duration and address first, then the other fields', () => {
    const line = JSON.stringify({
      level: 30,
      time,
      pid: 1,
      hostname: 'h',
      reqId: 'r1',
      method: 'GET',
      url: '/oauth/authorize?client_id=abc&code=[REDACTED]',
      status: 302,
      durationMs: 3.1,
      ip: '127.0.0.1',
      msg: 'request completed',
    });
    assert.equal(
      prettyLine(line),
      '14:02:07.415 INFO  302 GET /oauth/authorize?client_id=abc&code=[REDACTED] 3.1 ms 127.0.0.1\n',
    );
  });

  it('a message with fields and an error with its stack below', () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' };
    const line = JSON.stringify({ level: 50, time, msg: 'unexpected error', where: 'the cleanup', count: 2, err });
    assert.equal(
      prettyLine(line),
      '14:02:07.415 ERROR unexpected error where="the cleanup" count=2\n    Error: boom\n        at f (x.js:1:1)\n',
    );
  });

  it('a line that is not JSON goes through as it is', () => {
    assert.equal(prettyLine('plain text'), 'plain text\n');
  });
});
