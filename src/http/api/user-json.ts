import type { User } from '../../core/model.js';
import { AVATAR_SIZES } from '../assets.js';

/** The avatar fields, the same for every user (Shikimori's missing avatar), as JSON text for one public URL. */
interface AvatarText {
  publicUrl: string;
  /** `"avatar":…,"image":{…}` */
  fields: string;
}

let avatars: AvatarText | undefined;

function avatarFields(publicUrl: string): string {
  if (avatars?.publicUrl !== publicUrl) {
    const avatar = (size: number) => `${publicUrl}/assets/globals/missing_avatar/x${size}.png`;
    const image = Object.fromEntries(AVATAR_SIZES.map((size) => [`x${size}`, avatar(size)]));
    avatars = { publicUrl, fields: `"avatar":${JSON.stringify(avatar(48))},"image":${JSON.stringify(image)}` };
  }
  return avatars.fields;
}

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from there on Date writes a six-digit year with its sign. */
const YEAR_10000_MS = 253_402_300_800_000;

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()` for a whole millisecond from 1970 to 9999 (any other as Date writes it), without a
 * Date: the whole call costs about 1 us, a good part of whoami's own work. The calendar date from the days since
 * 1970 is Howard Hinnant's civil_from_days (a proleptic Gregorian calendar, as ECMAScript's).
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  // Days counted from 0000-03-01, in eras of 400 years (146097 days), years starting in March.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const ms3 = millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : `${millis}`;
  const date = `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
  return `${date}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${ms3}Z`;
}

/**
 * Shikimori's UserInfoSerializer, field for field and in its order (compatibility.md §5); `email` is appended only for a token
 * with the `email` scope. `name` and `birth_on` are always null on Shikimori.
 *
 * Written as JSON text, byte for byte what JSON.stringify makes of the object with these fields in this order (each
 * value goes through JSON.stringify), since whoami answers it on every call: the avatar part, the same for everyone,
 * is built once, and no object is built to be serialized.
 */
export function userJson(user: User, publicUrl: string, withEmail: boolean): string {
  const json = JSON.stringify;
  return (
    `{"id":${json(user.id)},"nickname":${json(user.nickname)},${avatarFields(publicUrl)}` +
    `,"last_online_at":${json(isoTime(user.lastOnlineAt))}` +
    `,"url":${json(`${publicUrl}/${encodeURIComponent(user.nickname)}`)}` +
    `,"name":null,"sex":${json(user.sex)},"website":${json(user.website)},"birth_on":null,"full_years":null` +
    `,"locale":${json(user.locale)}${withEmail ? `,"email":${json(user.email)}` : ''}}`
  );
}
