import type { Locale, User } from '../core/model.js';
import { NicknameTaken, type Stores } from '../storage/stores.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';

export interface Registration {
  nickname: string;
  password: string;
  email?: string | undefined;
  admin?: boolean;
  locale?: Locale;
}

/** A registration that cannot be accepted, with the field it concerns and a message fit for the user. */
export class RegistrationError extends Error {
  constructor(
    readonly field: 'nickname' | 'password' | 'email',
    message: string,
  ) {
    super(message);
    this.name = 'RegistrationError';
  }
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
const NICKNAME = /^[\p{L}\p{N}_.-]{2,20}$/u;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkRegistration(r: Registration): void {
  if (!NICKNAME.test(r.nickname)) {
    throw new RegistrationError(
      'nickname',
      'Nickname must be 2 to 20 letters, digits, dots, dashes or underscores.',
    );
  }
  if (r.password.length < PASSWORD_MIN || r.password.length > PASSWORD_MAX) {
    throw new RegistrationError('password', `Password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.`);
  }
  if (r.email !== undefined && r.email !== '' && !EMAIL.test(r.email)) {
    throw new RegistrationError('email', 'Email address is not valid.');
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
    if (err instanceof NicknameTaken) throw new RegistrationError('nickname', 'This nickname is already taken.');
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
