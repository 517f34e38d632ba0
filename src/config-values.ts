import { isIP } from 'node:net';
import type { Config, RateLimit } from './config.js';

/**
 * How each setting of config.ts is read from its environment variable and checked: a bad value is a ConfigError
 * naming the variable.
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function positiveInteger(env: Env, name: string, fallback: number, max = 2 ** 31 - 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < 1 || value > max) throw new ConfigError(name, `must be between 1 and ${max}, got ${value}`);
  return value;
}

/**
 * A grace period like Okta's and Auth0's, 60 s by default: long enough for the late ones of a client's concurrent
 * refreshes, short enough that a stolen refresh token is soon a replay. At most an hour; `0` for none.
 */
export function refreshReuseGrace(env: Env): number {
  const name = 'MONBAN_REFRESH_REUSE_GRACE';
  const raw = (env[name] ?? '').trim();
  if (raw === '') return 60;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${env[name]}"`);
  const value = Number(raw);
  if (value > 3600) throw new ConfigError(name, `must be between 0 and 3600, got ${value}`);
  return value;
}

/** 120 days, Shikimori's "4 months" (compatibility.md §4.4); at least the reuse grace, whose rows it must keep. */
export function tokenRetention(env: Env, grace: number): number {
  const value = positiveInteger(env, 'MONBAN_TOKEN_RETENTION', 120 * 24 * 3600);
  if (value < grace) {
    const least = `must be at least MONBAN_REFRESH_REUSE_GRACE (${grace}), got ${value}`;
    throw new ConfigError('MONBAN_TOKEN_RETENTION', least);
  }
  return value;
}

/** An hour by default; `0` (or `off`) for none, when `monban cleanup` runs from cron instead. */
export function cleanupInterval(env: Env): number {
  const raw = (env.MONBAN_CLEANUP_INTERVAL ?? '').trim();
  if (raw === '0' || raw === 'off') return 0;
  return positiveInteger(env, 'MONBAN_CLEANUP_INTERVAL', 3600, 7 * 24 * 3600);
}

export function publicUrl(env: Env, port: number): string {
  const raw = env.MONBAN_PUBLIC_URL;
  if (raw === undefined || raw === '') return `http://localhost:${port}`;
  // The value as given, and an example of a good one: `localhost:3000` parses, as a URL of scheme `localhost:`.
  const expected =
    `must be an absolute URL that starts with http:// or https:// (e.g. https://auth.example), got "${raw}"`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('MONBAN_PUBLIC_URL', expected);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('MONBAN_PUBLIC_URL', expected);
  if (url.search || url.hash) throw new ConfigError('MONBAN_PUBLIC_URL', 'must not have a query or a fragment');
  return url.href.replace(/\/+$/, '');
}

export function databaseUrl(env: Env): string {
  const raw = env.MONBAN_DATABASE_URL;
  if (raw === undefined || raw === '') return './data/monban.sqlite3';
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError('MONBAN_DATABASE_URL', 'is not a valid postgres:// URL');
    }
    if (url.hostname === '' && !url.searchParams.has('host')) {
      throw new ConfigError('MONBAN_DATABASE_URL', 'the PostgreSQL URL names no host');
    }
    return raw;
  }
  const path = raw.replace(/^sqlite:(\/\/)?/, '');
  if (path === '') throw new ConfigError('MONBAN_DATABASE_URL', 'the SQLite path is empty');
  return path;
}

const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug'] as const;

export function logLevel(env: Env, fallback: Config['logLevel']): Config['logLevel'] {
  const raw = env.MONBAN_LOG_LEVEL;
  if (raw === undefined || raw === '') return fallback;
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) throw new ConfigError('MONBAN_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return level;
}

export function redisUrl(env: Env): string | undefined {
  const raw = env.MONBAN_REDIS_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('MONBAN_REDIS_URL', 'is not a valid redis:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('MONBAN_REDIS_URL', `must use redis:// or rediss://, got "${url.protocol}"`);
  }
  if (url.hostname === '') throw new ConfigError('MONBAN_REDIS_URL', 'the Redis URL names no host');
  return raw;
}

const WINDOWS_MS: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000 };

/** `5/s,90/min` (Shikimori's limits, compatibility.md §6), or `off`. */
export function rateLimits(env: Env): RateLimit[] {
  const raw = (env.MONBAN_RATE_LIMIT ?? '').trim();
  if (raw === '') return [{ max: 5, windowMs: 1000 }, { max: 90, windowMs: 60_000 }];
  if (raw === 'off') return [];
  return raw.split(',').map((part) => {
    const match = /^(\d+)\/(s|min|h)$/.exec(part.trim());
    const max = Number(match?.[1]);
    if (!match || !Number.isSafeInteger(max) || max < 1) {
      const expected = 'must be "off" or a list like 5/s,90/min (units s, min, h)';
      throw new ConfigError('MONBAN_RATE_LIMIT', `${expected}, got "${raw}"`);
    }
    return { max, windowMs: WINDOWS_MS[match[2] ?? 's'] ?? 1000 };
  });
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `true`, a number of hops, or a comma list of addresses, CIDR ranges and proxy-addr's names (loopback, ...). */
export function trustProxy(env: Env): Config['trustProxy'] {
  const raw = (env.MONBAN_TRUST_PROXY ?? '').trim();
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw.split(',').map((entry) => {
    const value = entry.trim();
    const [address = '', bits, ...rest] = value.split('/');
    const version = isIP(address);
    const prefixOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (version === 6 ? 128 : 32));
    if (!PROXY_NAMES.has(value) && (version === 0 || !prefixOk || rest.length > 0)) {
      throw new ConfigError(
        'MONBAN_TRUST_PROXY',
        `must be true, false, a number of hops or a list of addresses and CIDR ranges, got "${value}"`,
      );
    }
    return value;
  });
}

/** MONBAN_HEADERS_TIMEOUT: 10 s, or the request timeout when that is shorter; never longer than it (Node refuses). */
export function headersTimeout(env: Env, requestTimeout: number): number {
  const value = positiveInteger(env, 'MONBAN_HEADERS_TIMEOUT', Math.min(10, requestTimeout), 3600);
  if (value > requestTimeout) {
    const limit = `must not exceed MONBAN_REQUEST_TIMEOUT (${requestTimeout}), got ${value}`;
    throw new ConfigError('MONBAN_HEADERS_TIMEOUT', limit);
  }
  return value;
}

/**
 * 256 by default: far above what a browser (6 per host) or a NAT of a few hundred users holds open, and above the
 * benchmarks' 50 to 100 connections from one address; `off` or `0` for no limit.
 */
export function maxConnectionsPerAddress(env: Env): number | undefined {
  const raw = (env.MONBAN_MAX_CONNECTIONS_PER_ADDRESS ?? '').trim();
  if (raw === 'off' || raw === '0') return undefined;
  if (raw !== '' && !/^\d+$/.test(raw)) {
    throw new ConfigError('MONBAN_MAX_CONNECTIONS_PER_ADDRESS', `must be a whole number or "off", got "${raw}"`);
  }
  return positiveInteger(env, 'MONBAN_MAX_CONNECTIONS_PER_ADDRESS', 256, 1_000_000);
}

/** 0 (off) by default; at most 2047 MiB, the most SQLite maps as built (SQLITE_MAX_MMAP_SIZE, just under 2 GiB). */
export function sqliteMmapMb(env: Env): number {
  const raw = (env.MONBAN_SQLITE_MMAP_MB ?? '').trim();
  if (raw === '' || raw === '0') return 0;
  return positiveInteger(env, 'MONBAN_SQLITE_MMAP_MB', 0, 2047);
}

/** 10,000 applications by default; `off` (or `0`) for no cache, every lookup reading the database. */
export function clientCacheSize(env: Env): number {
  const raw = (env.MONBAN_CLIENT_CACHE ?? '').trim();
  if (raw === 'off' || raw === '0') return 0;
  if (raw !== '' && !/^\d+$/.test(raw)) {
    throw new ConfigError('MONBAN_CLIENT_CACHE', `must be a whole number or "off", got "${raw}"`);
  }
  return positiveInteger(env, 'MONBAN_CLIENT_CACHE', 10_000, 10_000_000);
}

/**
 * An `smtp://` or `smtps://` URL, as nodemailer's createTransport takes it. A refusal never quotes the URL, whose
 * user information may hold the SMTP password.
 */
export function mailUrl(env: Env): string | undefined {
  const raw = env.MONBAN_MAIL_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('MONBAN_MAIL_URL', 'is not a valid smtp:// or smtps:// URL');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError('MONBAN_MAIL_URL', `must use smtp:// or smtps://, got "${url.protocol}"`);
  }
  if (url.hostname === '') throw new ConfigError('MONBAN_MAIL_URL', 'the SMTP URL names no host');
  return raw;
}

/** `Name <address>` or a bare address, on one line (a line break would let it add headers to the mail). */
export function mailFrom(env: Env, publicUrl: string): string {
  const raw = (env.MONBAN_MAIL_FROM ?? '').trim();
  if (raw === '') return `Monban <no-reply@${new URL(publicUrl).hostname}>`;
  if (/[\r\n]/.test(raw)) throw new ConfigError('MONBAN_MAIL_FROM', 'must be one line');
  if (!/^(?:[^<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(raw)) {
    throw new ConfigError('MONBAN_MAIL_FROM', `must be an address or "Name <address>", got "${raw}"`);
  }
  return raw;
}

export function optionalPort(env: Env, name: string): number | undefined {
  return env[name] === undefined || env[name] === '' ? undefined : positiveInteger(env, name, 0, 65535);
}
