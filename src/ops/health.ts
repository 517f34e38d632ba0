import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { pendingMigrations, type OpenDatabase } from '../storage/database.js';
import { redisReachable } from './redis.js';

export interface Readiness {
  database: OpenDatabase;
  /** Reported when configured; see readiness() for why it does not decide. */
  redis?: Redis;
}

interface ReadinessReport {
  status: 'ready' | 'not_ready';
  database: 'ok' | 'unavailable';
  migrations: 'current' | 'pending' | 'unknown';
  redis?: 'ok' | 'unavailable';
}

/**
 * Ready when the database answers and every migration this build knows is applied (one query does both: reading
 * the migrations table). Redis is reported but does not decide: without it each process counts its limits alone
 * (fallback.ts) and serves every request, so taking all processes out of the load balancer would be worse.
 */
async function readiness({ database, redis }: Readiness): Promise<ReadinessReport> {
  const [pending, redisUp] = await Promise.all([
    pendingMigrations(database).catch(() => undefined),
    redis ? redisReachable(redis) : undefined,
  ]);
  const report: ReadinessReport = {
    status: pending?.length === 0 ? 'ready' : 'not_ready',
    database: pending ? 'ok' : 'unavailable',
    migrations: pending === undefined ? 'unknown' : pending.length === 0 ? 'current' : 'pending',
  };
  if (redisUp !== undefined) report.redis = redisUp ? 'ok' : 'unavailable';
  return report;
}

/** `GET /healthz`: the process is alive and answering. `GET /readyz`: it can serve (200) or not (503). */
export function registerHealthRoutes(app: FastifyInstance, checks: Readiness): void {
  app.get('/healthz', async (_request, reply) =>
    reply.code(200).header('cache-control', 'no-store').send({ status: 'ok' }),
  );
  app.get('/readyz', async (_request, reply) => {
    const report = await readiness(checks);
    return reply
      .code(report.status === 'ready' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(report);
  });
}
