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

  /** Runs the query on `db`: the database, or the transaction the caller is in. */
  execute(db: Kysely<Database>, values: P): Promise<QueryResult<R>> {
    const parameters = this.slots.map((slot) => ('name' in slot ? values[slot.name] : slot.value));
    return db.executeQuery(CompiledQuery.raw(this.sql, parameters) as CompiledQuery<R>);
  }

  async first(db: Kysely<Database>, values: P): Promise<R | undefined> {
    return (await this.execute(db, values)).rows[0];
  }

  async all(db: Kysely<Database>, values: P): Promise<R[]> {
    return (await this.execute(db, values)).rows;
  }

  /** Rows inserted, updated or deleted. */
  async changes(db: Kysely<Database>, values: P): Promise<number> {
    return Number((await this.execute(db, values)).numAffectedRows ?? 0n);
  }
}
