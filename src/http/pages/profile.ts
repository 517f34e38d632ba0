import type { Locale, User } from '../../core/model.js';
import { nameIcon } from '../icons.js';
import { t } from '../i18n.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** A day as people read it (the profile's "member since"); pages do not know the reader's time zone, so UTC. */
function formatDay(locale: Locale, at: number): string {
  const format = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' });
  return format.format(at);
}

export interface ProfileView {
  locale: Locale;
  /** Whose profile. */
  profile: User;
  /** Who looks at it, if signed in. */
  viewer?: User | undefined;
  csrfToken?: string | undefined;
  path: string;
}

/**
 * The public profile at /NICKNAME, where whoami's `url` points (compatibility.md §5), as on Shikimori: the nickname,
 * the avatar (drawn from the nickname) and the day the account was made. Nothing private: no email, no activity.
 */
export function profilePage(view: ProfileView): string {
  const { locale, profile } = view;
  const since = new Date(profile.createdAt).toISOString().slice(0, 10);
  const body = html`
<section class="card narrow profile" id="profile">
  <div class="titled">${nameIcon(profile.nickname, 80, { round: true, className: 'avatar' })}
    <h1 id="profile_nickname">@${profile.nickname}</h1></div>
  <dl class="details">
    <dt>${t(locale, 'memberSince')}</dt>
    <dd id="member_since"><time datetime="${since}">${formatDay(locale, profile.createdAt)}</time></dd>
  </dl>
</section>`;
  const title = t(locale, 'profileTitle', { nickname: profile.nickname });
  return layout({ locale, title, user: view.viewer, csrfToken: view.csrfToken, path: view.path }, body);
}
