import type { Status, TargetType, UserRate, UserRateValues } from '../user-rates/model.js';

/**
 * Store ports, gathered by stores.ts. Anime and manga list entries (the user_rates API).
 */

/** A new anime or manga list entry (core/user-rates/), with the application whose token made it. */
export interface NewUserRate extends UserRateValues {
  userId: number;
  targetId: number;
  targetType: TargetType;
  applicationId: number;
  at: number;
}

/** The index's filters, all of them ANDed; `limit` and `offset` page the list. */
export interface UserRateFilter {
  userId?: number;
  targetId?: number;
  targetType?: TargetType;
  statuses?: readonly Status[];
  limit?: number;
  offset?: number;
}

/**
 * Users' anime and manga lists (docs/user-rates.md). A user has at most one entry per target (user, target type,
 * target id): the database holds that, whatever number of processes write. An entry goes with its user.
 */
export interface UserRateStore {
  /**
   * Inserts the entry unless the user already has one for this target; then nothing is written and the answer is
   * undefined. Of any number of concurrent callers for one target, in any number of processes, exactly one inserts.
   */
  insert(rate: NewUserRate): Promise<UserRate | undefined>;
  findById(id: number): Promise<UserRate | undefined>;
  /**
   * Inside a transaction: locks the entry until the transaction ends, and returns it; undefined when there is none.
   * A lock or write of the same entry, in any process, waits for the transaction.
   */
  lockById(id: number): Promise<UserRate | undefined>;
  /** lockById, by the entry's target. */
  lockByTarget(userId: number, targetType: TargetType, targetId: number): Promise<UserRate | undefined>;
  /** The entries matching every given filter, by id. */
  list(filter: UserRateFilter): Promise<UserRate[]>;
  /** Saves new values, the application that made them, and updated_at; undefined when there is no such entry. */
  update(id: number, values: UserRateValues, applicationId: number, at: number): Promise<UserRate | undefined>;
  /** Deletes the entry; false when there was none. */
  delete(id: number): Promise<boolean>;
}
