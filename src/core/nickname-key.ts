import unhomoglyph from 'unhomoglyph';

/**
 * Full case folding, near enough: upper-casing first folds what lower-casing alone keeps apart (`ß` and `ss`,
 * `ς` and `σ`, `ſ` and `s`).
 */
function caseFold(text: string): string {
  return text.toUpperCase().toLowerCase();
}

/** Far longer than any nickname, even typed in look-alikes of several code units each. */
const LONGEST_FOLDED = 256;

/**
 * What makes two nicknames the same account: equal keys. Nicknames that look alike share a key, so that nobody can
 * register `ａｌｉｃｅ` (fullwidth), `аlice` (Cyrillic а) or `ALICE` beside `alice`, and signing in as any of them
 * finds alice.
 *
 * NFKC folds width and compatibility forms, then case is folded, then each character becomes its prototype in
 * Unicode's confusables data (the skeleton of UTS #39 §4: NFD, map, NFD), and case is folded once more because the
 * prototypes are sometimes capitals (`0` becomes `O`). Scripts may mix (Shikimori nicknames do, `Саша_kun`), and
 * nicknames in one script stay apart: every Russian letter has a prototype of its own, so `алиса` and `алина` differ.
 *
 * The one place the key is computed: the user store (create and findByNickname) and the sign-in throttle
 * (accounts/throttle.ts) use it. Changing it, or the pinned unhomoglyph data, needs a migration that recomputes
 * users.nickname_key (as the migration 002_nickname_skeleton does).
 */
export function nicknameKey(nickname: string): string {
  // Folding takes time in proportion to length (tens of milliseconds for a 64 KB form field), and a string this
  // long names no account (nicknames have 20 characters at most, accounts.ts): it is its own key.
  if (nickname.length > LONGEST_FOLDED) return nickname;
  const skeleton = unhomoglyph(caseFold(nickname.normalize('NFKC')).normalize('NFD')).normalize('NFD');
  return caseFold(skeleton).normalize('NFD');
}

/**
 * The key before look-alikes were folded (NFC, lower case). Only accounts that migration 002 had to set apart
 * still use it, behind LEGACY_KEY_PREFIX: see that migration.
 */
export function legacyNicknameKey(nickname: string): string {
  return nickname.normalize('NFC').toLowerCase();
}

/**
 * Starts the keys of accounts that kept their pre-002 key. No nicknameKey contains it (test/core/nickname-key.test.ts
 * checks every character a nickname may hold), so such a key never blocks a registration.
 */
export const LEGACY_KEY_PREFIX = '#';
