import { InvalidGrant, InvalidRequest, InvalidScope, type OAuthError } from '../errors.js';
import type { EventOf } from '../events.js';
import { isSubset, parseScope } from '../scopes.js';
import { secretHash } from '../secrets.js';
import { issueToken } from '../tokens.js';
import type { Grant } from './grant.js';

/**
 * RFC 6749 §6 with Doorkeeper's rotation as Shikimori runs it (compatibility.md §4.4): a new access token and a new refresh
 * token; the old refresh token keeps working until the new access token is first used (tokens.completeRotation).
 */
export const refreshTokenGrant: Grant = {
  type: 'refresh_token',
  params: ['refresh_token', 'scope'],

  async handle(ctx, params, authentication) {
    const refreshToken = params.get('refresh_token');
    if (refreshToken === undefined) throw InvalidRequest.missing('refresh_token');
    const refreshTokenHash = secretHash(refreshToken);
    const requested = params.get('scope');

    // Everything in one transaction that first locks the old token: the first use of a token issued earlier from
    // it (completeRotation, in any process) either waits for this refresh or makes it fail; never a new token
    // from a refresh token already retired.
    const refused = (applicationId: number | null, reason: RefusalReason, error: OAuthError): OAuthError => {
      ctx.events.emit({ type: 'refresh.refused', applicationId, reason });
      return error;
    };
    const issued = await ctx.stores.transaction(async (stores) => {
      const previous = await stores.tokens.lockForRefresh(refreshTokenHash);
      if (!previous) throw refused(null, 'unknown_token', new InvalidGrant());
      // Wrong credentials are invalid_client; none at all, or another client's, are invalid_grant (Doorkeeper). A
      // client_id without a secret is no credentials (Doorkeeper's Credentials#blank?).
      const client = authentication.presentsSecret ? await authentication.authenticate(stores) : undefined;
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
      const token = await issueToken(stores.tokens, {
        applicationId: client.id,
        userId: previous.userId,
        grantId: previous.grantId,
        parentId: previous.id,
        scopes,
        withRefreshToken: true,
        previousRefreshTokenHash: refreshTokenHash,
        expiresIn: ctx.accessTokenTtl,
        at: ctx.now(),
      });
      return { token, previousTokenId: previous.id };
    });
    const { record } = issued.token;
    ctx.events.emit({
      type: 'token.refreshed',
      applicationId: record.applicationId,
      userId: record.userId,
      previousTokenId: issued.previousTokenId,
      tokenId: record.id,
    });
    return issued.token;
  },
};

type RefusalReason = EventOf<'refresh.refused'>['reason'];
