/**
 * The physical limit: a bare Fastify server doing the minimum each scenario needs, with in-memory Maps and no
 * hashing, no database, no logging (its routes: limit-app.ts). Monban's figures are divided by this server's,
 * measured in the same run on the same machine, so the ratio says how much of the machine's HTTP capacity Monban's
 * own work leaves.
 *
 * Seeded from BENCH_SEED (a SeedPlan as JSON) with the same deterministic secrets as Monban's seeded database.
 * Listens on 127.0.0.1:PORT and prints "listening" when ready.
 */
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { apiRoutes, pageRoutes, serve } from './limit-app.js';

const app = Fastify({ logger: false });
await app.register(formbody);
apiRoutes(app);
pageRoutes(app);
await serve(app);
