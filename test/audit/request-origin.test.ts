/**
 * The request's origin (audit/origin.ts, http/request-origin.ts) reaches code the handler runs, after hooks, body
 * parsing and awaits: what the audit log's listener reads when the core emits an event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { currentRequestOrigin } from '../../src/audit/origin.js';
import { enterRequestOrigin } from '../../src/http/request-origin.js';

describe('request origin', () => {
  let app: FastifyInstance;
  const seenInHooks: unknown[] = [];

  before(async () => {
    app = Fastify({ trustProxy: true });
    enterRequestOrigin(app);
    await app.register(formbody);
    app.addHook('preHandler', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seenInHooks.push(currentRequestOrigin());
    });
    const handler = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return { origin: currentRequestOrigin() ?? null };
    };
    app.get('/o', handler);
    app.post('/o', handler);
    await app.ready();
  });
  after(() => app.close());

  it('is seen after a form body was parsed, in hooks and after awaits', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/o',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'test-agent/1.0' },
      payload: 'a=' + 'x'.repeat(100_000),
      remoteAddress: '203.0.113.9',
    });
    assert.deepEqual(response.json(), { origin: { address: '203.0.113.9', userAgent: 'test-agent/1.0' } });
    assert.deepEqual(seenInHooks.at(-1), { address: '203.0.113.9', userAgent: 'test-agent/1.0' });
  });

  // inject's own user agent: lightMyRequest.
  it('is seen with a JSON body, and is the forwarded client behind a trusted proxy', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/o',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '::ffff:198.51.100.7' },
      payload: JSON.stringify({ a: 1 }),
    });
    assert.deepEqual(response.json(), { origin: { address: '198.51.100.7', userAgent: 'lightMyRequest' } });
  });

  it('keeps a whole IPv6 address, and each request its own origin', async () => {
    const responses = await Promise.all(
      ['2001:db8::1', '2001:db8::2'].map((ip) =>
        app.inject({ method: 'GET', url: '/o', headers: { 'x-forwarded-for': ip, 'user-agent': ip } }),
      ),
    );
    assert.deepEqual(
      responses.map((r) => r.json()),
      [
        { origin: { address: '2001:db8::1', userAgent: '2001:db8::1' } },
        { origin: { address: '2001:db8::2', userAgent: '2001:db8::2' } },
      ],
    );
  });

  it('is none outside a request', () => {
    assert.equal(currentRequestOrigin(), undefined);
  });
});
