/**
 * Settings, read once from environment variables. Every variable is documented in the README; a bad value
 * stops start-up with one line naming the variable (ConfigError).
 */
export interface Config {
  port: number;
  host: string;
  /** A SQLite file path (default ./data/monban.sqlite3) or ":memory:". */
  databaseUrl: string;
  /** The base URL used in pages, redirects and whoami's profile URLs, without a trailing slash. */
  publicUrl: string;
  accessTokenTtl: number;
  codeTtl: number;
  /** Whether logs are written (the CLI turns them on for `serve`). */
  logLevel: 'silent' | 'fatal' | 'error' | 'warn' | 'info' | 'debug';
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function positiveInteger(env: Env, name: string, fallback: number, max = 2 ** 31 - 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < 1 || value > max) throw new ConfigError(name, `must be between 1 and ${max}, got ${value}`);
  return value;
}

function publicUrl(env: Env, port: number): string {
  const raw = env.MONBAN_PUBLIC_URL;
  if (raw === undefined || raw === '') return `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('MONBAN_PUBLIC_URL', `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('MONBAN_PUBLIC_URL', `must use http or https, got "${url.protocol}"`);
  }
  if (url.search || url.hash) throw new ConfigError('MONBAN_PUBLIC_URL', 'must not have a query or a fragment');
  return url.href.replace(/\/+$/, '');
}

function databaseUrl(env: Env): string {
  const raw = env.MONBAN_DATABASE_URL;
  if (raw === undefined || raw === '') return './data/monban.sqlite3';
  if (/^postgres(ql)?:\/\//.test(raw)) {
    throw new ConfigError('MONBAN_DATABASE_URL', 'PostgreSQL is not supported yet; give a SQLite file path');
  }
  const path = raw.replace(/^sqlite:(\/\/)?/, '');
  if (path === '') throw new ConfigError('MONBAN_DATABASE_URL', 'the SQLite path is empty');
  return path;
}

const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug'] as const;

function logLevel(env: Env, fallback: Config['logLevel']): Config['logLevel'] {
  const raw = env.MONBAN_LOG_LEVEL;
  if (raw === undefined || raw === '') return fallback;
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) throw new ConfigError('MONBAN_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return level;
}

export function loadConfig(env: Env = process.env, defaults: Partial<Config> = {}): Config {
  const port = positiveInteger(env, 'PORT', defaults.port ?? 3000, 65535);
  const host = env.HOST === undefined || env.HOST === '' ? (defaults.host ?? 'localhost') : env.HOST;
  return {
    port,
    host,
    databaseUrl: databaseUrl(env),
    publicUrl: publicUrl(env, port),
    accessTokenTtl: positiveInteger(env, 'MONBAN_ACCESS_TOKEN_TTL', 86400),
    codeTtl: positiveInteger(env, 'MONBAN_CODE_TTL', 1800),
    logLevel: logLevel(env, defaults.logLevel ?? 'info'),
  };
}
