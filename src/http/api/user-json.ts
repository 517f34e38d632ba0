import type { User } from '../../core/model.js';
import { AVATAR_SIZES } from '../assets.js';

/**
 * Shikimori's UserInfoSerializer, field for field and in its order (compatibility.md §5); `email` is appended only for a token
 * with the `email` scope. `name` and `birth_on` are always null on Shikimori.
 */
export function userJson(user: User, publicUrl: string, withEmail: boolean): Record<string, unknown> {
  const avatar = (size: number) => `${publicUrl}/assets/globals/missing_avatar/x${size}.png`;
  const json: Record<string, unknown> = {
    id: user.id,
    nickname: user.nickname,
    avatar: avatar(48),
    image: Object.fromEntries(AVATAR_SIZES.map((size) => [`x${size}`, avatar(size)])),
    last_online_at: new Date(user.lastOnlineAt).toISOString(),
    url: `${publicUrl}/${encodeURIComponent(user.nickname)}`,
    name: null,
    sex: user.sex,
    website: user.website,
    birth_on: null,
    full_years: null,
    locale: user.locale,
  };
  if (withEmail) json.email = user.email;
  return json;
}
