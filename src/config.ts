import {
  ConfigError,
  cleanupInterval,
  clientCacheSize,
  databaseUrl,
  headersTimeout,
  logLevel,
  mailFrom,
  mailUrl,
  maxConnectionsPerAddress,
  optionalPort,
  positiveInteger,
  publicUrl,
  rateLimits,
  redisUrl,
  refreshReuseGrace,
  sqliteMmapMb,
  tokenRetention,
  trustProxy,
  type Env,
} from './config-values.js';

export { ConfigError };

/**
 * Settings, read once from environment variables. Every variable is documented in the README; a bad value
 * stops start-up with one line naming the variable (ConfigError).
 */
export interface Config {
  port: number;
  host: string;
  /** A `postgres://` (or `postgresql://`) URL, else a SQLite file path (default ./data/monban.sqlite3) or ":memory:". */
  databaseUrl: string;
  /** The base URL used in pages, redirects and whoami's profile URLs, without a trailing slash. */
  publicUrl: string;
  accessTokenTtl: number;
  codeTtl: number;
  /** MONBAN_DEVICE_CODE_TTL: seconds a device code (and its user code) lives (RFC 8628 §3.2). */
  deviceCodeTtl: number;
  /**
   * MONBAN_REFRESH_REUSE_GRACE: seconds after its successor's first use during which a rotated-out refresh token
   * still gets that successor; 0 = none (compatibility.md §4.4).
   */
  refreshReuseGrace: number;
  /** MONBAN_AUDIT_RETENTION: seconds an audit event is kept (docs/audit.md); default 90 days. */
  auditRetention: number;
  /**
   * MONBAN_TOKEN_RETENTION: seconds a token row is kept after its access token expired or it was revoked; its
   * refresh token works that long (Shikimori: 4 months, compatibility.md §4.4). Never less than the reuse grace.
   */
  tokenRetention: number;
  /** MONBAN_CLEANUP_INTERVAL: seconds between the server's cleanup runs (core/cleanup.ts); 0 = the server runs none. */
  cleanupInterval: number;
  /** MONBAN_CLEANUP_BATCH_SIZE: rows deleted per statement by a cleanup run. */
  cleanupBatchSize: number;
  /** Whether logs are written (the CLI turns them on for `serve`). */
  logLevel: 'silent' | 'fatal' | 'error' | 'warn' | 'info' | 'debug';
  /** MONBAN_REDIS_URL: shared counters for rate limits and sign-in throttling; unset = each process counts alone. */
  redisUrl: string | undefined;
  /** MONBAN_REDIS_PREFIX: the start of every Redis key, so that several deployments can share one Redis. */
  redisPrefix: string;
  /** MONBAN_RATE_LIMIT: requests per client address, each window checked in turn; empty = off. */
  rateLimits: RateLimit[];
  /** MONBAN_TRUST_PROXY: Fastify's trustProxy, which decides whether X-Forwarded-For names the client. */
  trustProxy: boolean | number | string[];
  /** MONBAN_METRICS_PORT: serve /metrics on this port only; unset = on the main port. */
  metricsPort: number | undefined;
  /** MONBAN_SHUTDOWN_TIMEOUT: seconds that SIGTERM waits for requests in flight before exiting with status 1. */
  shutdownTimeout: number;
  /** MONBAN_REQUEST_TIMEOUT: seconds a client has to send a whole request, headers and body; past it, 408. */
  requestTimeout: number;
  /** MONBAN_HEADERS_TIMEOUT: seconds a client has to send a request's headers; at most the request timeout. */
  headersTimeout: number;
  /** MONBAN_MAX_CONNECTIONS_PER_ADDRESS: open connections allowed from one peer address; undefined = no limit. */
  maxConnectionsPerAddress: number | undefined;
  /** MONBAN_CLIENT_CACHE: applications each server process keeps in memory (storage/application-cache.ts); 0 = none. */
  clientCacheSize: number;
  /**
   * MONBAN_SQLITE_MMAP_MB: MiB of the SQLite file read through memory-mapped I/O (SQLite's `mmap_size`) instead of a
   * system call per page; 0 (the default) = none. For large stores: docs/benchmarks.md, "Scale".
   */
  sqliteMmapMb: number;
  /**
   * MONBAN_MAIL_URL: the SMTP server that sends password reset links (nodemailer's `smtp://` or `smtps://` URL,
   * accounts/password-resets.ts); unset = this server sends no mail. Never logged: it may hold a password.
   */
  mailUrl: string | undefined;
  /** MONBAN_MAIL_FROM: the From of that mail; default `Monban <no-reply@HOST>`, HOST the public URL's host name. */
  mailFrom: string;
}

/** At most `max` requests from one client address within `windowMs` (one entry of MONBAN_RATE_LIMIT). */
export interface RateLimit {
  max: number;
  windowMs: number;
}

export function loadConfig(env: Env = process.env, defaults: Partial<Config> = {}): Config {
  const port = positiveInteger(env, 'PORT', defaults.port ?? 3000, 65535);
  const metricsPort = optionalPort(env, 'MONBAN_METRICS_PORT');
  if (metricsPort === port) throw new ConfigError('MONBAN_METRICS_PORT', `must differ from PORT (${port})`);
  const host = env.HOST === undefined || env.HOST === '' ? (defaults.host ?? 'localhost') : env.HOST;
  const requestTimeout = positiveInteger(env, 'MONBAN_REQUEST_TIMEOUT', 30, 3600);
  const base = publicUrl(env, port);
  const grace = refreshReuseGrace(env);
  return {
    port,
    host,
    databaseUrl: databaseUrl(env),
    publicUrl: base,
    accessTokenTtl: positiveInteger(env, 'MONBAN_ACCESS_TOKEN_TTL', 86400),
    codeTtl: positiveInteger(env, 'MONBAN_CODE_TTL', 1800),
    refreshReuseGrace: grace,
    auditRetention: positiveInteger(env, 'MONBAN_AUDIT_RETENTION', 90 * 24 * 3600),
    tokenRetention: tokenRetention(env, grace),
    cleanupInterval: cleanupInterval(env),
    cleanupBatchSize: positiveInteger(env, 'MONBAN_CLEANUP_BATCH_SIZE', 1000, 10_000),
    // At most an hour: a user code is short (RFC 8628 §5.1), so it must not stay guessable for long.
    deviceCodeTtl: positiveInteger(env, 'MONBAN_DEVICE_CODE_TTL', 600, 3600),
    logLevel: logLevel(env, defaults.logLevel ?? 'info'),
    redisUrl: redisUrl(env),
    redisPrefix: env.MONBAN_REDIS_PREFIX || 'monban:',
    rateLimits: rateLimits(env),
    trustProxy: trustProxy(env),
    metricsPort,
    shutdownTimeout: positiveInteger(env, 'MONBAN_SHUTDOWN_TIMEOUT', 10, 3600),
    requestTimeout,
    headersTimeout: headersTimeout(env, requestTimeout),
    maxConnectionsPerAddress: maxConnectionsPerAddress(env),
    clientCacheSize: clientCacheSize(env),
    sqliteMmapMb: sqliteMmapMb(env),
    mailUrl: mailUrl(env),
    mailFrom: mailFrom(env, base),
  };
}
