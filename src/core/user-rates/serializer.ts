import type { UserRate } from './model.js';
import { moscowIso } from './moscow-time.js';
import { textHtml } from './text-html.js';

/**
 * Shikimori's UserRateSerializer: these 14 keys in this order, every one always present (docs/user-rates.md §2).
 * All three counters come back whatever the target type.
 */
export function userRateJson(rate: UserRate) {
  return {
    id: rate.id,
    user_id: rate.userId,
    target_id: rate.targetId,
    target_type: rate.targetType,
    score: rate.score,
    status: rate.status,
    rewatches: rate.rewatches,
    episodes: rate.episodes,
    volumes: rate.volumes,
    chapters: rate.chapters,
    text: rate.text,
    text_html: textHtml(rate.text),
    created_at: moscowIso(rate.createdAt),
    updated_at: moscowIso(rate.updatedAt),
  };
}

const RAILS_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON as ActiveSupport writes it: `<`, `>` and `&` (and the two JavaScript line separators) escaped inside strings,
 * any other non-ASCII character sent as it is. Outside strings JSON has none of these characters.
 */
export function railsJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => RAILS_ESCAPES[c] ?? c);
}
