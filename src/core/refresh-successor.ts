import { createHmac, type KeyObject } from 'node:crypto';

/** The access and refresh token that succeed a refresh token, in clear. */
export interface SuccessorSecrets {
  accessToken: string;
  refreshToken: string;
}

// Neither label is a prefix of the other, so no refresh token makes one input equal to the other's.
const ACCESS_TOKEN_LABEL = 'monban refresh successor: access token\n';
const REFRESH_TOKEN_LABEL = 'monban refresh successor: refresh token\n';

function derive(key: KeyObject, label: string, refreshToken: string): string {
  return createHmac('sha256', key).update(label, 'utf8').update(refreshToken, 'utf8').digest('base64url');
}

/**
 * The pair that succeeds `refreshToken` (compatibility.md §4.4, "Monban differs"): HMAC-SHA-256 under the server's
 * key (migration 005, read at start-up), base64url, 43 characters like every Monban secret (core/secrets.ts). The
 * database keeps only hashes, so a repeated refresh cannot read the pair back: it derives the same pair again. The
 * key derives nothing without the refresh token in clear, which the database never holds; without the key, a
 * refresh token tells nothing about its successor.
 */
export function successorOf(key: KeyObject, refreshToken: string): SuccessorSecrets {
  return {
    accessToken: derive(key, ACCESS_TOKEN_LABEL, refreshToken),
    refreshToken: derive(key, REFRESH_TOKEN_LABEL, refreshToken),
  };
}
