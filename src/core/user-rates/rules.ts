import type { Scalar } from './ruby.js';
import { castInteger, castString } from './ruby.js';
import type { Status, TargetType, UserRateValues } from './model.js';

/**
 * Shikimori's `before_save` rules for an entry's values (docs/user-rates.md §6), less those that need an anime or
 * manga catalogue, which Monban does not have. They never refuse: a value out of range is corrected or reverted.
 */

/** The values a request sets, cast as the model casts them; a key is present only when the request sent it. */
export interface RateChanges {
  status?: Status;
  score?: Scalar;
  rewatches?: Scalar;
  episodes?: Scalar;
  volumes?: Scalar;
  chapters?: Scalar;
  text?: Scalar;
}

type Counter = 'episodes' | 'volumes' | 'chapters';

/** The counters the rules watch: an anime's episodes, a manga's chapters and volumes. The others are kept as sent. */
export function countersOf(targetType: TargetType): readonly Counter[] {
  return targetType === 'Anime' ? ['episodes'] : ['chapters', 'volumes'];
}

const MAX_SCORE = 10;
const MAX_COUNTER = 9999;
/** Shikimori truncates a longer note instead of refusing it. */
export const MAX_TEXT_LENGTH = 4096;

function truncated(text: string | null): string | null {
  if (text === null) return null;
  const chars = Array.from(text);
  return chars.length > MAX_TEXT_LENGTH ? chars.slice(0, MAX_TEXT_LENGTH).join('') : text;
}

/**
 * The values after a request's changes. `previous` is the stored entry, or the column defaults for a new one
 * (`isNew`): a value that reverts goes back to it. A status counts as set only when it differs from the stored
 * one, as Rails' dirty tracking sees it.
 */
export function applyChanges(
  previous: UserRateValues,
  changes: RateChanges,
  targetType: TargetType,
  isNew: boolean,
): UserRateValues {
  const next: UserRateValues = { ...previous };
  if (changes.status !== undefined) next.status = changes.status;
  if ('text' in changes) next.text = truncated(castString(changes.text));
  if ('rewatches' in changes) next.rewatches = castInteger(changes.rewatches) ?? 0;
  if ('score' in changes) {
    const score = castInteger(changes.score) ?? 0;
    next.score = score < 0 || score > MAX_SCORE ? previous.score : score;
  }
  const watched = countersOf(targetType);
  for (const counter of ['episodes', 'volumes', 'chapters'] as const) {
    if (!(counter in changes)) continue;
    const value = castInteger(changes[counter]) ?? 0;
    if (!watched.includes(counter)) next[counter] = value;
    else if (value > MAX_COUNTER) next[counter] = previous[counter];
    else next[counter] = Math.max(0, value);
  }
  const statusChanged = next.status !== previous.status;
  if (!isNew && !statusChanged) {
    for (const counter of watched) {
      const was = previous[counter];
      const now = next[counter];
      const keeps = ['rewatching', 'completed', 'dropped'].includes(next.status);
      if (was === 0 && now > 0 && !keeps) next.status = 'watching';
      else if (was > 0 && now === 0 && next.status !== 'rewatching') next.status = 'planned';
    }
  }
  if (statusChanged && next.status === 'rewatching') {
    for (const counter of watched) if (next[counter] === previous[counter]) next[counter] = 0;
  }
  return next;
}

export function sameValues(a: UserRateValues, b: UserRateValues): boolean {
  return (
    a.score === b.score &&
    a.status === b.status &&
    a.rewatches === b.rewatches &&
    a.episodes === b.episodes &&
    a.volumes === b.volumes &&
    a.chapters === b.chapters &&
    a.text === b.text
  );
}
