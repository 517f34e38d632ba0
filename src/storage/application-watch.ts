import { ApplicationCache, type ApplicationWatch } from './application-cache.js';
import type { OpenDatabase } from './database.js';
import { PostgresApplicationListener, type ListenerEvents } from './postgres/application-listener.js';
import { SqliteApplicationWatch } from './sqlite/application-watch.js';

/**
 * The watch that keeps a server's application cache true to its database (migration 014): PostgreSQL's
 * LISTEN/NOTIFY on a connection of its own, or a SQLite database's generation counter read on its own connection. Undefined when there is no way to watch (a PostgreSQL
 * database opened without its URL): the caller then caches nothing.
 */
export async function watchApplications(
  database: OpenDatabase,
  cache: ApplicationCache,
  events: ListenerEvents,
): Promise<ApplicationWatch | undefined> {
  if (database.dialect.name === 'postgres') {
    if (database.url === undefined) return undefined;
    const listener = new PostgresApplicationListener(database.url, cache, events);
    await listener.start();
    return listener;
  }
  return new SqliteApplicationWatch(database.db, cache);
}
