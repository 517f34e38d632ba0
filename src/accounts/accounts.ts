import type { Locale, User } from '../core/model.js';
import { NicknameTaken, type Stores } from '../core/ports/stores.js';
import {
  decoyHash,
  DEVISE_PEPPER_KEY,
  hashPassword,
  passwordKind,
  verifyImportedPassword,
  verifyPassword,
} from './passwords.js';

export interface Registration {
  nickname: string;
  password: string;
  email?: string | undefined;
  admin?: boolean;
  locale?: Locale;
}

/** Why a registration or a new password was refused; pages show it in the user's language. */
export type RegistrationProblem = 'nickname_format' | 'nickname_taken' | 'password_length' | 'email_format';

/** A registration that cannot be accepted, with the field it concerns and an English message (for the CLI). */
export class RegistrationError extends Error {
  constructor(
    readonly field: 'nickname' | 'password' | 'email',
    message: string,
    readonly problem?: RegistrationProblem,
  ) {
    super(message);
    this.name = 'RegistrationError';
  }
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
const NICKNAME = /^[\p{L}\p{N}_.-]{2,20}$/u;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Monban's password rule (PASSWORD_MIN to PASSWORD_MAX characters): a sign-up, a change and a reset alike. */
export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new RegistrationError(
      'password',
      `Password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.`,
      'password_length',
    );
  }
}

function checkRegistration(r: Registration): void {
  if (!NICKNAME.test(r.nickname)) {
    throw new RegistrationError(
      'nickname',
      'Nickname must be 2 to 20 letters, digits, dots, dashes or underscores.',
      'nickname_format',
    );
  }
  checkPassword(r.password);
  if (r.email !== undefined && r.email !== '' && !EMAIL.test(r.email)) {
    throw new RegistrationError('email', 'Email address is not valid.', 'email_format');
  }
}

export async function registerUser(stores: Stores, registration: Registration, now: number): Promise<User> {
  checkRegistration(registration);
  try {
    return await stores.users.create({
      nickname: registration.nickname,
      email: registration.email ? registration.email : null,
      passwordHash: await hashPassword(registration.password),
      admin: registration.admin ?? false,
      locale: registration.locale ?? 'ru',
      at: now,
    });
  } catch (err) {
    if (err instanceof NicknameTaken) {
      throw new RegistrationError('nickname', 'This nickname is already taken.', 'nickname_taken');
    }
    throw err;
  }
}

/**
 * A sign-in's check: the user, or why not. `no_password`: an account imported without a password (signed up
 * through another site), which no password opens, so that the page can say what to do (docs/import.md).
 */
/** A refusal names the account when the nickname has one (so that its owner can see the attempt), else null. */
export type SignInCheck = { user: User } | { problem: 'bad_credentials' | 'no_password'; userId: number | null };

/**
 * The user with this nickname and password; an unknown nickname costs as much time as a known one. An imported
 * Devise hash (accounts/passwords.ts) is checked with the stored pepper and, when it matches, replaced by Monban's
 * own hash of the same password: Monban's password rules are not applied, since the password is not being set.
 */
export async function checkSignIn(
  stores: Stores,
  nickname: string,
  password: string,
  now: number = Date.now(),
): Promise<SignInCheck> {
  const found = await stores.users.findByNickname(nickname);
  if (!found) {
    await verifyPassword(await decoyHash(), password);
    return { problem: 'bad_credentials', userId: null };
  }
  const refused = (problem: 'bad_credentials' | 'no_password') => ({ problem, userId: found.user.id });
  const kind = passwordKind(found.passwordHash);
  if (kind === 'none') return refused('no_password');
  if (kind === 'monban') {
    return (await verifyPassword(found.passwordHash, password)) ? { user: found.user } : refused('bad_credentials');
  }
  const pepper = (await stores.serverKeys.find(DEVISE_PEPPER_KEY)) ?? '';
  if (!(await verifyImportedPassword(found.passwordHash, password, pepper))) return refused('bad_credentials');
  await stores.users.replacePasswordHash(found.user.id, found.passwordHash, await hashPassword(password), now);
  return { user: found.user };
}

/** The user with this nickname and password, or undefined (checkSignIn). */
export async function checkCredentials(
  stores: Stores,
  nickname: string,
  password: string,
  now: number = Date.now(),
): Promise<User | undefined> {
  const check = await checkSignIn(stores, nickname, password, now);
  return 'user' in check ? check.user : undefined;
}

/**
 * An administrator sets a user's password (`monban users set-password`): for an account imported without one
 * (docs/import.md), or with `monban users reset-link` the user sets it (accounts/password-resets.ts). Monban's
 * password rules apply. Returns false when there is no such user. Whoever was signed in with the old password, if
 * any, is signed out (ASVS 7.4.3); applications keep their tokens, as a password change may choose to.
 */
export async function setPassword(stores: Stores, nickname: string, password: string, now: number): Promise<boolean> {
  checkPassword(password);
  const found = await stores.users.findByNickname(nickname);
  if (!found) return false;
  const passwordHash = await hashPassword(password);
  await stores.transaction(async (tx) => {
    await tx.users.updatePassword(found.user.id, passwordHash, now);
    await tx.sessions.deleteAllForUser(found.user.id, undefined);
  });
  return true;
}

export type PasswordChange =
  /** `applicationsSignedOut`: how many applications lost their tokens or codes (none when they were kept). */
  | { changed: true; applicationsSignedOut: number }
  | { changed: false; field: 'current_password' | 'password' | 'password_confirmation'; problem: PasswordProblem };

export type PasswordProblem = 'current_password_wrong' | 'password_length' | 'password_mismatch';

/**
 * Changes a password after checking the current one (ASVS 6.2.3), and ends the user's other sessions (ASVS 7.4.3):
 * whoever else was signed in with the old password is signed out. `keepSessionHash` is the session making the change.
 * Unless the user chose `keepApplications`, every application is signed out too, in the same transaction: every
 * token and unredeemed code of the user is revoked, since whoever knew the old password may have authorized an
 * application of their own with it.
 */
export async function changePassword(
  stores: Stores,
  user: User,
  change: { current: string; password: string; confirmation: string; keepApplications: boolean },
  keepSessionHash: string | undefined,
  now: number,
): Promise<PasswordChange> {
  if (!(await checkCredentials(stores, user.nickname, change.current, now))) {
    return { changed: false, field: 'current_password', problem: 'current_password_wrong' };
  }
  try {
    checkPassword(change.password);
  } catch {
    return { changed: false, field: 'password', problem: 'password_length' };
  }
  if (change.password !== change.confirmation) {
    return { changed: false, field: 'password_confirmation', problem: 'password_mismatch' };
  }
  const passwordHash = await hashPassword(change.password);
  const signedOut = await stores.transaction(async (tx) => {
    await tx.users.updatePassword(user.id, passwordHash, now);
    return signOutEverywhere(tx, user.id, keepSessionHash, change.keepApplications, now);
  });
  return { changed: true, applicationsSignedOut: signedOut };
}

/**
 * What a new password ends, inside its transaction: every session of the user but `keepSessionHash`, and, unless
 * `keepApplications`, every token and unredeemed code of the user. Returns how many applications were signed out.
 */
export async function signOutEverywhere(
  tx: Stores,
  userId: number,
  keepSessionHash: string | undefined,
  keepApplications: boolean,
  now: number,
): Promise<number> {
  await tx.sessions.deleteAllForUser(userId, keepSessionHash);
  if (keepApplications) return 0;
  // Codes first: revoking one waits for an exchange of it in progress, whose new token the tokens' revocation
  // that follows then sees.
  const withCodes = await tx.codes.revokeAllOfUser(userId, now);
  const withDevices = await tx.deviceCodes.withdrawApprovals(userId, undefined, now);
  const withTokens = await tx.tokens.revokeAllOfUser(userId, now);
  return new Set([...withCodes, ...withDevices, ...withTokens]).size;
}
