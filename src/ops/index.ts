import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { OpenDatabase } from '../storage/database.js';
import type { RedisFallback } from './fallback.js';
import { registerHealthRoutes } from './health.js';
import { loggingOptions, registerRequestId, type LogDestination } from './logging.js';
import { registerMetricsRoute, type Metrics } from './metrics.js';
import { registerRateLimits } from './rate-limit.js';
import { registerDrain } from './shutdown.js';

/** What running in production adds to the HTTP server: health, metrics, logs, rate limits. */
export interface Ops {
  database: OpenDatabase;
  metrics: Metrics;
  /** MONBAN_REDIS_URL's connection, when set, and where counts go while it fails. */
  redis?: { client: Redis; fallback: RedisFallback };
  /** Where log lines go; stdout when absent. */
  logDestination?: LogDestination;
}

/**
 * MONBAN_TRUST_PROXY as Fastify takes it. A hop count becomes "trust the nearest N addresses": Fastify 5 reads a
 * bare number as trusting no one, since it cannot check the nearest peer; here the operator has said who it is.
 */
function trustProxy(setting: Config['trustProxy']): FastifyServerOptions['trustProxy'] {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}

/** Fastify's constructor options for logs, request ids and client addresses. */
export function opsServerOptions(config: Config, ops?: Ops): FastifyServerOptions {
  return { ...loggingOptions(config.logLevel, ops?.logDestination), trustProxy: trustProxy(config.trustProxy) };
}

/**
 * Registers, before any route: the request id header, `Connection: close` once closing, request metrics, rate
 * limits (their hook must run before every route's), /healthz and /readyz, and /metrics unless MONBAN_METRICS_PORT
 * moves it to a listener of its own.
 */
export async function registerOps(app: FastifyInstance, config: Config, ops: Ops): Promise<void> {
  registerRequestId(app);
  registerDrain(app);
  app.addHook('onResponse', async (request, reply) => ops.metrics.observe(request, reply));
  await registerRateLimits(app, config.rateLimits, ops.redis);
  registerHealthRoutes(app, { database: ops.database, redis: ops.redis?.client });
  if (config.metricsPort === undefined) registerMetricsRoute(app, ops.metrics);
}
