import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../../storage/dialect.js';
import type { Database } from '../../storage/schema.js';

/** Rows per INSERT: a token row has 12 columns, well under every driver's limit on bound parameters. */
export const INSERT_CHUNK = 500;

export type ImportKind = 'user' | 'application' | 'grant' | 'token';

/** The Monban database the import writes: reads and writes go through `db` (a transaction while a batch runs). */
export interface Target {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Runs one batch: in its own transaction, or, in a dry run, inside the one transaction that is rolled back. */
  batch<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  now: number;
  /**
   * A dry run on PostgreSQL only: the id each inserted row takes, negative and never given out by a sequence.
   * PostgreSQL's sequences are not rolled back with the transaction (neither setval nor nextval), so a dry run
   * that used them would leave Monban's next user or application id past the source's largest one.
   */
  placeholderId?: () => number;
}

/** Negative ids, one after the other, for the rows a rolled-back dry run inserts (Target.placeholderId). */
export function placeholderIds(): () => number {
  let next = 0;
  return () => --next;
}

export function chunks<T>(items: readonly T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The map entries already made for these source ids: source id to Monban id. */
export async function mapped(db: Kysely<Database>, kind: ImportKind, sourceIds: readonly string[]) {
  const found = new Map<string, number>();
  for (const chunk of chunks([...new Set(sourceIds)])) {
    const rows = await db
      .selectFrom('import_map')
      .select(['source_id', 'target_id'])
      .where('kind', '=', kind)
      .where('source_id', 'in', chunk)
      .execute();
    for (const row of rows) found.set(row.source_id, Number(row.target_id));
  }
  return found;
}

export async function remember(
  db: Kysely<Database>,
  kind: ImportKind,
  pairs: readonly (readonly [string, number])[],
  at: number,
): Promise<void> {
  for (const chunk of chunks(pairs)) {
    await db
      .insertInto('import_map')
      .values(chunk.map(([sourceId, targetId]) => ({ kind, source_id: sourceId, target_id: targetId, created_at: at })))
      .execute();
  }
}

/**
 * Of these source ids, the integer ones Monban's table does not use yet: an imported user or application keeps its
 * id when it can, since clients know users by whoami's `id` and applications' pages by theirs.
 */
export async function freeIds(
  db: Kysely<Database>,
  table: 'users' | 'applications',
  sourceIds: readonly string[],
): Promise<Set<string>> {
  const candidates = sourceIds.filter((id) => /^[1-9]\d{0,9}$/.test(id) && Number(id) <= 2_147_483_647);
  const free = new Set(candidates);
  for (const chunk of chunks(candidates)) {
    const rows = await db.selectFrom(table).select('id').where('id', 'in', chunk.map(Number)).execute();
    for (const row of rows) free.delete(String(row.id));
  }
  return free;
}

/**
 * Moves the table's id generator past `upTo`, the largest id in the source table, before anything is imported: the
 * rows that keep their source ids then never meet an id the generator hands out, whether to a renumbered row of the
 * import or to a row the server makes meanwhile. It never moves back, so no id is reused.
 */
export async function reserveIds(
  db: Kysely<Database>,
  dialect: DialectName,
  table: 'users' | 'applications',
  upTo: number,
): Promise<void> {
  if (!(upTo > 0)) return;
  if (dialect === 'postgres') {
    await sql`select setval(seq, greatest(${upTo}::bigint, coalesce(pg_sequence_last_value(seq), 0),
                (select coalesce(max(id), 0) from ${sql.table(table)})))
              from (select pg_get_serial_sequence(${table}, 'id')::regclass as seq) s`.execute(db);
    return;
  }
  // AUTOINCREMENT (storage/sqlite/traits.ts) takes the larger of sqlite_sequence and the largest id, plus one.
  const updated = await sql`update sqlite_sequence set seq = max(seq, ${upTo}) where name = ${table}`.execute(db);
  if (Number(updated.numAffectedRows ?? 0n) === 0) {
    await sql`insert into sqlite_sequence (name, seq) values (${table}, ${upTo})`.execute(db);
  }
}

/**
 * Links imported tokens to the token whose refresh token they replaced (parent_id), as Monban's own refreshes do, so
 * that a replayed refresh token revokes its whole chain (core/grants/refresh-reuse.ts).
 */
export async function linkParents(db: Kysely<Database>, ids: readonly number[]): Promise<void> {
  for (const chunk of chunks(ids)) {
    await db
      .updateTable('access_tokens')
      .set((eb) => ({
        parent_id: eb
          .selectFrom('access_tokens as p')
          .select('p.id')
          .whereRef('p.refresh_token_hash', '=', 'access_tokens.previous_refresh_token_hash'),
      }))
      .where('id', 'in', chunk)
      .where('previous_refresh_token_hash', 'is not', null)
      .execute();
  }
}
