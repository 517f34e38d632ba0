import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TestMonban } from '../helpers/monban.js';
import { LogCapture } from './support.js';

/** Every connection a test opened, so that none keeps a server from closing when a test fails. */
const opened = new Set<Socket>();

function destroyAll(): void {
  for (const socket of opened) socket.destroy();
  opened.clear();
}

/** A raw connection to 127.0.0.1: what it received, and a promise of all of it once the server closes it. */
class RawClient {
  readonly socket: Socket;
  received = '';
  readonly closed: Promise<string>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    opened.add(this.socket);
    this.socket.setEncoding('utf8').on('data', (chunk: string) => (this.received += chunk));
    // A connection the server refuses may end in a reset: what matters is that it ends.
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve(this.received)));
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Sends one keep-alive GET and waits for the whole answer (Content-Length bytes of body); '' if closed. */
  async get(path: string): Promise<string> {
    const start = this.received.length;
    this.send(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const complete = () => {
      const text = this.received.slice(start);
      const length = /\r\ncontent-length: (\d+)\r\n/i.exec(text)?.[1];
      const end = text.indexOf('\r\n\r\n');
      return length !== undefined && end >= 0 && text.length >= end + 4 + Number(length);
    };
    await new Promise<void>((resolve) => {
      const check = () => {
        if (complete() || this.socket.destroyed) {
          this.socket.off('data', check);
          this.socket.off('close', check);
          resolve();
        }
      };
      this.socket.on('data', check).on('close', check);
      check();
    });
    return this.received.slice(start);
  }

  get open(): boolean {
    return !this.socket.destroyed && this.socket.readyState === 'open';
  }

  close(): void {
    this.socket.destroy();
  }
}

const statusOf = (answer: string) => /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listening(env: Record<string, string>, log?: LogCapture): Promise<{ t: TestMonban; port: number }> {
  const t = await TestMonban.start(env, log ? { logDestination: log } : {});
  await t.server.listen({ port: 0, host: '127.0.0.1' });
  return { t, port: (t.server.server.address() as AddressInfo).port };
}

// Concurrent: each test waits for a deadline; a bound on each, so that a server without the deadlines fails them.
const waiting = { concurrency: true, timeout: 20_000 };

describe('issue 9: a request timeout and a headers timeout; slow senders get 408 and are closed', waiting, () => {
  const log = new LogCapture();
  const SECRET = 'trickled-client-secret-Q7v2';
  let t: TestMonban;
  let port: number;
  before(async () => {
    ({ t, port } = await listening(
      { MONBAN_REQUEST_TIMEOUT: '2', MONBAN_HEADERS_TIMEOUT: '1', MONBAN_LOG_LEVEL: 'debug' },
      log,
    ));
  });
  after(() => {
    destroyAll();
    return t.close();
  });

  it('answers 408 and closes the socket of a client that sends its headers, then a byte at a time', async () => {
    const client = new RawClient(port);
    const body = `grant_type=client_credentials&client_id=app&client_secret=${SECRET}`;
    client.send(
      'POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    let sent = 0;
    const trickle = setInterval(() => {
      if (client.open && sent < body.length) client.send(body[sent++] ?? '');
    }, 300);
    try {
      const answer = await client.closed;
      assert.equal(statusOf(answer), '408', answer);
      assert.ok(sent < body.length, 'the whole body went through');
    } finally {
      clearInterval(trickle);
    }
    // Whatever was logged about it holds none of the body.
    assert.deepEqual(log.lines.filter((line) => line.includes(SECRET)), []);
  });

  it('closes a connection that sends part of a request line and then nothing', async () => {
    const client = new RawClient(port);
    client.send('GET /oauth/author');
    const answer = await client.closed;
    assert.equal(statusOf(answer), '408', answer);
  });

  it('closes a connection that sends nothing at all', async () => {
    const client = new RawClient(port);
    const answer = await client.closed;
    assert.equal(statusOf(answer), '408', answer);
  });

  it('answers a request sent at once', async () => {
    const client = new RawClient(port);
    try {
      const answer = await client.get('/healthz');
      assert.equal(statusOf(answer), '200', answer);
      assert.ok(answer.endsWith('{"status":"ok"}'), answer);
    } finally {
      client.close();
    }
  });

  it('leaves an idle keep-alive connection to the keep-alive timeout, not to the request timeouts', async () => {
    const client = new RawClient(port);
    try {
      assert.equal(statusOf(await client.get('/healthz')), '200');
      // Past both timeouts and a check of them (every second): an idle connection is not a slow request.
      await sleep(3500);
      assert.ok(client.open, 'the idle keep-alive connection was closed');
      assert.equal(statusOf(await client.get('/healthz')), '200');
    } finally {
      client.close();
    }
  });
});

describe('issue 9: at most MONBAN_MAX_CONNECTIONS_PER_ADDRESS connections from one address', { timeout: 20e3 }, () => {
  it('closes connections past the limit at once, unanswered, while those within it are served', async () => {
    const { t, port } = await listening({ MONBAN_MAX_CONNECTIONS_PER_ADDRESS: '3' });
    const clients: RawClient[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const client = new RawClient(port);
        clients.push(client);
        assert.equal(statusOf(await client.get('/healthz')), '200', `connection ${i + 1}`);
      }
      const extra = new RawClient(port);
      extra.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      // Closed with no answer at all (not a 408 after the headers timeout).
      assert.equal(await extra.closed, '');
      for (const client of clients) assert.equal(statusOf(await client.get('/healthz')), '200');

      // Once one closes, its place is free again.
      clients[0]?.close();
      await clients[0]?.closed;
      await sleep(100);
      const next = new RawClient(port);
      clients.push(next);
      assert.equal(statusOf(await next.get('/healthz')), '200');
    } finally {
      destroyAll();
      await t.close();
    }
  });

  it('does not count peers that MONBAN_TRUST_PROXY trusts: a proxy carries many clients', async () => {
    const { t, port } = await listening({ MONBAN_MAX_CONNECTIONS_PER_ADDRESS: '2', MONBAN_TRUST_PROXY: 'loopback' });
    const clients = Array.from({ length: 4 }, () => new RawClient(port));
    try {
      for (const client of clients) assert.equal(statusOf(await client.get('/healthz')), '200');
    } finally {
      destroyAll();
      await t.close();
    }
  });

  it("by default, serves the benchmarks' 100 connections from one address", async () => {
    const { t, port } = await listening({});
    const clients = Array.from({ length: 100 }, () => new RawClient(port));
    try {
      const answers = await Promise.all(clients.map((client) => client.get('/healthz')));
      assert.deepEqual(new Set(answers.map(statusOf)), new Set(['200']));
    } finally {
      destroyAll();
      await t.close();
    }
  });

  it('with "off", has no limit', async () => {
    const { t, port } = await listening({ MONBAN_MAX_CONNECTIONS_PER_ADDRESS: 'off' });
    const clients = Array.from({ length: 300 }, () => new RawClient(port));
    try {
      const answers = await Promise.all(clients.map((client) => client.get('/healthz')));
      assert.deepEqual(new Set(answers.map(statusOf)), new Set(['200']));
    } finally {
      destroyAll();
      await t.close();
    }
  });
});
