import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * 32 bytes from the CSPRNG as URL-safe base64: 43 characters, 256 bits, the shape of Doorkeeper's
 * `SecureRandom.urlsafe_base64(32)` used for codes, tokens, client ids and secrets (RFC 6749 §10.10).
 */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What is stored instead of a secret. SHA-256 suffices for 256-bit random values (a slow hash would only cap
 * the token endpoint's speed); passwords use argon2id instead (accounts/passwords.ts).
 */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Whether a secret is the one with this hash. The empty hash, a public application's, matches no secret. */
export function secretMatches(secret: string, hash: string): boolean {
  if (hash === '') return false;
  const a = Buffer.from(secretHash(secret));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
