import type { LogDestination } from './logging.js';

/** pino's level numbers. */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Fields every line has, or that the request part of a line already shows. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId']);
/** The fields of a request line (logging.ts), shown first and without their names. */
const REQUEST = new Set(['method', 'url', 'status', 'durationMs', 'ip']);

function clock(time: unknown): string {
  const date = new Date(typeof time === 'number' ? time : Date.now());
  return date.toISOString().slice(11, 23);
}

function value(v: unknown): string {
  return typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v);
}

/**
 * One of pino's JSON lines (already redacted: logging.ts) as a person at a terminal reads it:
 * `14:02:07.415 INFO  302 GET /oauth/authorize?… 3.1 ms 127.0.0.1`, other fields as key=value, and an error's
 * stack on the lines below. A line that is not JSON is passed through.
 */
export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = LEVELS[Number(entry.level)] ?? String(entry.level);
  const parts = [clock(entry.time), level.padEnd(5)];
  const request = typeof entry.method === 'string' && typeof entry.url === 'string';
  if (request) {
    if (entry.status !== undefined) parts.push(String(entry.status));
    parts.push(String(entry.method), String(entry.url));
    if (typeof entry.durationMs === 'number') parts.push(`${entry.durationMs} ms`);
    if (typeof entry.ip === 'string') parts.push(entry.ip);
    // "request completed" says nothing the status does not.
    if (entry.msg !== 'request completed' && typeof entry.msg === 'string') parts.push(`(${entry.msg})`);
  } else if (typeof entry.msg === 'string') {
    parts.push(entry.msg);
  }
  let stack = '';
  for (const [key, v] of Object.entries(entry)) {
    if (SHOWN.has(key) || (request && REQUEST.has(key)) || v === undefined) continue;
    const err = v as { stack?: unknown; message?: unknown } | null;
    if (key === 'err' && typeof err?.stack === 'string') stack = `\n    ${err.stack.split('\n').join('\n    ')}`;
    else parts.push(`${key}=${value(v)}`);
  }
  return `${parts.join(' ')}${stack}\n`;
}

/** A log destination that writes readable lines (`monban serve --dev`) instead of JSON. */
export function prettyLog(write: (text: string) => void): LogDestination {
  return { write: (line) => write(prettyLine(line)) };
}
