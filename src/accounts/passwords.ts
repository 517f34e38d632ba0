import { Algorithm, hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane): ASVS 11.4.2. */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash of nothing anyone knows, verified when a nickname is unknown so that both answers take as long. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(`decoy ${Math.random()}`);
  return decoy;
}

/**
 * Imported passwords (`monban import doorkeeper`, docs/import.md). Devise keeps bcrypt hashes of the password with
 * the site's pepper appended (`bcrypt(password + pepper)`); Monban keeps them as they are, checks them at sign-in
 * with the pepper the import stored (server_keys, DEVISE_PEPPER_KEY), and replaces each with its own argon2id hash
 * at the first sign-in that succeeds (accounts.ts). An account imported without a password has the empty hash,
 * which no password matches.
 */
export const DEVISE_PEPPER_KEY = 'devise_pepper';
export const NO_PASSWORD = '';
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

export type PasswordKind = 'monban' | 'bcrypt' | 'none';

export function passwordKind(passwordHash: string): PasswordKind {
  if (passwordHash === NO_PASSWORD) return 'none';
  return BCRYPT.test(passwordHash) ? 'bcrypt' : 'monban';
}

/** The hash an imported account keeps: Devise's bcrypt hash, or none when it has none Monban can check. */
export function importedPasswordHash(encryptedPassword: string): string {
  return BCRYPT.test(encryptedPassword) ? encryptedPassword : NO_PASSWORD;
}

/**
 * Devise's check: bcrypt over the password followed by the pepper. bcrypt reads at most 72 bytes, in Ruby's bcrypt
 * as in bcryptjs (both cycle the key into 18 words), so the part of a long pepper past them counts on neither side.
 * bcryptjs is plain JavaScript, so nothing to build on any platform; it runs in slices that let other requests in.
 */
export async function verifyImportedPassword(passwordHash: string, password: string, pepper: string): Promise<boolean> {
  try {
    return await bcrypt.compare(`${password}${pepper}`, passwordHash);
  } catch {
    return false;
  }
}
