import type { Locale, User } from '../core/model.js';
import { NicknameTaken, type Stores } from '../core/ports/stores.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';

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

function checkPassword(password: string): void {
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

/** The user with this nickname and password, or undefined; an unknown nickname costs as much time as a known one. */
export async function checkCredentials(stores: Stores, nickname: string, password: string): Promise<User | undefined> {
  const found = await stores.users.findByNickname(nickname);
  if (!found) {
    await verifyPassword(await decoyHash(), password);
    return undefined;
  }
  return (await verifyPassword(found.passwordHash, password)) ? found.user : undefined;
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
  if (!(await checkCredentials(stores, user.nickname, change.current))) {
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
    await tx.sessions.deleteAllForUser(user.id, keepSessionHash);
    if (change.keepApplications) return [];
    // Codes first: revoking one waits for an exchange of it in progress, whose new token the tokens' revocation
    // that follows then sees.
    const withCodes = await tx.codes.revokeAllOfUser(user.id, now);
    const withDevices = await tx.deviceCodes.withdrawApprovals(user.id, undefined, now);
    const withTokens = await tx.tokens.revokeAllOfUser(user.id, now);
    return [...withCodes, ...withDevices, ...withTokens];
  });
  return { changed: true, applicationsSignedOut: new Set(signedOut).size };
}
