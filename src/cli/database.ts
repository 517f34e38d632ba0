import type { Config } from '../config.js';
import type { OAuthContext } from '../core/context.js';
import { migrateToLatest, openDatabase } from '../storage/database.js';
import { sqlStores } from '../storage/sql/index.js';
import type { Stores } from '../core/ports/stores.js';

/** Runs a CLI command against the configured database, migrated to the latest version. */
export async function withStores<T>(config: Config, fn: (stores: Stores) => Promise<T>): Promise<T> {
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database);
    return await fn(sqlStores(database.db));
  } finally {
    await database.close();
  }
}

export type { OAuthContext };
