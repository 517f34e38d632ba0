import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { RateLimit } from '../config.js';
import { clientAddress } from '../http/client-address.js';
import type { RedisFallback } from './fallback.js';

/** Paths no limit applies to: assets, and what load balancers and Prometheus poll. */
function exempt(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return path.startsWith('/assets/') || path === '/healthz' || path === '/readyz' || path === '/metrics';
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * One limiter per window, from @fastify/rate-limit's own stores (Redis when given, else an LRU in memory). Each
 * window counts under a key of its own, the client address (IPv6 per /64: http/client-address.ts).
 */
async function limiters(app: FastifyInstance, limits: RateLimit[], redis?: Redis): Promise<Limiter[]> {
  let made: Limiter[] = [];
  // In a scope of its own, so that the memory and the Redis limiters are two instances of the plugin.
  await app.register(async (scope) => {
    await scope.register(rateLimit, { global: false, ...(redis ? { redis, nameSpace: 'rate-limit:' } : {}) });
    made = limits.map(({ max, windowMs }) =>
      scope.createRateLimit({ max, timeWindow: windowMs, keyGenerator: (req) => `${windowMs}:${clientAddress(req)}` }),
    );
  });
  return made;
}

/**
 * Requests per client address, as Shikimori's rack-attack (compatibility.md §6): every path but `exempt` ones, the windows
 * checked in order, and the first one exceeded answers rack-attack's default: 429, text/plain, `Retry later\n`,
 * no Retry-After. The address is `request.ip`, which MONBAN_TRUST_PROXY decides.
 *
 * With Redis the counts are shared by every process; while Redis cannot answer they fall back to this process's
 * memory (RedisFallback), so a Redis outage neither hangs nor fails a request, and limits still hold per process.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  limits: RateLimit[],
  shared?: { client: Redis; fallback: RedisFallback },
): Promise<void> {
  if (limits.length === 0) return;
  const local = await limiters(app, limits);
  const remote = shared ? await limiters(app, limits, shared.client) : undefined;

  const exceeded = async (request: FastifyRequest, windows: Limiter[]): Promise<boolean> => {
    for (const limiter of windows) {
      const result = await limiter(request);
      if (!result.isAllowed && result.isExceeded) return true;
    }
    return false;
  };

  app.addHook('onRequest', async (request, reply) => {
    if (exempt(request.url)) return;
    const limited =
      remote && shared
        ? await shared.fallback.run(
            'to count a request',
            () => exceeded(request, remote),
            () => exceeded(request, local),
          )
        : await exceeded(request, local);
    if (limited) return reply.code(429).header('content-type', 'text/plain').send('Retry later\n');
  });
}
