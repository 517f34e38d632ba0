import type { ApplicationQuota } from './model.js';

/**
 * An application's request quota as an administrator writes it (`monban apps update UID --quota`, the edit form):
 * `600/min`, `50000/day` or both, comma-separated (`600/min,50000/day`); `none` (or nothing) for no quota.
 * Enforced on the API (ops/app-quota.ts; security.md, "Per-application quotas").
 */

/** The largest count a window accepts: far above any real need, and exact in every database's integer column. */
export const QUOTA_MAX = 1_000_000_000;

const UNITS = { min: 'perMinute', day: 'perDay' } as const;

export class QuotaSyntaxError extends Error {
  override name = 'QuotaSyntaxError';
}

/** The quota a setting names; null for `none` or an empty setting. Throws QuotaSyntaxError with the reason. */
export function parseQuota(text: string): ApplicationQuota | null {
  const value = text.trim();
  if (value === '' || value.toLowerCase() === 'none') return null;
  const quota: ApplicationQuota = { perMinute: null, perDay: null };
  for (const part of value.split(',')) {
    const match = /^\s*([0-9]+)\s*\/\s*(min|day)\s*$/i.exec(part);
    if (!match) throw new QuotaSyntaxError(`"${part.trim()}" is not COUNT/min or COUNT/day`);
    const count = Number(match[1]);
    const field = UNITS[match[2]!.toLowerCase() as keyof typeof UNITS];
    if (!Number.isSafeInteger(count) || count < 1 || count > QUOTA_MAX) {
      throw new QuotaSyntaxError(`the count must be 1 to ${QUOTA_MAX}`);
    }
    if (quota[field] !== null) throw new QuotaSyntaxError(`/${match[2]!.toLowerCase()} is given twice`);
    quota[field] = count;
  }
  return quota;
}

/** The setting back as text: `600/min,50000/day`, `600/min`, or `none`. */
export function formatQuota(quota: ApplicationQuota | null): string {
  const parts = [
    ...(quota?.perMinute != null ? [`${quota.perMinute}/min`] : []),
    ...(quota?.perDay != null ? [`${quota.perDay}/day`] : []),
  ];
  return parts.length === 0 ? 'none' : parts.join(',');
}

/** A quota's columns as stored (null when unlimited), and back. */
export function quotaFromColumns(perMinute: number | null, perDay: number | null): ApplicationQuota | null {
  if (perMinute === null && perDay === null) return null;
  return { perMinute: perMinute === null ? null : Number(perMinute), perDay: perDay === null ? null : Number(perDay) };
}
