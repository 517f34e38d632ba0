import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from '../schema.js';

/** Marks a parameter's place while a query is compiled; no value Monban stores starts with a NUL. */
const SLOT = '\u0000monban-parameter:';

type Slot<P> = { name: keyof P } | { value: unknown };

/**
 * The SQL text of every PreparedQuery, with a name for it: a driver that can keep a statement prepared on the
 * server (PostgreSQL, storage/postgres/open.ts) does so for these texts, and parses and plans each once per connection.
 */
export const PREPARED_STATEMENT_NAMES = new Map<string, string>();

/**
 * Runs a statement at once, on the connection itself, without Kysely's driver (SQLite: sqlite/direct.ts):
 * better-sqlite3 is synchronous, and the driver's connection lock and its awaits cost more than a point lookup does
 * (docs/benchmarks.md). `run` returns undefined when the statement cannot run now (another caller's transaction holds
 * the connection), and the query then takes Kysely's path, which waits for it. It throws what the driver would, with
 * the same classification (unavailable-dialect.ts).
 */
export interface DirectExecutor {
  run<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> | undefined;
}

/** The DirectExecutor of a database, and the one it gives a transaction of its own while that transaction runs. */
export interface DirectDatabase extends DirectExecutor {
  transaction(): DirectTransaction;
}

export interface DirectTransaction extends DirectExecutor {
  /** The transaction's callback has returned: its handle runs nothing directly any more. */
  end(): void;
}

const directExecutors = new WeakMap<Kysely<Database>, DirectExecutor>();
const directDatabases = new WeakMap<Kysely<Database>, DirectDatabase>();

/** PreparedQuery runs its statements on `db` (the database, not a transaction on it) through `executor`. */
export function runDirectly(db: Kysely<Database>, executor: DirectDatabase): void {
  directExecutors.set(db, executor);
  directDatabases.set(db, executor);
}

/**
 * Runs `fn`, the callback of a transaction `trx` begun on `db`, so that PreparedQuery runs directly on `trx` (inside
 * the transaction) while `fn` runs, when `db` runs directly at all. Only the transaction's own handle does: while it
 * holds the connection, the database's direct executor defers to Kysely's path.
 */
async function inDirectTransaction<T>(
  db: Kysely<Database>,
  trx: Kysely<Database>,
  fn: () => Promise<T>,
): Promise<T> {
  const root = directDatabases.get(db);
  if (root === undefined) return fn();
  const direct = root.transaction();
  directExecutors.set(trx, direct);
  try {
    return await fn();
  } finally {
    direct.end();
    directExecutors.delete(trx);
  }
}

/** `db.transaction().execute(fn)`, with PreparedQuery running directly on the transaction (inDirectTransaction). */
export function runInTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute((trx) => inDirectTransaction(db, trx, () => fn(trx)));
}

/** Stands for the value of parameter `name` while a query is built. */
export type ParameterOf<P> = <K extends keyof P>(name: K) => P[K];

/**
 * A query built and compiled by Kysely once, then run with new values: on the paths every request takes, building
 * and compiling a query cost more than running it (docs/benchmarks.md). The query is written with Kysely as any
 * other, with `param('name')` where a value goes; its SQL is compiled for the database's dialect, so one definition
 * serves SQLite and PostgreSQL alike. Values are always sent as bound parameters, never spliced into the SQL.
 */
export class PreparedQuery<P, R> {
  private constructor(
    private readonly sql: string,
    private readonly slots: readonly Slot<P>[],
  ) {}

  /** `PreparedQuery.of<{ hash: string }>()((param) => db.selectFrom(...).where('x', '=', param('hash')))` */
  static of<P>(): <R>(build: (param: ParameterOf<P>) => Compilable<R>) => PreparedQuery<P, R> {
    return (build) => PreparedQuery.compile(build);
  }

  private static compile<P, R>(build: (param: ParameterOf<P>) => Compilable<R>): PreparedQuery<P, R> {
    const param = ((name: keyof P) => `${SLOT}${String(name)}`) as ParameterOf<P>;
    const compiled = build(param).compile();
    const slots = compiled.parameters.map((value): Slot<P> =>
      typeof value === 'string' && value.startsWith(SLOT) ? { name: value.slice(SLOT.length) as keyof P } : { value },
    );
    if (!PREPARED_STATEMENT_NAMES.has(compiled.sql)) {
      PREPARED_STATEMENT_NAMES.set(compiled.sql, `monban_${PREPARED_STATEMENT_NAMES.size + 1}`);
    }
    return new PreparedQuery<P, R>(compiled.sql, slots);
  }

  private parameters(values: P): unknown[] {
    return this.slots.map((slot) => ('name' in slot ? values[slot.name] : slot.value));
  }

  /**
   * Runs the query on `db`: the database, or the transaction the caller is in. Directly when `db` can run it now
   * (DirectExecutor), the promise then already settled; through Kysely otherwise.
   */
  execute(db: Kysely<Database>, values: P): Promise<QueryResult<R>> {
    return this.run(db, values, (result) => result);
  }

  first(db: Kysely<Database>, values: P): Promise<R | undefined> {
    return this.run(db, values, (result) => result.rows[0]);
  }

  all(db: Kysely<Database>, values: P): Promise<R[]> {
    return this.run(db, values, (result) => result.rows);
  }

  /** Rows inserted, updated or deleted. */
  changes(db: Kysely<Database>, values: P): Promise<number> {
    return this.run(db, values, (result) => Number(result.numAffectedRows ?? 0n));
  }

  private run<T>(db: Kysely<Database>, values: P, pick: (result: QueryResult<R>) => T): Promise<T> {
    const parameters = this.parameters(values);
    const direct = directExecutors.get(db);
    if (direct !== undefined) {
      try {
        const result = direct.run<R>(this.sql, parameters);
        if (result !== undefined) return Promise.resolve(pick(result));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return db.executeQuery(CompiledQuery.raw(this.sql, parameters) as CompiledQuery<R>).then(pick);
  }
}
