import type { OAuthContext } from '../context.js';
import type { Locale } from '../model.js';
import type { Stores } from '../ports/stores.js';
import { UserRateForbidden, UserRateInvalid, UserRateNotFound, UserRateUnauthenticated } from './errors.js';
import {
  DEFAULT_VALUES,
  MAX_INTEGER,
  MIN_INTEGER,
  type TargetType,
  type UserRate,
  type UserRateValues,
} from './model.js';
import { castInteger, type Scalar } from './ruby.js';
import { applyChanges, countersOf, sameValues, type RateChanges } from './rules.js';

/**
 * The user_rates API's steps that touch the store, each named after the check it makes, in the order Shikimori
 * makes them (docs/user-rates.md §7): load the entry, check its owner, change it. A change runs in one
 * transaction with the entry's row locked, so that concurrent writes of one entry apply one after another.
 */

/** Who asks: the request's access token, or none. */
export interface RateActor {
  token: { userId: number | null; applicationId: number } | undefined;
  /** The language of model messages: the token user's, or Russian. */
  locale: Locale;
}

export type RateAction = 'created' | 'updated' | 'incremented' | 'destroyed';

/** An entry id from the path, read as Rails reads an integer id; anything else names no entry. */
export function rateIdOf(raw: string): number | undefined {
  const id = castInteger(raw);
  return id !== null && id > 0 && id <= MAX_INTEGER ? id : undefined;
}

export async function loadRate(stores: Stores, rawId: string): Promise<UserRate> {
  const id = rateIdOf(rawId);
  const rate = id === undefined ? undefined : await stores.userRates.findById(id);
  if (!rate) throw new UserRateNotFound();
  return rate;
}

/**
 * A user changes only their own entries (CanCan's ability). Without any token the refusal is the same 403 with a
 * challenge added (docs/user-rates.md §8); a token without a user (client_credentials) is no owner of anything.
 */
export function authorizeOwner(actor: RateActor, ownerId: number | null): void {
  if (actor.token === undefined) throw new UserRateUnauthenticated();
  if (actor.token.userId === null || actor.token.userId !== ownerId) throw new UserRateForbidden();
}

/** Shikimori's `belongs_to :target`: Monban has no catalogue and accepts any id an integer column holds. */
export function checkTarget(targetId: Scalar | undefined, locale: Locale): number {
  const id = castInteger(targetId ?? null);
  if (id === null || id < 1 || id > MAX_INTEGER) {
    throw new UserRateInvalid([locale === 'en' ? 'Target must exist' : 'Target не может отсутствовать']);
  }
  return id;
}

/** A value past the 4-byte column fails the save with ActiveModel's RangeError, answered as 422. */
function checkRange(values: UserRateValues): void {
  for (const key of ['rewatches', 'episodes', 'volumes', 'chapters'] as const) {
    const value = values[key];
    if (value > MAX_INTEGER || value < MIN_INTEGER) {
      throw new UserRateInvalid([`${BigInt(value)} is out of range for ActiveModel::Type::Integer with limit 4 bytes`]);
    }
  }
}

function tokenOf(actor: RateActor): { userId: number; applicationId: number } {
  const token = actor.token;
  if (token === undefined || token.userId === null) throw new UserRateForbidden();
  return { userId: token.userId, applicationId: token.applicationId };
}

function changed(ctx: OAuthContext, rate: UserRate, applicationId: number, action: RateAction): void {
  ctx.events.emit({ type: 'user_rate.changed', userId: rate.userId, applicationId, userRateId: rate.id, action });
}

/** Saves new values when they differ from the stored ones; the same values leave the entry (and updated_at) alone. */
async function save(stores: Stores, rate: UserRate, values: UserRateValues, applicationId: number, at: number) {
  if (sameValues(rate, values)) return undefined;
  checkRange(values);
  return (await stores.userRates.update(rate.id, values, applicationId, at)) ?? rate;
}

export interface CreateRequest {
  userId: number;
  targetId: number;
  targetType: TargetType;
  changes: RateChanges;
}

/**
 * Create is an upsert (docs/user-rates.md §5): the user's entry for this target, when there is one, gets the
 * request's values as an update would. Of concurrent creates of one entry one inserts; the others update it.
 */
export async function createRate(ctx: OAuthContext, actor: RateActor, request: CreateRequest): Promise<UserRate> {
  const { applicationId } = tokenOf(actor);
  const at = ctx.now();
  const { userId, targetType, targetId, changes } = request;
  const outcome = await ctx.stores.transaction(async (stores) => {
    const existing = await stores.userRates.lockByTarget(userId, targetType, targetId);
    if (!existing) {
      const values = applyChanges(DEFAULT_VALUES, changes, targetType, true);
      checkRange(values);
      const inserted = await stores.userRates.insert({ userId, targetType, targetId, ...values, applicationId, at });
      if (inserted) return { rate: inserted, action: 'created' as const };
    }
    // Inserted meanwhile by a concurrent create, whose commit the insert waited for: lock it and update it.
    const rate = existing ?? (await stores.userRates.lockByTarget(userId, targetType, targetId));
    if (!rate) throw new Error('the entry neither inserted nor found');
    const saved = await save(stores, rate, applyChanges(rate, changes, targetType, false), applicationId, at);
    return { rate: saved ?? rate, action: saved ? ('updated' as const) : undefined };
  });
  if (outcome.action) changed(ctx, outcome.rate, applicationId, outcome.action);
  return outcome.rate;
}

async function changeRate(
  ctx: OAuthContext,
  actor: RateActor,
  id: number,
  action: 'updated' | 'incremented',
  changesFor: (rate: UserRate) => RateChanges,
): Promise<UserRate> {
  const { applicationId } = tokenOf(actor);
  const at = ctx.now();
  const outcome = await ctx.stores.transaction(async (stores) => {
    const rate = await stores.userRates.lockById(id);
    if (!rate) throw new UserRateNotFound();
    const values = applyChanges(rate, changesFor(rate), rate.targetType, false);
    const saved = await save(stores, rate, values, applicationId, at);
    return { rate: saved ?? rate, saved: saved !== undefined };
  });
  if (outcome.saved) changed(ctx, outcome.rate, applicationId, action);
  return outcome.rate;
}

export function updateRate(ctx: OAuthContext, actor: RateActor, id: number, changes: RateChanges): Promise<UserRate> {
  return changeRate(ctx, actor, id, 'updated', () => changes);
}

/**
 * +1 on an anime's episodes, or a manga's chapters (volumes when the request names `volumes`), counted from the
 * number the request sends for it, if any (docs/user-rates.md §5). Rails adds with Ruby's `+`: a string there
 * (any form or query value) raises, and that is a 422.
 */
export function incrementRate(
  ctx: OAuthContext,
  actor: RateActor,
  id: number,
  params: Record<string, unknown>,
): Promise<UserRate> {
  return changeRate(ctx, actor, id, 'incremented', (rate) => {
    const [first, second] = countersOf(rate.targetType);
    const counter = rate.targetType === 'Manga' && second !== undefined && 'volumes' in params ? second : first;
    const key = counter ?? 'episodes';
    const sent = params[key];
    const base = sent === undefined || sent === null || sent === false ? rate[key] : sent;
    if (typeof base !== 'number') throw new UserRateInvalid([rubyPlusError(base)]);
    return { [key]: base + 1 };
  });
}

/** What Ruby says when `+ 1` is applied to a value that is not a number. */
function rubyPlusError(value: unknown): string {
  if (typeof value === 'string') return 'no implicit conversion of Integer into String';
  if (Array.isArray(value)) return 'no implicit conversion of Integer into Array';
  if (value === true) return "undefined method `+' for true:TrueClass";
  return "undefined method `+' for an instance of ActionController::Parameters";
}

export async function destroyRate(ctx: OAuthContext, actor: RateActor, rate: UserRate): Promise<void> {
  const { applicationId } = tokenOf(actor);
  if (!(await ctx.stores.userRates.delete(rate.id))) throw new UserRateNotFound();
  changed(ctx, rate, applicationId, 'destroyed');
}
