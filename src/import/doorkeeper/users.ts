import type { Kysely } from 'kysely';
import { NO_PASSWORD } from '../../accounts/passwords.js';
import type { Database } from '../../storage/schema.js';
import { mapUser, type SkipReason } from './mappers.js';
import type { ColumnSpec, SourceDatabase } from './source.js';
import type { ImportSummary } from './summary.js';
import { skip } from './summary.js';
import { chunks, freeIds, mapped, remember } from './target.js';

/**
 * The users the import moves: only those an imported application, code or token refers to, fetched from the source
 * as the rows that need them are written, in the same transaction. A nickname that an account here already has
 * (by core/nickname-key.ts, which also joins look-alikes) is not taken over: that user is skipped and reported,
 * and so is everything of theirs.
 */
export class UserImporter {
  /** Source id to Monban id, for the users this run met (imported now or earlier). */
  private readonly known = new Map<string, number>();
  /** Users this run skipped, each counted once. */
  private readonly refused = new Map<string, SkipReason>();

  constructor(
    private readonly source: SourceDatabase,
    private readonly columns: ColumnSpec,
    private readonly summary: ImportSummary,
    private readonly now: number,
    /** A dry run on PostgreSQL: the ids to insert with (target.ts, Target.placeholderId). */
    private readonly placeholderId?: () => number,
  ) {}

  /** Monban ids for these source user ids, importing those not moved yet; users that cannot be moved are absent. */
  async ensure(db: Kysely<Database>, sourceIds: readonly string[]): Promise<Map<string, number>> {
    const wanted = [...new Set(sourceIds)].filter((id) => !this.known.has(id) && !this.refused.has(id));
    if (wanted.length > 0) {
      const earlier = await mapped(db, 'user', wanted);
      for (const [sourceId, targetId] of earlier) this.known.set(sourceId, targetId);
      const missing = wanted.filter((id) => !earlier.has(id));
      if (missing.length > 0) await this.importUsers(db, missing);
    }
    const out = new Map<string, number>();
    for (const id of sourceIds) {
      const target = this.known.get(id);
      if (target !== undefined) out.set(id, target);
    }
    return out;
  }

  private refuse(sourceId: string, reason: SkipReason): void {
    this.refused.set(sourceId, reason);
    skip(this.summary.users, reason);
  }

  private async importUsers(db: Kysely<Database>, sourceIds: string[]): Promise<void> {
    const rows = await this.source.byIds('users', this.columns, sourceIds);
    const found = new Set(rows.map((r) => String(r.id)));
    // A token or code of a user the source no longer has: counted where it is skipped, not as a user.
    for (const id of sourceIds) if (!found.has(id)) this.refused.set(id, 'no_user');

    const candidates: { sourceId: string; row: Exclude<ReturnType<typeof mapUser>, { skip: SkipReason }>['row'] }[] =
      [];
    const keys = new Set<string>();
    for (const source of rows) {
      const sourceId = String(source.id);
      const result = mapUser(source, this.now);
      if ('skip' in result) {
        this.refuse(sourceId, result.skip);
        continue;
      }
      // Two source users whose nicknames look alike: the first one keeps it.
      if (keys.has(result.row.nickname_key)) {
        this.refuse(sourceId, 'nickname_taken');
        continue;
      }
      keys.add(result.row.nickname_key);
      candidates.push({ sourceId, row: result.row });
    }
    const taken = new Set<string>();
    for (const chunk of chunks([...keys])) {
      const existing = await db.selectFrom('users').select('nickname_key').where('nickname_key', 'in', chunk).execute();
      for (const row of existing) taken.add(row.nickname_key);
    }
    const accepted = candidates.filter((c) => {
      if (!taken.has(c.row.nickname_key)) return true;
      this.refuse(c.sourceId, 'nickname_taken');
      return false;
    });
    if (accepted.length === 0) return;

    const free = await freeIds(db, 'users', accepted.map((c) => c.sourceId));
    const byKey = new Map(accepted.map((c) => [c.row.nickname_key, c.sourceId]));
    const pairs: [string, number][] = [];
    const placeholder = this.placeholderId;
    for (const chunk of chunks(accepted)) {
      // Rows with and without an id of their own go in separate statements: a multi-row INSERT takes one column set.
      const groups = placeholder
        ? [chunk]
        : [chunk.filter((c) => free.has(c.sourceId)), chunk.filter((c) => !free.has(c.sourceId))];
      for (const group of groups) {
        if (group.length === 0) continue;
        const values = group.map((c) =>
          placeholder
            ? { ...c.row, id: placeholder() }
            : free.has(c.sourceId)
              ? { ...c.row, id: Number(c.sourceId) }
              : c.row,
        );
        const inserted = await db.insertInto('users').values(values).returning(['id', 'nickname_key']).execute();
        for (const row of inserted) {
          const sourceId = byKey.get(row.nickname_key);
          if (sourceId !== undefined) pairs.push([sourceId, Number(row.id)]);
        }
      }
    }
    await remember(db, 'user', pairs, this.now);
    for (const [sourceId, targetId] of pairs) {
      this.known.set(sourceId, targetId);
      // Past reserveIds, a user who cannot keep their id gets another one; a dry run counts them the same.
      if (!free.has(sourceId)) this.summary.renumbered++;
    }
    this.summary.users.imported += pairs.length;
    this.summary.usersWithoutPassword += accepted.filter((c) => c.row.password_hash === NO_PASSWORD).length;
  }
}
