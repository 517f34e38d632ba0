import { EXPIRY_MARGIN_MS, type CleanupTask } from '../core/cleanup.js';
import type { Locale, User } from '../core/model.js';
import type { PasswordResetStore, Stores } from '../core/ports/stores.js';
import { randomSecret, secretHash } from '../core/secrets.js';
import { checkPassword, signOutEverywhere } from './accounts.js';
import { hashPassword, passwordKind } from './passwords.js';
import { SIGN_IN_WINDOW_MS, type AttemptCounter } from './throttle.js';

/**
 * Password resets (security.md "Password reset"; issue 15: users imported without a password set one through a
 * reset). A reset is a link with a random token (32 bytes, base64url, as every other secret: core/secrets.ts), kept
 * only as its SHA-256, that sets a password once, within RESET_TTL_MS; a newer reset of the same user voids the
 * older ones. Asking for one answers the same whether the account exists (no enumeration; the route throttles it
 * and sends the mail after answering), and the link reaches the user by mail or through an
 * administrator (`monban users reset-link`). Setting the password ends every session and, unless the user keeps
 * them, signs every application out, as a password change does (accounts.ts).
 */
export const RESET_TTL_MS = 60 * 60 * 1000;
export const RESET_PATH = '/users/password/edit';
/** Devise's name for it, so that the link has the shape Doorkeeper sites' users know. */
export const RESET_PARAM = 'reset_password_token';
/** Accounts one email address may name: a reset mail goes to each (nicknames are unique, emails not). */
const ACCOUNTS_PER_EMAIL = 5;
/** A token is 43 characters; longer input is no token, and is not even hashed. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function resetLink(publicUrl: string, token: string): string {
  return `${publicUrl}${RESET_PATH}?${RESET_PARAM}=${token}`;
}

/** Makes a reset for this user, voiding the user's earlier ones, and returns its token (shown or sent once). */
export async function createPasswordReset(stores: Stores, userId: number, now: number): Promise<string> {
  const token = randomSecret();
  await stores.passwordResets.create({ userId, tokenHash: secretHash(token), at: now, expiresAt: now + RESET_TTL_MS });
  return token;
}

/** What a reset mail needs: the account, its address, its new link's token. */
export interface ResetDelivery {
  user: User;
  email: string;
  token: string;
}

/**
 * The resets that the "forgot your password" form's `login` (a nickname or an email address) asks for: one for
 * each account it names that has an email address; none for any other (the caller's answer does not say).
 */
export async function requestPasswordResets(stores: Stores, login: string, now: number): Promise<ResetDelivery[]> {
  const name = login.trim();
  if (name === '' || name.length > 254) return [];
  const users = name.includes('@')
    ? await stores.users.findByEmail(name, ACCOUNTS_PER_EMAIL)
    : [(await stores.users.findByNickname(name))?.user].filter((u): u is User => u !== undefined);
  const deliveries: ResetDelivery[] = [];
  for (const user of users) {
    if (!user.email) continue;
    deliveries.push({ user, email: user.email, token: await createPasswordReset(stores, user.id, now) });
  }
  return deliveries;
}

/** The plain-text mail with the link, in the user's language. */
export function resetMail(locale: Locale, nickname: string, link: string): { subject: string; text: string } {
  if (locale === 'ru') {
    return {
      subject: 'Monban: новый пароль',
      text:
        `Здравствуй, @${nickname}!\n\nКто-то (надеемся, ты) попросил задать новый пароль для этого аккаунта. ` +
        `Чтобы задать его, открой ссылку:\n\n${link}\n\nОна работает один раз и в течение часа. ` +
        'Если ты ничего не просил, просто не обращай внимания на это письмо: пароль останется прежним.\n',
    };
  }
  return {
    subject: 'Monban: set a new password',
    text:
      `Hello @${nickname},\n\nSomeone (we hope you) asked to set a new password for this account. ` +
      `To set it, open this link:\n\n${link}\n\nIt works once, within an hour. ` +
      'If you did not ask, ignore this mail: your password stays as it is.\n',
  };
}

/** A usable reset: its user, and whether the account had no password yet (imported: docs/import.md). */
export interface UsableReset {
  user: User;
  hadNoPassword: boolean;
}

/** The user of the unused, unexpired reset with this token; undefined for any other token. Writes nothing. */
export async function findUsableReset(stores: Stores, token: string, now: number): Promise<UsableReset | undefined> {
  if (!TOKEN.test(token)) return undefined;
  const userId = await stores.passwordResets.findUsable(secretHash(token), now);
  const user = userId === undefined ? undefined : await stores.users.findById(userId);
  if (!user) return undefined;
  const found = await stores.users.findByNickname(user.nickname);
  return { user, hadNoPassword: found?.user.id === user.id && passwordKind(found.passwordHash) === 'none' };
}

export type ResetProblem = 'password_length' | 'password_mismatch' | 'reset_invalid';

export type ResetOutcome =
  | { reset: true; userId: number; applicationsSignedOut: number }
  | { reset: false; field: 'password' | 'password_confirmation' | 'token'; problem: ResetProblem };

/**
 * Sets the password a reset link was for. The new password is judged first, so that a refused one leaves the link
 * usable; then, in one transaction, the link is used up (of concurrent uses exactly one gets it: the store's
 * consume), the argon2id hash set, every session of the user ended and, unless `keepApplications`, every token
 * and unredeemed code revoked (accounts.ts signOutEverywhere, as a password change).
 */
export async function completePasswordReset(
  stores: Stores,
  reset: { token: string; password: string; confirmation: string; keepApplications: boolean },
  now: number,
): Promise<ResetOutcome> {
  try {
    checkPassword(reset.password);
  } catch {
    return { reset: false, field: 'password', problem: 'password_length' };
  }
  if (reset.password !== reset.confirmation) {
    return { reset: false, field: 'password_confirmation', problem: 'password_mismatch' };
  }
  const invalid = { reset: false, field: 'token', problem: 'reset_invalid' } as const;
  if (!TOKEN.test(reset.token)) return invalid;
  // Hashed before the transaction, which then holds its locks only for the writes.
  const passwordHash = await hashPassword(reset.password);
  return stores.transaction(async (tx): Promise<ResetOutcome> => {
    const userId = await tx.passwordResets.consume(secretHash(reset.token), now);
    if (userId === undefined) return invalid;
    await tx.users.updatePassword(userId, passwordHash, now);
    const applicationsSignedOut = await signOutEverywhere(tx, userId, undefined, reset.keepApplications, now);
    return { reset: true, userId, applicationsSignedOut };
  });
}

/**
 * The cleanup's task (core/cleanup.ts): resets that expired or were used go EXPIRY_MARGIN_MS later, as the other
 * short-lived rows do.
 */
export function passwordResetCleanupTask(store: PasswordResetStore): CleanupTask {
  return { name: 'password_resets', deleteBatch: (now, limit) => store.deleteExpired(now - EXPIRY_MARGIN_MS, limit) };
}

/** Requests for a reset one address may make within the counter's window (SIGN_IN_WINDOW_MS, 15 minutes). */
export const RESET_REQUEST_LIMIT = 5;

/**
 * A limit on "forgot your password" requests per client address, on the sign-ins' counter (accounts/throttle.ts,
 * shared through Redis when set): every request counts, whatever it named, so that nobody mails a user link after
 * link, nor tries addresses by the thousand. False when the address is over the limit.
 */
export class PasswordResetThrottle {
  constructor(
    private readonly counter: AttemptCounter,
    readonly limit = RESET_REQUEST_LIMIT,
    readonly windowMs = SIGN_IN_WINDOW_MS,
  ) {}

  attempt(address: string): Promise<boolean> {
    return this.counter.acquire(`password-reset:address:${address}`, this.limit);
  }
}
