import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { secretHash } from '../../src/core/secrets.js';
import { userAndApp } from '../helpers/http-client.js';
import { freePort, ServerProcess, tempDatabase } from '../helpers/process.js';

const BODY = 'grant_type=client_credentials&client_id=nobody&client_secret=nothing';

/**
 * A POST /oauth/token whose body arrives in two parts: the request is in flight, inside Monban, until `finish()`.
 * Monban logs "request received" (at debug) with the request id once it has the headers.
 */
function slowTokenRequest(port: number, id: string) {
  const req: ClientRequest = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/oauth/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(BODY)),
      'x-request-id': id,
    },
  });
  const response = new Promise<{ status: number; connection?: string; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
  });
  response.catch(() => {});
  req.write(BODY.slice(0, 20));
  return {
    response,
    finish: () => req.end(BODY.slice(20)),
    abandon: () => req.destroy(),
  };
}

/** Whether a new connection to the port is refused now. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

async function eventuallyRefused(port: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await refused(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('SIGTERM: monban serve stops accepting, finishes requests in flight, and exits', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  before(async () => {
    database = await tempDatabase();
  });
  after(() => database.remove());

  it('lets a request in flight finish, refusing new connections meanwhile, then exits 0', async () => {
    const server = await ServerProcess.start({ MONBAN_DATABASE_URL: database.path, MONBAN_LOG_LEVEL: 'debug' });
    const slow = slowTokenRequest(server.port, 'slow-request');
    assert.ok(await server.waitForStdout(/"reqId":"slow-request"[^\n]*"msg":"request received"/), server.stdout);

    const exited = server.stop('SIGTERM');
    assert.ok(await server.waitForStdout(/^Received SIGTERM; finishing requests in flight and stopping\.$/m));
    assert.ok(await eventuallyRefused(server.port), 'new connections are still accepted');

    slow.finish();
    const answer = await slow.response;
    assert.equal(answer.status, 401);
    assert.equal(JSON.parse(answer.body).error, 'invalid_client');
    // Else a keep-alive connection (a load balancer's) would hold the process until the timeout.
    assert.equal(answer.connection, 'close');
    assert.deepEqual(await exited, { code: 0, signal: null });
  });

  it("writes the token uses it noted but had not written yet (core/last-use.ts), then exits 0", async () => {
    const env = { MONBAN_DATABASE_URL: database.path };
    const app = await userAndApp(env, 'lastuse');
    const server = await ServerProcess.start(env);
    const issued = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...app }).toString(),
    });
    const { access_token: token } = (await issued.json()) as { access_token: string };
    // A client_credentials token has no user: whoami answers 404, after noting the use.
    const used = await fetch(`${server.url}/api/users/whoami`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(used.status, 404);
    // At once, well within the second before the use would be written on its own.
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
    const db = new SQLite(database.path, { readonly: true });
    try {
      const row = db.prepare('SELECT last_used_at FROM access_tokens WHERE token_hash = ?').get(secretHash(token)) as
        | { last_used_at: number | null }
        | undefined;
      assert.equal(typeof row?.last_used_at, 'number');
    } finally {
      db.close();
    }
  });

  it('exits 1 when a request is still in flight after MONBAN_SHUTDOWN_TIMEOUT', async () => {
    const server = await ServerProcess.start({
      MONBAN_DATABASE_URL: database.path,
      MONBAN_LOG_LEVEL: 'debug',
      MONBAN_SHUTDOWN_TIMEOUT: '1',
    });
    const stuck = slowTokenRequest(server.port, 'stuck-request');
    try {
      assert.ok(await server.waitForStdout(/"reqId":"stuck-request"[^\n]*"msg":"request received"/), server.stdout);
      assert.deepEqual(await server.stop('SIGTERM'), { code: 1, signal: null });
      assert.match(server.stderr, /^monban: requests still in flight after 1 s; exiting anyway$/m);
    } finally {
      stuck.abandon();
    }
  });

  it('with MONBAN_METRICS_PORT: /metrics on that port only, and both listeners close on SIGTERM', async () => {
    const metricsPort = await freePort();
    const server = await ServerProcess.start({ MONBAN_DATABASE_URL: database.path, MONBAN_METRICS_PORT: String(metricsPort) });
    try {
      const line = new RegExp(`^Prometheus metrics on http://127\\.0\\.0\\.1:${metricsPort}/metrics$`, 'm');
      assert.ok(await server.waitForStdout(line), server.stdout);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^monban_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m);
    } finally {
      assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
    }
    assert.equal(await refused(metricsPort), true);
  });
});
