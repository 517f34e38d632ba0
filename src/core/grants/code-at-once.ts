import { createHash } from 'node:crypto';
import type { OAuthContext } from '../context.js';
import type { Application } from '../model.js';
import { verifierSatisfies } from '../pkce.js';
import { randomSecret, secretHash } from '../secrets.js';
import type { IssuedToken } from '../tokens.js';

/** What the exchange needs of the request, read by the grant (authorization-code.ts). */
export interface ExchangeRequest {
  codeHash: string;
  redirectUri: string;
  codeVerifier: string | undefined;
  at: number;
}

/**
 * The common code exchange in one statement (issue 16; codes.exchange): a live code of this client, with its
 * redirect_uri and a verifier that fits its challenge, is consumed and its token created at once. Undefined when
 * the statement consumes nothing, having written nothing: the grant's transaction then decides as it always has
 * (consuming a live code even when a check fails, and telling a replay apart), with its errors and events.
 */
export async function exchangeAtOnce(
  ctx: OAuthContext,
  client: Application,
  request: ExchangeRequest,
): Promise<IssuedToken | undefined> {
  const codeChallenge = challengeToMatch(request.codeVerifier, client);
  if (codeChallenge === undefined) return undefined;
  const accessToken = randomSecret();
  const refreshToken = randomSecret();
  const record = await ctx.stores.codes.exchange({
    codeHash: request.codeHash,
    applicationId: client.id,
    applicationVersion: client.version,
    redirectUri: request.redirectUri,
    codeChallenge,
    tokenHash: secretHash(accessToken),
    refreshTokenHash: secretHash(refreshToken),
    expiresIn: ctx.accessTokenTtl,
    at: request.at,
  });
  return record && { accessToken, refreshToken, record };
}

/**
 * The challenge a code must hold for this verifier to satisfy it (core/pkce.ts verifierSatisfies, RFC 7636 §4.6):
 * null for no verifier (the code must have no challenge, which a public client's code never lacks: then undefined),
 * BASE64URL(SHA256(verifier)) with method S256 for a verifier pkce.ts accepts, undefined for one it never accepts.
 */
function challengeToMatch(verifier: string | undefined, client: Application): string | null | undefined {
  if (verifier === undefined) return client.confidential ? null : undefined;
  const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return verifierSatisfies(verifier, { challenge, method: 'S256' }) ? challenge : undefined;
}
