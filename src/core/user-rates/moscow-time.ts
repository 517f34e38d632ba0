/**
 * Shikimori runs with `config.time_zone = 'Europe/Moscow'`, so every time it sends carries Moscow's offset at that
 * instant (docs/user-rates.md §2): +03:00 today, +04:00 from 2011-03-27 to 2014-10-26, and before 2011 +03:00 in
 * winter and +04:00 in summer. The offsets come from the IANA time zone database through Intl, so they follow its
 * rules (and any later change of them) rather than a table of our own.
 */
const FORMAT = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Moscow', timeZoneName: 'longOffset' });

/** Moscow's offsets change only on whole UTC hours: one lookup per hour, kept for the hours seen recently. */
const HOUR_MS = 3_600_000;
const CACHE_LIMIT = 4096;
const offsets = new Map<number, number>();

function offsetMinutes(at: number): number {
  const hour = Math.floor(at / HOUR_MS);
  const cached = offsets.get(hour);
  if (cached !== undefined) return cached;
  const name = FORMAT.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT+03:00';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  const minutes = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  if (offsets.size >= CACHE_LIMIT) offsets.clear();
  offsets.set(hour, minutes);
  return minutes;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** ActiveSupport's JSON time: ISO 8601 with milliseconds and the Moscow offset, `2024-02-22T03:21:19.847+03:00`. */
export function moscowIso(at: number): string {
  const minutes = offsetMinutes(at);
  const local = new Date(at + minutes * 60_000).toISOString().slice(0, 23);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
