import type { ClientAuthentication } from '../client-authentication.js';
import { InvalidGrant, InvalidRequest, InvalidScope, type OAuthError } from '../errors.js';
import type { EventOf } from '../events.js';
import type { Application } from '../model.js';
import type { Stores } from '../ports/stores.js';
import { isSubset, parseScope } from '../scopes.js';
import { secretHash } from '../secrets.js';
import { issueSuccessor } from '../tokens.js';
import type { Grant } from './grant.js';
import { refreshAtOnce } from './refresh-at-once.js';
import { refreshRetired, refuseRevokedSuccessor } from './refresh-reuse.js';

/**
 * RFC 6749 §6 with Doorkeeper's rotation as Shikimori runs it (compatibility.md §4.4): a new access token and a new refresh
 * token; the old refresh token keeps working until the new access token is first used (tokens.completeRotation).
 * Every refresh of one token answers one successor pair, derived from it (tokens.issueSuccessor); a rotated-out
 * token gets it again within the grace period, and is a replay after it (refresh-reuse.ts).
 */
export const refreshTokenGrant: Grant = {
  type: 'refresh_token',

  async handle(ctx, params, authentication) {
    const refreshToken = params.get('refresh_token');
    if (refreshToken === undefined) throw InvalidRequest.missing('refresh_token');
    const refreshTokenHash = secretHash(refreshToken);
    const requested = params.get('scope');
    // The common case, a refresh that keeps its scope, in one statement; any other outcome takes the transaction.
    if (requested === undefined || requested.trim() === '') {
      const rotated = await refreshAtOnce(ctx, refreshToken, authentication);
      if (rotated) return rotated;
    }

    // Everything in one transaction that first locks the old token: the first use of a token issued earlier from
    // it (completeRotation, in any process) either waits for this refresh or makes it fail; never a new token
    // from a refresh token already retired.
    const refused = (applicationId: number | null, reason: RefusalReason, error: OAuthError): OAuthError => {
      ctx.events.emit({ type: 'refresh.refused', applicationId, reason });
      return error;
    };
    const refreshed = await ctx.stores.transaction(async (stores) => {
      const previous = await stores.tokens.lockForRefresh(refreshTokenHash);
      // Not live: unknown, revoked or rotated out, told apart once this transaction is over (refresh-reuse.ts).
      if (!previous) return undefined;
      // Wrong credentials are invalid_client; none at all, or another client's, are invalid_grant (Doorkeeper).
      const client = await refreshingClient(stores, authentication);
      if (!client || client.id !== previous.applicationId) {
        throw refused(previous.applicationId, 'wrong_client', new InvalidGrant());
      }

      let scopes = previous.scopes;
      // A blank scope keeps the old one, as Doorkeeper's `@original_scopes.present?` does (and resolveScopes).
      if (requested !== undefined && requested.trim() !== '') {
        const parsed = parseScope(requested);
        // RFC 6749 §6: the scope may narrow but never widen the original grant.
        if (parsed === null || parsed.length === 0 || !isSubset(parsed, previous.scopes)) {
          throw refused(client.id, 'invalid_scope', new InvalidScope());
        }
        scopes = parsed;
      }
      // The successor already made by an earlier refresh of this token is answered as it is, whatever `scope`
      // this request narrows to: one pair per refresh token, never sibling chains.
      const token = await issueSuccessor(stores.tokens, ctx.refreshSuccessorKey, refreshToken, {
        applicationId: client.id,
        userId: previous.userId,
        grantId: previous.grantId,
        parentId: previous.id,
        scopes,
        previousRefreshTokenHash: refreshTokenHash,
        expiresIn: ctx.accessTokenTtl,
        at: ctx.now(),
      });
      return { token, previous };
    });
    // The client read from the database, not the process's cache (issue 16): a retired token's client may get its
    // successor again, which a cached application must never grant past a change made in another process.
    if (!refreshed) {
      return refreshRetired(ctx, refreshToken, () => refreshingClient(ctx.stores, authentication, { fresh: true }));
    }
    const { token, previous } = refreshed;
    if (!token) throw refused(previous.applicationId, 'unknown_token', new InvalidGrant());
    // Outside the transaction, so that a replay's revocation is kept while the refresh fails.
    if (token.record.revokedAt !== null) return refuseRevokedSuccessor(ctx, previous, token.record);
    ctx.events.emit({
      type: 'token.refreshed',
      applicationId: token.record.applicationId,
      userId: token.record.userId,
      previousTokenId: previous.id,
      tokenId: token.record.id,
    });
    return token;
  },
};

type RefusalReason = EventOf<'refresh.refused'>['reason'];

/**
 * The client a refresh is for, or undefined for "no credentials". A confidential application's client_id without a
 * secret is no credentials (Doorkeeper's Credentials#blank?), as on Shikimori; a public application has nothing
 * but its client_id (RFC 6749 §2.1, §6), so that authenticates it under the one policy (client-authentication.ts).
 */
async function refreshingClient(
  stores: Stores,
  authentication: ClientAuthentication,
  options: { fresh?: boolean } = {},
): Promise<Application | undefined> {
  if (authentication.presentsSecret) return authentication.authenticate(stores, options);
  const presented = authentication.presented;
  if (presented === undefined) return undefined;
  const applications = stores.applications;
  const named = await (options.fresh && applications.findByUidFresh
    ? applications.findByUidFresh(presented.clientId)
    : applications.findByUid(presented.clientId));
  return named !== undefined && !named.confidential ? authentication.authenticate(stores, options) : undefined;
}
