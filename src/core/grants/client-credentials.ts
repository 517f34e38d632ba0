import { UnauthorizedClient } from '../errors.js';
import { resolveScopes } from '../scopes.js';
import { issueToken } from '../tokens.js';
import type { Grant } from './grant.js';

/** RFC 6749 §4.4: a token for the client itself, with no user and no refresh token (compatibility.md §4.5). */
export const clientCredentialsGrant: Grant = {
  type: 'client_credentials',

  async handle(ctx, params, authentication) {
    const client = await authentication.authenticate(ctx.stores);
    // RFC 6749 §4.4: only a confidential client may ask for a token of its own.
    if (!client.confidential) throw new UnauthorizedClient();
    const scopes = resolveScopes(params.get('scope'), client.scopes);
    return issueToken(ctx.stores.tokens, {
      applicationId: client.id,
      userId: null,
      grantId: null,
      parentId: null,
      scopes,
      withRefreshToken: false,
      previousRefreshTokenHash: null,
      expiresIn: ctx.accessTokenTtl,
      at: ctx.now(),
    });
  },
};
