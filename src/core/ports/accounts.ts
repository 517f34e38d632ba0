import type { Locale, User } from '../model.js';

/**
 * Store ports, gathered by stores.ts. Accounts: users, their signed-in sessions and their password reset links.
 */

export interface NewUser {
  nickname: string;
  email: string | null;
  passwordHash: string;
  admin: boolean;
  locale: Locale;
  at: number;
}

export class NicknameTaken extends Error {
  override name = 'NicknameTaken';
}

export interface UserStore {
  /** Nicknames are unique by core/nickname-key.ts (case, width, look-alikes); a taken one throws NicknameTaken. */
  create(user: NewUser): Promise<User>;
  findById(id: number): Promise<User | undefined>;
  /** By the same key; a look-alike of a nickname finds its account. */
  findByNickname(nickname: string): Promise<{ user: User; passwordHash: string } | undefined>;
  /**
   * At most `limit` accounts with this email address, compared in lower case (SQL's lower(), ASCII on SQLite), by
   * id: a password reset asked for by email (accounts/password-resets.ts).
   */
  findByEmail(email: string, limit: number): Promise<User[]>;
  touchLastOnline(id: number, at: number): Promise<void>;
  updatePassword(id: number, passwordHash: string, at: number): Promise<void>;
  /**
   * Replaces the password hash only if it is still `expected` (an imported hash upgraded at sign-in must not
   * undo a password change made meanwhile); false when it was not.
   */
  replacePasswordHash(id: number, expected: string, passwordHash: string, at: number): Promise<boolean>;
}

export interface SessionStore {
  create(idHash: string, userId: number, at: number, expiresAt: number): Promise<void>;
  /** The signed-in user of an unexpired session. */
  findUser(idHash: string, now: number): Promise<User | undefined>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of this user except the one with `exceptIdHash`; returns how many ended. */
  deleteAllForUser(userId: number, exceptIdHash?: string): Promise<number>;
  /** Deletes at most `limit` sessions that expired before `before`; returns how many (core/cleanup.ts). */
  deleteExpired(before: number, limit: number): Promise<number>;
}

/** A password reset link's row (migration 016, accounts/password-resets.ts): its token is stored hashed. */
export interface NewPasswordReset {
  userId: number;
  tokenHash: string;
  at: number;
  expiresAt: number;
}

export interface PasswordResetStore {
  /**
   * Stores a new reset, and makes void (used as of `at`) every earlier unused reset of the same user, at once: the
   * newest link is the only one that works.
   */
  create(reset: NewPasswordReset): Promise<void>;
  /** The user of the unused reset with this hash that is unexpired at `now`; nothing is written. */
  findUsable(tokenHash: string, now: number): Promise<number | undefined>;
  /**
   * Marks the unused reset with this hash that is unexpired at `now` as used, and returns its user's id. Of any
   * number of concurrent callers, in any number of processes, exactly one gets it; the others get undefined.
   */
  consume(tokenHash: string, now: number): Promise<number | undefined>;
  /** Deletes at most `limit` resets that expired, or were used, before `before`; returns how many (core/cleanup.ts). */
  deleteExpired(before: number, limit: number): Promise<number>;
}
