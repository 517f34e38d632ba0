/**
 * The limit with Monban's per-request plumbing: the bare limit's routes (limit-app.ts) behind the plugins Monban
 * puts in front of every request (src/http/server.ts, src/ops/index.ts), each in its library's ordinary use and
 * doing the same kind of work as Monban's, so that the cost of each can be told apart from Monban's own work and
 * compared with what Monban pays for it. LIMIT_PLUGINS lists the plugins, comma-separated ("none": the bare limit;
 * unset or empty: DEFAULT_PLUGINS, all of Monban's; names each preceded by "-": all of Monban's but those, to cost
 * each one as what leaving it out saves):
 *
 *   ratelimit  @fastify/rate-limit counting in memory: two windows (as Monban's MONBAN_RATE_LIMIT, with limits out
 *              of reach), each a createRateLimit limiter keyed by window and address, checked in an onRequest hook
 *   metrics    prom-client: per answer, a counter by method, route pattern and status and a histogram of the
 *              duration by method and route, in an onResponse hook (as src/ops/metrics.ts records)
 *   requestid  a random UUID per request unless a plain X-Request-Id came with it, echoed in an onRequest hook
 *   helmet     @fastify/helmet with Monban's settings, on the page only (/oauth/authorize), as Monban registers it
 *   helmet-all the same on every route (what security headers would cost on API answers too)
 *   cors       an onRequest hook that answers preflights and an onSend hook that adds Vary: Origin (and the CORS
 *              headers when an Origin came) on /api/* and /oauth/token, as src/http/cors.ts does
 *   cookie     @fastify/cookie parsing the Cookie header of every request
 *   drain      an onSend hook that says Connection: close once the server is closing (src/ops/shutdown.ts)
 *
 * Seeded and started like the limit; prints "listening" when ready.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { CSP } from '../../src/http/server.js';
import { apiRoutes, pageRoutes, serve } from './limit-app.js';

export const PLUGINS = ['ratelimit', 'metrics', 'requestid', 'helmet', 'helmet-all', 'cors', 'cookie', 'drain'] as const;
export type Plugin = (typeof PLUGINS)[number];
export const DEFAULT_PLUGINS: readonly Plugin[] = ['ratelimit', 'metrics', 'requestid', 'helmet', 'cors', 'cookie', 'drain'];

function chosen(raw: string | undefined): Set<Plugin> {
  if (raw === undefined || raw.trim() === '') return new Set(DEFAULT_PLUGINS);
  if (raw.trim() === 'none') return new Set();
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const without = names.length > 0 && names.every((n) => n.startsWith('-'));
  const bare = names.map((n) => (without ? n.slice(1) : n));
  for (const name of bare) {
    if (!(PLUGINS as readonly string[]).includes(name)) throw new Error(`LIMIT_PLUGINS: unknown ${name} (one of ${PLUGINS.join(', ')}, or none)`);
  }
  if (without) return new Set(DEFAULT_PLUGINS.filter((p) => !bare.includes(p)));
  return new Set(bare as Plugin[]);
}

const plugins = chosen(process.env.LIMIT_PLUGINS);

/** Monban's CSP (the one src/http/server.ts registers) and framing settings. */
const HELMET = { contentSecurityPolicy: CSP, frameguard: { action: 'deny' as const }, hsts: false };

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
function requestId(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

const app = Fastify({ logger: false, ...(plugins.has('requestid') ? { requestIdHeader: false, genReqId: requestId } : {}) });

async function registerRateLimit(app: FastifyInstance): Promise<void> {
  const windows = [1000, 60_000];
  let limiters: ReturnType<FastifyInstance['createRateLimit']>[] = [];
  await app.register(async (scope) => {
    await scope.register(rateLimit, { global: false });
    limiters = windows.map((windowMs) =>
      scope.createRateLimit({ max: 1_000_000_000, timeWindow: windowMs, keyGenerator: (req) => `${windowMs}:${req.ip}` }),
    );
  });
  app.addHook('onRequest', async (request, reply) => {
    for (const limiter of limiters) {
      const result = await limiter(request);
      if (!result.isAllowed && result.isExceeded) return reply.code(429).header('content-type', 'text/plain').send('Retry later\n');
    }
  });
}

function registerMetrics(app: FastifyInstance): void {
  const registry = new Registry();
  const requests = new Counter({
    name: 'limit_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'limit_http_request_duration_seconds',
    help: 'Time from receiving a request to answering it, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}

const CORS_PATH = (url: string) => {
  const path = url.split('?', 1)[0] ?? '';
  return path.startsWith('/api/') || path === '/oauth/token';
};
const isPreflight = (request: FastifyRequest) =>
  request.method === 'OPTIONS' && request.headers.origin !== undefined && request.headers['access-control-request-method'] !== undefined;

function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!isPreflight(request)) return;
    if (CORS_PATH(request.url)) reply.header('access-control-allow-origin', '*');
    return reply.code(200).send();
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (isPreflight(request) || !CORS_PATH(request.url)) return payload;
    if (request.headers.origin !== undefined && !reply.hasHeader('access-control-allow-origin')) {
      reply.header('access-control-allow-origin', '*');
    }
    const vary = reply.getHeader('vary');
    reply.header('vary', vary === undefined ? 'Origin' : `${String(vary)}, Origin`);
    return payload;
  });
}

// In Monban's order: CORS, request id, drain, metrics, rate limits (src/http/server.ts, src/ops/index.ts), then the
// cookie and body parsers, then the routes.
if (plugins.has('cors')) registerCors(app);
if (plugins.has('requestid')) {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
}
if (plugins.has('drain')) {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}
if (plugins.has('metrics')) registerMetrics(app);
if (plugins.has('ratelimit')) await registerRateLimit(app);
if (plugins.has('cookie')) await app.register(cookie);
await app.register(formbody);
if (plugins.has('helmet-all')) await app.register(helmet, HELMET);
apiRoutes(app);
await app.register(async (pages) => {
  if (plugins.has('helmet') && !plugins.has('helmet-all')) await pages.register(helmet, HELMET);
  pageRoutes(pages);
});
await serve(app);
