import { randomInt } from 'node:crypto';

/**
 * The code a user types on the verification page (RFC 8628 §6.1): eight letters from an alphabet without vowels
 * (no words spelled by chance) and without letters people confuse (no I/L/1, O/0), case-insensitive. 20^8 is about
 * 2^34.6 codes: enough, since a code lives minutes and wrong codes are throttled per address and per code.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
const HALF = USER_CODE_LENGTH / 2;

/** A new user code from the CSPRNG, in the form it is stored and compared in (`normalizeUserCode`). */
export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** As shown to the user and sent to the device: `XXXX-XXXX` (RFC 8628 §6.1, readable in two halves). */
export function formatUserCode(code: string): string {
  return `${code.slice(0, HALF)}-${code.slice(HALF)}`;
}

/**
 * What a user typed, as it is compared: upper case, without the dash and spaces people type or leave out (RFC 8628
 * §6.1). Undefined when it cannot be a user code at all, so nothing is looked up.
 */
export function normalizeUserCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== USER_CODE_LENGTH) return undefined;
  return [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : undefined;
}
