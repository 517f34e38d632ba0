import type { Kysely, Selectable } from 'kysely';
import type { NewUserRate, UserRateFilter, UserRateStore } from '../../core/ports/stores.js';
import {
  statusByCode,
  statusCode,
  type TargetType,
  type UserRate,
  type UserRateValues,
} from '../../core/user-rates/model.js';
import type { Database, UserRatesTable } from '../schema.js';

function toUserRate(row: Selectable<UserRatesTable>): UserRate {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    targetId: Number(row.target_id),
    targetType: row.target_type === 'Manga' ? 'Manga' : 'Anime',
    score: Number(row.score),
    // A status no enum value names (written by hand) reads as Shikimori's default.
    status: statusByCode(Number(row.status)) ?? 'planned',
    rewatches: Number(row.rewatches),
    episodes: Number(row.episodes),
    volumes: Number(row.volumes),
    chapters: Number(row.chapters),
    text: row.text,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastApplicationId: row.last_application_id === null ? null : Number(row.last_application_id),
  };
}

function columnsOf(values: UserRateValues) {
  return {
    score: values.score,
    status: statusCode(values.status),
    rewatches: values.rewatches,
    episodes: values.episodes,
    volumes: values.volumes,
    chapters: values.chapters,
    text: values.text,
  };
}

/**
 * Users' lists. The one-entry-per-target rule is the unique index's (migration 007): an insert that meets an
 * existing entry does nothing (ON CONFLICT DO NOTHING, the same on both databases). A row is locked the way
 * lockForRefresh locks a token, by an UPDATE that changes nothing, which SQLite and PostgreSQL both take as a
 * write lock until the transaction ends.
 */
export class SqlUserRateStore implements UserRateStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(rate: NewUserRate): Promise<UserRate | undefined> {
    const row = await this.db
      .insertInto('user_rates')
      .values({
        user_id: rate.userId,
        target_type: rate.targetType,
        target_id: rate.targetId,
        ...columnsOf(rate),
        last_application_id: rate.applicationId,
        created_at: rate.at,
        updated_at: rate.at,
      })
      .onConflict((oc) => oc.columns(['user_id', 'target_type', 'target_id']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toUserRate(row);
  }

  async findById(id: number): Promise<UserRate | undefined> {
    const row = await this.db.selectFrom('user_rates').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUserRate(row);
  }

  async lockById(id: number): Promise<UserRate | undefined> {
    const row = await this.db
      .updateTable('user_rates')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toUserRate(row);
  }

  async lockByTarget(userId: number, targetType: TargetType, targetId: number): Promise<UserRate | undefined> {
    const row = await this.db
      .updateTable('user_rates')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('user_id', '=', userId)
      .where('target_type', '=', targetType)
      .where('target_id', '=', targetId)
      .returningAll()
      .executeTakeFirst();
    return row && toUserRate(row);
  }

  async list(filter: UserRateFilter): Promise<UserRate[]> {
    let query = this.db.selectFrom('user_rates').selectAll();
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.targetType !== undefined) query = query.where('target_type', '=', filter.targetType);
    if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId);
    if (filter.statuses !== undefined) {
      if (filter.statuses.length === 0) return [];
      query = query.where('status', 'in', filter.statuses.map(statusCode));
    }
    query = query.orderBy('id');
    if (filter.limit !== undefined) query = query.limit(filter.limit).offset(filter.offset ?? 0);
    return (await query.execute()).map(toUserRate);
  }

  async update(id: number, values: UserRateValues, applicationId: number, at: number): Promise<UserRate | undefined> {
    const row = await this.db
      .updateTable('user_rates')
      .set({ ...columnsOf(values), last_application_id: applicationId, updated_at: at })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toUserRate(row);
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('user_rates').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
