/**
 * A lean HTTP/1.1 load generator (the `raw` engine of bench/driver.ts): keep-alive connections over plain sockets,
 * each sending its next request as soon as the previous answer is complete (no pipelining, as autocannon is run),
 * requests written as strings, answers read by their status line and Content-Length (or chunked encoding) without
 * building header objects. Each connection has a handler of its own, which says what to send next and reads each
 * answer (a scenario of several requests keeps its state there). It costs the driver a fraction of what
 * autocannon does per request, so that one driver process on one core can outrun the fastest target (the limit):
 * see docs/benchmarks.md, "the load driver".
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What one connection sends and how it reads the answers. */
export interface RawHandler {
  /** The next request's bytes (method line, headers and body), or undefined to stop the load. */
  next(): string | undefined;
  /** Every answer read: status, latency in ms, the head (status line and headers, as sent) and the body. */
  answered(status: number, ms: number, head: string, body: Buffer): void;
}

export interface RawLoad {
  host: string;
  port: number;
  connections: number;
  /** A handler for each connection opened (a replaced connection gets a new one). */
  handler(): RawHandler;
  /** Stop after this long (ms) or after this many answers, whichever the caller gives. */
  durationMs?: number;
  amount?: number;
  /** An answer not complete after this long fails the request: the connection is closed and opened again. */
  timeoutMs: number;
}

export interface RawOutcome {
  errors: number;
  timeouts: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** The answer being read on one connection. */
class Reader {
  private buffer: Buffer | null = null;
  /** Where the body starts, once the head has been read; -1 before. */
  private bodyStart = -1;
  private status = 0;
  private length = -1;
  private chunked = false;
  close = false;

  /**
   * Takes bytes; returns the answer's status and body range when complete (the bytes after it are kept for the
   * next answer, though none should come without pipelining).
   */
  private head = '';

  feed(chunk: Buffer): { status: number; head: string; body: Buffer } | undefined {
    this.buffer = this.buffer === null ? chunk : Buffer.concat([this.buffer, chunk]);
    const buf = this.buffer;
    if (this.bodyStart < 0) {
      const end = buf.indexOf(CRLFCRLF);
      if (end < 0) return undefined;
      const head = buf.toString('latin1', 0, end);
      // "HTTP/1.1 200 OK"
      this.status = Number(head.slice(9, 12));
      const lower = head.toLowerCase();
      const at = lower.indexOf('\r\ncontent-length:');
      this.length = at < 0 ? -1 : Number.parseInt(lower.slice(at + 17, lower.indexOf('\r\n', at + 17) >>> 0), 10);
      this.chunked = this.length < 0 && lower.includes('\r\ntransfer-encoding: chunked');
      this.close = lower.includes('\r\nconnection: close');
      this.bodyStart = end + 4;
      this.head = head;
    }
    let bodyEnd: number;
    let next: number;
    if (this.chunked) {
      // The last chunk: "0\r\n\r\n" (no trailers are sent by the targets).
      const last = buf.indexOf('\r\n0\r\n\r\n', this.bodyStart - 2);
      if (last < 0) return undefined;
      bodyEnd = last + 2;
      next = last + 7;
    } else {
      const length = Math.max(0, this.length);
      if (buf.length - this.bodyStart < length) return undefined;
      bodyEnd = this.bodyStart + length;
      next = bodyEnd;
    }
    const body = this.chunked ? dechunk(buf.subarray(this.bodyStart, bodyEnd)) : buf.subarray(this.bodyStart, bodyEnd);

    const status = this.status;
    this.buffer = next < buf.length ? buf.subarray(next) : null;
    this.bodyStart = -1;
    return { status, head: this.head, body };
  }
}

/** A chunked body's data (only read for answers that are not the expected ones). */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const eol = raw.indexOf(CRLF, at);
    if (eol < 0) break;
    const size = Number.parseInt(raw.toString('latin1', at, eol), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** One connection: its socket, and whether (and since when) it waits for an answer. */
interface Connection {
  socket: Socket;
  sentAt: number;
  waiting: boolean;
}

/** Runs the load; resolves when the time is up (or the amount answered) and every connection is closed. */
export function rawLoad(load: RawLoad): Promise<RawOutcome> {
  const outcome: RawOutcome = { errors: 0, timeouts: 0 };
  let answered = 0;
  let stopping = false;
  const connections = new Set<Connection>();

  return new Promise((resolve) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      for (const c of connections) c.socket.destroy();
    };

    const start = () => {
      const reader = new Reader();
      const socket = connect({ host: load.host, port: load.port, noDelay: true });
      const c: Connection = { socket, sentAt: 0, waiting: false };
      const handler = load.handler();
      connections.add(c);
      const send = () => {
        if (stopping) return socket.destroy();
        const request = handler.next();
        if (request === undefined) return stop();
        c.sentAt = performance.now();
        c.waiting = true;
        socket.write(request, 'latin1');
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        const answer = reader.feed(chunk);
        if (!answer) return;
        c.waiting = false;
        const ms = performance.now() - c.sentAt;
        handler.answered(answer.status, ms, answer.head, answer.body);
        answered++;
        if (load.amount !== undefined && answered >= load.amount) return stop();
        if (reader.close) return socket.destroy();
        send();
      });
      socket.on('error', () => {
        if (!stopping) outcome.errors++;
      });
      socket.on('close', () => {
        connections.delete(c);
        // A connection the server closed (or a timed-out one) is replaced, as autocannon does.
        if (!stopping) start();
        else if (connections.size === 0) {
          clearInterval(watchdog);
          clearTimeout(timer);
          resolve(outcome);
        }
      });
    };

    const watchdog = setInterval(() => {
      const now = performance.now();
      for (const c of connections) {
        if (c.waiting && now - c.sentAt > load.timeoutMs) {
          outcome.timeouts++;
          c.socket.destroy();
        }
      }
    }, 250);
    const timer = load.durationMs === undefined ? undefined : setTimeout(stop, load.durationMs);
    for (let i = 0; i < load.connections; i++) start();
  });
}
