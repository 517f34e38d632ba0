import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidRequest } from './errors.js';
import type { Application, CodeChallenge } from './model.js';
import type { Params } from './params.js';

/**
 * PKCE (RFC 7636) with S256 only: `plain` would send the verifier itself through the browser (RFC 9700 §2.1.1). A
 * challenge is optional for a confidential application and honoured whenever sent; a public one must send it.
 */
export const CODE_CHALLENGE_METHODS = ['S256'] as const;

/** RFC 7636 §4.1, §4.2: a code_verifier and a code_challenge are 43 to 128 characters of the unreserved set. */
const UNRESERVED_43_TO_128 = /^[A-Za-z0-9._~-]{43,128}$/;

/** The error descriptions, in error_description's characters (RFC 6749 §4.1.2.1): no quotes, no backslash. */
export const PKCE_DESCRIPTIONS = {
  // Doorkeeper's `invalid_code_challenge_method` (one accepted method), for plain, unknown and missing methods alike.
  method: 'The code_challenge_method must be S256.',
  malformed: 'The code_challenge must be 43 to 128 characters of A-Z, a-z, 0-9, hyphen, period, underscore and tilde.',
  requiredOfPublicClients: 'Missing required parameter: code_challenge. A public client must use PKCE with S256.',
} as const;

/**
 * checkPkce for the authorization endpoint (RFC 7636 §4.3, §4.4.1): the request's challenge, undefined when it
 * sent none. A missing method means `plain` (RFC 7636 §4.3), which is refused like any method but S256. A method
 * without a challenge is no PKCE, as Doorkeeper reads it; a public application must send one (RFC 9700 §2.1.1).
 */
export function checkCodeChallenge(params: Params, application: Application): CodeChallenge | undefined {
  const challenge = params.get('code_challenge');
  if (challenge === undefined) {
    if (!application.confidential) throw new InvalidRequest(PKCE_DESCRIPTIONS.requiredOfPublicClients);
    return undefined;
  }
  const method = params.get('code_challenge_method');
  if (method !== 'S256') throw new InvalidRequest(PKCE_DESCRIPTIONS.method);
  if (!UNRESERVED_43_TO_128.test(challenge)) throw new InvalidRequest(PKCE_DESCRIPTIONS.malformed);
  return { challenge, method };
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))), compared in constant time. */
function s256Matches(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

/**
 * Whether the code_verifier sent at the token endpoint fits the code's challenge (RFC 7636 §4.5, §4.6). Without a
 * challenge no verifier may be sent: a verifier for a code issued without one is a downgrade (RFC 9700 §4.8.2), an
 * attacker's code injected into a client that uses PKCE. A malformed verifier never matches (RFC 7636 §4.1).
 */
export function verifierSatisfies(verifier: string | undefined, challenge: CodeChallenge | null): boolean {
  if (challenge === null) return verifier === undefined;
  if (verifier === undefined || !UNRESERVED_43_TO_128.test(verifier)) return false;
  return challenge.method === 'S256' && s256Matches(verifier, challenge.challenge);
}
