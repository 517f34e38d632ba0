import type { Stores, UserRateFilter } from '../ports/stores.js';
import { UserRateInvalid } from './errors.js';
import { MAX_INTEGER, statusByCode, statusByName, type Status, type TargetType, type UserRate } from './model.js';
import { invalidParameter, isBlank } from './params.js';
import { rubyToS } from './ruby.js';

/**
 * The index, `GET /api/v2/user_rates` (docs/user-rates.md §4): apipie's checks of the query in its order, then
 * Shikimori's own, then the filters. Without `user_id` the list is paged, one entry a page unless `limit` says
 * otherwise; with it, or for Shikimori's own Neko client, it is never paged.
 */

export interface IndexQuery {
  userId?: number;
  targetId?: number;
  targetType?: TargetType;
  /** The statuses asked for; an empty list when none of them is a status. */
  statuses?: Status[];
  page: number;
  limit: number;
}

const NUMBER = /^(0|[1-9]\d*)$/;
const MAX_PAGE = 100_000;
const MAX_LIMIT = 1000;
/** Only so many comma-separated values of a filter are used. */
const MAX_LIST_VALUES = 10;

function numberParam(query: Record<string, unknown>, name: string): number | undefined {
  const value = query[name];
  if (isBlank(value)) return undefined;
  if (!NUMBER.test(rubyToS(value))) throw new UserRateInvalid([invalidParameter(name, value, 'Must be a number.')]);
  return Number(value);
}

function statusesOf(value: unknown): Status[] | undefined {
  if (isBlank(value)) return undefined;
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .slice(0, MAX_LIST_VALUES)
    .map((s) => statusByName(s) ?? (/^\d$/.test(s) ? statusByCode(Number(s)) : undefined))
    .filter((s): s is Status => s !== undefined);
}

export function readIndexQuery(query: Record<string, unknown>): IndexQuery {
  const userId = numberParam(query, 'user_id');
  const targetId = numberParam(query, 'target_id');
  let targetType: TargetType | undefined;
  const type = query.target_type;
  if (!isBlank(type)) {
    if (type !== 'Anime' && type !== 'Manga') {
      throw new UserRateInvalid([
        invalidParameter('target_type', type, 'Must be one of: <code>Anime</code>, <code>Manga</code>.'),
      ]);
    }
    targetType = type;
  }
  const statuses = statusesOf(query.status);
  let page = 1;
  if (query.page !== undefined) {
    const raw = rubyToS(query.page);
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE) {
      throw new UserRateInvalid([invalidParameter('page', query.page, 'Must be a number between 1 and 100000.')]);
    }
    page = Number(raw);
  }
  // A missing limit reads as 0, and is then raised to the least.
  const limit = numberParam(query, 'limit') ?? 0;
  if (userId === undefined && targetId === undefined && targetType === undefined) {
    throw new UserRateInvalid(['Missing parameter user_id']);
  }
  if (targetId !== undefined && targetType === undefined) throw new UserRateInvalid(['Missing parameter target_type']);
  return {
    ...(userId !== undefined ? { userId } : {}),
    ...(targetId !== undefined ? { targetId } : {}),
    ...(targetType !== undefined ? { targetType } : {}),
    ...(statuses !== undefined ? { statuses } : {}),
    page,
    limit,
  };
}

export async function listRates(stores: Stores, query: IndexQuery, paged: boolean): Promise<UserRate[]> {
  // Ids no integer column holds, or statuses of which none exists, match nothing.
  if ((query.userId ?? 0) > MAX_INTEGER || (query.targetId ?? 0) > MAX_INTEGER) return [];
  if (query.statuses?.length === 0) return [];
  const filter: UserRateFilter = {
    ...(query.userId !== undefined ? { userId: query.userId } : {}),
    ...(query.targetId !== undefined ? { targetId: query.targetId } : {}),
    ...(query.targetType !== undefined ? { targetType: query.targetType } : {}),
    ...(query.statuses !== undefined ? { statuses: query.statuses } : {}),
  };
  if (paged && query.userId === undefined) {
    const limit = Math.min(MAX_LIMIT, Math.max(1, query.limit));
    return stores.userRates.list({ ...filter, limit, offset: limit * (query.page - 1) });
  }
  return stores.userRates.list(filter);
}
