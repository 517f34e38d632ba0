import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

function assertRefused(env: Record<string, string>, variable: string, message: string): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.variable, variable);
      assert.equal(err.message, `${variable}: ${message}`);
      return true;
    },
  );
}

describe('settings for running in production', () => {
  it("MONBAN_RATE_LIMIT: Shikimori's 5/s and 90/min by default (compatibility.md §6), a list of windows, or off", () => {
    assert.deepEqual(loadConfig({}).rateLimits, [
      { max: 5, windowMs: 1000 },
      { max: 90, windowMs: 60_000 },
    ]);
    assert.deepEqual(loadConfig({ MONBAN_RATE_LIMIT: '20/s, 600/min,10000/h' }).rateLimits, [
      { max: 20, windowMs: 1000 },
      { max: 600, windowMs: 60_000 },
      { max: 10000, windowMs: 3_600_000 },
    ]);
    assert.deepEqual(loadConfig({ MONBAN_RATE_LIMIT: 'off' }).rateLimits, []);
    const refusal = (raw: string) => `must be "off" or a list like 5/s,90/min (units s, min, h), got "${raw}"`;
    for (const raw of ['5', '5/d', '0/s', '-1/s', '5/s;90/min', '5/s,', 'on', '1.5/s']) {
      assertRefused({ MONBAN_RATE_LIMIT: raw }, 'MONBAN_RATE_LIMIT', refusal(raw));
    }
  });

  it('MONBAN_TRUST_PROXY: off by default; true, a hop count, or addresses and CIDR ranges', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ MONBAN_TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({ MONBAN_TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ MONBAN_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ MONBAN_TRUST_PROXY: '10.0.0.0/8, 192.0.2.1,::1,fd00::/8,loopback' }).trustProxy, [
      '10.0.0.0/8',
      '192.0.2.1',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    const refusal = (value: string) =>
      `must be true, false, a number of hops or a list of addresses and CIDR ranges, got "${value}"`;
    assertRefused({ MONBAN_TRUST_PROXY: 'yes' }, 'MONBAN_TRUST_PROXY', refusal('yes'));
    assertRefused({ MONBAN_TRUST_PROXY: '10.0.0.0/33' }, 'MONBAN_TRUST_PROXY', refusal('10.0.0.0/33'));
    assertRefused({ MONBAN_TRUST_PROXY: '10.0.0.1,proxy.example' }, 'MONBAN_TRUST_PROXY', refusal('proxy.example'));
  });

  it('MONBAN_REDIS_URL: unset by default; a redis:// or rediss:// URL with a host', () => {
    assert.equal(loadConfig({}).redisUrl, undefined);
    assert.equal(loadConfig({}).redisPrefix, 'monban:');
    const url = 'rediss://:secret@cache.internal:6380/2';
    assert.equal(loadConfig({ MONBAN_REDIS_URL: url }).redisUrl, url);
    assert.equal(loadConfig({ MONBAN_REDIS_PREFIX: 'auth-eu:' }).redisPrefix, 'auth-eu:');
    assertRefused({ MONBAN_REDIS_URL: 'cache internal' }, 'MONBAN_REDIS_URL', 'is not a valid redis:// URL');
    const noScheme = 'must use redis:// or rediss://, got "cache.internal:"';
    assertRefused({ MONBAN_REDIS_URL: 'cache.internal:6379' }, 'MONBAN_REDIS_URL', noScheme);
    assertRefused({ MONBAN_REDIS_URL: 'http://cache' }, 'MONBAN_REDIS_URL', 'must use redis:// or rediss://, got "http:"');
    assertRefused({ MONBAN_REDIS_URL: 'redis://' }, 'MONBAN_REDIS_URL', 'the Redis URL names no host');
  });

  it('MONBAN_METRICS_PORT: unset (on the main port) by default; else a port other than PORT', () => {
    assert.equal(loadConfig({}).metricsPort, undefined);
    assert.equal(loadConfig({ MONBAN_METRICS_PORT: '9464' }).metricsPort, 9464);
    assertRefused({ MONBAN_METRICS_PORT: '70000' }, 'MONBAN_METRICS_PORT', 'must be between 1 and 65535, got 70000');
    assertRefused({ PORT: '8080', MONBAN_METRICS_PORT: '8080' }, 'MONBAN_METRICS_PORT', 'must differ from PORT (8080)');
  });

  it('MONBAN_SHUTDOWN_TIMEOUT: 10 seconds by default', () => {
    assert.equal(loadConfig({}).shutdownTimeout, 10);
    assert.equal(loadConfig({ MONBAN_SHUTDOWN_TIMEOUT: '30' }).shutdownTimeout, 30);
    assertRefused({ MONBAN_SHUTDOWN_TIMEOUT: '0' }, 'MONBAN_SHUTDOWN_TIMEOUT', 'must be between 1 and 3600, got 0');
    assertRefused({ MONBAN_SHUTDOWN_TIMEOUT: '5s' }, 'MONBAN_SHUTDOWN_TIMEOUT', 'must be a whole number, got "5s"');
  });
});
