/**
 * A user's anime or manga list entry, as Shikimori's `user_rates` table keeps it (docs/user-rates.md §2). Every
 * integer is NOT NULL; `text` is null until the user writes a note. Times are epoch milliseconds.
 */

export const TARGET_TYPES = ['Anime', 'Manga'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

/**
 * The statuses in Shikimori's enum order, each with the integer it is stored as (docs/user-rates.md §3): the order is
 * what `GET /api/constants/user_rate` lists, the integers what a client may send instead of a name.
 */
export const STATUSES = [
  ['planned', 0],
  ['watching', 1],
  ['rewatching', 9],
  ['completed', 2],
  ['on_hold', 3],
  ['dropped', 4],
] as const;
export type Status = (typeof STATUSES)[number][0];

export const STATUS_NAMES: readonly Status[] = STATUSES.map(([name]) => name);
const BY_NAME = new Map<string, Status>(STATUSES.map(([name]) => [name, name]));
const BY_CODE = new Map<number, Status>(STATUSES.map(([name, code]) => [code, name]));
const CODE_OF = new Map<Status, number>(STATUSES.map(([name, code]) => [name, code]));

export function statusByName(name: string): Status | undefined {
  return BY_NAME.get(name);
}

export function statusByCode(code: number): Status | undefined {
  return BY_CODE.get(code);
}

/** The integer a status is stored as. */
export function statusCode(status: Status): number {
  return CODE_OF.get(status) ?? 0;
}

export function isTargetType(value: unknown): value is TargetType {
  return value === 'Anime' || value === 'Manga';
}

/** What a user may set on an entry: everything but the keys (user, target) and the times. */
export interface UserRateValues {
  score: number;
  status: Status;
  rewatches: number;
  episodes: number;
  volumes: number;
  chapters: number;
  text: string | null;
}

export interface UserRate extends UserRateValues {
  id: number;
  userId: number;
  targetId: number;
  targetType: TargetType;
  createdAt: number;
  updatedAt: number;
  /** The application whose token made the last change (docs/user-rates.md §5); null if unknown. */
  lastApplicationId: number | null;
}

/** A new entry's values: Shikimori's column defaults. */
export const DEFAULT_VALUES: UserRateValues = {
  score: 0,
  status: 'planned',
  rewatches: 0,
  episodes: 0,
  volumes: 0,
  chapters: 0,
  text: null,
};

/** The largest value an integer column holds (Rails' 4-byte integer, PostgreSQL's `integer`). */
export const MAX_INTEGER = 2_147_483_647;
export const MIN_INTEGER = -2_147_483_648;
