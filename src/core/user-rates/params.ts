import { UserRateInvalid } from './errors.js';
import { statusByCode, statusByName, type Status } from './model.js';
import type { RateChanges } from './rules.js';
import { isScalar, rubyInspect, rubyToS, type Scalar } from './ruby.js';

/**
 * What a write request carries, read as Rails reads it (docs/user-rates.md §5): the entry's fields under
 * `user_rate`, or, for a JSON body without that key, the body's own fields that name model attributes
 * (ParamsWrapper). Only scalars are permitted; anything else under a permitted key is dropped.
 */
export interface RateRequest {
  /** Query and body parameters together (the query's win, as in Rails), `a[b]` keys nested as Rack nests them. */
  params: Record<string, unknown>;
  /** The body's parameters when it was JSON: what ParamsWrapper wraps. */
  jsonBody: Record<string, unknown> | undefined;
}

const ATTRIBUTES = [
  'id',
  'user_id',
  'target_id',
  'target_type',
  'score',
  'status',
  'rewatches',
  'episodes',
  'volumes',
  'chapters',
  'text',
  'created_at',
  'updated_at',
];
const VALUE_KEYS = ['status', 'episodes', 'chapters', 'volumes', 'score', 'text', 'rewatches'] as const;
const KEY_FIELDS = ['user_id', 'target_id', 'target_type'] as const;

type ValueKey = (typeof VALUE_KEYS)[number];
type KeyField = (typeof KEY_FIELDS)[number];
export type Permitted = Partial<Record<ValueKey | KeyField, Scalar>>;

const has = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Ruby's `blank?`: nil, false, a string of blanks, an empty array or hash. */
export function isBlank(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return true;
  if (typeof value === 'string') return /^[\s]*$/.test(value);
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/** The `user_rate` parameter: undefined when absent (and not made by ParamsWrapper). */
export function userRateParam(request: RateRequest): unknown {
  if (has(request.params, 'user_rate')) return request.params.user_rate;
  if (request.jsonBody === undefined) return undefined;
  const body = request.jsonBody;
  return Object.fromEntries(ATTRIBUTES.filter((key) => has(body, key)).map((key) => [key, body[key]]));
}

function permit(userRate: Record<string, unknown>, keys: readonly (ValueKey | KeyField)[]): Permitted {
  const permitted: Permitted = {};
  for (const key of keys) {
    const value = userRate[key];
    if (has(userRate, key) && isScalar(value)) permitted[key] = value;
  }
  return permitted;
}

export function invalidParameter(name: string, value: unknown, description: string): string {
  return `Invalid parameter '${name}' value ${rubyInspect(value)}: ${description}`;
}

/** Strong parameters' `require(:user_rate)`: present and not blank. */
const PARAM_MISSING = 'param is missing or the value is empty: user_rate';

/**
 * Rails' enum assignment: a name, a stored integer, or a string of one digit; a blank value leaves it unset for
 * the parameter check to refuse. Anything else raises, in Rails' words (docs/user-rates.md §3).
 */
export function parseStatus(value: Scalar): Status | undefined {
  if (isBlank(value)) return undefined;
  let status: Status | undefined;
  if (typeof value === 'string') {
    status = statusByName(value) ?? (/^\d$/.test(value) ? statusByCode(Number(value)) : undefined);
  }
  else if (typeof value === 'number' && Number.isInteger(value)) status = statusByCode(value);
  if (status === undefined) throw new UserRateInvalid([`'${rubyToS(value)}' is not a valid status`]);
  return status;
}

function changesOf(permitted: Permitted): RateChanges {
  const changes: RateChanges = {};
  for (const key of VALUE_KEYS) {
    if (!has(permitted, key)) continue;
    if (key === 'status') {
      const status = parseStatus(permitted.status ?? null);
      if (status !== undefined) changes.status = status;
    } else {
      changes[key] = permitted[key] ?? null;
    }
  }
  return changes;
}

export interface CreateParams {
  /** The `user_rate` object as sent, for the parameter checks. */
  raw: Record<string, unknown>;
  permitted: Permitted;
  changes: RateChanges;
}

/** Create builds the entry from its parameters before any other check (docs/user-rates.md §7, step 2). */
export function readCreateParams(request: RateRequest): CreateParams {
  const raw = userRateParam(request);
  if (isBlank(raw)) throw new UserRateInvalid([PARAM_MISSING]);
  if (!isObject(raw)) throw new UserRateInvalid([invalidParameter('user_rate', raw, 'Must be a Hash')]);
  const permitted = permit(raw, [...KEY_FIELDS, ...VALUE_KEYS]);
  return { raw, permitted, changes: changesOf(permitted) };
}

const NUMBER = /^(0|[1-9]\d*)$/;
const NUMBER_DESCRIPTION = 'Must be a number.';
const TARGET_TYPE_DESCRIPTION = 'Must be one of: <code>Anime</code>, <code>Manga</code>.';

/** A status sent blank is refused before the model, with apipie's empty description (docs/user-rates.md §6, §7). */
function checkStatus(userRate: Record<string, unknown>): void {
  if (has(userRate, 'status') && isBlank(userRate.status)) {
    throw new UserRateInvalid([invalidParameter('status', userRate.status, '')]);
  }
}

/** apipie's checks of a create, in its order; the first failure is the answer (docs/user-rates.md §7, step 5). */
export function validateCreate(userRate: Record<string, unknown>): void {
  for (const name of KEY_FIELDS) {
    const value = userRate[name];
    if (isBlank(value)) throw new UserRateInvalid([`Missing parameter ${name}`]);
    if (name === 'target_type') {
      if (value !== 'Anime' && value !== 'Manga') {
        throw new UserRateInvalid([invalidParameter(name, value, TARGET_TYPE_DESCRIPTION)]);
      }
    } else if (!NUMBER.test(rubyToS(value))) {
      throw new UserRateInvalid([invalidParameter(name, value, NUMBER_DESCRIPTION)]);
    }
  }
  checkStatus(userRate);
}

/** apipie's check of an update's `user_rate` (step 5): a hash with something in it, and no blank status. */
export function validateUpdate(request: RateRequest): void {
  const raw = userRateParam(request);
  if (raw === undefined) return;
  if (!isObject(raw) || Object.keys(raw).length === 0) {
    const shown = isObject(raw) ? null : raw;
    throw new UserRateInvalid([invalidParameter('user_rate', shown, 'Must be a Hash')]);
  }
  checkStatus(raw);
}

/** An update's changes (step 6): strong parameters' `require`, then the enum's assignment. */
export function readUpdateChanges(request: RateRequest): RateChanges {
  const raw = userRateParam(request);
  if (isBlank(raw)) throw new UserRateInvalid([PARAM_MISSING]);
  if (!isObject(raw)) throw new UserRateInvalid([invalidParameter('user_rate', raw, 'Must be a Hash')]);
  return changesOf(permit(raw, VALUE_KEYS));
}
