import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import { pgDriver } from './driver.js';
import type { OpenDatabase } from '../database.js';
import { POSTGRES } from './traits.js';
import type { Database } from '../schema.js';
import { isUnavailable } from '../sql/errors.js';
import { PREPARED_STATEMENT_NAMES } from '../sql/prepared.js';
import { withUnavailability } from '../unavailable-dialect.js';

/**
 * Bounds on every wait, so that an unreachable or hung database gives fast 503s and never a hung request: a
 * connection is made within CONNECT_TIMEOUT_MS, a statement is cancelled by the server after STATEMENT_TIMEOUT_MS,
 * and a query whose answer never arrives (a dead network) is abandoned by the client after QUERY_TIMEOUT_MS.
 */
const CONNECT_TIMEOUT_MS = 2_000;
const STATEMENT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 6_000;
/** A session whose process vanished mid-transaction releases its row locks after this long. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;
const POOL_SIZE = 10;

/**
 * Times are epoch milliseconds in int8 columns, which pg returns as strings by default. This pool alone reads
 * them as numbers (a per-pool parser, not pg's global one, which would change every other pg user in the
 * process); a value past 2^53 would lose digits, so it fails loudly instead.
 */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} does not fit a JavaScript number`);
  return n;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pgDriver().types.builtins.INT8 && format !== 'binary'
      ? parseInt8
      : pgDriver().types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * The pool as Kysely sees it. The SQL of every PreparedQuery runs as a named statement, prepared on the server once
 * per connection (this needs a session of its own: a pooler in transaction mode in front of PostgreSQL would hand
 * the name to another session). A connection whose query failed because the database was unreachable, or timed out
 * (which leaves the connection busy forever), is destroyed rather than handed out again. A checked-out connection
 * needs an 'error' listener of its own: pg-pool removes its idle listener on checkout, and a connection lost
 * between two queries would otherwise be an unhandled 'error' event that ends the process.
 */
function kyselyPool(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let lost: Error | undefined;
      const onError = (err: Error) => {
        lost ??= err;
      };
      client.on('error', onError);
      const query = async (sql: string, parameters: ReadonlyArray<unknown>) => {
        // The hot queries (sql/queries.ts) as named statements: parsed and planned once per connection.
        const name = PREPARED_STATEMENT_NAMES.get(sql);
        try {
          return await (name === undefined
            ? client.query(sql, [...parameters])
            : client.query({ name, text: sql, values: [...parameters] }));
        } catch (err) {
          if (isUnavailable(err)) lost ??= err as Error;
          throw err;
        }
      };
      return {
        // Kysely streams through a cursor only when given one, which Monban never does: plain queries only.
        query: query as unknown as PostgresPoolClient['query'],
        release(destroy?: boolean) {
          client.removeListener('error', onError);
          client.release(lost ?? destroy === true);
        },
      };
    },
    end: () => pool.end(),
  };
}

/** Opens a pool of connections to a PostgreSQL database (`postgres://user:password@host:port/database`). */
export function openPostgres(url: string): OpenDatabase {
  const pool = new (pgDriver().Pool)({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'monban',
    types,
  });
  // An idle connection was lost (the server restarted, the network dropped it): the pool has already discarded
  // it and the next query opens a new one. Without this listener the 'error' event would end the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: withUnavailability(new PostgresDialect({ pool: kyselyPool(pool) })) });
  return { db, dialect: POSTGRES, close: () => db.destroy() };
}
