import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { OAuthContext } from './core/context.js';
import { MemoryAttemptCounter, SIGN_IN_WINDOW_MS, type AttemptCounter } from './accounts/throttle.js';
import { buildServer } from './http/server.js';
import { RedisFallback } from './ops/fallback.js';
import type { LogDestination } from './ops/logging.js';
import { timeoutOptions } from './ops/index.js';
import { Metrics, metricsServer } from './ops/metrics.js';
import { RedisAttemptCounter } from './ops/redis-attempt-counter.js';
import { closeRedis, openRedis, redisConnected } from './ops/redis.js';
import { cleanupOnce, cleanupTasks, leaseHolder } from './ops/cleanup.js';
import { CleanupSchedule } from './ops/cleanup-schedule.js';
import { migrateToLatest, openDatabase, type OpenDatabase } from './storage/database.js';
import { Events } from './core/events.js';
import { LastUseRecorder } from './core/last-use.js';
import { AuditLog } from './audit/audit-log.js';
import { recordAuditEvents } from './audit/listen.js';
import { sqlStores } from './storage/sql/index.js';
import { ApplicationCache, type ApplicationWatch } from './storage/application-cache.js';
import { withApplicationCache } from './storage/cached-application-store.js';
import { watchApplications } from './storage/application-watch.js';
import { readRefreshSuccessorKey } from './storage/sql/server-keys.js';

export interface Monban {
  server: FastifyInstance;
  ctx: OAuthContext;
  database: OpenDatabase;
  /** The /metrics listener when MONBAN_METRICS_PORT is set (the caller listens on it); else /metrics is on `server`. */
  metricsServer?: FastifyInstance;
  /** The cleanup every MONBAN_CLEANUP_INTERVAL seconds (ops/cleanup-schedule.ts); runNow() runs one at once. */
  cleanup: CleanupSchedule;
  /** The audit log's writer (audit/audit-log.ts): flush() writes what requests queued. */
  audit: AuditLog;
  /** Stops the server (letting requests in flight finish), then closes the database and Redis. */
  close(): Promise<void>;
}

export interface MonbanOptions {
  /** An already opened database (tests pass an in-memory one). */
  database?: OpenDatabase;
  /** The clock, for tests that travel in time. */
  now?: () => number;
  /** Where failed sign-ins are counted; default: this process's memory (accounts/throttle.ts). */
  signInAttempts?: AttemptCounter;
  /** Where log lines go; default stdout. */
  logDestination?: LogDestination;
}

/** The composition root: opens the database, applies pending migrations, and builds the HTTP server. */
export async function createMonban(config: Config, options: MonbanOptions = {}): Promise<Monban> {
  let server: FastifyInstance | undefined;
  // A background failure before the server (and its log) exists is logged once it does.
  let earlyFailure: Error | undefined;
  const logBackgroundFailure = (err: Error) => {
    if (server) server.log.error({ err }, `${err.message}; commits checkpoint the log again`);
    else earlyFailure = err;
  };
  const database =
    options.database ??
    openDatabase(config.databaseUrl, {
      backgroundCheckpoints: true,
      onBackgroundFailure: logBackgroundFailure,
      mmapMb: config.sqliteMmapMb,
    });
  await migrateToLatest(database);
  // Applications cached in this process, kept true by a watch on the database (storage/application-watch.ts).
  const applicationCache = new ApplicationCache(config.clientCacheSize);
  const applicationWatch: ApplicationWatch | undefined =
    config.clientCacheSize === 0
      ? undefined
      : await watchApplications(database, applicationCache, {
          lost: (err) => server?.log.warn({ err }, 'application cache: lost its database listener; reading every lookup'),
          restored: () => server?.log.warn({}, 'application cache: listening again'),
        });
  const stores = applicationWatch
    ? withApplicationCache(sqlStores(database.db), applicationCache, applicationWatch)
    : sqlStores(database.db);
  // Every process on the database reads the same key, so every one derives the same refresh successors.
  const refreshSuccessorKey = await readRefreshSuccessorKey(database.db);
  const reportError = (err: unknown) => server?.log.error({ err }, 'unexpected error');
  const ctx: OAuthContext = {
    stores,
    // Through ctx, so that a reportError replaced later (tests do) is the one called.
    lastUse: new LastUseRecorder(stores.tokens, (err) => ctx.reportError(err)),
    accessTokenTtl: config.accessTokenTtl,
    codeTtl: config.codeTtl,
    refreshSuccessorKey,
    refreshReuseGrace: config.refreshReuseGrace,
    deviceCodeTtl: config.deviceCodeTtl,
    publicUrl: config.publicUrl,
    now: options.now ?? Date.now,
    // Through ctx too: a listener that throws is reported, and the request goes on.
    events: new Events((err) => ctx.reportError(err)),
    reportError,
  };
  // With MONBAN_REDIS_URL, rate limits and sign-in failures are counted in Redis, shared by every process.
  const redis = config.redisUrl ? openRedis(config.redisUrl, config.redisPrefix, () => server?.log) : undefined;
  const fallback = new RedisFallback(() => server?.log);
  const localAttempts = new MemoryAttemptCounter(SIGN_IN_WINDOW_MS, () => ctx.now());
  const metrics = new Metrics();
  metrics.listen(ctx.events);
  // The audit log: events queued by requests, written in batches; failures reported, never thrown (docs/audit.md).
  const audit = new AuditLog(stores.audit, {
    error: (err) => ctx.reportError(err),
    warn: (message) => server?.log.warn({}, message),
  });
  recordAuditEvents(ctx.events, audit, () => ctx.now());
  server = await buildServer({
    ctx,
    config,
    cookies: { secure: config.publicUrl.startsWith('https:') },
    signInAttempts:
      options.signInAttempts ??
      (redis ? new RedisAttemptCounter(redis, SIGN_IN_WINDOW_MS, localAttempts, fallback) : localAttempts),
    ops: { database, metrics, redis: redis && { client: redis, fallback }, logDestination: options.logDestination },
    audit,
  });
  if (earlyFailure) logBackgroundFailure(earlyFailure);
  if (redis && !(await redisConnected(redis))) {
    server.log.warn({}, 'Redis is not reachable; counting in this process until it is');
  }
  const metricsListener = config.metricsPort === undefined ? undefined : metricsServer(metrics, timeoutOptions(config));
  // Deletes what can no longer be used (core/cleanup.ts), one process at a time, as of the injected clock.
  const cleanupRun = { stores, tasks: cleanupTasks(stores, config), now: () => ctx.now(), holder: leaseHolder() };
  const cleanup = new CleanupSchedule(
    config.cleanupInterval * 1000,
    () => cleanupOnce({ ...cleanupRun, batchSize: config.cleanupBatchSize, capped: true }),
    () => server?.log,
  );
  cleanup.start();
  return {
    server,
    ctx,
    database,
    metricsServer: metricsListener,
    cleanup,
    audit,
    async close() {
      await cleanup.stop();
      await server?.close();
      await metricsListener?.close();
      // The uses noted by the last requests, before the database goes.
      await ctx.lastUse.flush();
      await audit.flush();
      await applicationWatch?.close();
      await database.close();
      if (redis) await closeRedis(redis);
    },
  };
}
