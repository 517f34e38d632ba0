import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { deviceCodeGrant } from './device-code.js';
import type { Grant } from './grant.js';
import { refreshTokenGrant } from './refresh-token.js';

/** The grant types the token endpoint accepts; `password` and `implicit` are not among them (RFC 9700 §2.4). */
export const GRANTS: ReadonlyMap<string, Grant> = new Map(
  [authorizationCodeGrant, refreshTokenGrant, clientCredentialsGrant, deviceCodeGrant].map((g) => [g.type, g]),
);

export type { Grant } from './grant.js';
