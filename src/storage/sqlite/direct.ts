import type { Database as BetterSqlite } from 'better-sqlite3';
import type { QueryResult } from 'kysely';
import type { DirectDatabase, DirectTransaction } from '../sql/prepared.js';
import { classifyDriverError } from '../unavailable-dialect.js';
import type { StatementCache } from './statements.js';

/**
 * Runs a statement as Kysely's SQLite driver does, with the same result (rows for a statement that returns rows,
 * else the changes and the last rowid) and the same errors (unavailable-dialect.ts), but now, without its connection
 * lock: the lock and the awaits around each statement cost more than a point lookup (docs/benchmarks.md).
 */
function run<R>(statements: StatementCache, sql: string, parameters: readonly unknown[]): QueryResult<R> {
  try {
    const statement = statements.prepare(sql);
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  } catch (err) {
    throw classifyDriverError(err);
  }
}

/**
 * The direct path of a SQLite database (sql/prepared.ts, DirectExecutor). SQLite has one connection, and a statement
 * run on it while a transaction is open there runs inside that transaction: it would see the transaction's
 * uncommitted writes, and its own writes would commit or roll back with them. So a statement runs directly only
 * when no transaction is open on the connection (`inTransaction`, SQLite's own autocommit flag: Kysely's BEGIN and a
 * raw one alike), or from the handle of the transaction that is (while its callback runs). Otherwise it takes
 * Kysely's path, which waits for the transaction to release the connection. A statement run while some other caller
 * holds Kysely's connection lock without a transaction open (between two of its statements, or before its BEGIN)
 * runs on its own, as it would once that caller released the lock.
 */
export class SqliteDirect implements DirectDatabase {
  constructor(
    private readonly sqlite: BetterSqlite,
    private readonly statements: StatementCache,
  ) {}

  run<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> | undefined {
    // Closed: Kysely's path reports it as it always has.
    if (!this.sqlite.open || this.sqlite.inTransaction) return undefined;
    return run<R>(this.statements, sql, parameters);
  }

  transaction(): DirectTransaction {
    const { sqlite, statements } = this;
    let running = true;
    return {
      run<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> | undefined {
        // Not in a transaction any more (SQLite rolled it back on an error, or the callback ended): Kysely's path.
        if (!running || !sqlite.open || !sqlite.inTransaction) return undefined;
        return run<R>(statements, sql, parameters);
      },
      end() {
        running = false;
      },
    };
  }
}
