import { existsSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { pgDriver } from '../../storage/postgres/driver.js';

/**
 * The database `monban import doorkeeper` reads: Doorkeeper's tables and a Devise `users` table, on PostgreSQL
 * (Shikimori's) or SQLite. It is only read: the SQLite file is opened read-only, the PostgreSQL session is set
 * read-only. Values come back alike from both: ids as they are (for the next page) and as text (for the map),
 * times as epoch milliseconds, booleans as booleans.
 */

/** A page of rows, and the raw id of its last row (where the next page starts). */
export interface SourcePage {
  rows: SourceRow[];
  last: unknown;
}

/** How a column is read. */
export type ColumnKind = 'id' | 'text' | 'int' | 'time' | 'bool' | 'list';

export type SourceValue = string | number | boolean | string[] | null;
export type SourceRow = Record<string, SourceValue>;

export interface SourceDatabase {
  readonly label: string;
  /** The table's column names, or undefined when there is no such table. */
  columns(table: string): Promise<Set<string> | undefined>;
  count(table: string): Promise<number>;
  /** The largest integer id in the table; 0 when it is empty or its ids are not integers. */
  maxId(table: string): Promise<number>;
  /** Up to `limit` rows ordered by id, after `after` (the raw id of the last row read; undefined from the start). */
  page(table: string, columns: ColumnSpec, after: unknown, limit: number): Promise<SourcePage>;
  /** The rows with these ids (as text). */
  byIds(table: string, columns: ColumnSpec, ids: readonly string[]): Promise<SourceRow[]>;
  close(): Promise<void>;
}

/** The columns to read, by name, with how each is read; `id` is always read. */
export type ColumnSpec = Record<string, ColumnKind>;

export class SourceError extends Error {
  override name = 'SourceError';
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function isPostgresSource(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Opens the source: a postgres:// URL, or a SQLite file (`sqlite:` prefix optional), which must exist. */
export async function openSource(url: string): Promise<SourceDatabase> {
  if (isPostgresSource(url)) return PostgresSource.open(url);
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  if (!existsSync(path)) throw new SourceError(`no SQLite database at ${path}`);
  return new SqliteSource(path);
}

/** Rails writes SQLite times as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC. */
function sqliteTime(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return value;
  const text = String(value).trim().replace(' ', 'T');
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(ms)) throw new SourceError(`unreadable time: ${String(value)}`);
  return ms;
}

function bool(value: unknown): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0;
  return ['t', 'true', '1'].includes(String(value).toLowerCase());
}

/** A PostgreSQL array comes as one; elsewhere a JSON array, a `{a,b}` literal or space-separated words. */
function list(value: unknown): string[] | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(String);
  const text = String(value).trim();
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // Not JSON: read as words below.
    }
  }
  const inner = text.startsWith('{') && text.endsWith('}') ? text.slice(1, -1) : text;
  return inner
    .split(/[\s,]+/)
    .map((s) => s.replace(/^"|"$/g, ''))
    .filter((s) => s !== '');
}

function convert(row: Record<string, unknown>, columns: ColumnSpec, time: (v: unknown) => number | null): SourceRow {
  const out: SourceRow = { id: String(row.id) };
  for (const [name, kind] of Object.entries(columns)) {
    const value = row[name];
    switch (kind) {
      case 'id':
        out[name] = value === null || value === undefined ? null : String(value);
        break;
      case 'text':
        out[name] = value === null || value === undefined ? null : String(value);
        break;
      case 'int':
        out[name] = value === null || value === undefined ? null : Number(value);
        break;
      case 'time':
        out[name] = time(value);
        break;
      case 'bool':
        out[name] = bool(value);
        break;
      case 'list':
        out[name] = list(value);
        break;
    }
  }
  return out;
}

class SqliteSource implements SourceDatabase {
  private readonly db: SQLite.Database;
  readonly label: string;

  constructor(path: string) {
    this.label = `SQLite ${path}`;
    this.db = new SQLite(path, { readonly: true, fileMustExist: true });
    this.db.defaultSafeIntegers(false);
  }

  async columns(table: string): Promise<Set<string> | undefined> {
    const rows = this.db.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[];
    return rows.length === 0 ? undefined : new Set(rows.map((r) => r.name));
  }

  async count(table: string): Promise<number> {
    const row = this.db.prepare(`select count(*) as n from ${quote(table)}`).get() as { n: number };
    return Number(row.n);
  }

  async maxId(table: string): Promise<number> {
    const row = this.db.prepare(`select max(id) as n from ${quote(table)}`).get() as { n: unknown };
    return typeof row.n === 'number' ? row.n : 0;
  }

  private select(columns: ColumnSpec): string {
    return ['id', ...Object.keys(columns).filter((c) => c !== 'id')].map(quote).join(', ');
  }

  async page(table: string, columns: ColumnSpec, after: unknown, limit: number) {
    const where = after === undefined ? '' : 'where id > ?';
    const params = after === undefined ? [limit] : [after, limit];
    const raw = this.db
      .prepare(`select ${this.select(columns)} from ${quote(table)} ${where} order by id limit ?`)
      .all(...params) as Record<string, unknown>[];
    return { rows: raw.map((r) => convert(r, columns, sqliteTime)), last: raw.at(-1)?.id ?? after };
  }

  async byIds(table: string, columns: ColumnSpec, ids: readonly string[]): Promise<SourceRow[]> {
    const rows: SourceRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const raw = this.db
        .prepare(`select ${this.select(columns)} from ${quote(table)} where id in (${chunk.map(() => '?').join(',')})`)
        .all(...chunk.map((id) => (/^\d+$/.test(id) ? Number(id) : id))) as Record<string, unknown>[];
      rows.push(...raw.map((r) => convert(r, columns, sqliteTime)));
    }
    return rows;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

class PostgresSource implements SourceDatabase {
  private constructor(
    private readonly client: pg.Client,
    readonly label: string,
  ) {}

  static async open(url: string): Promise<PostgresSource> {
    const client = new (pgDriver().Client)({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new SourceError(`cannot connect to the source database: ${reason}`);
    }
    await client.query('set session characteristics as transaction read only');
    const parsed = new URL(url);
    return new PostgresSource(client, `PostgreSQL ${parsed.host}${parsed.pathname}`);
  }

  async columns(table: string): Promise<Set<string> | undefined> {
    const { rows } = await this.client.query<{ column_name: string }>(
      `select column_name from information_schema.columns
        where table_name = $1 and table_schema = any (current_schemas(false))`,
      [table],
    );
    return rows.length === 0 ? undefined : new Set(rows.map((r) => r.column_name));
  }

  async count(table: string): Promise<number> {
    const { rows } = await this.client.query<{ n: string }>(`select count(*) as n from ${quote(table)}`);
    return Number(rows[0]?.n ?? 0);
  }

  async maxId(table: string): Promise<number> {
    const type = await this.client.query<{ data_type: string }>(
      `select data_type from information_schema.columns
        where table_name = $1 and column_name = 'id' and table_schema = any (current_schemas(false))`,
      [table],
    );
    if (!['integer', 'bigint', 'smallint'].includes(type.rows[0]?.data_type ?? '')) return 0;
    const { rows } = await this.client.query<{ n: string | null }>(`select max(id)::text as n from ${quote(table)}`);
    return Number(rows[0]?.n ?? 0);
  }

  /** Times are turned into epoch milliseconds by the server, since pg reads `timestamp` in the local time zone. */
  private select(columns: ColumnSpec): string {
    const names = ['id', ...Object.keys(columns).filter((c) => c !== 'id')];
    return names
      .map((c) =>
        columns[c] === 'time' ? `(extract(epoch from ${quote(c)}) * 1000)::float8 as ${quote(c)}` : quote(c),
      )
      .join(', ');
  }

  async page(table: string, columns: ColumnSpec, after: unknown, limit: number) {
    const where = after === undefined ? '' : 'where id > $2';
    const params = after === undefined ? [limit] : [limit, after];
    const { rows } = await this.client.query<Record<string, unknown>>(
      `select ${this.select(columns)} from ${quote(table)} ${where} order by id limit $1`,
      params,
    );
    return { rows: rows.map((r) => convert(r, columns, pgTime)), last: rows.at(-1)?.id ?? after };
  }

  async byIds(table: string, columns: ColumnSpec, ids: readonly string[]): Promise<SourceRow[]> {
    if (ids.length === 0) return [];
    // Integer ids are compared as integers, so that the primary key's index is used.
    const numeric = ids.every((id) => /^\d+$/.test(id));
    const where = numeric ? 'id = any ($1::bigint[])' : 'id::text = any ($1::text[])';
    const { rows } = await this.client.query<Record<string, unknown>>(
      `select ${this.select(columns)} from ${quote(table)} where ${where}`,
      [ids],
    );
    return rows.map((r) => convert(r, columns, pgTime));
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

function pgTime(value: unknown): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value));
}
