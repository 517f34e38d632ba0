import type { Server } from 'node:http';
import type { FastifyHttpOptions, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { OpenDatabase } from '../storage/database.js';
import type { RedisFallback } from './fallback.js';
import { limitConnectionsPerAddress } from './connection-limit.js';
import { registerHealthRoutes } from './health.js';
import { loggingOptions, registerRequestId, type LogDestination } from './logging.js';
import { registerMetricsRoute, type Metrics } from './metrics.js';
import { registerRateLimits } from './rate-limit.js';
import { registerDrain } from './shutdown.js';
import { trustedPeer } from './trusted-peer.js';

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

/**
 * How often Node looks for requests past MONBAN_REQUEST_TIMEOUT or MONBAN_HEADERS_TIMEOUT: its default, 30 s, would
 * let a slow sender keep its socket up to 30 s past the deadline. The check walks only the connections still
 * receiving a request.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * Fastify's constructor options for logs, request ids, client addresses and timeouts. A client that has not sent
 * its whole request in time is answered 408 and its socket closed (Fastify's clientError handler). Idle keep-alive
 * connections are not requests: Fastify's keepAliveTimeout (72 s) still ends them.
 */
export function opsServerOptions(config: Config, ops?: Ops): FastifyHttpOptions<Server> {
  return {
    ...loggingOptions(config.logLevel, ops?.logDestination),
    trustProxy: trustProxy(config.trustProxy),
    ...timeoutOptions(config),
  };
}

/** MONBAN_REQUEST_TIMEOUT and MONBAN_HEADERS_TIMEOUT as Fastify's options: for every listener Monban opens. */
export function timeoutOptions(config: Config): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'http'> {
  const requestTimeout = config.requestTimeout * 1000;
  return {
    // Fastify sets the server's requestTimeout from its own option after creating it; Node checks the pair when the
    // server is created, so both are given.
    requestTimeout,
    http: {
      requestTimeout,
      headersTimeout: config.headersTimeout * 1000,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
  };
}

/**
 * Registers, before any route: the limit of connections per address (MONBAN_MAX_CONNECTIONS_PER_ADDRESS), the
 * request id header, `Connection: close` once closing, request metrics, rate limits (their hook must run before
 * every route's), /healthz and /readyz, and /metrics unless MONBAN_METRICS_PORT moves it to a listener of its own.
 */
export async function registerOps(app: FastifyInstance, config: Config, ops: Ops): Promise<void> {
  if (config.maxConnectionsPerAddress !== undefined) {
    limitConnectionsPerAddress(app.server, config.maxConnectionsPerAddress, trustedPeer(config.trustProxy));
  }
  registerRequestId(app);
  registerDrain(app);
  // A callback hook: an async one would cost every request a promise for nothing awaited.
  app.addHook('onResponse', (request, reply, done) => {
    ops.metrics.observe(request, reply);
    done();
  });
  await registerRateLimits(app, config.rateLimits, ops.redis);
  registerHealthRoutes(app, { database: ops.database, redis: ops.redis?.client });
  if (config.metricsPort === undefined) registerMetricsRoute(app, ops.metrics);
}
