import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { OAuthContext } from './core/context.js';
import { buildServer } from './http/server.js';
import { migrateToLatest, openSqlite, type OpenDatabase } from './storage/database.js';
import { sqlStores } from './storage/sql/index.js';

export interface Monban {
  server: FastifyInstance;
  ctx: OAuthContext;
  database: OpenDatabase;
  close(): Promise<void>;
}

export interface MonbanOptions {
  /** An already opened database (tests pass an in-memory one). */
  database?: OpenDatabase;
  /** The clock, for tests that travel in time. */
  now?: () => number;
}

/** The composition root: opens the database, applies pending migrations, and builds the HTTP server. */
export async function createMonban(config: Config, options: MonbanOptions = {}): Promise<Monban> {
  const database = options.database ?? openSqlite(config.databaseUrl);
  await migrateToLatest(database);
  let server: FastifyInstance | undefined;
  const ctx: OAuthContext = {
    stores: sqlStores(database.db),
    accessTokenTtl: config.accessTokenTtl,
    codeTtl: config.codeTtl,
    publicUrl: config.publicUrl,
    now: options.now ?? Date.now,
    reportError: (err) => server?.log.error({ err }, 'unexpected error'),
  };
  server = await buildServer({ ctx, config, cookies: { secure: config.publicUrl.startsWith('https:') } });
  return {
    server,
    ctx,
    database,
    async close() {
      await server?.close();
      await database.close();
    },
  };
}
