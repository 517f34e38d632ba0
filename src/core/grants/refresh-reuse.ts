import type { OAuthContext } from '../context.js';
import { InvalidClient, InvalidGrant } from '../errors.js';
import type { EventOf } from '../events.js';
import type { AccessToken, Application } from '../model.js';
import { successorOf } from '../refresh-successor.js';
import { secretHash } from '../secrets.js';
import type { IssuedToken } from '../tokens.js';

/**
 * Refresh tokens that are no longer live, told apart (compatibility.md §4.4, "Monban differs"; RFC 9700 §4.14.2):
 * - revoked (the revoke endpoint, Revoke access, a password change, a replay): `invalid_grant`, as on Shikimori;
 * - rotated out (the first use of its successor retired it, core/bearer.ts) and presented again by its own client
 *   within MONBAN_REFRESH_REUSE_GRACE seconds of that use, while the successor is live and not yet refreshed
 *   itself: that successor again, as the refresh that made it answered (a late one of several concurrent
 *   refreshes, say);
 * - rotated out otherwise: a replay. `invalid_grant`, and the whole token family is revoked.
 * Every decision rests on rows the database holds, so every process decides alike.
 */
export async function refreshRetired(
  ctx: OAuthContext,
  refreshToken: string,
  /** The client the request authenticates as (refresh-token.ts, refreshingClient); undefined for none. */
  identify: () => Promise<Application | undefined>,
): Promise<IssuedToken> {
  const retired = await ctx.stores.tokens.findByRefreshToken(secretHash(refreshToken));
  if (!retired || retired.revokedAt === null || retired.rotatedAt === null) {
    throw refused(ctx, null, 'unknown_token');
  }
  // Doorkeeper answers invalid_grant for a retired token before it looks at the client, so a wrong secret is
  // invalid_grant here too. Only the token's own client gets the successor or sets off the revocation: a leaked old
  // refresh token alone cannot sign the user out of a confidential application.
  const client = await identify().catch((err: unknown) => {
    if (err instanceof InvalidClient) return undefined;
    throw err;
  });
  if (client?.id !== retired.applicationId) throw refused(ctx, retired.applicationId, 'wrong_client');

  const successor = successorOf(ctx.refreshSuccessorKey, refreshToken);
  const record = await ctx.stores.tokens.findByToken(secretHash(successor.accessToken));
  if (record && record.revokedAt !== null && record.rotatedAt === null) {
    // The successor was revoked: there is no pair to answer, and its revocation already decided the rest.
    throw refused(ctx, retired.applicationId, 'unknown_token');
  }
  if (ctx.now() < retired.rotatedAt + ctx.refreshReuseGrace * 1000) {
    // A successor made before Monban derived successors cannot be derived again: refused, as on Shikimori.
    if (!record) throw refused(ctx, retired.applicationId, 'unknown_token');
    if (record.revokedAt === null && !(await refreshedAlready(ctx, successor.refreshToken))) {
      ctx.events.emit({
        type: 'token.refreshed',
        applicationId: record.applicationId,
        userId: record.userId,
        previousTokenId: retired.id,
        tokenId: record.id,
      });
      return { ...successor, record };
    }
  }
  return replayed(ctx, retired);
}

/**
 * A live refresh token whose successor exists but is revoked (refresh-token.ts): when the successor was rotated
 * out, the chain has moved past it (its own successor was used) and this refresh is a replay; otherwise the
 * successor was revoked, and so is the pair this refresh would answer.
 */
export async function refuseRevokedSuccessor(
  ctx: OAuthContext,
  previous: AccessToken,
  successor: AccessToken,
): Promise<never> {
  if (successor.rotatedAt !== null) return replayed(ctx, previous);
  throw refused(ctx, previous.applicationId, 'unknown_token');
}

/** Whether the successor's refresh token has been refreshed: its own (derived) successor exists. */
async function refreshedAlready(ctx: OAuthContext, successorRefreshToken: string): Promise<boolean> {
  const next = successorOf(ctx.refreshSuccessorKey, successorRefreshToken);
  return (await ctx.stores.tokens.findByToken(secretHash(next.accessToken))) !== undefined;
}

/**
 * RFC 9700 §4.14.2: a refresh token used twice means two parties hold it, so the whole family goes, the live
 * successor included: by its authorization code, or along its refresh chain when it has none.
 */
async function replayed(ctx: OAuthContext, token: AccessToken): Promise<never> {
  const now = ctx.now();
  const tokensRevoked =
    token.grantId === null
      ? await ctx.stores.tokens.revokeChain(token.id, now)
      : await ctx.stores.tokens.revokeFamily(token.grantId, now);
  ctx.events.emit({
    type: 'refresh.replayed',
    applicationId: token.applicationId,
    userId: token.userId,
    grantId: token.grantId,
    tokensRevoked,
  });
  throw new InvalidGrant();
}

function refused(ctx: OAuthContext, applicationId: number | null, reason: RefusalReason): InvalidGrant {
  ctx.events.emit({ type: 'refresh.refused', applicationId, reason });
  return new InvalidGrant();
}

type RefusalReason = EventOf<'refresh.refused'>['reason'];
