import * as crypto from 'node:crypto';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * 32 bytes from the CSPRNG as URL-safe base64: 43 characters, 256 bits, the shape of Doorkeeper's
 * `SecureRandom.urlsafe_base64(32)` used for codes, tokens, client ids and secrets (RFC 6749 §10.10).
 */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Node's one-shot crypto.hash (Node 20.12 and later; `engines` allows any Node 20), which hashes a string, as UTF-8,
 * without building a Hash object: a third of createHash's time, and every bearer check and grant hashes secrets.
 */
const oneShotHash: typeof crypto.hash | undefined = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/**
 * What is stored instead of a secret. SHA-256 suffices for 256-bit random values (a slow hash would only cap
 * the token endpoint's speed); passwords use argon2id instead (accounts/passwords.ts).
 */
export function secretHash(secret: string): string {
  if (oneShotHash) return oneShotHash('sha256', secret, 'base64url');
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Whether a secret is the one with this hash. The empty hash, a public application's, matches no secret. */
export function secretMatches(secret: string, hash: string): boolean {
  if (hash === '') return false;
  const a = Buffer.from(secretHash(secret));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
