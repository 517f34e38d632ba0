import { ClientUsageError } from './errors.js';

function subtle(): SubtleCrypto {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (crypto?.subtle === undefined) {
    throw new ClientUsageError(
      'crypto_unavailable',
      'Web Crypto (crypto.subtle) is needed: a secure context or Node >= 20',
    );
  }
  return crypto.subtle;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * 32 random bytes as 43 characters of base64url: a `state` (RFC 6749 §10.12) or a PKCE `code_verifier` (RFC 7636
 * §4.1, which asks for at least 256 bits of entropy).
 *
 * @example
 * ```ts
 * const state = randomToken();
 * ```
 */
export function randomToken(): string {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (crypto?.getRandomValues === undefined) {
    throw new ClientUsageError('crypto_unavailable', 'crypto.getRandomValues is needed');
  }
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The S256 `code_challenge` of a verifier: base64url(SHA-256(verifier)) (RFC 7636 §4.2).
 *
 * @example
 * ```ts
 * const verifier = randomToken();
 * const challenge = await codeChallengeS256(verifier); // send with code_challenge_method=S256
 * ```
 */
export async function codeChallengeS256(verifier: string): Promise<string> {
  const digest = await subtle().digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}
