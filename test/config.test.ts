import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

/** The issue: "A bad value stops start-up with a one-line message naming the variable." */
function assertRefused(env: Record<string, string>, variable: string, message: string): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.variable, variable);
      assert.equal(err.message, `${variable}: ${message}`);
      assert.ok(!err.message.includes('\n'));
      return true;
    },
  );
}

describe('loadConfig', () => {
  it('has the documented defaults (compatibility.md §1: a code lives 30 minutes, an access token a day)', () => {
    assert.deepEqual(loadConfig({}), {
      port: 3000,
      host: 'localhost',
      databaseUrl: './data/monban.sqlite3',
      publicUrl: 'http://localhost:3000',
      accessTokenTtl: 86400,
      codeTtl: 1800,
      deviceCodeTtl: 600,
      refreshReuseGrace: 60,
      auditRetention: 7_776_000,
      tokenRetention: 10_368_000,
      cleanupInterval: 3600,
      cleanupBatchSize: 1000,
      logLevel: 'info',
      redisUrl: undefined,
      redisPrefix: 'monban:',
      rateLimits: [
        { max: 5, windowMs: 1000 },
        { max: 90, windowMs: 60_000 },
      ],
      trustProxy: false,
      metricsPort: undefined,
      shutdownTimeout: 10,
      requestTimeout: 30,
      headersTimeout: 10,
      maxConnectionsPerAddress: 256,
      clientCacheSize: 10_000,
      sqliteMmapMb: 0,
      mailUrl: undefined,
      mailFrom: 'Monban <no-reply@localhost>',
    });
  });

  it('treats an empty variable as unset', () => {
    const empty = {
      PORT: '',
      HOST: '',
      MONBAN_DATABASE_URL: '',
      MONBAN_PUBLIC_URL: '',
      MONBAN_ACCESS_TOKEN_TTL: '',
      MONBAN_CODE_TTL: '',
      MONBAN_DEVICE_CODE_TTL: '',
      MONBAN_REFRESH_REUSE_GRACE: '',
      MONBAN_LOG_LEVEL: '',
      MONBAN_REQUEST_TIMEOUT: '',
      MONBAN_HEADERS_TIMEOUT: '',
      MONBAN_MAX_CONNECTIONS_PER_ADDRESS: '',
      MONBAN_AUDIT_RETENTION: '',
      MONBAN_TOKEN_RETENTION: '',
      MONBAN_CLEANUP_INTERVAL: '',
      MONBAN_CLEANUP_BATCH_SIZE: '',
      MONBAN_CLIENT_CACHE: '',
      MONBAN_SQLITE_MMAP_MB: '',
      MONBAN_MAIL_URL: '',
      MONBAN_MAIL_FROM: '',
    };
    assert.deepEqual(loadConfig(empty), loadConfig({}));
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      MONBAN_DATABASE_URL: '/var/lib/monban/db.sqlite3',
      MONBAN_PUBLIC_URL: 'https://auth.example',
      MONBAN_ACCESS_TOKEN_TTL: '3600',
      MONBAN_CODE_TTL: '600',
      MONBAN_DEVICE_CODE_TTL: '300',
      MONBAN_REFRESH_REUSE_GRACE: '30',
      MONBAN_AUDIT_RETENTION: '86400',
      MONBAN_TOKEN_RETENTION: '604800',
      MONBAN_CLEANUP_INTERVAL: '600',
      MONBAN_CLEANUP_BATCH_SIZE: '250',
      MONBAN_LOG_LEVEL: 'warn',
      MONBAN_REQUEST_TIMEOUT: '45',
      MONBAN_HEADERS_TIMEOUT: '15',
      MONBAN_MAX_CONNECTIONS_PER_ADDRESS: '64',
      MONBAN_CLIENT_CACHE: '500',
      MONBAN_SQLITE_MMAP_MB: '1024',
      MONBAN_MAIL_URL: 'smtps://monban:secret@mail.example:465',
      MONBAN_MAIL_FROM: 'Auth <auth@example.org>',
    });
    assert.deepEqual(config, {
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: '/var/lib/monban/db.sqlite3',
      publicUrl: 'https://auth.example',
      accessTokenTtl: 3600,
      codeTtl: 600,
      deviceCodeTtl: 300,
      refreshReuseGrace: 30,
      auditRetention: 86400,
      tokenRetention: 604800,
      cleanupInterval: 600,
      cleanupBatchSize: 250,
      logLevel: 'warn',
      redisUrl: undefined,
      redisPrefix: 'monban:',
      rateLimits: [
        { max: 5, windowMs: 1000 },
        { max: 90, windowMs: 60_000 },
      ],
      trustProxy: false,
      metricsPort: undefined,
      shutdownTimeout: 10,
      requestTimeout: 45,
      headersTimeout: 15,
      maxConnectionsPerAddress: 64,
      clientCacheSize: 500,
      sqliteMmapMb: 1024,
      mailUrl: 'smtps://monban:secret@mail.example:465',
      mailFrom: 'Auth <auth@example.org>',
    });
  });

  it('reads the mail settings; the default From is at the public URL\'s host; a refusal never quotes the URL', () => {
    assert.equal(loadConfig({ MONBAN_MAIL_URL: 'smtp://mail.example:587' }).mailUrl, 'smtp://mail.example:587');
    const at = loadConfig({ MONBAN_PUBLIC_URL: 'https://Auth.Example:8443/monban' });
    assert.equal(at.mailFrom, 'Monban <no-reply@auth.example>');
    assert.equal(loadConfig({ MONBAN_MAIL_FROM: 'no-reply@example.org' }).mailFrom, 'no-reply@example.org');
    const invalid = 'is not a valid smtp:// or smtps:// URL';
    const ftp = { MONBAN_MAIL_URL: 'ftp://user:hunter2@mail.example' };
    assertRefused(ftp, 'MONBAN_MAIL_URL', 'must use smtp:// or smtps://, got "ftp:"');
    assertRefused({ MONBAN_MAIL_URL: 'smtp://user:hunter2@[bad' }, 'MONBAN_MAIL_URL', invalid);
    assertRefused({ MONBAN_MAIL_URL: 'mail.example' }, 'MONBAN_MAIL_URL', invalid);
    const from = 'must be an address or "Name <address>", got "Monban"';
    assertRefused({ MONBAN_MAIL_FROM: 'Monban' }, 'MONBAN_MAIL_FROM', from);
    assertRefused({ MONBAN_MAIL_FROM: 'a@b.example\nBcc: x@y.example' }, 'MONBAN_MAIL_FROM', 'must be one line');
  });

  it('takes the caller defaults for port, host and log level, which the variables still override', () => {
    const defaults = { port: 4000, host: '127.0.0.1', logLevel: 'silent' } as const;
    const config = loadConfig({}, defaults);
    assert.equal(config.port, 4000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.logLevel, 'silent');
    assert.equal(config.publicUrl, 'http://localhost:4000');
    assert.equal(loadConfig({ MONBAN_LOG_LEVEL: 'debug' }, defaults).logLevel, 'debug');
  });

  it('derives the public URL from PORT when MONBAN_PUBLIC_URL is unset', () => {
    assert.equal(loadConfig({ PORT: '8080' }).publicUrl, 'http://localhost:8080');
  });

  it('keeps the public URL without a trailing slash, path included', () => {
    assert.equal(loadConfig({ MONBAN_PUBLIC_URL: 'https://auth.example/' }).publicUrl, 'https://auth.example');
    const withPath = loadConfig({ MONBAN_PUBLIC_URL: 'https://example.com/monban/' });
    assert.equal(withPath.publicUrl, 'https://example.com/monban');
    assert.equal(loadConfig({ MONBAN_PUBLIC_URL: 'HTTP://Example.COM:8443' }).publicUrl, 'http://example.com:8443');
  });

  it('accepts the bounds of the numbers', () => {
    assert.equal(loadConfig({ PORT: '1' }).port, 1);
    assert.equal(loadConfig({ PORT: '65535' }).port, 65535);
    assert.equal(loadConfig({ MONBAN_ACCESS_TOKEN_TTL: '1' }).accessTokenTtl, 1);
    assert.equal(loadConfig({ MONBAN_CODE_TTL: '2147483647' }).codeTtl, 2147483647);
    assert.equal(loadConfig({ MONBAN_DEVICE_CODE_TTL: '1' }).deviceCodeTtl, 1);
    assert.equal(loadConfig({ MONBAN_DEVICE_CODE_TTL: '3600' }).deviceCodeTtl, 3600);
    // 0 turns the refresh grace period off (issue 11).
    assert.equal(loadConfig({ MONBAN_REFRESH_REUSE_GRACE: '0' }).refreshReuseGrace, 0);
    assert.equal(loadConfig({ MONBAN_REFRESH_REUSE_GRACE: '3600' }).refreshReuseGrace, 3600);
  });

  it('reads the timeouts in seconds; the headers timeout follows a shorter request timeout (issue 9)', () => {
    const config = loadConfig({ MONBAN_REQUEST_TIMEOUT: '60', MONBAN_HEADERS_TIMEOUT: '5' });
    assert.deepEqual([config.requestTimeout, config.headersTimeout], [60, 5]);
    const short = loadConfig({ MONBAN_REQUEST_TIMEOUT: '4' });
    assert.deepEqual([short.requestTimeout, short.headersTimeout], [4, 4]);
    assert.equal(loadConfig({ MONBAN_REQUEST_TIMEOUT: '5', MONBAN_HEADERS_TIMEOUT: '5' }).headersTimeout, 5);
  });

  it('reads the connections allowed per address; off or 0 is no limit (issue 9)', () => {
    assert.equal(loadConfig({ MONBAN_MAX_CONNECTIONS_PER_ADDRESS: '20' }).maxConnectionsPerAddress, 20);
    assert.equal(loadConfig({ MONBAN_MAX_CONNECTIONS_PER_ADDRESS: 'off' }).maxConnectionsPerAddress, undefined);
    assert.equal(loadConfig({ MONBAN_MAX_CONNECTIONS_PER_ADDRESS: '0' }).maxConnectionsPerAddress, undefined);
    assert.equal(loadConfig({ MONBAN_MAX_CONNECTIONS_PER_ADDRESS: '' }).maxConnectionsPerAddress, 256);
  });

  it('reads how many applications a process caches; off or 0 is none (issue 16)', () => {
    assert.equal(loadConfig({ MONBAN_CLIENT_CACHE: '20' }).clientCacheSize, 20);
    assert.equal(loadConfig({ MONBAN_CLIENT_CACHE: 'off' }).clientCacheSize, 0);
    assert.equal(loadConfig({ MONBAN_CLIENT_CACHE: '0' }).clientCacheSize, 0);
    assert.equal(loadConfig({ MONBAN_CLIENT_CACHE: '' }).clientCacheSize, 10_000);
  });

  it('keeps a postgres:// URL as it is, a host given in the query included', () => {
    const url = 'postgres://monban:secret@db.example:5432/monban';
    assert.equal(loadConfig({ MONBAN_DATABASE_URL: url }).databaseUrl, url);
    const long = 'postgresql://db.example/m';
    assert.equal(loadConfig({ MONBAN_DATABASE_URL: long }).databaseUrl, long);
    const socket = 'postgres:///monban?host=/var/run/postgresql';
    assert.equal(loadConfig({ MONBAN_DATABASE_URL: socket }).databaseUrl, socket);
  });

  it('reads a sqlite: URL or :memory: as a SQLite path', () => {
    assert.equal(loadConfig({ MONBAN_DATABASE_URL: 'sqlite:///tmp/monban.db' }).databaseUrl, '/tmp/monban.db');
    assert.equal(loadConfig({ MONBAN_DATABASE_URL: 'sqlite:data/monban.db' }).databaseUrl, 'data/monban.db');
    assert.equal(loadConfig({ MONBAN_DATABASE_URL: ':memory:' }).databaseUrl, ':memory:');
  });

  describe('refuses, naming the variable', () => {
    it('PORT that is not a whole number in 1..65535', () => {
      assertRefused({ PORT: 'abc' }, 'PORT', 'must be a whole number, got "abc"');
      assertRefused({ PORT: '3.5' }, 'PORT', 'must be a whole number, got "3.5"');
      assertRefused({ PORT: '-1' }, 'PORT', 'must be a whole number, got "-1"');
      assertRefused({ PORT: '1e3' }, 'PORT', 'must be a whole number, got "1e3"');
      assertRefused({ PORT: '0' }, 'PORT', 'must be between 1 and 65535, got 0');
      assertRefused({ PORT: '65536' }, 'PORT', 'must be between 1 and 65535, got 65536');
    });

    it('MONBAN_ACCESS_TOKEN_TTL that is not a positive number of seconds', () => {
      const name = 'MONBAN_ACCESS_TOKEN_TTL';
      assertRefused({ [name]: '0' }, name, 'must be between 1 and 2147483647, got 0');
      assertRefused({ [name]: '1d' }, name, 'must be a whole number, got "1d"');
      assertRefused({ [name]: '2147483648' }, name, 'must be between 1 and 2147483647, got 2147483648');
    });

    it('MONBAN_CODE_TTL that is not a positive number of seconds', () => {
      assertRefused({ MONBAN_CODE_TTL: '0' }, 'MONBAN_CODE_TTL', 'must be between 1 and 2147483647, got 0');
      assertRefused({ MONBAN_CODE_TTL: '30m' }, 'MONBAN_CODE_TTL', 'must be a whole number, got "30m"');
    });

    it('MONBAN_REFRESH_REUSE_GRACE that is not a whole number of seconds up to an hour (issue 11)', () => {
      const name = 'MONBAN_REFRESH_REUSE_GRACE';
      assertRefused({ [name]: '-1' }, name, 'must be a whole number, got "-1"');
      assertRefused({ [name]: '1m' }, name, 'must be a whole number, got "1m"');
      assertRefused({ [name]: 'off' }, name, 'must be a whole number, got "off"');
      assertRefused({ [name]: '3601' }, name, 'must be between 0 and 3600, got 3601');
    });

    it('MONBAN_DEVICE_CODE_TTL that is not a whole number of seconds from 1 to an hour (RFC 8628 §5.1)', () => {
      const name = 'MONBAN_DEVICE_CODE_TTL';
      assertRefused({ [name]: '0' }, name, 'must be between 1 and 3600, got 0');
      assertRefused({ [name]: '3601' }, name, 'must be between 1 and 3600, got 3601');
      assertRefused({ [name]: '10m' }, name, 'must be a whole number, got "10m"');
    });

    it('MONBAN_PUBLIC_URL that is not an absolute http(s) URL without query or fragment', () => {
      const name = 'MONBAN_PUBLIC_URL';
      const expected = 'must be an absolute URL that starts with http:// or https:// (e.g. https://auth.example)';
      assertRefused({ [name]: 'ftp://x' }, name, `${expected}, got "ftp://x"`);
      assertRefused({ [name]: 'auth.example' }, name, `${expected}, got "auth.example"`);
      // Parsed as a URL of scheme `localhost:` (issue 13).
      assertRefused({ [name]: 'localhost:3000' }, name, `${expected}, got "localhost:3000"`);
      assertRefused({ [name]: 'https://auth.example/?a=1' }, name, 'must not have a query or a fragment');
      assertRefused({ [name]: 'https://auth.example/#top' }, name, 'must not have a query or a fragment');
    });

    it('MONBAN_DATABASE_URL that is an empty SQLite path or a PostgreSQL URL without a host', () => {
      const name = 'MONBAN_DATABASE_URL';
      assertRefused({ [name]: 'sqlite://' }, name, 'the SQLite path is empty');
      assertRefused({ [name]: 'sqlite:' }, name, 'the SQLite path is empty');
      assertRefused({ [name]: 'postgres://' }, name, 'the PostgreSQL URL names no host');
      assertRefused({ [name]: 'postgres://[db' }, name, 'is not a valid postgres:// URL');
    });

    it('MONBAN_REQUEST_TIMEOUT and MONBAN_HEADERS_TIMEOUT not in seconds, or headers allowed longer (issue 9)', () => {
      assertRefused({ MONBAN_REQUEST_TIMEOUT: '0' }, 'MONBAN_REQUEST_TIMEOUT', 'must be between 1 and 3600, got 0');
      assertRefused({ MONBAN_REQUEST_TIMEOUT: '30s' }, 'MONBAN_REQUEST_TIMEOUT', 'must be a whole number, got "30s"');
      const name = 'MONBAN_HEADERS_TIMEOUT';
      assertRefused({ [name]: '3601' }, name, 'must be between 1 and 3600, got 3601');
      assertRefused({ MONBAN_HEADERS_TIMEOUT: 'off' }, 'MONBAN_HEADERS_TIMEOUT', 'must be a whole number, got "off"');
      assertRefused(
        { MONBAN_REQUEST_TIMEOUT: '20', MONBAN_HEADERS_TIMEOUT: '25' },
        'MONBAN_HEADERS_TIMEOUT',
        'must not exceed MONBAN_REQUEST_TIMEOUT (20), got 25',
      );
    });

    it('MONBAN_MAX_CONNECTIONS_PER_ADDRESS that is neither a whole number nor off (issue 9)', () => {
      const name = 'MONBAN_MAX_CONNECTIONS_PER_ADDRESS';
      assertRefused({ [name]: 'many' }, name, 'must be a whole number or "off", got "many"');
      assertRefused({ [name]: '-1' }, name, 'must be a whole number or "off", got "-1"');
      assertRefused({ [name]: '1000001' }, name, 'must be between 1 and 1000000, got 1000001');
    });

    it('MONBAN_CLIENT_CACHE that is neither a whole number nor off (issue 16)', () => {
      const name = 'MONBAN_CLIENT_CACHE';
      assertRefused({ [name]: 'on' }, name, 'must be a whole number or "off", got "on"');
      assertRefused({ [name]: '10000001' }, name, 'must be between 1 and 10000000, got 10000001');
    });

    it('MONBAN_SQLITE_MMAP_MB that is not a whole number of MiB up to 2047 (issue 16)', () => {
      const name = 'MONBAN_SQLITE_MMAP_MB';
      assertRefused({ [name]: '1GB' }, name, 'must be a whole number, got "1GB"');
      assertRefused({ [name]: '2048' }, name, 'must be between 1 and 2047, got 2048');
    });

    it('MONBAN_LOG_LEVEL that is not a level', () => {
      assertRefused(
        { MONBAN_LOG_LEVEL: 'loud' },
        'MONBAN_LOG_LEVEL',
        'must be one of silent, fatal, error, warn, info, debug, got "loud"',
      );
    });
  });
});
