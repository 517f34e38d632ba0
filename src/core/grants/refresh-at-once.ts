import type { ClientAuthentication } from '../client-authentication.js';
import type { OAuthContext } from '../context.js';
import { successorOf } from '../refresh-successor.js';
import { secretHash } from '../secrets.js';
import type { IssuedToken } from '../tokens.js';

/**
 * The common refresh in one statement (issue 16; tokens.rotate): a live refresh token of the client that presents
 * it, with no narrower scope asked for, gets its successor (compatibility.md §4.4) with no transaction around it.
 * Undefined when that statement creates nothing, having written nothing: the grant's transaction then decides, as it
 * always has (refresh-token.ts), every other case (a retired or revoked token, another client, a successor made by an
 * earlier refresh, an owner gone, an application changed since this process cached it) with its error and its events.
 */
export async function refreshAtOnce(
  ctx: OAuthContext,
  refreshToken: string,
  authentication: ClientAuthentication,
): Promise<IssuedToken | undefined> {
  // Undefined whenever authenticate might refuse: then the transaction authenticates as it always has, and a failure
  // is reported once, there, and only in the cases it is reported today (refresh-token.ts refreshingClient,
  // refresh-reuse.ts).
  const client = await authentication.identify(ctx.stores);
  if (!client) return undefined;
  const successor = successorOf(ctx.refreshSuccessorKey, refreshToken);
  const record = await ctx.stores.tokens.rotate({
    refreshTokenHash: secretHash(refreshToken),
    applicationId: client.id,
    // The application may come from this process's cache: the statement checks it is current (issue 16).
    applicationVersion: client.version,
    tokenHash: secretHash(successor.accessToken),
    successorRefreshTokenHash: secretHash(successor.refreshToken),
    expiresIn: ctx.accessTokenTtl,
    at: ctx.now(),
  });
  if (!record) return undefined;
  if (record.parentId === null) throw new Error('a rotated token has no parent');
  ctx.events.emit({
    type: 'token.refreshed',
    applicationId: record.applicationId,
    userId: record.userId,
    previousTokenId: record.parentId,
    tokenId: record.id,
  });
  return { ...successor, record };
}
